"""Declaration cycles, declarations, their immutable versions and the declared interests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import Department, User

cycle_department = Table(
    "cycle_department",
    Base.metadata,
    Column("cycle_id", ForeignKey("declaration_cycle.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class DeclarationCycle(Base):
    __tablename__ = "declaration_cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # Set when an administrator closes the cycle: no longer the default, no reminders.
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    departments: Mapped[list[Department]] = relationship(
        secondary=cycle_department, order_by="Department.name"
    )


DRAFT = "draft"
# How precisely a declared date was given.
DAY = "day"
MONTH = "month"
SUBMITTED = "submitted"


class Declaration(Base):
    """One official's declaration for one cycle: a working copy plus submitted versions."""

    __tablename__ = "declaration"
    __table_args__ = (UniqueConstraint("official_id", "cycle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("declaration_cycle.id"), index=True)
    # DRAFT while the working copy differs from the last version (or none exists yet).
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    is_nil: Mapped[bool] = mapped_column(Boolean, default=False)
    first_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    official: Mapped[User] = relationship()
    cycle: Mapped[DeclarationCycle] = relationship()
    interests: Mapped[list[Interest]] = relationship(
        back_populates="declaration", order_by="Interest.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list[DeclarationVersion]] = relationship(
        back_populates="declaration", order_by="DeclarationVersion.number"
    )


class DeclarationVersion(Base):
    """An immutable submitted or amended version, with its attestation and content digest."""

    __tablename__ = "declaration_version"
    __table_args__ = (UniqueConstraint("declaration_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    amendment_reason: Mapped[str | None] = mapped_column(Text)
    is_nil: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of every interest
    content_digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of content
    attestation_text: Mapped[str] = mapped_column(Text)
    attested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    attested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attested_from_ip: Mapped[str | None] = mapped_column(String(64))

    declaration: Mapped[Declaration] = relationship(back_populates="versions")
    attested_by: Mapped[User] = relationship()


class ImmutableRecordError(Exception):
    """Raised when code tries to change or delete a record that must never change."""


@event.listens_for(DeclarationVersion, "before_update")
def _refuse_version_update(mapper: object, connection: object, target: DeclarationVersion) -> None:
    raise ImmutableRecordError(f"declaration version {target.id} is immutable")


@event.listens_for(DeclarationVersion, "before_delete")
def _refuse_version_delete(mapper: object, connection: object, target: DeclarationVersion) -> None:
    raise ImmutableRecordError(f"declaration version {target.id} cannot be deleted")


def new_lineage() -> str:
    return uuid.uuid4().hex


class Interest(Base):
    """A declared interest in the working copy of a declaration.

    `lineage` stays the same when an interest is carried into the next cycle, so flags about it
    keep their identity and decisions across cycles.
    """

    __tablename__ = "interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    lineage: Mapped[str] = mapped_column(String(32), default=new_lineage, index=True)
    category: Mapped[str] = mapped_column(String(20))
    whose: Mapped[str] = mapped_column(String(20), default="self")
    organisation_name: Mapped[str] = mapped_column(String(300))
    identifier_scheme: Mapped[str | None] = mapped_column(String(20))  # GB-COH, GB-CHC
    organisation_identifier: Mapped[str | None] = mapped_column(String(40), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    # How much of each date was given: DAY, or MONTH (month and year only). A month-only start
    # is stored as the 1st and a month-only end as the last day of the month, so that whatever
    # reads the dates never shortens the interest; the precision says how to show them.
    start_date_precision: Mapped[str] = mapped_column(String(5), default=DAY, server_default=DAY)
    end_date_precision: Mapped[str] = mapped_column(String(5), default=DAY, server_default=DAY)
    details: Mapped[str | None] = mapped_column(Text)
    # Directorship, employment, membership.
    role: Mapped[str | None] = mapped_column(String(100))
    paid: Mapped[bool | None] = mapped_column(Boolean)
    hours_per_month: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))  # 7.5 hours
    # Shareholding.
    percentage: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    value_band: Mapped[str | None] = mapped_column(String(20))
    holding: Mapped[str | None] = mapped_column(String(20))
    blind_trust: Mapped[bool | None] = mapped_column(Boolean)
    # Close personal relationship.
    related_person_name: Mapped[str | None] = mapped_column(String(200))
    relationship_type: Mapped[str | None] = mapped_column(String(40))
    # Gift or hospitality (the gift date is start_date).
    donor_kind: Mapped[str | None] = mapped_column(String(20))
    value_pounds: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    # Set when an interest that appeared in a submitted version is removed in a later draft.
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    declaration: Mapped[Declaration] = relationship(back_populates="interests")
    related_organisations: Mapped[list[RelatedOrganisation]] = relationship(
        back_populates="interest",
        order_by="RelatedOrganisation.position",
        cascade="all, delete-orphan",
    )


class RelatedOrganisation(Base):
    """An organisation where the related person of a close relationship works or holds office."""

    __tablename__ = "related_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interest.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(300))
    # The organisation's own scheme and number: never the main organisation's.
    identifier_scheme: Mapped[str | None] = mapped_column(String(20))  # GB-COH, GB-CHC
    organisation_identifier: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str | None] = mapped_column(String(100))

    interest: Mapped[Interest] = relationship(back_populates="related_organisations")
