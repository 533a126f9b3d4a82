"""Declaration rules: status, due dates, pre-filling, submission, versions and their changes.

These functions take a SQLAlchemy session and never import Flask; views call them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from register.audit.log import record
from register.clock import utcnow
from register.declarations.categories import CATEGORIES, GIFT
from register.declarations.dates import month_end
from register.declarations.queries import index_latest_declaration
from register.formatting import hours_content
from register.matching import normalise_name
from register.models import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Interest,
    RelatedOrganisation,
    User,
)
from register.models.declarations import DAY, DRAFT, MONTH, SUBMITTED

ATTESTATION = (
    "I confirm that this declaration is complete and true to the best of my knowledge, and that "
    "I will declare any change of circumstances during the cycle."
)

# Status labels shown to officials and auditors.
NOT_STARTED = "not started"
STATUS_DRAFT = "draft"
STATUS_SUBMITTED = "submitted"
STATUS_AMENDED = "amended"
STATUS_AMENDING = "amendment in progress"
STATUS_OVERDUE = "overdue"


class DeclarationError(Exception):
    """A rule stops the requested change; the message says which."""


def due_date(official: User, cycle: DeclarationCycle, joiner_days: int) -> date:
    """Joiners who start after the cycle opens owe their declaration `joiner_days` after joining."""
    if official.joined_on is not None and official.joined_on > cycle.opens_on:
        return max(cycle.due_on, official.joined_on + timedelta(days=joiner_days))
    return cycle.due_on


def owes_declaration(official: User, cycle: DeclarationCycle) -> bool:
    """An official owes one if their department is in the cycle and they had not left by opening."""
    if official.department_id is None:
        return False
    if official.left_on is not None and official.left_on < cycle.opens_on:
        return False
    return any(d.id == official.department_id for d in cycle.departments)


def status(declaration: Declaration | None, due: date, today: date) -> str:
    if declaration is None or declaration.version_count == 0:
        return (
            STATUS_OVERDUE
            if today > due
            else (NOT_STARTED if declaration is None else STATUS_DRAFT)
        )
    if declaration.state == DRAFT:
        return STATUS_AMENDING
    return STATUS_AMENDED if declaration.version_count > 1 else STATUS_SUBMITTED


def previous_declaration(
    session: Session, official: User, cycle: DeclarationCycle
) -> Declaration | None:
    """The official's latest declaration from an earlier cycle."""
    return session.scalar(
        select(Declaration)
        .join(DeclarationCycle)
        .where(
            Declaration.official_id == official.id,
            DeclarationCycle.opens_on < cycle.opens_on,
            Declaration.version_count > 0,
        )
        .order_by(DeclarationCycle.opens_on.desc())
        .limit(1)
    )


COPIED_FIELDS = (
    "lineage",
    "category",
    "whose",
    "organisation_name",
    "identifier_scheme",
    "organisation_identifier",
    "start_date",
    "end_date",
    "start_date_precision",
    "end_date_precision",
    "details",
    "role",
    "paid",
    "hours_per_month",
    "percentage",
    "value_band",
    "holding",
    "blind_trust",
    "related_person_name",
    "relationship_type",
    "donor_kind",
    "value_pounds",
    "accepted",
)


