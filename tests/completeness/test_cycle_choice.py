"""'The current cycle' is never a surprise (issue 12, item 7) and a department nobody reviews is
visible (item 8): each page that picks a cycle says which and why; the default is the open cycle
covering the most officials in the reader's scope; the reader's choice is remembered; an empty
export says so; administrators add departments (confirming one nobody reviews), extend and close
a cycle, audited."""

from __future__ import annotations

import json
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.admin.services import UserFields, create_cycle, create_department
from register.extensions import db
from register.models import AuditEntry, DeclarationCycle, Reminder
from tests.completeness.mix import TODAY
from tests.conftest import PASSWORD, create_user_with_password, date_fields, sign_in


@pytest.fixture
def small_cycle(mix):
    """A one-department cycle created after the mix's, with two officials: the surprise."""
    hmt = create_department(db.session, "HMT", "HM Treasury", None)
    for n in (1, 2):
        create_user_with_password(
            db.session,
            UserFields(f"t{n}@example.gov.uk", f"Treasury {n}", "official", hmt),
            None,
            PASSWORD,
        )
    cycle = create_cycle(
        db.session, "HMT special", date(2026, 7, 1), date(2026, 8, 31), [hmt], None
    )
    db.session.commit()
    return cycle


def html(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def text(response) -> str:
    """The page's words, without tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html(response)))


def test_the_default_is_the_open_cycle_covering_most_officials(client, mix, small_cycle, make_user):
    sign_in(client, make_user("auditor"))
    page = text(client.get("/completeness/"))
    assert "Completeness: 2026/27" in page
    assert (
        "Showing 2026/27. Shown because 2026/27 is the open cycle covering the most officials "
        "in the register (13 officials)." in page
    )
    exports = html(client.get("/exports/"))
    assert "Showing <strong>2026/27</strong>." in exports
    assert re.search(rf'<option value="{mix.cycle.id}" selected>2026/27', exports)


def test_a_compliance_officer_defaults_to_the_cycle_of_their_departments(
    app, mix, small_cycle, make_user
):
    officer = make_user("compliance")
    officer.assigned_departments = list(small_cycle.departments)  # HMT only
    db.session.commit()
    client = app.test_client()
    sign_in(client, officer)
    page = text(client.get("/completeness/"))
    assert "Completeness: HMT special" in page
    assert "covering the most officials in your departments (2 officials)" in page


def test_the_readers_choice_is_remembered(client, mix, small_cycle, make_user):
    sign_in(client, make_user("auditor"))
    chosen = text(client.get(f"/completeness/?cycle={small_cycle.id}"))
    assert "Completeness: HMT special" in chosen and "You chose HMT special" in chosen
    later = text(client.get("/completeness/"))
    assert "Completeness: HMT special" in later and "You chose HMT special earlier" in later
    exports = html(client.get("/exports/"))
    assert re.search(rf'<option value="{small_cycle.id}" selected>HMT special', exports)


def test_a_closed_cycle_is_nobodys_default(client, mix, small_cycle, make_user):
    mix.cycle.closed_on = date(2026, 7, 14)
    db.session.commit()
    sign_in(client, make_user("auditor"))
    assert "Completeness: HMT special" in text(client.get("/completeness/"))


def test_an_export_with_no_rows_says_so(client, mix, small_cycle, make_user):
    sign_in(client, make_user("auditor"))
    response = client.get(
        "/exports/download",
        query_string={"kind": "declarations", "format": "csv", "cycle": small_cycle.id},
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Nothing to export: no declaration has been submitted for HMT special" in text(response)
    full = client.get(
        "/exports/download",
        query_string={"kind": "declarations", "format": "csv", "cycle": mix.cycle.id},
    )
    assert full.mimetype == "text/csv" and len(full.get_data(as_text=True).splitlines()) > 1


def entries(action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def admin(client, make_user):
    sign_in(client, make_user("admin"))
    return client


def test_adding_a_department_nobody_reviews_asks_to_confirm(admin, mix, small_cycle, make_user):
    make_user("compliance")  # reviews DCS; nobody reviews DFE or HMT
    url = f"/admin/cycles/{small_cycle.id}/departments"
    asked = html(admin.post(url, data={"departments": [str(mix.dfe.id)]}))
    assert "No compliance officer reviews Department for Education (DFE, 2 officials)" in asked
    assert "Add them anyway" in asked
    db.session.refresh(small_cycle)
    assert [d.code for d in small_cycle.departments] == ["HMT"]
    confirm = re.search(r'name="confirm_unreviewed" type="hidden" value="([\d,]+)"', asked)
    done = admin.post(
        url,
        data={"departments": [str(mix.dfe.id)], "confirm_unreviewed": confirm.group(1)},
    )
    assert done.status_code == 302
    db.session.refresh(small_cycle)
    assert sorted(d.code for d in small_cycle.departments) == ["DFE", "HMT"]
    details = json.loads(entries("admin.cycle_departments_added")[-1].details)
    assert details["before"] == {"departments": ["HMT"]}
    assert details["after"] == {"departments": ["DFE", "HMT"]}
    assert details["confirmed_without_reviewer"] == ["DFE"]
    # A department someone reviews is added without a question.
    assert admin.post(url, data={"departments": [str(mix.dcs.id)]}).status_code == 302


def test_creating_a_cycle_with_a_department_nobody_reviews_asks_to_confirm(admin, mix):
    form = [
        ("name", "2027/28"),
        *date_fields("opens_on", 1, 4, 2027),
        *date_fields("due_on", 30, 6, 2027),
        ("departments", str(mix.dfe.id)),
    ]
    asked = html(admin.post("/admin/cycles", data=MultiDict(form)))
    assert "No compliance officer reviews Department for Education" in asked
    assert (
        db.session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == "2027/28"))
        is None
    )
    confirm = re.search(r'name="confirm_unreviewed" type="hidden" value="([\d,]+)"', asked)
    done = admin.post(
        "/admin/cycles", data=MultiDict([*form, ("confirm_unreviewed", confirm.group(1))])
    )
    assert done.status_code == 302
    assert db.session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == "2027/28"))


def test_extend_and_close_a_cycle_audited(admin, mix, make_user):
    url = f"/admin/cycles/{mix.cycle.id}"
    earlier = text(admin.post(url + "/due", data=MultiDict(date_fields("due_on", 1, 6, 2026))))
    assert "The new due date must be after the current one" in earlier
    assert (
        admin.post(url + "/due", data=MultiDict(date_fields("due_on", 31, 7, 2026))).status_code
        == 302
    )
    db.session.refresh(mix.cycle)
    assert mix.cycle.due_on == date(2026, 7, 31)
    details = json.loads(entries("admin.cycle_extended")[-1].details)
    assert details == {"before": {"due_on": "2026-06-30"}, "after": {"due_on": "2026-07-31"}}
    admin.post(url + "/close", data={})  # not ticked: nothing happens
    db.session.refresh(mix.cycle)
    assert mix.cycle.closed_on is None
    admin.post(url + "/close", data={"confirmed": "yes"})
    db.session.refresh(mix.cycle)
    assert mix.cycle.closed_on == TODAY
    details = json.loads(entries("admin.cycle_closed")[-1].details)
    assert details == {"before": {"closed_on": None}, "after": {"closed_on": "2026-07-15"}}
    remind = admin.post(
        f"/completeness/cycles/{mix.cycle.id}/reminders",
        data={"official_id": mix.people["f"].id},
    )
    assert remind.status_code == 302
    assert db.session.scalar(select(Reminder)) is None  # a closed cycle sends no reminders


def test_departments_nobody_reviews_are_warned_of(app, mix, make_user):
    make_user("compliance")  # reviews DCS only
    warning = "No compliance officer reviews Department for Education (DFE), which has 2 officials"
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    assert warning in text(admin.get("/admin/departments"))
    auditor = app.test_client()
    sign_in(auditor, make_user("auditor"))
    assert warning in text(auditor.get("/completeness/"))
    officer = app.test_client()
    sign_in(officer, make_user("compliance"))
    assert warning in text(officer.get("/review/dashboard"))
    reviewer = make_user("compliance")
    reviewer.assigned_departments = [mix.dfe]
    db.session.commit()
    assert "No compliance officer reviews" not in text(auditor.get("/completeness/"))
    assert "No compliance officer reviews" not in text(admin.get("/admin/departments"))
