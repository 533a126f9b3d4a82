"""Company officers and people with significant control, and undeclared-interest findings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.flags import Flag
from register.models.people import User

OFFICER = "officer"
PSC = "psc"


class CompanyOfficer(Base):
    """One appointment of a person to a company: an officer (CSV) or a PSC (BODS).

    Identity is (source, record key): the BODS ownership-or-control statement id, or a digest of
    company number, name, role and appointment date for officer rows, so re-imports update rows.
    """

    __tablename__ = "company_officer"
    __table_args__ = (UniqueConstraint("source", "record_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # "bods" or "officers_csv"
    record_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # OFFICER or PSC
    company_number: Mapped[str] = mapped_column(String(20), index=True)
    company_name: Mapped[str | None] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(300))
    person_key: Mapped[str] = mapped_column(String(300))  # people.PersonName.text
    role: Mapped[str] = mapped_column(String(200))
    appointed_on: Mapped[date | None] = mapped_column(Date)
    resigned_on: Mapped[date | None] = mapped_column(Date)
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    content_digest: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(500))  # file and position
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UndeclaredFinding(Base):
    """What an undeclared-interest flag found, and whether the official may be asked about it.

    The prompt to the official shows only once a compliance officer has released it, so an
    investigation is not tipped off.
    """

    __tablename__ = "undeclared_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flag.id"), unique=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("company_officer.id"))
    company_number: Mapped[str] = mapped_column(String(20))
    company_name: Mapped[str] = mapped_column(String(500))
    officer_name: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(200))
    appointed_on: Mapped[date | None] = mapped_column(Date)
    resigned_on: Mapped[date | None] = mapped_column(Date)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    flag: Mapped[Flag] = relationship()
    released_by: Mapped[User | None] = relationship()
