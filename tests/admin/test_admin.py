"""Administration: roster import (CLI and web), departments, cycles and users, with validation."""

from __future__ import annotations

import io
import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from register import runtime
from register.admin import services
from register.extensions import db
from register.models import AuditEntry, DeclarationCycle, Department, User
from tests.conftest import date_fields, sign_in

HEADER = "email,full_name,role,department_code,job_title,is_senior,joined_on,left_on"
ROSTER = "\n".join([
    HEADER,
    "ada@example.gov.uk,Ada Official,official,DCS,Director,yes,2020-01-06,",      # 2 good
    "not-an-email,Bad Email,official,DCS,,,,",                                     # 3
    "bob@example.gov.uk,Bob Nowhere,official,XYZ,,,,",                             # 4
    "cy@example.gov.uk,Cy Baddate,official,DCS,,,31/01/2020,",                     # 5
    "dee@example.gov.uk,Dee Compliance,Compliance,,,no,,",                         # 6 good
    "eve@example.gov.uk,Eve Nodept,official,,,,,",                                 # 7
    "fay@example.gov.uk," + "F" * 250 + ",official,DCS,,,,",                       # 8
    "gus@example.gov.uk,Gus Backwards,official,DCS,,,2024-01-01,2023-01-01",       # 9
    "hal@example.gov.uk,Hal Role,overlord,DCS,,,,",                                # 10
]) + "\n"  # fmt: skip
GOOD = {"ada@example.gov.uk", "dee@example.gov.uk"}
BAD = {"not-an-email", "bob@example.gov.uk", "cy@example.gov.uk", "eve@example.gov.uk",
       "fay@example.gov.uk", "gus@example.gov.uk", "hal@example.gov.uk"}  # fmt: skip
ERRORS = {
    3: "email 'not-an-email' is not valid",
    4: "department_code 'XYZ' does not exist",
    5: "joined_on '31/01/2020' is not a date in the form YYYY-MM-DD",
    7: "an official needs a department_code",
    8: "full_name is longer than 200 characters",
    9: "left_on is before joined_on",
    10: "role 'overlord' is not one of",
}


def emails() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(User.email)))


