"""One identifier rule across the journey: award file, officers file, declaration, screening.

A Companies House number written short ("SC12345", "sc 12345") in one place and in full
("SC012345") in another is one company: the award supplier and its officer are joined (a
possible undeclared interest is raised), and a declared number matches the supplier by number.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from register import runtime
from register.admin.services import create_cycle
from register.awards.importer import import_file as import_awards
from register.declarations import services as declarations
from register.extensions import db
from register.models import Declaration, Flag, Interest, UndeclaredFinding, User
from register.models.flags import DECLARED, UNDECLARED
from register.ownership.importer import import_file as import_officers
from register.screening import screen_declaration, screen_suppliers
from register.screening.undeclared import screen_undeclared
from tests.ownership.conftest import write_officers

SUPPLIER = "Caledonian Care Ltd"


def award_file(path: Path, number: str) -> Path:
    release = {
        "ocid": "ocds-scot-1", "id": "r1", "date": "2025-06-01T00:00:00Z", "tag": ["award"],
        "buyer": {"id": "B", "name": "Department for Children's Services"},
        "parties": [
            {"id": "B", "roles": ["buyer"], "name": "Department for Children's Services"},
            {"id": "S", "roles": ["supplier"], "name": SUPPLIER,
             "identifier": {"scheme": "GB-COH", "id": number}},
        ],
        "awards": [{"id": "A1", "date": "2025-06-01T00:00:00Z",
                    "value": {"amount": 250000, "currency": "GBP"},
                    "suppliers": [{"id": "S", "name": SUPPLIER}]}],
    }  # fmt: skip
    path.write_text(json.dumps(release))
    return path


def declare(official: User, organisation: str, number: str | None) -> None:
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [official.department], None)  # fmt: skip
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    declaration.interests.append(Interest(
        category="directorship", whose="self", organisation_name=organisation,
        identifier_scheme="GB-COH" if number else None, organisation_identifier=number,
        role="non_executive_director", paid=False, start_date=date(2015, 1, 1),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason=None, ip_address=None)  # fmt: skip
    db.session.commit()


@pytest.fixture
def official(make_user) -> User:
    user = make_user("official", full_name="Dr Isabelle Trowe")
    user.birth_month, user.birth_year = 3, 1968
    db.session.commit()
    return user


def import_both(tmp_path: Path, award_number: str, officer_number: str) -> None:
    awards = import_awards(db.session, award_file(tmp_path / "awards.json", award_number))
    assert not awards.rejected and not awards.failed
    officers = import_officers(db.session, write_officers(tmp_path / "officers.csv", [
        (officer_number, "TROWE, Isabelle Mary", "Director", "2012-05-01", "", "3", "1968"),
    ]))  # fmt: skip
    assert not officers.rejected and not officers.failed, officers.summary()


def undeclared_flags(official: User) -> list[Flag]:
    return list(db.session.scalars(
        select(Flag).where(Flag.kind == UNDECLARED, Flag.official_id == official.id, Flag.active)
    ))  # fmt: skip


@pytest.mark.parametrize(
    ("award_number", "officer_number"),
    [("SC12345", "SC012345"), ("SC012345", "SC12345"), ("SC012345", "sc 12345"),
     ("1234567", "01234567")],
)  # fmt: skip
def test_award_supplier_and_officer_records_of_one_company_are_joined(
    official: User, tmp_path: Path, award_number: str, officer_number: str
) -> None:
    declare(official, "Trowe Family Trust", None)
    import_both(tmp_path, award_number, officer_number)
    screen_undeclared(db.session)
    db.session.commit()
    [flag] = undeclared_flags(official)
    finding = db.session.scalar(
        select(UndeclaredFinding).where(UndeclaredFinding.flag_id == flag.id)
    )
    number = "01234567" if award_number == "1234567" else "SC012345"
    assert finding is not None and finding.company_number == number
    assert flag.interest_lineage == f"u{official.id}:{number}"


@pytest.mark.parametrize("declared", ["SC12345", "sc 12345"])
def test_a_declared_short_number_matches_the_supplier_by_number(
    official: User, tmp_path: Path, declared: str
) -> None:
    declare(official, "Highland Holdings", declared)  # a name that does not match the supplier
    report = import_awards(db.session, award_file(tmp_path / "awards.json", "SC012345"))
    screen_suppliers(db.session, report.changed_supplier_ids, runtime.settings())
    db.session.commit()
    [flag] = db.session.scalars(select(Flag).where(Flag.kind == DECLARED))
    assert flag.official_id == official.id and flag.supplier_name == SUPPLIER
    assert "company number SC012345 matches" in flag.explanation
    # Screening the declaration (the other door) finds the same flag, not a second one.
    declaration = db.session.scalars(
        select(Declaration).where(Declaration.official_id == official.id)
    ).one()
    screen_declaration(db.session, declaration, runtime.settings())
    db.session.commit()
    assert len(db.session.scalars(select(Flag).where(Flag.kind == DECLARED)).all()) == 1


def official_declaration(official: User):  # noqa: ANN201
    from register.models import Declaration

    return db.session.scalars(
        select(Declaration).where(Declaration.official_id == official.id)
    ).one()


def test_a_declared_short_number_is_not_an_undeclared_interest(
    official: User, tmp_path: Path
) -> None:
    declare(official, "Highland Holdings", "sc 12345")
    import_both(tmp_path, "SC012345", "SC012345")
    screen_undeclared(db.session)
    db.session.commit()
    assert undeclared_flags(official) == []
