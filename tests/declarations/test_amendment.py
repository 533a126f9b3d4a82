"""A flagged interest cannot vanish: ending or changing it reopens its flags with the reason,
the department's compliance officers are e-mailed, and the amendment is listed on their
dashboard (and only theirs)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import runtime
from register.admin.services import create_department
from register.declarations import services as declarations
from register.extensions import db
from register.models import Declaration, Flag, Interest, OutboundEmail
from register.models.flags import DECIDED, OPEN, REOPENED
from register.notify.messages import DECLARATION_AMENDED
from register.review.services import PlanFields, decide
from register.screening import screen_declaration
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import open_cycle
from tests.review.helpers import add_award

REASON = "Reopened: the declared interest was ended on 2026-11-30 in version 2."


@pytest.fixture
def flagged(make_user, department):
    """An official holding a Morning Lane directorship, submitted, with a flag on it."""
    official = make_user("official", full_name="Isabelle Trowe")
    officer = make_user("compliance", full_name="Chris Compliance")
    other = create_department(db.session, "DTI", "Department for Transport", None)
    elsewhere = make_user("compliance", full_name="Dana Elsewhere")
    elsewhere.assigned_departments = [other]
    cycle = open_cycle([department])
    declaration = declarations.start_declaration(db.session, official, cycle, lookback_months=24)
    declaration.interests.append(Interest(
        category="directorship", whose="self", organisation_name="Morning Lane Associates Ltd",
        identifier_scheme="GB-COH", organisation_identifier="07125387", role="executive_director",
        paid=True, start_date=date(2009, 2, 1),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, declaration, official, nil_return=False,
                        amendment_reason=None, ip_address=None)  # fmt: skip
    add_award(department, "Morning Lane Associates Limited", "07125387")
    report = screen_declaration(db.session, declaration, runtime.settings())
    db.session.commit()
    assert report.new == 1
    return official, officer, elsewhere, declaration


def end_and_submit(client, official, declaration: Declaration) -> None:
    sign_in(client, official)
    url = f"/declarations/{declaration.id}"
    assert client.post(url + "/amend").status_code == 302
    interest = db.session.scalars(select(Interest)).one()
    page = client.get(url).get_data(as_text=True)
    assert f"/interests/{interest.id}/remove" not in page
    end_page = client.get(f"{url}/interests/{interest.id}/end").get_data(as_text=True)
    assert "compliance will be told that you ended it" in end_page
    ended = client.post(
        f"{url}/interests/{interest.id}/end",
        data=MultiDict(date_fields("end_date", 30, 11, 2026)),
    )
    assert ended.status_code == 302
    response = client.post(
        url + "/review", data={"attest": "y", "amendment_reason": "Resigned as director"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/auth/sign-out")
    db.session.expire_all()


def flag() -> Flag:
    return db.session.scalars(select(Flag)).one()


def test_ending_a_decided_flagged_interest_reopens_its_flag_and_tells_compliance(client, flagged):
    official, officer, elsewhere, declaration = flagged
    plan = PlanFields(["recusal"], "", officer.id, date(2030, 1, 1))
    decide(db.session, flag().id, officer, "conflict_managed", "Managed by recusal", plan=plan)
    db.session.commit()
    assert flag().status == DECIDED
    end_and_submit(client, official, declaration)

    assert flag().status == REOPENED
    assert flag().reopened_reason == REASON
    emails = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == DECLARATION_AMENDED)
    ).all()
    assert [e.to for e in emails] == [officer.email]  # the department's officer, not the other
    assert "Isabelle Trowe" in emails[0].subject and "1 flag reopened" in emails[0].subject
    body = emails[0].body
    assert "Ended on 30 November 2026: Directorship or office, Morning Lane Associates Ltd" in body
    assert REASON in body and "Resigned as director" in body

    sign_in(client, officer)
    dashboard = client.get("/review/dashboard").get_data(as_text=True)
    listed = dashboard.split("Recently amended declarations")[1].split("Decisions this cycle")[0]
    assert "Isabelle Trowe" in listed and "version 2" in listed
    assert "Ended on 30 November 2026: Directorship or office, Morning Lane" in listed
    assert "Resigned as director" in listed
    assert f"/review/flags/{flag().id}" in client.get("/review/?status=reopened").get_data(
        as_text=True
    )
    flag_page = client.get(f"/review/flags/{flag().id}").get_data(as_text=True)
    assert REASON in flag_page
    client.post("/auth/sign-out")

    # Another department's compliance officer is not told of it.
    sign_in(client, elsewhere)
    other = client.get("/review/dashboard").get_data(as_text=True)
    assert "Recently amended declarations" in other and "Isabelle Trowe" not in other


def test_ending_an_interest_with_an_open_flag_reopens_it_with_the_reason(client, flagged):
    official, officer, _, declaration = flagged
    assert flag().status == OPEN
    end_and_submit(client, official, declaration)
    assert flag().status == REOPENED and flag().reopened_reason == REASON
    assert flag().active  # still matches: held when the award was made


def test_an_amendment_that_changes_no_flagged_interest_reopens_nothing(client, flagged):
    official, officer, _, declaration = flagged
    sign_in(client, official)
    url = f"/declarations/{declaration.id}"
    client.post(url + "/amend")
    client.post(
        f"{url}/interests/new/membership",
        data=MultiDict(
            [("whose", "self"), ("organisation_name", "Chess Club"), ("role", "Member")]
        ),
    )
    client.post(url + "/review", data={"attest": "y", "amendment_reason": "Joined a club"})
    db.session.expire_all()
    assert flag().status == OPEN and flag().reopened_reason is None
    email = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == DECLARATION_AMENDED)
    ).one()  # compliance hears of every amendment
    assert "Added: Membership or affiliation, Chess Club" in email.body
    assert "reopened" not in email.subject


def test_a_look_back_interest_changed_in_next_cycle_reopens_its_decided_flag(
    client, make_user, department
):
    """The Morning Lane pattern: a former interest carried into the next cycle's declaration;
    changing it there reopens the flag decided last cycle, and compliance is told."""
    from tests.review.helpers import build_scene

    scene = build_scene(make_user, department)
    decide(db.session, scene.flag.id, scene.officer, "same_no_conflict", "Ended before")
    db.session.commit()
    cycle = open_cycle([department], "2026/27", date(2026, 4, 1), date(2026, 6, 30))
    sign_in(client, scene.official)
    url = client.post(f"/declarations/cycles/{cycle.id}/start").location
    carried = db.session.scalars(
        select(Interest).where(Interest.declaration_id != scene.declaration.id)
    ).one()
    assert f"/interests/{carried.id}/remove" not in client.get(url).get_data(as_text=True)
    data = MultiDict([
        ("whose", "self"), ("organisation_name", "Morning Lane Associates Ltd"),
        ("identifier_scheme", "GB-COH"), ("organisation_identifier", "07125387"),
        ("role", "executive_director"), ("paid", "yes"), *date_fields("start_date", 1, 2, 2009),
        *date_fields("end_date", 31, 3, 2025),
    ])  # fmt: skip
    assert client.post(f"{url}/interests/{carried.id}/edit", data=data).status_code == 302
    assert client.post(f"{url}/review", data={"attest": "y"}).status_code == 302
    db.session.expire_all()
    assert flag().status == REOPENED
    assert flag().reopened_reason == (
        "Reopened: the declared interest had its end date changed in version 1."
    )
    emails = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.kind == DECLARATION_AMENDED)
    ).all()
    assert {e.to for e in emails} == {scene.officer.email, scene.other_officer.email}
    assert all("1 flag reopened" in e.subject for e in emails)