def start_declaration(
    session: Session,
    official: User,
    cycle: DeclarationCycle,
    *,
    lookback_months: int,
    ip_address: str | None = None,
) -> Declaration:
    """Create the official's draft for `cycle`, pre-filled from their previous declaration.

    Interests still held, or ended within the look-back period, are carried over with the same
    lineage; gifts belong to the cycle they were received in and are not carried.
    """
    existing = session.scalar(
        select(Declaration).where(
            Declaration.official_id == official.id, Declaration.cycle_id == cycle.id
        )
    )
    if existing is not None:
        return existing
    declaration = Declaration(official=official, cycle=cycle, state=DRAFT)
    session.add(declaration)
    previous = previous_declaration(session, official, cycle)
    carried = 0
    if previous is not None:
        horizon = cycle.opens_on - timedelta(days=round(lookback_months * 30.44))
        for old in previous.interests:
            if old.removed or old.category == "gift":
                continue
            if old.end_date is not None and old.end_date < horizon:
                continue
            new = Interest(**{name: getattr(old, name) for name in COPIED_FIELDS})
            new.related_organisations = [
                RelatedOrganisation(
                    position=o.position,
                    name=o.name,
                    identifier_scheme=o.identifier_scheme,
                    organisation_identifier=o.organisation_identifier,
                    role=o.role,
                )
                for o in old.related_organisations
            ]
            declaration.interests.append(new)
            carried += 1
    session.flush()
    record(
        session,
        "declaration.started",
        f"{official.full_name} started their {cycle.name} declaration"
        + (f", {carried} interests carried over from {previous.cycle.name}" if previous else ""),
        actor=official,
        object_type="declaration",
        object_id=declaration.id,
        ip_address=ip_address,
    )
    return declaration


