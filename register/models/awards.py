"""Contract award records imported from OCDS or CSV, their suppliers, buyers and import runs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import Department, User


class Award(Base):
    __tablename__ = "award"
    __table_args__ = (UniqueConstraint("ocid", "award_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ocid: Mapped[str] = mapped_column(String(200))
    award_id: Mapped[str] = mapped_column(String(300))
    release_id: Mapped[str | None] = mapped_column(String(300))
    release_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    buyer_name: Mapped[str | None] = mapped_column(String(300))
    buyer_identifier: Mapped[str | None] = mapped_column(String(200), index=True)
    buyer_key: Mapped[str | None] = mapped_column(String(300), index=True)  # normalised name
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    award_date: Mapped[date | None] = mapped_column(Date, index=True)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    content_digest: Mapped[str] = mapped_column(String(64))  # of everything imported
    source: Mapped[str | None] = mapped_column(String(500))
    # One contract published twice (two OCIDs, the same buyer, suppliers, value, award date and
    # title) is one award: every publication has this key (register.awards.duplicates), and all
    # but the first imported point at that first one, which alone is screened and counted.
    duplicate_key: Mapped[str | None] = mapped_column(String(64), index=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()
    duplicate_of: Mapped[Award | None] = relationship(remote_side=[id])
    suppliers: Mapped[list[AwardSupplier]] = relationship(
        back_populates="award", order_by="AwardSupplier.position", cascade="all, delete-orphan"
    )


class AwardSupplier(Base):
    """One supplier of an award; rows keep their id across updates so flags stay attached."""

    __tablename__ = "award_supplier"
    __table_args__ = (UniqueConstraint("award_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    aliases: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of trading names
    identifiers: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of [scheme, id]
    company_number: Mapped[str | None] = mapped_column(String(20), index=True)  # GB-COH
    # Its name in the stored candidate index (register.candidate_index); none while its award
    # is another publication of an award, which alone is screened.
    screening_name_id: Mapped[int | None] = mapped_column(
        ForeignKey("screening_name.id"), index=True
    )

    award: Mapped[Award] = relationship(back_populates="suppliers")


class BuyerMapping(Base):
    """Which register department a buyer (by normalised name) is."""

    __tablename__ = "buyer_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_key: Mapped[str] = mapped_column(String(300), unique=True)
    buyer_name: Mapped[str] = mapped_column(String(300))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()


class ImportRun(Base):
    """One import of one file: what was read, imported, updated, unchanged and rejected."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    detected_format: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running/completed/failed
    message: Mapped[str | None] = mapped_column(Text)
    read: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    actor: Mapped[User | None] = relationship()
    rejections: Mapped[list[ImportRejection]] = relationship(
        order_by="ImportRejection.id", cascade="all, delete-orphan"
    )


class ImportRejection(Base):
    __tablename__ = "import_rejection"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(Text)
    record: Mapped[str] = mapped_column(Text)


Index("ix_award_supplier_award_id", AwardSupplier.award_id)
# Award search matches lower(name) LIKE '%text%': trigram indexes on PostgreSQL (migration 0006).
for _column in (AwardSupplier.name, AwardSupplier.aliases):
    Index(
        f"ix_award_supplier_{_column.key}_trgm",
        func.lower(_column).label(f"lower_{_column.key}"),
        postgresql_using="gin",
        postgresql_ops={f"lower_{_column.key}": "gin_trgm_ops"},
    )
