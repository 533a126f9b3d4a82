"""The one flag lifecycle, for declared and possible undeclared interests alike.

A flag has a stable identity (its interest lineage, source key and award supplier for declared
interests; the official and company for undeclared ones), so re-runs upsert it: scores and facts
are refreshed, a flag is never duplicated and its decision never lost. A decided flag whose
interest (or officer record) or award changed after its decision is reopened, with the reason;
a flag in a run's scope that the run did not find again is withdrawn (inactive), never deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from register.audit.log import record
from register.models import Flag
from register.models.flags import DECIDED, DECLARED, OPEN, REOPENED, UNDECLARED

# What "the interest changed" means, in the reopen reason, for each kind of flag.
INTEREST_CHANGED = {
    DECLARED: "the declared interest changed after the decision",
    UNDECLARED: "the company officer record changed after the decision",
}
AWARD_CHANGED = "the award changed after the decision"


@dataclass
class FlagCounts:
    """What a screening run did to flags."""

    new: int = 0
    updated: int = 0
    reopened: int = 0
    withdrawn: int = 0
    high_risk_new: list[int] = field(default_factory=list)
    # The flags raised, changed, reopened or withdrawn, to be filed in their cases.
    touched: list[Flag] = field(default_factory=list, repr=False)
    # New high-risk flags not yet flushed: their ids join high_risk_new once they have one
    # (a flush per flag made a screening raising hundreds of them quadratic in the session).
    unflushed_high_risk: list[Flag] = field(default_factory=list, repr=False)

    def flags_changed(self) -> bool:
        return bool(self.new or self.updated or self.reopened or self.withdrawn)

    def add_counts(self, other: FlagCounts) -> None:
        """Count another run's flags in this one's (a screening done in batches)."""
        self.new += other.new
        self.updated += other.updated
        self.reopened += other.reopened
        self.withdrawn += other.withdrawn
        self.high_risk_new.extend(other.high_risk_new)

    def note_flushed(self) -> None:
        """After a flush: the new high-risk flags have ids now."""
        self.high_risk_new.extend(flag.id for flag in self.unflushed_high_risk)
        self.unflushed_high_risk.clear()


def upsert_flag(
    session: Session,
    existing: Flag | None,
    *,
    kind: str,
    lineage: str,
    source_key: str,
    values: dict[str, Any],
    counts: FlagCounts,
    now: datetime,
) -> Flag:
    """Create the flag, or refresh `existing` with `values` and reopen it if its decided facts
    changed. `values` holds every column a run computes (interest_digest and award_digest too)."""
    if existing is None:
        flag = Flag(
            kind=kind,
            interest_lineage=lineage,
            source_key=source_key,
            status=OPEN,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(flag)
        counts.new += 1
        counts.touched.append(flag)
        if flag.risk_level == "high":
            counts.unflushed_high_risk.append(flag)
        return flag
    changed = any(getattr(existing, name) != value for name, value in values.items())
    for name, value in values.items():
        setattr(existing, name, value)
    reopen_if_changed(session, existing, counts)
    if changed:
        existing.updated_at = now
        counts.updated += 1
        counts.touched.append(existing)
    return existing


def reopen_if_changed(
    session: Session, flag: Flag, counts: FlagCounts, interest_change: str | None = None
) -> None:
    """Reopen a decided flag whose interest or award digest differs from its decision's.

    `interest_change` says how the official changed the interest in an amendment ("the declared
    interest was ended on 2026-12-01 in version 3"): then the flag is reviewed again whatever
    its state (open, decided, under a plan), with that reason."""
    if interest_change is None and flag.status != DECIDED:
        return
    decision = flag.current_decision if flag.status == DECIDED else None
    reasons = [interest_change] if interest_change else []
    if decision is not None:
        if not interest_change and decision.interest_digest != flag.interest_digest:
            reasons.append(INTEREST_CHANGED[flag.kind])
        if decision.award_digest != flag.award_digest:
            reasons.append(AWARD_CHANGED)
    if not reasons:
        return
    reason = "Reopened: " + " and ".join(reasons) + "."
    if flag.status == REOPENED and flag.reopened_reason == reason:
        return
    before = {"status": flag.status, "reopened_reason": flag.reopened_reason}
    flag.status = REOPENED
    flag.reopened_reason = reason
    counts.reopened += 1
    counts.touched.append(flag)
    record(
        session,
        "flag.reopened",
        f"Flag {flag.id} {flag.reopened_reason}",
        object_type="flag",
        object_id=flag.id,
        details={"before": before, "after": {"status": REOPENED, "reopened_reason": reason}},
    )


def withdraw_missing(
    flags: Iterable[Flag], found: set[Any], key: Any, counts: FlagCounts, now: datetime
) -> None:
    """Withdraw the active flags among `flags` whose `key(flag)` is not in `found`."""
    for flag in flags:
        if flag.active and key(flag) not in found:
            flag.active = False
            flag.updated_at = now
            counts.withdrawn += 1
            counts.touched.append(flag)
