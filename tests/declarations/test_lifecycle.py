"""Starting, pre-filling, ending, removing, submitting, amending and reading declarations."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from werkzeug.datastructures import MultiDict

from register.clock import today as uk_today
from register.declarations import services
from register.extensions import db
from register.models import (
    AuditEntry,
    Declaration,
    DeclarationVersion,
    ImmutableRecordError,
    Interest,
    RelatedOrganisation,
)
from register.models.declarations import DRAFT, SUBMITTED
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import add, directorship, open_cycle, start, submit


def declaration_of(user: Any) -> Declaration:
    db.session.expire_all()
    return db.session.scalars(select(Declaration).where(Declaration.official_id == user.id)).one()


def versions(declaration: Declaration) -> list[DeclarationVersion]:
    return list(db.session.scalars(
        select(DeclarationVersion).where(DeclarationVersion.declaration_id == declaration.id)
        .order_by(DeclarationVersion.number)
    ))  # fmt: skip


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


@pytest.fixture
def official(make_user):
    return make_user("official")


@pytest.fixture
def cycle(department):
    return open_cycle([department])


@pytest.fixture
def url(client, official, cycle) -> str:
    sign_in(client, official)
    return start(client, cycle)


# Pre-filling from the previous cycle -------------------------------------------------------


def test_new_declaration_is_prefilled_from_the_previous_one(client, official, department):
    today = uk_today()
    last_year = open_cycle([department], "2025/26", today - timedelta(days=375),
                           today - timedelta(days=300))  # fmt: skip
    this_year = open_cycle([department], "2026/27")
    old = services.start_declaration(db.session, official, last_year, lookback_months=24)
    horizon = this_year.opens_on - timedelta(days=round(24 * 30.44))

    def interest(name: str, category: str = "directorship", **fields: Any) -> Interest:
        item = Interest(category=category, organisation_name=name, whose="self", **fields)
        old.interests.append(item)
        return item

    held = interest("Still Held Ltd", role="trustee", paid=False, start_date=date(2019, 1, 1))
    recent = interest("Recently Ended Ltd", end_date=horizon + timedelta(days=1), role="officer")
    interest("Long Gone Ltd", end_date=horizon - timedelta(days=1), role="officer")
    interest(
        "Bottle Of Wine Ltd",
        "gift",
        donor_kind="organisation",
        accepted=True,
        start_date=today - timedelta(days=320),
        end_date=today - timedelta(days=320),
    )
    friend = interest(
        "Friend's Employer Ltd",
        "relationship",
        related_person_name="Sam",
        relationship_type="close_friend",
    )
    friend.related_organisations = [
        RelatedOrganisation(
            position=0, name="Other Org Ltd", organisation_identifier="123", role="CEO"
        )
    ]
    db.session.flush()
    services.submit(db.session, old, official, nil_return=False, amendment_reason=None,
                    ip_address=None)  # fmt: skip
    removed = interest("Removed Later Ltd")
    removed.removed = True
    db.session.commit()

    sign_in(client, official)
    start(client, this_year)
    new = db.session.scalars(select(Declaration).where(Declaration.cycle_id == this_year.id)).one()
    carried = {i.organisation_name: i for i in new.interests}
    assert set(carried) == {"Still Held Ltd", "Recently Ended Ltd", "Friend's Employer Ltd"}
    assert carried["Still Held Ltd"].lineage == held.lineage
    assert carried["Still Held Ltd"].id != held.id
    assert carried["Still Held Ltd"].start_date == date(2019, 1, 1)
    assert carried["Recently Ended Ltd"].lineage == recent.lineage
    assert [(o.name, o.organisation_identifier, o.role)
            for o in carried["Friend's Employer Ltd"].related_organisations] == [
        ("Other Org Ltd", "123", "CEO")]  # fmt: skip
    assert new.state == DRAFT and new.version_count == 0
    # Starting again returns the same draft rather than a second one.
    again = client.post(f"/declarations/cycles/{this_year.id}/start")
    assert again.location.endswith(f"/declarations/{new.id}")
    assert "3 interests carried over from 2025/26" in db.session.scalars(
        select(AuditEntry.summary).where(AuditEntry.action == "declaration.started")
        .order_by(AuditEntry.seq.desc())
    ).first()  # fmt: skip


# Ending and removing interests ------------------------------------------------------------


def test_end_an_interest(client, url):
    add(client, url, "directorship", directorship())
    interest = db.session.scalars(select(Interest)).one()
    end_url = f"{url}/interests/{interest.id}/end"
    assert client.get(end_url).status_code == 200
    early = client.post(end_url, data=MultiDict(date_fields("end_date", 1, 1, 2019)))
    assert "The end date must be on or after the start date" in early.get_data(as_text=True)
    blank = client.post(end_url, data={})
    assert "Enter the date the interest ended" in blank.get_data(as_text=True)
    db.session.refresh(interest)
    assert interest.end_date is None
    response = client.post(end_url, data=MultiDict(date_fields("end_date", 31, 3, 2025)))
    assert response.status_code == 302
    db.session.refresh(interest)
    assert interest.end_date == date(2025, 3, 31)
    assert "interest.ended" in audit_actions()


def test_remove_before_first_submission_asks_then_deletes_the_row(client, url):
    add(client, url, "directorship", directorship())
    interest_id = db.session.scalars(select(Interest.id)).one()
    assert f"{url}/interests/{interest_id}/remove" in client.get(url).get_data(as_text=True)
    confirm = client.get(f"{url}/interests/{interest_id}/remove")
    assert "Are you sure you want to remove Acme Widgets Ltd?" in confirm.get_data(as_text=True)
    assert db.session.get(Interest, interest_id) is not None  # asking changes nothing
    assert client.post(f"{url}/interests/{interest_id}/remove").status_code == 302
    assert db.session.get(Interest, interest_id) is None
    assert "interest.removed" in audit_actions()


def test_an_interest_that_was_submitted_can_be_ended_but_never_removed(client, official, url):
    add(client, url, "directorship", directorship("Kept Ltd"))
    submit(client, url)
    client.post(f"{url}/amend")
    add(client, url, "membership", MultiDict([("whose", "self"), ("organisation_name", "Club"),
                                              ("role", "Member")]))  # fmt: skip
    kept, new = (
        db.session.scalars(select(Interest).where(Interest.organisation_name == name)).one()
        for name in ("Kept Ltd", "Club")
    )
    page = client.get(url).get_data(as_text=True)
    assert f"/interests/{kept.id}/remove" not in page  # no Remove for a submitted interest
    assert f"/interests/{kept.id}/end" in page
    assert f"/interests/{new.id}/remove" in page  # added in this draft: may be removed
    for method in (client.get, client.post):
        refused = method(f"{url}/interests/{kept.id}/remove", follow_redirects=True)
        assert "was in a submitted declaration, so it cannot be removed" in refused.get_data(
            as_text=True
        )
    db.session.expire_all()
    assert db.session.get(Interest, kept.id) is not None
    with pytest.raises(services.DeclarationError):
        services.remove_interest(db.session, db.session.get(Interest, kept.id), official)
    db.session.rollback()
    assert submit(client, url, amendment_reason="Joined a club").status_code == 302
    first, second = versions(declaration_of(official))
    assert "Kept Ltd" in first.content and "Kept Ltd" in second.content


# Submitting: nil returns, attestation, amendments -------------------------------------------


def test_submit_requires_the_attestation(client, official, url):
    add(client, url, "directorship", directorship())
    response = client.post(f"{url}/review", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Confirm that the declaration is complete and true" in page
    assert 'id="attest-error"' in page
    declaration = declaration_of(official)
    assert declaration.state == DRAFT and versions(declaration) == []


def test_nil_return_is_different_from_having_interests(client, official, url):
    empty = submit(client, url)
    assert "Add at least one interest, or confirm that you have no interests" in empty.get_data(
        as_text=True
    )
    assert versions(declaration_of(official)) == []
    assert submit(client, url, nil_return="y").status_code == 302
    declaration = declaration_of(official)
    (version,) = versions(declaration)
    assert version.is_nil and declaration.is_nil
    assert json.loads(version.content)["interests"] == []
    assert (
        "submitted a nil return"
        in db.session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "declaration.submitted")
        ).one()
    )


def test_nil_return_with_interests_is_refused(client, official, url):
    add(client, url, "directorship", directorship())
    response = submit(client, url, nil_return="y")
    assert "cannot be a nil return" in response.get_data(as_text=True)
    assert versions(declaration_of(official)) == []


def test_submission_records_the_attestation(client, official, url):
    add(client, url, "directorship", directorship())
    assert submit(client, url).status_code == 302
    declaration = declaration_of(official)
    (version,) = versions(declaration)
    assert declaration.state == SUBMITTED and declaration.version_count == 1
    assert version.attested_by_id == official.id
    assert version.attestation_text == services.ATTESTATION
    assert version.attested_from_ip == "127.0.0.1"
    assert version.amendment_reason is None
    assert declaration.first_submitted_at == version.attested_at
    # A submitted declaration cannot be edited in place: edits redirect to the declaration.
    interest = db.session.scalars(select(Interest)).one()
    response = client.post(f"{url}/interests/{interest.id}/edit", data=directorship("Changed"))
    assert response.status_code == 302
    db.session.refresh(interest)
    assert interest.organisation_name == "Acme Widgets Ltd"
    assert client.post(f"{url}/interests/new/membership", data={}).status_code == 302
    assert db.session.scalars(select(Interest)).all() == [interest]


def test_amendment_needs_a_reason_and_makes_a_new_version(client, official, url):
    add(client, url, "directorship", directorship())
    submit(client, url)
    assert client.post(f"{url}/amend").status_code == 302
    assert declaration_of(official).state == DRAFT
    add(
        client,
        url,
        "membership",
        MultiDict([("whose", "self"), ("organisation_name", "Club"), ("role", "Member")]),
    )
    for reason in ("", "   "):
        refused = submit(client, url, amendment_reason=reason)
        assert "Enter the reason for this amendment" in refused.get_data(as_text=True)
    assert len(versions(declaration_of(official))) == 1
    assert submit(client, url, amendment_reason="Joined a club").status_code == 302
    declaration = declaration_of(official)
    first, second = versions(declaration)
    assert second.number == 2 and second.amendment_reason == "Joined a club"
    assert first.content != second.content
    assert declaration.version_count == 2 and declaration.state == SUBMITTED
    assert "declaration.amended" in audit_actions()


# Versions: immutable, digested, and showing what changed ---------------------------------


def test_versions_are_immutable_and_digested(client, official, url):
    add(client, url, "directorship", directorship())
    submit(client, url)
    (version,) = versions(declaration_of(official))
    assert version.content_digest == hashlib.sha256(version.content.encode()).hexdigest()
    content = json.loads(version.content)
    assert content["interests"][0]["organisation_name"] == "Acme Widgets Ltd"
    version.content = "{}"
    with pytest.raises(ImmutableRecordError):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(ImmutableRecordError):
        db.session.delete(db.session.get(DeclarationVersion, version.id))
        db.session.flush()
    db.session.rollback()
    stored = db.session.execute(text("SELECT content FROM declaration_version")).scalar_one()
    assert json.loads(stored)["interests"][0]["organisation_name"] == "Acme Widgets Ltd"


def test_version_page_shows_what_changed(client, official, url):
    add(client, url, "directorship", directorship("Changed Ltd"))
    add(
        client,
        url,
        "membership",
        MultiDict([("whose", "self"), ("organisation_name", "Gone Club"), ("role", "Member")]),
    )
    submit(client, url)
    assert "What changed" not in client.get(f"{url}/versions/1").get_data(as_text=True)
    client.post(f"{url}/amend")
    changed = db.session.scalars(
        select(Interest).where(Interest.organisation_name == "Changed Ltd")
    ).one()
    gone = db.session.scalars(
        select(Interest).where(Interest.organisation_name == "Gone Club")
    ).one()
    client.post(
        f"{url}/interests/{changed.id}/edit", data=directorship("Changed Ltd", role="trustee")
    )
    client.post(
        f"{url}/interests/{gone.id}/end", data=MultiDict(date_fields("end_date", 31, 3, 2025))
    )
    add(client, url, "shareholding", MultiDict([
        ("whose", "self"), ("organisation_name", "New Shares plc"), ("value_band", "under_5k"),
        ("holding", "direct"), ("blind_trust", "no"),
    ]))  # fmt: skip
    assert submit(client, url, amendment_reason="Changes").status_code == 302
    page = client.get(f"{url}/versions/2").get_data(as_text=True)
    assert "What changed since version 1" in page
    assert "Added</strong>: Shareholding or financial interest, New Shares plc" in page
    assert "Changed</strong>: Membership or affiliation, Gone Club" in page
    assert ('end date: <span class="register-diff-removed">blank</span> → '
            '<span class="register-diff-added">2025-03-31</span>') in page  # fmt: skip
    assert "Changed</strong>: Directorship or office, Changed Ltd" in page
    assert ('role: <span class="register-diff-removed">non_executive_director</span> → '
            '<span class="register-diff-added">trustee</span>') in page  # fmt: skip
    assert "organisation name:" not in page  # unchanged fields are not listed


def test_version_changes_lists_field_changes():
    base = {
        "lineage": "a",
        "category": "directorship",
        "organisation_name": "A",
        "role": "x",
        "id": 1,
    }
    changes = services.version_changes(
        {"interests": [base]}, {"interests": [{**base, "role": "y", "id": 2}]}
    )
    assert [(c.kind, [(f.field, f.before, f.after) for f in c.fields]) for c in changes] == [
        ("changed", [("role", "x", "y")])
    ]
    assert services.version_changes({"interests": [base]}, {"interests": [base]}) == []


# Who can see what --------------------------------------------------------------------------


def test_another_officials_pages_are_404(client, app, make_user, official, url):
    add(client, url, "directorship", directorship())
    submit(client, url)
    client.post(f"{url}/amend")
    interest_id = db.session.scalars(select(Interest.id)).one()
    intruder = app.test_client()
    sign_in(intruder, make_user("official"))
    for path in (
        url,
        f"{url}/versions/1",
        f"{url}/review",
        f"{url}/interests/{interest_id}/edit",
        f"{url}/interests/{interest_id}/end",
        f"{url}/interests/new/gift",
    ):
        assert intruder.get(path).status_code == 404, path
    for path in (f"{url}/amend", f"{url}/interests/{interest_id}/remove", f"{url}/review"):
        assert intruder.post(path, data={"attest": "y"}).status_code == 404, path
    assert db.session.get(Interest, interest_id) is not None
    assert len(versions(declaration_of(official))) == 1


def test_an_interest_from_another_declaration_is_404_under_mine(client, app, make_user, cycle, url):
    other = make_user("official")
    theirs = services.start_declaration(db.session, other, cycle, lookback_months=24)
    theirs.interests.append(Interest(category="membership", organisation_name="Theirs", role="x"))
    db.session.commit()
    their_interest = theirs.interests[0].id
    assert client.get(f"{url}/interests/{their_interest}/edit").status_code == 404
    assert client.post(f"{url}/interests/{their_interest}/remove").status_code == 404
    assert db.session.get(Interest, their_interest) is not None


def test_who_can_read_a_version(client, app, make_user, department, official, url):
    add(client, url, "directorship", directorship())
    submit(client, url)
    from register.admin.services import create_department

    elsewhere = create_department(db.session, "DFT", "Department for Transport", None)
    db.session.commit()
    readers = {"auditor": make_user("auditor"), "compliance": make_user("compliance"),
               "compliance elsewhere": make_user("compliance")}  # fmt: skip
    readers["compliance elsewhere"].assigned_departments = [elsewhere]
    db.session.commit()
    expected = {"auditor": 200, "compliance": 200, "compliance elsewhere": 404}
    for name, user in readers.items():
        reader = app.test_client()
        sign_in(reader, user)
        response = reader.get(f"{url}/versions/1")
        assert response.status_code == expected[name], name
        if response.status_code == 200:
            assert "Acme Widgets Ltd" in response.get_data(as_text=True)
        # The declaration page opens read-only for its readers (issue 17), showing what was
        # submitted; the working copy stays the official's own (tests/officials).
        page = reader.get(url)
        assert page.status_code == expected[name], name
        if page.status_code == 200:
            assert "Interests declared in version 1" in page.get_data(as_text=True)
    assert client.get(f"{url}/versions/2").status_code == 404


# Status per cycle and due dates --------------------------------------------------------------


def status_on_my_page(client: Any, cycle_name: str) -> str:
    import re

    page = client.get("/declarations/").get_data(as_text=True)
    row = re.search(rf"<td[^>]*>{re.escape(cycle_name)}</td>(.*?)</tr>", page, re.S)
    assert row, f"{cycle_name} is not listed"
    tag = re.search(r'<strong class="govuk-tag[^"]*">\s*(.*?)\s*</strong>', row.group(1), re.S)
    assert tag
    return tag.group(1).lower()


def test_status_through_the_cycle(client, official, cycle):
    sign_in(client, official)
    assert status_on_my_page(client, cycle.name) == "not started"
    url = start(client, cycle)
    assert status_on_my_page(client, cycle.name) == "draft"
    add(client, url, "directorship", directorship())
    submit(client, url)
    assert status_on_my_page(client, cycle.name) == "submitted"
    client.post(f"{url}/amend")
    assert status_on_my_page(client, cycle.name) == "amendment in progress"
    submit(client, url, amendment_reason="Update")
    assert status_on_my_page(client, cycle.name) == "amended"


def test_overdue_and_not_yet_open_cycles(client, official, department):
    today = uk_today()
    late = open_cycle([department], "Late", today - timedelta(days=60), today - timedelta(days=1))
    open_cycle([department], "Future", today + timedelta(days=5), today + timedelta(days=40))
    sign_in(client, official)
    assert status_on_my_page(client, "Late") == "overdue"
    start(client, late)
    assert status_on_my_page(client, "Late") == "overdue"  # a draft past the due date
    assert "Future" not in client.get("/declarations/").get_data(as_text=True)


def test_joiner_due_date_and_leavers(make_user, department):
    cycle = open_cycle([department], "2026/27", date(2026, 4, 1), date(2026, 6, 30))
    early = make_user("official", joined_on=date(2020, 1, 1))
    joiner = make_user("official", joined_on=date(2026, 6, 20))
    april = make_user("official", joined_on=date(2026, 4, 10))
    leaver = make_user("official", joined_on=date(2020, 1, 1), left_on=date(2026, 3, 1))
    assert services.due_date(early, cycle, 28) == date(2026, 6, 30)
    assert services.due_date(joiner, cycle, 28) == date(2026, 7, 18)
    assert services.due_date(april, cycle, 28) == date(2026, 6, 30)  # never earlier than the cycle
    assert services.owes_declaration(joiner, cycle)
    assert not services.owes_declaration(leaver, cycle)
    assert services.status(None, date(2026, 7, 18), date(2026, 7, 10)) == services.NOT_STARTED
    assert services.status(None, date(2026, 7, 18), date(2026, 7, 19)) == services.STATUS_OVERDUE


def test_joiner_sees_their_own_due_date(client, make_user, department):
    today = uk_today()
    cycle = open_cycle(
        [department], "Joiners", today - timedelta(days=30), today - timedelta(days=5)
    )
    joiner = make_user("official", joined_on=today - timedelta(days=3))
    sign_in(client, joiner)
    assert status_on_my_page(client, "Joiners") == "not started"  # not overdue: joined late
    due = joiner.joined_on + timedelta(days=28)
    assert due.strftime("%-d %B %Y") in client.get("/declarations/").get_data(as_text=True)
    assert cycle.due_on < due


def test_a_cycle_that_has_not_opened_cannot_be_started(client, official, department):
    later = open_cycle([department], name="2027/28", opens_on=uk_today() + timedelta(days=5),
                       due_on=uk_today() + timedelta(days=60))  # fmt: skip
    db.session.commit()
    sign_in(client, official)
    response = client.post(f"/declarations/cycles/{later.id}/start", follow_redirects=True)
    assert "The 2027/28 cycle opens on" in response.get_data(as_text=True)
    assert db.session.scalars(select(Declaration)).all() == []
