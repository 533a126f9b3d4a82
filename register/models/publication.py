"""Published editions of the public register and their redactions, both immutable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.declarations import DeclarationCycle, ImmutableRecordError
from register.models.people import User


class PublishedEdition(Base):
    """An immutable edition of the public register: a redacted snapshot and its digest."""

    __tablename__ = "published_edition"
    __table_args__ = (UniqueConstraint("cycle_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("declaration_cycle.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    snapshot: Mapped[str] = mapped_column(Text)  # canonical JSON of the published content
    snapshot_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of snapshot

    cycle: Mapped[DeclarationCycle] = relationship()
    published_by: Mapped[User | None] = relationship()
    redactions: Mapped[list[Redaction]] = relationship(
        back_populates="edition", order_by="Redaction.id"
    )


class Redaction(Base):
    """One field-level redaction rule applied to an edition, with the recorded reason."""

    __tablename__ = "redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("published_edition.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    rule: Mapped[str] = mapped_column(String(20))  # "withhold" or "band"
    reason: Mapped[str] = mapped_column(Text)

    edition: Mapped[PublishedEdition] = relationship(back_populates="redactions")


@event.listens_for(PublishedEdition, "before_update")
@event.listens_for(Redaction, "before_update")
def _refuse_edition_update(mapper: object, connection: object, target: object) -> None:
    raise ImmutableRecordError("published editions are immutable")


@event.listens_for(PublishedEdition, "before_delete")
@event.listens_for(Redaction, "before_delete")
def _refuse_edition_delete(mapper: object, connection: object, target: object) -> None:
    raise ImmutableRecordError("published editions cannot be deleted")
