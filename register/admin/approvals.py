"""Separation of duties: granting a privileged role (compliance officer, auditor,
administrator), assigning departments to a compliance officer, or reactivating a person with a
privileged role waits for a second administrator. The request, its approval or rejection, and
the removal of a privileged role are audited and announced to every administrator and auditor.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.auth.invitations import send_invitation
from register.clock import utcnow
from register.models import AccessRequest, Department, User
from register.models.access_requests import APPROVED, NEW_PERSON, PENDING, REJECTED
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, PROCUREMENT_LEAD, ROLES
from register.notify.messages import notify_access_change

# A procurement lead reads the declared interests of everyone acting on their procurements.
PRIVILEGED_ROLES = (COMPLIANCE, AUDITOR, ADMIN, PROCUREMENT_LEAD)


class ApprovalError(Exception):
    """A request or decision that breaks the rules; the message says which."""


def access_state(user: User) -> dict[str, Any]:
    """What an access request is about, as it stands: role, reviewed departments, active."""
    return {
        "role": user.role,
        "assigned_departments": sorted(d.code for d in user.assigned_departments),
        "active": user.active,
    }


def describe(state: dict[str, Any]) -> str:
    """An access state in words ("Compliance officer reviewing DFE, DCS; active")."""
    parts = []
    if "role" in state:
        role = ROLES.get(state["role"], state["role"])
        codes = state.get("assigned_departments") or []
        parts.append(f"{role} reviewing {', '.join(codes)}" if codes else role)
    elif state.get("assigned_departments") is not None:
        parts.append(f"reviewing {', '.join(state['assigned_departments']) or 'no department'}")
    if "active" in state:
        parts.append("active" if state["active"] else "not active")
    return "; ".join(parts)


def pending_request(session: Session, user: User) -> AccessRequest | None:
    return session.scalar(
        select(AccessRequest).where(
            AccessRequest.user_id == user.id, AccessRequest.status == PENDING
        )
    )


def pending_count(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(AccessRequest).where(AccessRequest.status == PENDING)
        )
        or 0
    )


def pending_requests(session: Session) -> list[AccessRequest]:
    return list(
        session.scalars(
            select(AccessRequest)
            .where(AccessRequest.status == PENDING)
            .order_by(AccessRequest.requested_at, AccessRequest.id)
        )
    )


def decided_requests(session: Session, limit: int = 50) -> list[AccessRequest]:
    return list(
        session.scalars(
            select(AccessRequest)
            .where(AccessRequest.status != PENDING)
            .order_by(AccessRequest.decided_at.desc(), AccessRequest.id.desc())
            .limit(limit)
        )
    )


def request_access(
    session: Session,
    user: User,
    kind: str,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    actor: User,
    ip_address: str | None = None,
) -> AccessRequest:
    """Ask for `user`'s access to go from `before` to `after` (audited and announced); nothing
    changes until another administrator approves it."""
    if pending_request(session, user) is not None:
        raise ApprovalError(
            f"A change of {user.email}'s access already waits for approval: another "
            "administrator must approve or reject it first"
        )
    row = AccessRequest(
        kind=kind,
        user_id=user.id,
        before=json.dumps(before, sort_keys=True),
        after=json.dumps(after, sort_keys=True),
        status=PENDING,
        requested_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    record(
        session,
        "admin.access_requested",
        f"Asked for {user.email} to be {describe(after)} (request {row.id})",
        actor=actor,
        object_type="access_request",
        object_id=row.id,
        ip_address=ip_address,
        details={"user": user.email, "kind": kind, "before": before, "after": after},
    )
    notify_access_change(
        session,
        f"Access request: {user.full_name} to be {describe(after)}",
        [
            f"{actor.full_name} ({actor.email}) asks for {user.full_name} ({user.email}) to be "
            f"{describe(after)}.",
            f"Now: {describe(before)}.",
            "",
            "Another administrator must approve or reject it; the person's access does not "
            "change until then.",
        ],
    )
    return row


def _check_decider(row: AccessRequest, actor: User) -> None:
    if actor.role != ADMIN or not actor.active:
        raise ApprovalError("Only an administrator decides access requests")
    if row.status != PENDING:
        raise ApprovalError(f"This request was already {row.status}")
    if actor.id == row.user_id:
        raise ApprovalError("You cannot decide a request about your own access")


def _apply(session: Session, user: User, after: dict[str, Any]) -> None:
    if "role" in after:
        user.role = after["role"]
    if "assigned_departments" in after:
        codes = after["assigned_departments"]
        departments = list(session.scalars(select(Department).where(Department.code.in_(codes))))
        if len(departments) != len(codes):
            raise ApprovalError("A department in this request no longer exists: reject it")
        user.assigned_departments = departments if user.role == COMPLIANCE else []
    if "active" in after:
        user.active = after["active"]
        if user.active:
            user.failed_logins, user.locked_until = 0, None


def approve(
    session: Session, row: AccessRequest, actor: User, *, ip_address: str | None = None
) -> User:
    """Approve a request of another administrator and apply it, if the person's access is
    still what the request started from (audited with before and after, and announced)."""
    _check_decider(row, actor)
    if actor.id == row.requested_by_id:
        raise ApprovalError("You asked for this change: another administrator must approve it")
    user = row.user
    before, after = row.before_state, row.after_state
    current = access_state(user)
    if any(current[key] != value for key, value in before.items()):
        raise ApprovalError(
            f"{user.full_name}'s access has changed since this request was made: reject it "
            "and ask again"
        )
    _apply(session, user, after)
    row.status, row.decided_by_id, row.decided_at = APPROVED, actor.id, utcnow()
    session.flush()
    if row.kind == NEW_PERSON and not user.is_service_account:
        # Only now may the new person set a password: until approval they had no access at all.
        send_invitation(session, user, actor=actor, ip_address=ip_address)
    now = access_state(user)
    changed = [key for key in now if now[key] != current[key]]
    record(
        session,
        "admin.access_approved",
        f"Approved request {row.id}: {user.email} is now {describe(after)}",
        actor=actor,
        object_type="access_request",
        object_id=row.id,
        ip_address=ip_address,
        details={"user": user.email, "requested_by": row.requested_by.email},
    )
    record(
        session,
        "admin.user_updated",
        f"Updated {user.email}: {', '.join(changed)} (approved request {row.id})",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={
            "before": {key: current[key] for key in changed},
            "after": {key: now[key] for key in changed},
            "access_request": row.id,
            "requested_by": row.requested_by.email,
        },
    )
    notify_access_change(
        session,
        f"Access approved: {user.full_name} is now {describe(after)}",
        [
            f"{actor.full_name} ({actor.email}) approved the request of "
            f"{row.requested_by.full_name} ({row.requested_by.email}): {user.full_name} "
            f"({user.email}) is now {describe(after)}.",
            f"Before: {describe(before)}.",
        ],
    )
    return user


def reject(
    session: Session,
    row: AccessRequest,
    actor: User,
    reason: str | None = None,
    *,
    ip_address: str | None = None,
) -> None:
    """Reject a request (the requester may withdraw their own); audited and announced. A new
    person asked for with a privileged role stays without access."""
    _check_decider(row, actor)
    reason = (reason or "").strip()[:2000] or None
    row.status, row.decided_by_id, row.decided_at = REJECTED, actor.id, utcnow()
    row.reason = reason
    verb = "Withdrew" if actor.id == row.requested_by_id else "Rejected"
    user = row.user
    record(
        session,
        "admin.access_rejected",
        f"{verb} request {row.id}: {user.email} to be {describe(row.after_state)}",
        actor=actor,
        object_type="access_request",
        object_id=row.id,
        ip_address=ip_address,
        details={
            "user": user.email,
            "requested_by": row.requested_by.email,
            "reason": reason,
            "before": row.before_state,
            "after": row.after_state,
        },
    )
    notify_access_change(
        session,
        f"Access request {verb.lower()}: {user.full_name} to be {describe(row.after_state)}",
        [
            f"{actor.full_name} ({actor.email}) {verb.lower()} the request of "
            f"{row.requested_by.full_name} for {user.full_name} ({user.email}) to be "
            f"{describe(row.after_state)}.",
            f"Their access stays: {describe(row.before_state)}."
            + (" The account stays without access." if row.kind == NEW_PERSON else ""),
            *([f"Reason: {reason}"] if reason else []),
        ],
    )


def announce_removal(session: Session, user: User, before: dict[str, Any], actor: User) -> None:
    """Announce that `user` lost a privileged role (done at once; audited by the caller)."""
    notify_access_change(
        session,
        f"Access removed: {user.full_name} is no longer {describe({'role': before['role']})}",
        [
            f"{actor.full_name} ({actor.email}) changed {user.full_name} ({user.email}) from "
            f"{describe(before)} to {describe(access_state(user))}.",
        ],
    )
