"""A register with awards to companies in the shared BODS files, officials, and officers data."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from register.admin.services import create_cycle
from register.declarations import services as declarations
from register.extensions import db
from register.models import Department, Interest, User
from tests.review.helpers import add_award

BODS = (
    Path(__file__).resolve().parents[1]
    / "data/contracts_finder_ocds/beneficial_ownership_bods/ch_id_openownership_bods"
)
OFFICERS = [  # company_number, name, role, appointed_on, resigned_on, birth_month, birth_year
    ("00442696", "TROWE, Isabelle Mary", "Director", "2012-05-01", "2024-09-30", "3", "1968"),
    ("00442696", "PLOVER, Agnes", "Secretary", "2001-01-01", "", "", ""),
    ("00166886", "TROWE, Isabelle", "Director", "1990-01-01", "1995-01-01", "3", "1968"),
]


def write_officers(path: Path, rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["company_number", "name", "role", "appointed_on", "resigned_on",
                         "birth_month", "birth_year"])  # fmt: skip
        writer.writerows(rows)
    return path


@dataclass
class World:
    planted: User  # an undeclared directorship (officers CSV)
    declared: User  # the BODS PSC of Apetito, declared as "Apetito Ltd"
    namesake: User  # a Richard Lewis born 28 years after the BODS one
    name_only: User  # a Stephen Martin with no birth date on record
    compliance: User
    other_compliance: User
    auditor: User
    admin: User
    officers_csv: Path


def _declare(official: User, cycle: Any, organisation: str, number: str | None = None) -> None:
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    declaration.interests.append(Interest(
        category="shareholding", whose="self", organisation_name=organisation,
        identifier_scheme="GB-COH" if number else None, organisation_identifier=number,
        start_date=date(2015, 1, 1),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason=None, ip_address=None)  # fmt: skip


@pytest.fixture
def world(make_user: Any, department: Department, tmp_path: Path) -> World:
    def official(name: str, month: int | None, year: int | None) -> User:
        user = make_user("official", full_name=name)
        user.birth_month, user.birth_year = month, year
        return user

    planted = official("Dr Isabelle Trowe", 3, 1968)
    declared = official("Richard Ring", 6, 1971)
    namesake = official("Richard Lewis", 6, 1980)
    name_only = official("Stephen Martin", None, None)
    other = db.session.merge(Department(code="OTH", name="Other Department"))
    other_compliance = make_user("compliance")
    other_compliance.assigned_departments = [other]
    cycle = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                         [department], None)  # fmt: skip
    _declare(planted, cycle, "Trowe Family Trust")
    _declare(declared, cycle, "Apetito Ltd")
    for n, (name, number) in enumerate(
        [("Lyreco UK Ltd", "00442696"), ("APETITO LIMITED", "00233851"),
         ("Tuke and Bell Ltd", "00125585"), ("Arco Ltd", "00133804"),
         ("Ralph Livesey Ltd", "00166886")], start=1,
    ):  # fmt: skip
        add_award(department, name, number, n=n)
    world = World(
        planted, declared, namesake, name_only, make_user("compliance"), other_compliance,
        make_user("auditor"), make_user("admin"),
        write_officers(tmp_path / "officers.csv", OFFICERS),
    )  # fmt: skip
    db.session.commit()
    return world