def plain_value(value: Any) -> Any:
    """A value as JSON holds it: dates in ISO form, decimals as exact strings."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


# Kept in a version's content only when the date was given as a month and year: the content of
# a date given to the day (every version before precision was kept) reads, and hashes, as before.
PRECISION_FIELDS = ("start_date_precision", "end_date_precision")


def interest_content(interest: Interest) -> dict[str, Any]:
    """The fields of one interest as plain JSON values: what a version records."""
    fields = {
        name: plain_value(getattr(interest, name))
        for name in COPIED_FIELDS
        if name not in PRECISION_FIELDS or getattr(interest, name) == MONTH
    }
    fields["hours_per_month"] = hours_content(interest.hours_per_month)  # whole hours: as before
    fields["id"] = interest.id
    fields["related_organisations"] = [
        related_organisation_content(o) for o in interest.related_organisations
    ]
    return fields


def related_organisation_content(org: RelatedOrganisation) -> dict[str, Any]:
    """A related organisation as a version records it. Its scheme is written only when it is
    not Companies House: versions from before each organisation had its own scheme held
    Companies House numbers only, and stay equal to their successors (no spurious change)."""
    content = {
        "name": org.name,
        "organisation_identifier": org.organisation_identifier,
        "role": org.role,
    }
    if org.organisation_identifier and org.identifier_scheme not in (None, "", "GB-COH"):
        content["identifier_scheme"] = org.identifier_scheme
    return content


def live_interests(declaration: Declaration) -> list[Interest]:
    return [i for i in declaration.interests if not i.removed]


def declaration_content(declaration: Declaration) -> dict[str, Any]:
    return {
        "declaration_id": declaration.id,
        "official_id": declaration.official_id,
        "cycle": declaration.cycle.name,
        "nil_return": declaration.is_nil,
        "interests": [interest_content(i) for i in live_interests(declaration)],
    }


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(content_json: str) -> str:
    return hashlib.sha256(content_json.encode()).hexdigest()


def submit(
    session: Session,
    declaration: Declaration,
    actor: User,
    *,
    nil_return: bool,
    amendment_reason: str | None,
    ip_address: str | None,
) -> DeclarationVersion:
    """Attest and freeze the working copy as a new immutable version.

    A conditional UPDATE claims the next version number, so two submissions of the same draft at
    once produce one version and a clear error for the other.
    """
    if declaration.official_id != actor.id:
        raise DeclarationError("Only the official can submit their own declaration")
    if declaration.state != DRAFT:
        raise DeclarationError("This declaration has already been submitted")
    interests = live_interests(declaration)
    if nil_return and interests:
        raise DeclarationError(
            "You have interests listed, so this cannot be a nil return: remove them or untick nil"
        )
    if not nil_return and not interests:
        raise DeclarationError(
            "Add at least one interest, or confirm that you have no interests to declare"
        )
    is_amendment = declaration.version_count > 0
    reason = (amendment_reason or "").strip()
    if is_amendment and not reason:
        raise DeclarationError("Enter the reason for this amendment")
    expected = declaration.version_count
    claimed = session.execute(
        update(Declaration)
        .where(
            Declaration.id == declaration.id,
            Declaration.state == DRAFT,
            Declaration.version_count == expected,
        )
        .values(state=SUBMITTED, version_count=expected + 1, is_nil=nil_return)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise DeclarationError("This declaration has already been submitted")
    session.refresh(declaration)
    now = utcnow()
    content_json = canonical_json(declaration_content(declaration))
    version = DeclarationVersion(
        declaration_id=declaration.id,
        number=expected + 1,
        amendment_reason=reason or None,
        is_nil=nil_return,
        content=content_json,
        content_digest=digest(content_json),
        attestation_text=ATTESTATION,
        attested_by_id=actor.id,
        attested_at=now,
        attested_from_ip=ip_address,
    )
    session.add(version)
    if declaration.first_submitted_at is None:
        declaration.first_submitted_at = now
    declaration.last_submitted_at = now
    kind = (
        "amended" if is_amendment else ("submitted a nil return for" if nil_return else "submitted")
    )
    record(
        session,
        "declaration.amended" if is_amendment else "declaration.submitted",
        f"{actor.full_name} {kind} their {declaration.cycle.name} declaration "
        f"(version {version.number}, digest {version.content_digest[:12]})",
        actor=actor,
        object_type="declaration",
        object_id=declaration.id,
        details={
            "version": version.number,
            "digest": version.content_digest,
            "reason": reason,
            "interests": len(interests),
            "nil_return": nil_return,
        },
        ip_address=ip_address,
    )
    index_latest_declaration(session, declaration.official_id)
    return version


def reopen_for_amendment(
    session: Session, declaration: Declaration, actor: User, *, ip_address: str | None = None
) -> None:
    """Make the working copy editable again (audited); nothing changes until the amendment is
    submitted."""
    if declaration.version_count == 0 or declaration.state == DRAFT:
        return
    declaration.state = DRAFT
    record(
        session,
        "declaration.amendment_started",
        f"Started amending {declaration.cycle.name}",
        actor=actor,
        object_type="declaration",
        object_id=declaration.id,
        ip_address=ip_address,
    )


@dataclass(frozen=True)
class OrganisationEntry:
    """One of the other organisations of a close personal relationship, as typed."""

    name: str
    organisation_identifier: str | None
    role: str | None
    identifier_scheme: str | None = None  # its own: never the main organisation's


def _set_fields(
    interest: Interest,
    fields: Mapping[str, Any],
    related: Iterable[OrganisationEntry] | None,
) -> None:
    for name, value in fields.items():
        setattr(interest, name, value if value != "" else None)
    for name in PRECISION_FIELDS:
        if getattr(interest, name) is None:
            setattr(interest, name, DAY)
    if interest.start_date is None:
        interest.start_date_precision = DAY
    if interest.end_date is None:
        interest.end_date_precision = DAY
    if interest.category == GIFT:
        # A gift is one date; given as a month, it may have been any day of it.
        interest.end_date_precision = interest.start_date_precision
        interest.end_date = (
            month_end(interest.start_date)
            if interest.start_date and interest.start_date_precision == MONTH
            else interest.start_date
        )
    if related is not None:
        interest.related_organisations = [
            RelatedOrganisation(
                position=position,
                name=entry.name,
                identifier_scheme=entry.identifier_scheme
                if entry.organisation_identifier
                else None,
                organisation_identifier=entry.organisation_identifier,
                role=entry.role,
            )
            for position, entry in enumerate(related)
        ]


def add_interest(
    session: Session,
    declaration: Declaration,
    category: str,
    fields: Mapping[str, Any],
    related: Iterable[OrganisationEntry] | None,
    actor: User,
    *,
    ip_address: str | None = None,
) -> Interest:
    """Add an interest to a draft declaration (audited with what was added)."""
    interest = Interest(category=category, declaration=declaration)
    _set_fields(interest, fields, related)
    declaration.is_nil = False
    session.add(interest)
    session.flush()
    record(
        session,
        "interest.added",
        f"Added {CATEGORIES[category].label.lower()}: {interest.organisation_name}",
        actor=actor,
        object_type="declaration",
        object_id=declaration.id,
        ip_address=ip_address,
        details={"interest_id": interest.id, "after": interest_content(interest)},
    )
    return interest


def edit_interest(
    session: Session,
    interest: Interest,
    fields: Mapping[str, Any],
    related: Iterable[OrganisationEntry] | None,
    actor: User,
    *,
    ip_address: str | None = None,
) -> None:
    """Change an interest of a draft declaration (audited with before and after)."""
    before = interest_content(interest)
    _set_fields(interest, fields, related)
    session.flush()
    _audit_change(session, "interest.edited", f"Edited {interest.organisation_name}", interest,
                  before, actor, ip_address)  # fmt: skip


def _audit_change(
    session: Session,
    action: str,
    summary: str,
    interest: Interest,
    before: dict[str, Any],
    actor: User,
    ip_address: str | None,
) -> None:
    """Audit a change to an interest with its content before and after."""
    record(
        session,
        action,
        summary,
        actor=actor,
        object_type="declaration",
        object_id=interest.declaration_id,
        ip_address=ip_address,
        details={"interest_id": interest.id, "before": before, "after": interest_content(interest)},
    )


def end_interest(
    session: Session,
    interest: Interest,
    end_date: date,
    actor: User,
    *,
    precision: str = DAY,
    ip_address: str | None = None,
) -> None:
    """End an interest on `end_date` (audited); it stays declared as a former interest. A
    month-only end is kept as the last day of the month."""
    if precision == MONTH:
        end_date = month_end(end_date)
    # A month-only start is stored as the month's 1st, so the dates compare as they stand.
    if interest.start_date and end_date < interest.start_date:
        raise DeclarationError("The end date must be on or after the start date")
    before = interest_content(interest)
    interest.end_date = end_date
    interest.end_date_precision = precision
    _audit_change(session, "interest.ended",
                  f"Ended {interest.organisation_name} on {interest.end_date}", interest, before,
                  actor, ip_address)  # fmt: skip


def submitted_lineages(session: Session, official_id: int) -> set[str]:
    """The lineages of every interest that was in one of the official's submitted versions, in
    any cycle: such an interest is part of the record and can only be ended, never removed."""
    found: set[str] = set()
    for content in session.scalars(
        select(DeclarationVersion.content)
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .where(Declaration.official_id == official_id)
    ):
        found.update(item["lineage"] for item in json.loads(content).get("interests", []))
    return found


def can_remove(session: Session, interest: Interest) -> bool:
    """Only an interest added in this draft and never submitted may be removed."""
    return interest.lineage not in submitted_lineages(session, interest.declaration.official_id)


def remove_interest(
    session: Session, interest: Interest, actor: User, *, ip_address: str | None = None
) -> None:
    """Remove an interest added in the current draft and never submitted (audited with what it
    held). An interest that was in a submitted version is refused: end it instead, so that the
    record, its flags and the look-back screening keep it."""
    if not can_remove(session, interest):
        raise DeclarationError(
            f"{interest.organisation_name} was in a submitted declaration, so it cannot be "
            "removed. If it has ended, end it with the date it ended."
        )
    declaration = interest.declaration
    record(
        session,
        "interest.removed",
        f"Removed {interest.organisation_name}",
        actor=actor,
        object_type="declaration",
        object_id=declaration.id,
        ip_address=ip_address,
        details={"interest_id": interest.id, "before": interest_content(interest), "after": None},
    )
    session.delete(interest)
    session.flush()


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class InterestChange:
    kind: str  # "added" | "removed" | "changed"
    organisation: str
    category: str
    fields: tuple[FieldChange, ...]
    lineage: str = ""

    @property
    def ended_on(self) -> str | None:
        """The end date given to an interest that was held (ISO text), if this ended it."""
        return next(
            (f.after for f in self.fields if f.field == "end_date" and f.before is None), None
        )

    @property
    def changed_fields(self) -> list[str]:
        """The fields changed, as words ("start date"), ending it aside."""
        names = (
            f.field.removesuffix("_precision").replace("_", " ")
            for f in self.fields
            if not (f.field == "end_date" and f.before is None)
            and not (f.field == "end_date_precision" and self.ended_on)
        )
        return list(dict.fromkeys(names))


def version_changes(before: dict[str, Any], after: dict[str, Any]) -> list[InterestChange]:
    """What changed between two versions' content, interest by interest (matched by lineage)."""
    old = {i["lineage"]: i for i in before.get("interests", [])}
    new = {i["lineage"]: i for i in after.get("interests", [])}
    changes: list[InterestChange] = []
    for lineage, item in new.items():
        label = CATEGORIES[item["category"]].label if item["category"] in CATEGORIES else ""
        if lineage not in old:
            changes.append(InterestChange("added", item["organisation_name"], label, (), lineage))
            continue
        names = dict.fromkeys([*item, *old[lineage]])
        diffs = tuple(
            FieldChange(name, old[lineage].get(name), item.get(name))
            for name in names
            if name not in ("id", "lineage") and old[lineage].get(name) != item.get(name)
        )
        if diffs:
            changes.append(
                InterestChange("changed", item["organisation_name"], label, diffs, lineage)
            )
    for lineage, item in old.items():
        if lineage not in new:
            label = CATEGORIES[item["category"]].label if item["category"] in CATEGORIES else ""
            changes.append(InterestChange("removed", item["organisation_name"], label, (), lineage))
    return changes


