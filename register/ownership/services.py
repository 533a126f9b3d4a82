"""Possible undeclared interests after screening: releasing a prompt to the official, and the
prompts an official sees."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.access import can_decide_flag
from register.audit.log import record
from register.clock import utcnow
from register.models import Flag, UndeclaredFinding, User
from register.models.flags import DECIDED, DECLARED_OTHER_NAME, NOT_SAME_PERSON, UNDECLARED
from register.review.services import ReviewError


def release(
    session: Session, flag: Flag, actor: User, *, ip_address: str | None = None
) -> UndeclaredFinding:
    """Let the official see the prompt about this flag (audited). Compliance of the flag's
    department only."""
    finding = session.scalar(select(UndeclaredFinding).where(UndeclaredFinding.flag_id == flag.id))
    if flag.kind != UNDECLARED or finding is None:
        raise ReviewError("Only possible undeclared interests can be released to the official")
    if not can_decide_flag(actor, flag):
        raise ReviewError("Only compliance officers of the flag's department can release it")
    if finding.released_at is None:
        finding.released_at = utcnow()
        finding.released_by_id = actor.id
        record(
            session,
            "undeclared.released",
            f"Flag {flag.id}: prompt released to the official",
            actor=actor,
            object_type="flag",
            object_id=flag.id,
            ip_address=ip_address,
            details={
                "before": {"released_at": None},
                "after": {"released_at": finding.released_at},
            },
        )
        session.flush()
    return finding


def released_prompts(session: Session, official_id: int) -> list[UndeclaredFinding]:
    """Released findings still matching and not decided as someone else or already declared."""
    findings = session.scalars(
        select(UndeclaredFinding)
        .join(Flag, UndeclaredFinding.flag_id == Flag.id)
        .where(
            Flag.official_id == official_id,
            Flag.active.is_(True),
            UndeclaredFinding.released_at.is_not(None),
        )
        .order_by(UndeclaredFinding.id)
    )
    dismissed = {NOT_SAME_PERSON, DECLARED_OTHER_NAME}
    return [
        f
        for f in findings
        if not (
            f.flag.status == DECIDED
            and f.flag.current_decision
            and f.flag.current_decision.outcome in dismissed
        )
    ]
