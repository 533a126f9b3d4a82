"""Departments and users (officials, compliance officers, auditors, administrators)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime

OFFICIAL = "official"
COMPLIANCE = "compliance"
AUDITOR = "auditor"
ADMIN = "admin"
PROCUREMENT_LEAD = "procurement"
ROLES = {
    OFFICIAL: "Official",
    COMPLIANCE: "Compliance officer",
    AUDITOR: "Auditor",
    ADMIN: "Administrator",
    PROCUREMENT_LEAD: "Procurement lead",
}

compliance_assignment = Table(
    "compliance_assignment",
    Base.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Base):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


def new_session_token() -> str:
    """A fresh random session token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    __tablename__ = "user"
    # One provider identity signs in to one account at most.
    __table_args__ = (UniqueConstraint("sso_issuer", "sso_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    job_title: Mapped[str | None] = mapped_column(String(200))
    is_senior: Mapped[bool] = mapped_column(Boolean, default=False)
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # For screening against company-officer records; optional, collected only if chosen.
    other_names: Mapped[str | None] = mapped_column(Text)  # one name a line
    birth_month: Mapped[int | None] = mapped_column(Integer)
    birth_year: Mapped[int | None] = mapped_column(Integer)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A machine that uses the API (an HR feed, a reporting job): it has tokens an administrator
    # mints for it, and never signs in on the web. Fixed when the account is made, so no person
    # can be turned into one to have tokens minted in their name. A server default: rows written
    # by code that predates the column (bulk loads, old migrations' tests) stay valid.
    is_service_account: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The user's credential generation: each server-side session (register.models.sign_in
    # UserSession) is valid only while this is the value it started with, so changing it signs
    # the user out everywhere.
    # The database makes one too for a row inserted without it (migration 0008: bulk loads).
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The single sign-on identity (the OpenID provider's issuer and subject) that first signed
    # in to this account: a later sign-in naming the same email under another subject (an address
    # given to someone else at the provider) is refused (register.auth.single_sign_on).
    sso_issuer: Mapped[str | None] = mapped_column(String(500))
    sso_subject: Mapped[str | None] = mapped_column(String(255))

    department: Mapped[Department | None] = relationship()
    assigned_departments: Mapped[list[Department]] = relationship(
        secondary=compliance_assignment, order_by="Department.name"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users, and service accounts
        return self.active and not self.is_service_account

    def get_id(self) -> str:
        """Never the id: sign-in (register.auth.routes.signed_in) puts the key of a new
        server-side session in the cookie in place of what Flask-Login takes from here."""
        return self.session_token

    def rotate_session_token(self) -> None:
        """End every session of this user (each browser must sign in again)."""
        self.session_token = new_session_token()

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


@event.listens_for(User.password_hash, "set")
def _password_set_ends_sessions(user: User, value: str, old: Any, initiator: Any) -> None:
    """A new password, whoever sets it, ends the sessions signed in with the old one."""
    user.rotate_session_token()


@event.listens_for(User.active, "set")
def _deactivation_ends_sessions(user: User, value: bool, old: Any, initiator: Any) -> None:
    """A deactivated account's sessions end, and do not come back if it is reactivated."""
    if not value:
        user.rotate_session_token()


class RosterUpload(Base):
    """A roster file kept between its preview and the administrator's confirmation, so what is
    imported is exactly what was previewed (the digest is checked; nothing comes back from the
    browser but the upload's id)."""

    __tablename__ = "roster_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of content
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