def describe_change(change: InterestChange) -> str:
    """One change as a sentence for compliance: "Ended on 1 December 2026: Directorship or
    office, Morning Lane Associates Ltd"."""
    what = f"{change.category}, {change.organisation}"
    if change.kind != "changed":
        return f"{change.kind.capitalize()}: {what}"
    parts = []
    if change.ended_on:
        parts.append(f"ended on {date.fromisoformat(change.ended_on):%-d %B %Y}")
    if change.changed_fields:
        parts.append(f"changed ({', '.join(change.changed_fields)})")
    text = " and ".join(parts)
    return f"{text[:1].upper()}{text[1:]}: {what}"


def change_reason(change: InterestChange, number: int) -> str:
    """Why a flag about the interest is reviewed again: "the declared interest was ended on
    2026-12-01 in version 3"."""
    if change.kind == "removed":
        return f"the declared interest was removed in version {number}"
    parts = []
    if change.ended_on:
        parts.append(f"was ended on {change.ended_on}")
    if change.changed_fields:
        parts.append(f"had its {', '.join(change.changed_fields)} changed")
    return f"the declared interest {' and '.join(parts)} in version {number}"


@dataclass(frozen=True)
class Amendment:
    """What a newly submitted version changed in interests the official had already declared
    (in the previous version, or last cycle's for a first version), and why flags about each
    changed interest are reviewed again (by lineage)."""

    version: DeclarationVersion
    previous: DeclarationVersion
    changes: list[InterestChange]
    reasons: dict[str, str]

    @property
    def is_amendment(self) -> bool:
        return self.version.number > 1


