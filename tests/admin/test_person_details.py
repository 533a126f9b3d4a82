"""Officials' other names and month and year of birth: admin form, roster CSV and CLI.

Month and year of birth are shown and stored only when COLLECT_BIRTH_DATES is on.
"""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select

from register import runtime
from register.admin import services
from register.extensions import db
from register.models import AuditEntry, User
from tests.conftest import configure, sign_in

LATEST_YEAR = date.today().year - services.MINIMUM_AGE
HEADER = "email,full_name,role,department_code,other_names,birth_month,birth_year"
ROSTER = "\n".join([
    HEADER,
    "ann@example.gov.uk,Ann Trowe,official,DCS,Ann Smith; A. M. Trowe,3,1968",       # 2 good
    "bea@example.gov.uk,Bea Good,official,DCS,,,1971",                               # 3 good
    "cal@example.gov.uk,Cal Month,official,DCS,,13,1970",                            # 4
    f"dan@example.gov.uk,Dan Young,official,DCS,,1,{LATEST_YEAR + 1}",               # 5
    "eli@example.gov.uk,Eli Noyear,official,DCS,,6,",                                # 6
    "fox@example.gov.uk,Fox Surname,official,DCS,Jones,,",                           # 7
    "gil@example.gov.uk,Gil Words,official,DCS,,x,19x0",                             # 8
    "hal@example.gov.uk,Hal Super,official,DCS,,²,1970",                             # 9
]) + "\n"  # fmt: skip
ERRORS = {
    4: "birth_month: Month of birth must be a number from 1 to 12",
    5: f"birth_year: Year of birth must be a year from 1900 to {LATEST_YEAR}",
    6: "birth_year: Enter the year of birth as well as the month",
    7: "other_names: Other name 'Jones' needs a forename and a surname, for example Jane Smith",
    8: "birth_month: Month of birth must be a number from 1 to 12; birth_year: Year of birth "
    f"must be a year from 1900 to {LATEST_YEAR}",
    9: "birth_month: Month of birth must be a number from 1 to 12",
}


def user(email: str) -> User:
    db.session.expire_all()
    found = db.session.scalar(select(User).where(User.email == email))
    assert found is not None, email
    return found


def person(email: str) -> tuple[str | None, int | None, int | None]:
    found = user(email)
    return found.other_names, found.birth_month, found.birth_year


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def collecting(app):
    configure(app, COLLECT_BIRTH_DATES=True)


@pytest.fixture
def admin_client(client, make_user):
    sign_in(client, make_user("admin"))
    return client


def form(department, **fields: str) -> dict[str, str]:
    return {"email": "new@example.gov.uk", "full_name": "Isabelle Trowe", "role": "official",
            "department_id": str(department.id), "password": "", **fields}  # fmt: skip


