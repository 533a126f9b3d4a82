"""Undeclared-interest screening runs by itself, for what changed: after officer and award
imports (command line, web upload, API) and when an official submits a declaration."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from register.extensions import db
from register.models import AuditEntry, Declaration, Flag, UndeclaredFinding, User
from register.models.flags import UNDECLARED
from register.screening.undeclared import screen_undeclared
from tests.api.helpers import make_token
from tests.declarations.helpers import add, directorship, submit
from tests.ownership.conftest import BODS, World, write_officers
from tests.ownership.test_screening import sign_in

AWARD_HEADER = (
    "ocid,award_id,title,buyer_name,value,currency,award_date,supplier_name,supplier_scheme,"
    "supplier_id\n"
)
# The planted official is a current director of a company with no award yet.
NEW_COMPANY = ("01234567", "TROWE, Isabelle Mary", "Director", "2019-01-01", "", "3", "1968")


def undeclared() -> dict[tuple[int, str], Flag]:
    """Active undeclared flags by (official, company number)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(Flag, UndeclaredFinding.company_number)
        .join(UndeclaredFinding, UndeclaredFinding.flag_id == Flag.id)
        .where(Flag.kind == UNDECLARED, Flag.active.is_(True))
    )
    return {(flag.official_id, number): flag for flag, number in rows}


def assert_same_as_full_screening() -> None:
    """The incremental runs left what a full screening finds: it changes nothing."""
    report = screen_undeclared(db.session)
    assert (report.new, report.updated, report.reopened, report.withdrawn) == (0, 0, 0, 0)
    db.session.rollback()


def awards_csv(n: int, number: str = NEW_COMPANY[0]) -> str:
    return AWARD_HEADER + (
        f"ocds-auto-{n},award-{n},Stationery,A buyer,5000,GBP,2025-0{n}-01,"
        f"Trowe Consulting Ltd,GB-COH,{number}\n"
    )


@pytest.fixture
def officers_loaded(runner, world: World, tmp_path: Path) -> World:
    """The officer records, including the new company's, imported and screened."""
    extra = write_officers(tmp_path / "extra.csv", [NEW_COMPANY])
    for path in (BODS, world.officers_csv, extra):
        result = runner.invoke(args=["ownership", "import", str(path)])
        assert result.exit_code == 0, result.output
    return world


def test_officer_import_screens_the_changed_companies(runner, world, tmp_path):
    result = runner.invoke(args=["ownership", "import", "--no-screen", str(BODS)])
    assert result.exit_code == 0 and "Undeclared interests" not in result.output
    assert undeclared() == {}
    result = runner.invoke(args=["ownership", "import", str(world.officers_csv)])
    assert result.exit_code == 0, result.output
    assert "Undeclared interests: screened" in result.output
    # The officers file's companies were screened: Lyreco, which names the planted official.
    assert set(undeclared()) == {(world.planted.id, "00442696")}
    assert undeclared()[(world.planted.id, "00442696")].risk_level == "high"
    # The BODS companies imported with --no-screen wait for a full screening (Arco: name only).
    report = screen_undeclared(db.session)
    assert (report.new, report.withdrawn) == (1, 0)
    db.session.commit()
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ownership.screened").order_by(AuditEntry.seq)
    ).all()
    assert [e.summary.split(":")[0] for e in entry] == [
        "Undeclared-interest screening of 2 companies",  # the CSV's two companies
        "Undeclared-interest screening",  # the full run
    ]
    # Re-importing unchanged records screens nothing and leaves the flags alone.
    result = runner.invoke(args=["ownership", "import", str(world.officers_csv)])
    assert "Undeclared interests" not in result.output
    assert_same_as_full_screening()


def test_award_import_from_the_command_line_screens_the_suppliers(runner, officers_loaded,
                                                                  tmp_path):  # fmt: skip
    world = officers_loaded
    assert (world.planted.id, NEW_COMPANY[0]) not in undeclared()  # no award yet
    first = tmp_path / "first.csv"
    first.write_text(awards_csv(1), encoding="utf-8")
    result = runner.invoke(args=["awards", "import", "--no-screen", str(first)])
    assert result.exit_code == 0 and "Matching" not in result.output
    assert (world.planted.id, NEW_COMPANY[0]) not in undeclared()
    second = tmp_path / "second.csv"
    second.write_text(awards_csv(2), encoding="utf-8")
    result = runner.invoke(args=["awards", "import", str(second)])
    assert result.exit_code == 0, result.output
    assert "undeclared interests: screened" in result.output
    flag = undeclared()[(world.planted.id, NEW_COMPANY[0])]
    assert "while the appointment was held" in flag.explanation
    assert flag.award.ocid == "ocds-auto-2"
    assert_same_as_full_screening()