def _latest_version(session: Session, declaration: Declaration) -> DeclarationVersion | None:
    return session.scalar(
        select(DeclarationVersion).where(
            DeclarationVersion.declaration_id == declaration.id,
            DeclarationVersion.number == declaration.version_count,
        )
    )


def amendment(session: Session, declaration: Declaration) -> Amendment | None:
    """What the declaration's latest version changed in already declared interests, or None
    when there is nothing to compare it with."""
    version = _latest_version(session, declaration)
    if version is None:
        return None
    same_cycle = version.number > 1
    if same_cycle:
        previous = session.scalar(
            select(DeclarationVersion).where(
                DeclarationVersion.declaration_id == declaration.id,
                DeclarationVersion.number == version.number - 1,
            )
        )
    else:
        earlier = previous_declaration(session, declaration.official, declaration.cycle)
        previous = _latest_version(session, earlier) if earlier is not None else None
    if previous is None:
        return None
    changes = version_changes(json.loads(previous.content), json.loads(version.content))
    if not same_cycle:  # interests not carried into a new cycle were not removed from it
        changes = [c for c in changes if c.kind == "changed"]
    reasons = {c.lineage: change_reason(c, version.number) for c in changes if c.kind != "added"}
    return Amendment(version, previous, changes, reasons)