def value_of(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no {name} input with a value"
    return unescape(match.group(1))


def test_form_validates_person_fields_and_keeps_what_was_typed(admin_client, department,
                                                               collecting):  # fmt: skip
    page = admin_client.get("/admin/people/new").get_data(as_text=True)
    assert "Month and year of birth (optional)" in page and "Other names used" in page
    response = admin_client.post("/admin/people/new", data=form(
        department, email="not-an-email", other_names="Jones; Jane Smith", birth_month="13",
        birth_year="1850",
    ))  # fmt: skip
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    # Every problem at once, each next to its field and linked from the summary.
    assert "Enter a valid email address" in page
    assert "Other name 'Jones' needs a forename and a surname, for example Jane Smith" in page
    assert (f"Month of birth must be a number from 1 to 12. Year of birth must be a year from "
            f"1900 to {LATEST_YEAR}") in page  # fmt: skip
    for anchor in ("#other_names", "#birth_month", "#birth_year"):
        assert f'href="{anchor}"' in page
    assert (
        'class="govuk-input govuk-date-input__input govuk-input--width-2 govuk-input--error"'
        in page
    )
    assert value_of(page, "birth_month") == "13" and value_of(page, "birth_year") == "1850"
    assert ">Jones; Jane Smith</textarea>" in page
    script = admin_client.post("/admin/people/new", data=form(
        department, birth_month="<script>x</script>", birth_year="<b>1968</b>",
    )).get_data(as_text=True)  # fmt: skip
    assert "<script>x" not in script and "<b>" not in script
    assert 'value="&lt;script&gt;x&lt;/script&gt;"' in script
    no_year = unescape(admin_client.post(
        "/admin/people/new", data=form(department, birth_month="3")
    ).get_data(as_text=True))  # fmt: skip
    assert "Enter the year of birth as well as the month" in no_year
    assert db.session.scalar(select(User).where(User.email == "new@example.gov.uk")) is None


def test_form_stores_and_audits_person_fields(admin_client, department, collecting):
    response = admin_client.post("/admin/people/new", data=form(
        department, other_names="Isabelle Smith;\nI. M. Trowe ", birth_month="03",
        birth_year="1968",
    ))  # fmt: skip
    assert response.status_code == 302
    assert person("new@example.gov.uk") == ("Isabelle Smith\nI. M. Trowe", 3, 1968)
    created = entries("admin.user_created")[-1]
    # The audit log says which details were recorded, never the values (it cannot be erased).
    assert json.loads(created.details) == {
        "personal_details": ["other_names", "birth_month", "birth_year"]
    }
    assert "1968" not in created.details and "Smith" not in created.details
    official = user("new@example.gov.uk")
    page = admin_client.get(f"/admin/people/{official.id}").get_data(as_text=True)
    assert ">Isabelle Smith\nI. M. Trowe</textarea>" in page
    assert value_of(page, "birth_month") == "3" and value_of(page, "birth_year") == "1968"
    response = admin_client.post(f"/admin/people/{official.id}", data=form(
        department, other_names="Isabelle Smith", birth_month="", birth_year="",
    ))  # fmt: skip
    assert response.status_code == 302
    assert person("new@example.gov.uk") == ("Isabelle Smith", None, None)
    updated = json.loads(entries("admin.user_updated")[-1].details)
    assert updated["personal_details_changed"] == ["other_names", "birth_month", "birth_year"]


def test_birth_fields_are_neither_shown_nor_stored_unless_collected(admin_client, department):
    page = admin_client.get("/admin/people/new").get_data(as_text=True)
    assert "Other names used" in page
    assert "Month and year of birth" not in page and 'name="birth_month"' not in page
    response = admin_client.post("/admin/people/new", data=form(
        department, other_names="Isabelle Smith", birth_month="3", birth_year="1968",
    ))  # fmt: skip
    assert response.status_code == 302
    assert person("new@example.gov.uk") == ("Isabelle Smith", None, None)
    official = user("new@example.gov.uk")
    official.birth_month, official.birth_year = 5, 1970  # recorded while collection was on
    db.session.commit()
    response = admin_client.post(f"/admin/people/{official.id}", data=form(
        department, other_names="", birth_month="1", birth_year="1990",
    ))  # fmt: skip
    assert response.status_code == 302
    assert person("new@example.gov.uk") == (None, 5, 1970)  # left as it was
    people_page = admin_client.get("/admin/people").get_data(as_text=True)
    assert "left_on, other_names</code>" in people_page and "birth_month" not in people_page


def test_roster_person_columns_per_row_errors_and_updates(app, department, collecting):
    report = services.import_roster(db.session, ROSTER, None, runtime.settings())
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.errors == sorted(ERRORS.items()) and report.ignored_columns == []
    assert person("ann@example.gov.uk") == ("Ann Smith\nA. M. Trowe", 3, 1968)
    assert person("bea@example.gov.uk") == (None, None, 1971)
    again = services.import_roster(db.session, ROSTER, None, runtime.settings())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # A roster without the person columns leaves them as they are.
    plain = "email,full_name,role,department_code\nann@example.gov.uk,Ann Trowe,official,DCS\n"
    kept = services.import_roster(db.session, plain, None, runtime.settings())
    assert (kept.updated, kept.unchanged) == (0, 1)
    assert person("ann@example.gov.uk") == ("Ann Smith\nA. M. Trowe", 3, 1968)
    changed = services.import_roster(
        db.session,
        f"{HEADER}\nann@example.gov.uk,Ann Trowe,official,DCS,Ann Smith,4,1968\n",
        None,
        runtime.settings(),
    )
    db.session.commit()
    assert changed.updated == 1
    assert person("ann@example.gov.uk") == ("Ann Smith", 4, 1968)
    entry = entries("admin.user_updated")[-1]
    assert json.loads(entry.details)["personal_details_changed"] == ["other_names", "birth_month"]
    assert "1968" not in entry.details


def test_roster_ignores_birth_columns_unless_collected(app, runner, department, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    result = runner.invoke(args=["users", "import", str(path)])
    # Birth columns are ignored, so only the bad other name is rejected.
    assert result.exit_code == 1
    assert "7 created, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert f"{path}:7: {ERRORS[7]}" in result.output
    assert (f"{path}: Columns birth_month and birth_year were ignored: this register does not "
            "collect dates of birth (COLLECT_BIRTH_DATES is off)") in result.output  # fmt: skip
    assert person("ann@example.gov.uk") == ("Ann Smith\nA. M. Trowe", None, None)
    assert person("cal@example.gov.uk") == (None, None, None)


def test_roster_upload_page_lists_ignored_columns(admin_client, department):
    import io

    response = admin_client.post(
        "/admin/people/roster", data={"file": (io.BytesIO(ROSTER.encode()), "roster.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    page = unescape(response.get_data(as_text=True))
    assert "Columns birth_month and birth_year were ignored" in page


def test_birth_dates_can_be_erased_for_everyone_and_it_is_audited(app, runner, make_user):
    people = [make_user("official"), make_user("official")]
    people[0].birth_month, people[0].birth_year = 3, 1968
    people[1].birth_year = 1975
    db.session.commit()
    assert runner.invoke(args=["users", "erase-birth-dates"], input="n\n").exit_code == 1
    assert db.session.get(User, people[0].id).birth_year == 1968  # refused: nothing erased
    result = runner.invoke(args=["users", "erase-birth-dates", "--yes"])
    assert (
        result.exit_code == 0 and "Erased the month and year of birth of 2 people" in result.output
    )
    db.session.expire_all()
    assert [(p.birth_month, p.birth_year) for p in people] == [(None, None), (None, None)]
    entry = entries("admin.birth_dates_erased")[-1]
    assert json.loads(entry.details) == {"people": 2}
