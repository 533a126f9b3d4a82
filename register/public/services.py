"""Published editions of the public register: senior officials' interests with field-level
redaction, frozen as a JSON snapshot with its digest (SQLAlchemy session, no Flask)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register import clock
from register.audit import checkpoint as checkpoints
from register.audit.log import chain_key, record
from register.completeness.services import people
from register.declarations.categories import (
    CATEGORIES,
    DIRECTOR_ROLES,
    DONOR_KINDS,
    GIFT,
    HOLDING,
    RELATIONSHIPS,
    VALUE_BANDS,
    WHOSE,
    WHOSE_THIRD_PERSON,
    label,
)
from register.declarations.dates import published_date
from register.declarations.services import canonical_json, digest
from register.exports.services import Table
from register.formatting import plain_number
from register.models import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Department,
    PublishedEdition,
    Redaction,
    User,
)

WITHHOLD = "withhold"
BAND = "band"

# Fields an administrator may redact, and how.
REDACTABLE: dict[str, tuple[str, str]] = {
    "related_person_name": ("Close associate's name", WITHHOLD),
    "value_pounds": ("Gift or hospitality value (shown as a band)", BAND),
    "details": ("Free-text details", WITHHOLD),
    "organisation_identifier": ("Organisation identifier", WITHHOLD),
    "percentage": ("Shareholding percentage", WITHHOLD),
    "hours_per_month": ("Hours per month", WITHHOLD),
    "related_organisations": ("Organisations where a close associate works", WITHHOLD),
    "private_donor_name": ("Names of private individuals who gave gifts", WITHHOLD),
}
# Redactions applied unless an administrator turns them off (audited when one is).
DEFAULT_REASONS = {
    "related_person_name": "Close associates are private individuals: their names are their "
    "personal data and are not needed to understand the official's interest.",
    "value_pounds": "Exact values of gifts and hospitality are shown in bands, which is enough "
    "to judge their significance.",
    "private_donor_name": "A private individual who gave a gift or hospitality is not a public "
    "figure: their name is their personal data, and the gift's value and date are enough.",
}
PRIVATE_DONOR = "A private individual"
# Editions published before the register spoke in the third person said "Myself": they are
# immutable (their digest is published), so they are read out in the third person instead.
FIRST_TO_THIRD_PERSON = {WHOSE[code]: WHOSE_THIRD_PERSON[code] for code in WHOSE}
# Numbers as people read them (register.formatting), never "5E+1" or "1.8E+2".
NUMBER_COLUMNS = ("hours_per_month", "percentage", "value_pounds")
GIFT_BANDS: tuple[tuple[Decimal | None, str], ...] = (
    (Decimal("100"), "Up to £100"),
    (Decimal("500"), "£100.01 to £500"),
    (Decimal("1000"), "£500.01 to £1,000"),
    (None, "Over £1,000"),
)
# Public columns in order; a withheld field's column is left out entirely.
COLUMNS = [
    "official_name",
    "job_title",
    "department",
    "declaration_status",
    "declared_on",
    "version",
    "category",
    "whose",
    "organisation_name",
    "identifier_scheme",
    "organisation_identifier",
    "start_date",
    "end_date",
    "details",
    "role",
    "paid",
    "hours_per_month",
    "percentage",
    "value_band",
    "holding",
    "blind_trust",
    "related_person_name",
    "relationship",
    "related_organisations",
    "donor_kind",
    "value_pounds",
    "gift_value_band",
    "accepted",
]


class PublishError(Exception):
    """The edition cannot be published; the message says why."""


@dataclass(frozen=True)
class Rule:
    field: str
    rule: str
    reason: str


def default_rules() -> list[Rule]:
    return [Rule(f, REDACTABLE[f][1], reason) for f, reason in DEFAULT_REASONS.items()]


def gift_band(value: Any) -> str | None:
    if value in (None, ""):
        return None
    amount = Decimal(str(value))
    return next(text for limit, text in GIFT_BANDS if limit is None or amount <= limit)


def _public_interest(item: dict[str, Any], rules: dict[str, Rule]) -> dict[str, Any]:
    """One interest as published: readable labels, and the redaction rules applied."""
    category = item.get("category")
    role = item.get("role")
    private_donor = category == GIFT and item.get("donor_kind") == "person"
    public: dict[str, Any] = {
        "category": CATEGORIES[category].label if category in CATEGORIES else category,
        "whose": label(WHOSE_THIRD_PERSON, item.get("whose")),
        "organisation_name": item.get("organisation_name"),
        "identifier_scheme": item.get("identifier_scheme"),
        "organisation_identifier": item.get("organisation_identifier"),
        "start_date": published_date(item.get("start_date"), item.get("start_date_precision")),
        "end_date": published_date(item.get("end_date"), item.get("end_date_precision")),
        "details": item.get("details"),
        "role": label(DIRECTOR_ROLES, role) if role in DIRECTOR_ROLES else role,
        "paid": item.get("paid"),
        "hours_per_month": plain_number(item.get("hours_per_month")) or None,
        "percentage": plain_number(item.get("percentage")) or None,
        "value_band": label(VALUE_BANDS, item.get("value_band")) or None,
        "holding": label(HOLDING, item.get("holding")) or None,
        "blind_trust": item.get("blind_trust"),
        "related_person_name": item.get("related_person_name"),
        "relationship": label(RELATIONSHIPS, item.get("relationship_type")) or None,
        "related_organisations": [o["name"] for o in item.get("related_organisations", [])],
        "donor_kind": label(DONOR_KINDS, item.get("donor_kind")) or None,
        "value_pounds": plain_number(item.get("value_pounds")) or None,
        "accepted": item.get("accepted"),
    }
    for name, rule in rules.items():
        if name == "private_donor_name":
            if private_donor:
                public["organisation_name"] = PRIVATE_DONOR
            continue
        value = public.pop(name, None)
        if rule.rule == BAND and name == "value_pounds":
            public["gift_value_band"] = gift_band(value)
    return public


def _latest_versions(session: Session, cycle: DeclarationCycle) -> dict[int, DeclarationVersion]:
    statement = (
        select(Declaration.official_id, DeclarationVersion)
        .join(DeclarationVersion, DeclarationVersion.declaration_id == Declaration.id)
        .join(User, User.id == Declaration.official_id)
        .where(
            Declaration.cycle_id == cycle.id,
            User.is_senior.is_(True),
            DeclarationVersion.number == Declaration.version_count,
        )
    )
    return {official_id: version for official_id, version in session.execute(statement)}


def build_snapshot(
    session: Session,
    cycle: DeclarationCycle,
    rules: list[Rule],
    *,
    number: int,
    published_at: datetime,
    today: date,
    joiner_days: int,
) -> dict[str, Any]:
    """The edition's content: every senior official who owes a declaration in `cycle`."""
    by_field = {r.field: r for r in rules}
    versions = _latest_versions(session, cycle)
    seniors = {u.id: u for u in session.scalars(select(User).where(User.is_senior.is_(True)))}
    department_names = {
        code: name for code, name in session.execute(select(Department.code, Department.name))
    }
    entries = []
    for person in people(session, cycle, today=today, joiner_days=joiner_days):
        official = seniors.get(person.official_id)
        if official is None:
            continue
        version = versions.get(person.official_id)
        content = json.loads(version.content) if version else {}
        entries.append(
            {
                "official_name": official.full_name,
                "job_title": official.job_title,
                "department": department_names.get(person.department_code or "")
                or person.department_code,
                "declaration_status": (
                    "not filed" if version is None else "nil return" if version.is_nil else "filed"
                ),
                "declared_on": clock.local_date(version.attested_at).isoformat()
                if version
                else None,
                "version": version.number if version else None,
                "interests": [_public_interest(i, by_field) for i in content.get("interests", [])],
            }
        )
    return {
        "register": "Register of interests: senior officials",
        "cycle": cycle.name,
        "edition": number,
        "published_at": published_at.astimezone(UTC).isoformat(timespec="seconds"),
        "redactions": [{"field": r.field, "rule": r.rule, "reason": r.reason} for r in rules],
        "entries": entries,
    }


