"""A cycle with a known mix of officials: on time, nil, late (UK-midnight edges), overdue,
not yet due, joiners and leavers. Shared by the completeness, export, public and API tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from register.admin.services import UserFields, create_cycle, create_department
from register.declarations.services import start_declaration, submit
from register.extensions import db
from register.models import Declaration, DeclarationCycle, Department, Interest, User
from register.models.declarations import RelatedOrganisation
from tests.conftest import PASSWORD, create_user_with_password

TODAY = date(2026, 7, 15)
OPENS = date(2026, 4, 1)
DUE = date(2026, 6, 30)
ASSOCIATE = "Jemima Quillfeather"  # a close associate's name: withheld from the public register
GIFT_VALUE = Decimal("275.50")

# Expected counts: (in scope, filed, nil, late, overdue, not yet due).
EXPECTED = {
    "DCS": (11, 6, 4, 2, 4, 1),
    "DFE": (2, 1, 1, 0, 1, 0),
    "ALL": (13, 7, 5, 2, 5, 1),
}
# Expected status of each official by key (None: not in scope).
STATUSES = {
    "a": "on_time",
    "b": "on_time",
    "c": "late",
    "d": "on_time",
    "e": "late",
    "f": "overdue",
    "g": "overdue",
    "h": "not_yet_due",
    "i": "overdue",
    "j": "on_time",
    "k": None,
    "l": "overdue",
    "m": "on_time",
    "n": "overdue",
}


@dataclass
class Mix:
    cycle: DeclarationCycle
    dcs: Department
    dfe: Department
    people: dict[str, User] = field(default_factory=dict)


def _utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _file(
    official: User, cycle: DeclarationCycle, at: datetime, interests: list[Interest] | None
) -> Declaration:
    declaration = start_declaration(db.session, official, cycle, lookback_months=24)
    for interest in interests or []:
        declaration.interests.append(interest)
    db.session.flush()
    submit(
        db.session,
        declaration,
        official,
        nil_return=not interests,
        amendment_reason=None,
        ip_address="192.0.2.1",
    )
    declaration.first_submitted_at = at
    declaration.last_submitted_at = at
    return declaration


def senior_interests() -> list[Interest]:
    associate = Interest(
        category="relationship",
        whose="close_associate",
        organisation_name="Morning Lane Associates",
        related_person_name=ASSOCIATE,
        relationship_type="business_partner",
        start_date=date(2019, 1, 1),
        details="Former co-director",
    )
    associate.related_organisations = [
        RelatedOrganisation(
            position=0,
            name="Morning Lane Associates",
            organisation_identifier="08012345",
            role="director",
        ),
        RelatedOrganisation(position=1, name="Quill Consulting Ltd", role="adviser"),
    ]
    return [
        Interest(
            category="directorship",
            whose="self",
            organisation_name="=Acme Widgets Ltd",
            identifier_scheme="GB-COH",
            organisation_identifier="01234567",
            role="non_executive_director",
            paid=False,
            start_date=date(2020, 2, 1),
        ),
        Interest(
            category="shareholding",
            whose="self",
            organisation_name="Widget Holdings PLC",
            percentage=Decimal("2.5"),
            value_band="5k_70k",
            holding="direct",
            blind_trust=False,
            start_date=date(2018, 5, 1),
        ),
        associate,
        Interest(
            category="gift",
            whose="self",
            organisation_name="Big Supplier Ltd",
            donor_kind="organisation",
            value_pounds=GIFT_VALUE,
            accepted=True,
            start_date=date(2026, 5, 1),
        ),
    ]


def build_mix(dcs: Department) -> Mix:
    """Create the DFE department, the cycle and the officials a..n (password PASSWORD)."""
    dfe = create_department(db.session, "DFE", "Department for Education", None)
    cycle = create_cycle(db.session, "2026/27", OPENS, DUE, [dcs, dfe], None)
    mix = Mix(cycle, dcs, dfe)

    def person(key: str, department: Department, **kwargs: object) -> User:
        user = create_user_with_password(
            db.session,
            UserFields(
                email=f"{key}@example.gov.uk",
                full_name=f"Official {key.upper()}",
                role="official",
                department=department,
                **kwargs,  # type: ignore[arg-type]
            ),
            None,
            PASSWORD,
        )
        mix.people[key] = user
        return user

    a = person("a", dcs, is_senior=True, job_title="Director of Children's Services")
    _file(a, cycle, _utc(2026, 5, 10, 9), senior_interests())
    _file(
        person("b", dcs, is_senior=True, job_title="Chief Social Worker"),
        cycle,
        _utc(2026, 5, 11, 9),
        None,
    )
    _file(
        person("c", dcs),
        cycle,
        _utc(2026, 7, 2, 9),
        [
            Interest(
                category="membership", whose="self", organisation_name="Law Society", role="member"
            )
        ],
    )
    # 23:30 UK time (BST) on the due date: on time although 22:30 UTC.
    _file(person("d", dcs), cycle, _utc(2026, 6, 30, 22, 30), None)
    # 00:30 UK time the day after: late, although still 30 June in UTC.
    _file(person("e", dcs), cycle, _utc(2026, 6, 30, 23, 30), None)
    person("f", dcs)
    g = person("g", dcs)
    start_declaration(db.session, g, cycle, lookback_months=24)  # a draft is not a filing
    person("h", dcs, joined_on=date(2026, 7, 1))  # due 29 July: not yet due
    person("i", dcs, joined_on=date(2026, 6, 1))  # 28 days end before the cycle's due date
    j = person("j", dcs, joined_on=date(2026, 6, 20))  # due 18 July
    _file(j, cycle, _utc(2026, 7, 10, 9), None)
    person("k", dcs, left_on=date(2026, 3, 1))  # left before the cycle opened
    person("l", dcs, left_on=date(2026, 5, 1))  # left during the cycle: still owes
    _file(person("m", dfe), cycle, _utc(2026, 6, 1, 9), None)
    person("n", dfe)
    db.session.commit()
    return mix
