"""Access requests: a grant of a privileged role, or of departments to review, waits here for
a second administrator's decision (separation of duties)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.clock import utcnow
from register.models.base import Base, UTCDateTime
from register.models.people import User

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"

# What is asked: a new person with a privileged role (created inactive), a change of an existing
# person's role or reviewed departments, or reactivating a person with a privileged role.
NEW_PERSON = "new_person"
CHANGE = "change"
REACTIVATE = "reactivate"
KINDS = {
    NEW_PERSON: "New person",
    CHANGE: "Change of access",
    REACTIVATE: "Reactivation",
}


class AccessRequest(Base):
    __tablename__ = "access_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # JSON objects over the same keys (role, assigned_departments as codes, active): the state
    # asked to change from, and to. Approval applies `after` only if the person is still `before`.
    before: Mapped[str] = mapped_column(Text)
    after: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # given with a rejection

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def before_state(self) -> dict[str, Any]:
        return dict(json.loads(self.before))

    @property
    def after_state(self) -> dict[str, Any]:
        return dict(json.loads(self.after))

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)