def publish(
    session: Session,
    cycle: DeclarationCycle,
    rules: list[Rule],
    *,
    actor: User | None,
    today: date,
    joiner_days: int,
    ip_address: str | None = None,
) -> PublishedEdition:
    """Freeze a new edition for `cycle` with `rules`; every rule needs a reason."""
    for rule in rules:
        if rule.field not in REDACTABLE:
            raise PublishError(f"{rule.field} cannot be redacted")
        if rule.rule != REDACTABLE[rule.field][1]:
            raise PublishError(f"{rule.field} can only be redacted by the rule {rule.rule}")
        if not rule.reason.strip():
            raise PublishError(f"Give the reason for redacting {REDACTABLE[rule.field][0]}")
    number = 1 + (
        session.scalar(
            select(func.max(PublishedEdition.number)).where(PublishedEdition.cycle_id == cycle.id)
        )
        or 0
    )
    published_at = clock.utcnow()
    snapshot = build_snapshot(
        session,
        cycle,
        rules,
        number=number,
        published_at=published_at,
        today=today,
        joiner_days=joiner_days,
    )
    # The audit log's head as this edition is published: a copy that the public keeps, which
    # `audit verify --checkpoint EDITION.json` checks the log against later.
    snapshot["audit_checkpoint"] = checkpoints.take(session, published_at).signed(chain_key())
    text = canonical_json(snapshot)
    edition = PublishedEdition(
        cycle_id=cycle.id,
        number=number,
        published_at=published_at,
        published_by_id=actor.id if actor else None,
        entry_count=len(snapshot["entries"]),
        snapshot=text,
        snapshot_digest=digest(text),
        redactions=[Redaction(field=r.field, rule=r.rule, reason=r.reason.strip()) for r in rules],
    )
    session.add(edition)
    session.flush()
    record(
        session,
        "public.published",
        f"Published edition {number} of the public register for {cycle.name}: "
        f"{edition.entry_count} senior officials, {len(rules)} redaction rules",
        actor=actor,
        object_type="published_edition",
        object_id=edition.id,
        details={
            "digest": edition.snapshot_digest,
            "redactions": [[r.field, r.rule, r.reason] for r in rules],
        },
        ip_address=ip_address,
    )
    chosen = {r.field for r in rules}
    for field in DEFAULT_REASONS:
        if field in chosen:
            continue
        record(
            session,
            "public.redaction_turned_off",
            f"Edition {number} of the public register for {cycle.name} publishes what the "
            f"default redaction withholds: {REDACTABLE[field][0]}",
            actor=actor,
            object_type="published_edition",
            object_id=edition.id,
            details={
                "field": field,
                "before": REDACTABLE[field][1],
                "after": "shown",
                "default_reason": DEFAULT_REASONS[field],
            },
            ip_address=ip_address,
        )
    return edition


def _csv_value(value: Any, column: str) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if column in NUMBER_COLUMNS and value not in (None, ""):
        return plain_number(value)  # editions published before the rule hold "5E+1"
    if column == "whose":
        return FIRST_TO_THIRD_PERSON.get(value, value)
    return value


def edition_table(edition: PublishedEdition) -> Table:
    """The edition as CSV rows: one per interest (one row for a nil return or no filing)."""
    snapshot = json.loads(edition.snapshot)
    withheld = {r["field"] for r in snapshot["redactions"] if r["rule"] == WITHHOLD}
    banded = {r["field"] for r in snapshot["redactions"] if r["rule"] == BAND}
    columns = [
        c
        for c in COLUMNS
        if c not in withheld and c not in banded and (c != "gift_value_band" or banded)
    ]

    def rows() -> Iterator[list[Any]]:
        for entry in snapshot["entries"]:
            for interest in entry["interests"] or [{}]:
                merged = {**entry, **interest}
                yield [_csv_value(merged.get(c), c) for c in columns]

    return Table("public register", columns, rows())