def audited(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def assert_errors(lines: list[tuple[int, str]]) -> None:
    assert [line for line, _ in lines] == sorted(ERRORS)
    for line, message in lines:
        assert ERRORS[line] in message, (line, message)


def test_roster_import_keeps_good_rows_and_reports_bad_ones(app, department):
    report = services.import_roster(db.session, ROSTER, None, runtime.settings())
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert_errors(report.errors)
    assert emails() == GOOD
    ada = db.session.scalar(select(User).where(User.email == "ada@example.gov.uk"))
    assert (ada.role, ada.department_id, ada.job_title, ada.is_senior, ada.joined_on) == (
        "official",
        department.id,
        "Director",
        True,
        date(2020, 1, 6),
    )
    dee = db.session.scalar(select(User).where(User.email == "dee@example.gov.uk"))
    assert dee.role == "compliance" and dee.department_id is None
    created = audited("admin.user_created")
    assert {e.object_id for e in created} == {str(ada.id), str(dee.id)}  # nothing for bad rows
    assert (
        "2 created, 0 updated, 0 unchanged, 7 rejected"
        in audited("admin.roster_imported")[0].summary
    )

    again = services.import_roster(db.session, ROSTER, None, runtime.settings())
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert_errors(again.errors)

    changed = ROSTER.replace(
        "Ada Official,official,DCS,Director", "Ada Official,official,DCS,Chief"
    )
    third = services.import_roster(db.session, changed, None, runtime.settings())
    db.session.commit()
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    db.session.refresh(ada)
    assert ada.job_title == "Chief"


def test_roster_without_required_columns_is_refused(app, department):
    report = services.import_roster(
        db.session, "email,name\nx@example.gov.uk,X\n", None, runtime.settings()
    )
    assert report.errors and report.errors[0][0] == 1
    assert "missing columns: full_name, role" in report.errors[0][1]
    assert report.created == 0


def test_roster_cli(app, runner, department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1  # some rows were rejected
    assert "2 created, 0 updated, 0 unchanged, 7 rejected" in result.output
    for line, message in ERRORS.items():
        assert f"{path}:{line}: " in result.output and message in result.output
    assert emails() == GOOD
    result = runner.invoke(args=["users", "import", str(path)])
    assert "0 created, 0 updated, 2 unchanged, 7 rejected" in result.output
    good_only = tmp_path / "good.csv"
    good_only.write_text("\n".join(ROSTER.splitlines()[:2]) + "\n", encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(good_only)])
    assert (
        result.exit_code == 0 and "0 created, 0 updated, 1 unchanged, 0 rejected" in result.output
    )
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\nz@example.gov.uk,Zoë,official,DCS,,,,\n").encode("latin-1"))
    result = runner.invoke(args=["users", "import", str(latin)])
    assert result.exit_code == 1 and "not UTF-8" in result.output


@pytest.fixture
def admin_client(client, make_user):
    sign_in(client, make_user("admin"))
    return client


def upload(client: Any, content: bytes, name: str = "roster.csv") -> Any:
    return client.post("/admin/people/roster", data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")  # fmt: skip


def confirm(client: Any, preview: Any) -> Any:
    """Press "Confirm and import" on a preview page."""
    page = preview.get_data(as_text=True)
    action = re.search(r'action="(/admin/people/roster/\d+/confirm)"', page).group(1)
    signature = re.search(r'name="signature" value="([0-9a-f]+)"', page).group(1)
    return client.post(action, data={"signature": signature})


def test_roster_upload_page(admin_client):
    preview = upload(admin_client, ROSTER.encode())
    assert preview.status_code == 200
    assert emails() & GOOD == set()  # a preview changes nothing
    response = confirm(admin_client, preview)
    page = unescape(response.get_data(as_text=True))
    assert "2 created, 0 updated, 0 unchanged, 7 rejected" in page
    rows = re.findall(r'<td class="govuk-table__cell">(\d+)</td><td class="govuk-table__cell">'
                      r"(.*?)</td>", page)  # fmt: skip
    assert_errors([(int(line), message) for line, message in rows])
    assert emails() >= GOOD and not BAD & emails()
    again = unescape(upload(admin_client, ROSTER.encode()).get_data(as_text=True))
    assert "nothing to import" in again


def test_roster_upload_refuses_bad_files(admin_client):
    before = emails()
    latin = upload(
        admin_client, (HEADER + "\nz@example.gov.uk,Zoë,official,DCS\n").encode("latin-1")
    )
    assert "not UTF-8" in latin.get_data(as_text=True)
    wrong_type = upload(admin_client, ROSTER.encode(), "roster.xlsx")
    assert wrong_type.status_code == 302
    with admin_client.session_transaction() as session:
        assert "The file must be a CSV" in str(session["_flashes"])
    assert emails() == before


def test_pages_have_a_main_landmark_and_show_flash_messages(admin_client):
    upload(admin_client, ROSTER.encode(), "roster.xlsx")
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert '<main class="govuk-main-wrapper" id="main-content"' in page
    assert "The file must be a CSV" in page


def error_for(page: str, field: str) -> str:
    pattern = rf'<p id="{field}-error" class="govuk-error-message">.*?</span>\s*(.*?)\s*</p>'
    match = re.search(pattern,
                      page, re.S)  # fmt: skip
    assert match, f"no error shown next to {field}"
    return unescape(match.group(1))


def test_create_department_page(admin_client):
    response = admin_client.post("/admin/departments", data={"code": "dft", "name": "Transport"})
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.code == "DFT"))
    assert department is not None and department.name == "Transport"
    assert audited("admin.department_created")[-1].object_id == str(department.id)
    duplicate = admin_client.post("/admin/departments", data={"code": "DFT", "name": "Other"})
    assert error_for(duplicate.get_data(as_text=True), "code") == (
        "A department with code DFT already exists"
    )
    bad = admin_client.post("/admin/departments", data={"code": "no spaces!", "name": ""})
    page = bad.get_data(as_text=True)
    assert error_for(page, "code") == "Use letters, numbers, - and _ only"
    assert error_for(page, "name") == "Enter the department's name"
    assert db.session.scalar(select(func.count()).select_from(Department)) == 2  # DCS and DFT


def test_create_department_cli(app, runner):
    result = runner.invoke(args=["departments", "create", "hmt", "HM Treasury"])
    assert result.exit_code == 0 and "Created department HMT" in result.output
    again = runner.invoke(args=["departments", "create", "HMT", "Another"])
    assert again.exit_code == 1 and "A department with code HMT already exists" in again.output
    bad = runner.invoke(args=["departments", "create", "bad code", "Name"])
    assert bad.exit_code == 1 and "letters, numbers" in bad.output
    blank = runner.invoke(args=["departments", "create", "OK", "  "])
    assert blank.exit_code == 1 and "name" in blank.output
    assert list(db.session.scalars(select(Department.code))) == ["HMT"]


def cycle_form(name: str, opens: tuple[int, int, int], due: tuple[int, int, int],
               departments: list[int]) -> MultiDict:  # fmt: skip
    return MultiDict(
        [
            ("name", name),
            *date_fields("opens_on", *opens),
            *date_fields("due_on", *due),
            *[("departments", str(d)) for d in departments],
        ]
    )