def test_award_upload_in_the_browser_screens_the_suppliers(app, officers_loaded):
    world = officers_loaded
    client = app.test_client()
    sign_in(client, world.admin)
    response = client.post(
        "/awards/imports", data={"file": (io.BytesIO(awards_csv(1).encode()), "awards.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 302
    assert (world.planted.id, NEW_COMPANY[0]) in undeclared()
    with client.session_transaction() as session:
        assert "Possible undeclared interests: 1 new flag" in str(session["_flashes"])
    assert_same_as_full_screening()


def test_award_upload_through_the_api_screens_the_suppliers(client, officers_loaded):
    world = officers_loaded
    token = make_token(db.session, world.admin, "feed")[1]
    db.session.commit()
    response = client.post(
        "/api/v1/awards?filename=awards.csv", data=awards_csv(1).encode(),
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 200, response.json
    assert (world.planted.id, NEW_COMPANY[0]) in undeclared()
    assert_same_as_full_screening()


def test_declaring_the_company_withdraws_the_flag_on_submit(app, officers_loaded):
    world = officers_loaded
    before = undeclared()
    assert {(world.planted.id, "00442696"), (world.name_only.id, "00133804")} <= set(before)
    declaration = db.session.scalar(
        select(Declaration).where(Declaration.official_id == world.planted.id)
    )
    client = app.test_client()
    sign_in(client, world.planted)
    url = f"/declarations/{declaration.id}"
    assert client.post(f"{url}/amend").status_code == 302
    lyreco = directorship("Lyreco UK Ltd", organisation_identifier="00442696",
                          identifier_scheme="GB-COH")  # fmt: skip
    assert add(client, url, "directorship", lyreco).status_code == 302
    response = submit(client, url, amendment_reason="Forgot a directorship")
    assert response.status_code == 302
    after = undeclared()
    assert (world.planted.id, "00442696") not in after  # now declared: withdrawn
    assert not db.session.get(Flag, before[(world.planted.id, "00442696")].id).active
    # Only the submitting official was screened: other officials' flags are as they were.
    assert after[(world.name_only.id, "00133804")].id == before[(world.name_only.id, "00133804")].id
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ownership.screened")
        .order_by(AuditEntry.seq.desc())
    ).first()  # fmt: skip
    assert entry.summary.startswith("Undeclared-interest screening of 1 official: screened 1 ")
    assert "1 no longer matching" in entry.summary
    assert_same_as_full_screening()


def test_a_previous_surname_added_by_roster_is_screened_at_once(runner, world, tmp_path) -> None:
    """Agnes Smith was Agnes Plover, secretary of Lyreco UK Ltd: once the roster says so, the
    possible undeclared interest is flagged without waiting for the nightly screening."""
    for path in (BODS, world.officers_csv):
        assert runner.invoke(args=["ownership", "import", str(path)]).exit_code == 0
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "email,full_name,role,department_code,other_names\n"
        "agnes.smith@example.gov.uk,Agnes Smith,official,DCS,\n",
        encoding="utf-8",
    )
    assert runner.invoke(args=["users", "import", str(roster)]).exit_code == 0
    agnes = db.session.scalar(select(User).where(User.email == "agnes.smith@example.gov.uk"))
    undeclared = select(Flag).where(Flag.kind == UNDECLARED, Flag.official_id == agnes.id)
    assert db.session.scalars(undeclared).all() == []  # screened as she was added: no match

    roster.write_text(
        "email,full_name,role,department_code,other_names\n"
        "agnes.smith@example.gov.uk,Agnes Smith,official,DCS,Agnes Plover\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["users", "import", str(roster)])
    assert "0 created, 1 updated" in result.output
    flags = db.session.scalars(undeclared).all()
    assert [(f.organisation_name, f.risk_level) for f in flags] == [("Lyreco UK Ltd", "low")]


def test_a_previous_surname_added_in_the_admin_form_is_screened_at_once(runner, world, app):
    for path in (BODS, world.officers_csv):
        assert runner.invoke(args=["ownership", "import", str(path)]).exit_code == 0
    admin = app.test_client()
    sign_in(admin, world.admin)
    fields = {"email": "agnes.smith@example.gov.uk", "full_name": "Agnes Smith",
              "role": "official", "department_id": str(world.planted.department_id)}  # fmt: skip
    assert admin.post("/admin/people/new", data=fields).status_code == 302
    agnes = db.session.scalar(select(User).where(User.email == "agnes.smith@example.gov.uk"))
    undeclared = select(Flag).where(Flag.kind == UNDECLARED, Flag.official_id == agnes.id)
    assert db.session.scalars(undeclared).all() == []
    edited = admin.post(f"/admin/people/{agnes.id}", data={**fields, "other_names": "Agnes Plover"})
    assert edited.status_code == 302
    assert [f.organisation_name for f in db.session.scalars(undeclared)] == ["Lyreco UK Ltd"]