@dataclass
class DonorTotal:
    """The gifts and hospitality from one donor in one declaration (one cycle)."""

    donor: str  # as first declared
    accepted_count: int = 0
    accepted_value: Decimal = Decimal(0)
    declined_count: int = 0
    declined_value: Decimal = Decimal(0)

    @property
    def count(self) -> int:
        return self.accepted_count + self.declined_count

    @property
    def value(self) -> Decimal:
        return self.accepted_value + self.declined_value


def _value(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)


def _pounds(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def donor_key(donor: str) -> str:
    """Donors are one source when their names agree but for case, punctuation and legal form,
    by the matching engine's normalisation ("ACME Ltd." and "Acme Limited")."""
    return normalise_name(donor) or " ".join(donor.casefold().split())


def gift_totals(interests: Iterable[Any]) -> list[DonorTotal]:
    """The number and value of gifts per donor, accepted and declined apart, highest total first.

    `interests` are one declaration's interests (model rows, or a version's content dicts); a
    declaration covers one cycle, and gifts are never carried into the next one, so these are
    the cycle's totals. Interests removed from the working copy are left out.
    """
    totals: dict[str, DonorTotal] = {}
    for item in interests:
        if _value(item, "category") != GIFT or _value(item, "removed"):
            continue
        donor = (_value(item, "organisation_name") or "").strip()
        total = totals.setdefault(donor_key(donor), DonorTotal(donor))
        value = _pounds(_value(item, "value_pounds"))
        if _value(item, "accepted"):
            total.accepted_count += 1
            total.accepted_value += value
        else:
            total.declined_count += 1
            total.declined_value += value
    return sorted(totals.values(), key=lambda t: (-t.value, -t.count, t.donor.casefold()))


@dataclass(frozen=True)
class RecentAmendment:
    """An amended declaration as compliance sees it on their dashboard."""

    version: DeclarationVersion
    official: User
    cycle: str
    changes: list[str]
    lineages: frozenset[str]


def recent_amendments(
    session: Session, scope: ColumnElement[bool], since: datetime, limit: int = 20
) -> list[RecentAmendment]:
    """Amendments (versions after the first) submitted since `since`, newest first, of the
    declarations `scope` (a filter from register.access) lets the reader see; each with what
    changed from the version before it."""
    found = []
    for version in session.scalars(
        select(DeclarationVersion)
        .join(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .where(scope, DeclarationVersion.number > 1, DeclarationVersion.attested_at >= since)
        .order_by(DeclarationVersion.attested_at.desc(), DeclarationVersion.id.desc())
        .limit(limit)
    ):
        previous = session.scalar(
            select(DeclarationVersion.content).where(
                DeclarationVersion.declaration_id == version.declaration_id,
                DeclarationVersion.number == version.number - 1,
            )
        )
        changes = version_changes(json.loads(previous or "{}"), json.loads(version.content))
        declaration = version.declaration
        found.append(
            RecentAmendment(
                version,
                declaration.official,
                declaration.cycle.name,
                [describe_change(c) for c in changes],
                frozenset(c.lineage for c in changes if c.kind != "added"),
            )
        )
    return found