def test_create_cycle_page(admin_client, department, make_user):
    make_user("compliance")  # reviews the department (one nobody reviews needs confirming)
    ok = admin_client.post(
        "/admin/cycles", data=cycle_form("2026/27", (1, 4, 2026), (30, 6, 2026), [department.id])
    )
    assert ok.status_code == 302
    cycle = db.session.scalar(select(DeclarationCycle))
    assert (cycle.name, cycle.opens_on, cycle.due_on) == (
        "2026/27",
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    assert [d.id for d in cycle.departments] == [department.id]
    backwards = admin_client.post(
        "/admin/cycles", data=cycle_form("2027/28", (1, 4, 2027), (1, 3, 2027), [department.id])
    ).get_data(as_text=True)
    assert error_for(backwards, "name") == "The due date must be on or after the opening date"
    duplicate = admin_client.post(
        "/admin/cycles", data=cycle_form("2026/27", (1, 4, 2026), (30, 6, 2026), [department.id])
    ).get_data(as_text=True)
    assert error_for(duplicate, "name") == "A cycle called 2026/27 already exists"
    empty = admin_client.post("/admin/cycles", data=MultiDict([("name", "")])).get_data(
        as_text=True
    )
    assert error_for(empty, "name") == "Enter a name for the cycle"
    assert error_for(empty, "opens_on") == "Enter the opening date"
    assert error_for(empty, "departments") == "Choose at least one department"
    bad_date = admin_client.post(
        "/admin/cycles", data=cycle_form("X", (31, 2, 2026), (30, 6, 2026), [department.id])
    ).get_data(as_text=True)
    assert error_for(bad_date, "opens_on") == "Opens on must be a real date, for example 27 3 2024"
    assert db.session.scalar(select(func.count()).select_from(DeclarationCycle)) == 1


def test_create_cycle_cli(app, runner, department):
    result = runner.invoke(args=["cycles", "create", "2026/27", "--opens", "2026-04-01",
                                 "--due", "2026-06-30"])  # fmt: skip
    assert result.exit_code == 0 and "Created cycle 2026/27 for 1 departments" in result.output
    backwards = runner.invoke(args=["cycles", "create", "Back", "--opens", "2026-04-01",
                                    "--due", "2026-03-01"])  # fmt: skip
    assert backwards.exit_code == 1 and "due date must be on or after" in backwards.output
    bad = runner.invoke(args=["cycles", "create", "Bad", "--opens", "1/4/2026", "--due", "x"])
    assert bad.exit_code == 2
    assert db.session.scalar(select(func.count()).select_from(DeclarationCycle)) == 1


def user_form(**fields: str) -> dict[str, str]:
    return {"email": "new@example.gov.uk", "full_name": "New Person", "role": "official",
            "department_id": "0", "password": "", **fields}  # fmt: skip


def test_create_user_page(admin_client, department):
    no_department = admin_client.post("/admin/people/new", data=user_form())
    assert "an official needs a department_code" in unescape(no_department.get_data(as_text=True))
    short = admin_client.post(
        "/admin/people/new", data=user_form(department_id=str(department.id), password="short-1")
    )
    assert error_for(short.get_data(as_text=True), "password") == (
        "Password must be at least 12 characters, not counting spaces at the start or end"
    )
    bad_email = admin_client.post("/admin/people/new", data=user_form(email="nope"))
    assert error_for(bad_email.get_data(as_text=True), "email") == "Enter a valid email address"
    assert "new@example.gov.uk" not in emails()
    ok = admin_client.post("/admin/people/new", data=user_form(
        department_id=str(department.id), password="a-good-password-1", job_title="Director",
        **{"joined_on": "", "is_senior": "y"},
    ))  # fmt: skip
    assert ok.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.gov.uk"))
    assert (user.role, user.department_id, user.job_title, user.is_senior) == (
        "official",
        department.id,
        "Director",
        True,
    )
    duplicate = admin_client.post(
        "/admin/people/new", data=user_form(department_id=str(department.id))
    )
    assert "already exists" in error_for(duplicate.get_data(as_text=True), "email")
    signed = admin_client.application.test_client()
    assert sign_in(signed, user, "a-good-password-1").status_code == 302


def test_compliance_officer_gets_departments_assigned(admin_client, department):
    response = admin_client.post("/admin/people/new", data=MultiDict([
        *user_form(role="compliance", email="co@example.gov.uk").items(),
        ("assigned", str(department.id)),
    ]))  # fmt: skip
    assert response.status_code == 302
    officer = db.session.scalar(select(User).where(User.email == "co@example.gov.uk"))
    assert [d.id for d in officer.assigned_departments] == [department.id]


def test_create_user_cli(app, runner, department):
    args = ["users", "create", "--email", "cli@example.gov.uk", "--name", "Cli User",
            "--role", "official", "--department", "dcs",
            "--password", "a-good-password-1"]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0 and "Created official cli@example.gov.uk" in result.output
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "already exists" in again.output
    nowhere = runner.invoke(
        args=[*args[:8], "--department", "XYZ", "--password", "a-good-password-1"]
    )
    assert nowhere.exit_code == 1 and "No department with code XYZ" in nowhere.output
    weak = runner.invoke(args=[*args[:3], "weak@example.gov.uk", *args[4:-1], "short"])
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert "weak@example.gov.uk" not in emails()


def test_roster_with_carriage_returns_and_quoted_line_breaks(app, department):
    """A lone \\r ends a line (old Mac files; schemathesis sent `\\r0`), and a line break inside a
    quoted cell belongs to the cell: neither crashes the import."""
    header = "email,full_name,role,department_code"
    text = f'{header}\rcr@example.gov.uk,"Cara\nRoe",official,DCS\r'
    report = services.import_roster(db.session, text, None, runtime.settings())
    assert report.created == 1 and report.errors == []
    assert services.import_roster(db.session, "\r0", None, runtime.settings()).errors
