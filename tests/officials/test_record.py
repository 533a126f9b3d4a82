"""One page per official: who may read it, what it holds (cycles, versions, the year-on-year
comparison, flags, plans and acknowledgements, reminders), its audit entry, and the links to it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from register import runtime
from register.admin.services import UserFields, create_cycle, create_department
from register.clock import today, utcnow
from register.declarations import services as declarations
from register.extensions import db
from register.models import AuditEntry, Interest, ManagementPlan, Reminder
from register.officials.queries import official_record, official_record_audited
from register.review.services import PlanFields, acknowledge_plan, decide
from tests.conftest import PASSWORD, create_user_with_password, sign_in
from tests.review.helpers import build_scene


def _url(user) -> str:
    return f"/officials/{user.id}"


def _record_reads():
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "officials.record_viewed")
    ).all()


# Access ----------------------------------------------------------------------------------------


def test_compliance_of_the_department_and_auditors_read_it_others_do_not(client, scene, make_user):
    treasury = create_department(db.session, "HMT", "Treasury", None)
    outsider = make_user("compliance", full_name="Olive Outsider")
    outsider.assigned_departments = [treasury]
    db.session.commit()
    url = _url(scene.official)

    for reader in (scene.officer, scene.auditor):
        sign_in(client, reader)
        page = client.get(url)
        assert page.status_code == 200, reader.role
        assert '<h1 class="govuk-heading-l">Isabelle Trowe</h1>' in page.text
        client.post("/auth/sign-out")

    expected = {outsider: 404, scene.official: 403, scene.admin: 403}
    for reader, status in expected.items():
        sign_in(client, reader)
        assert client.get(url).status_code == status, reader.full_name
        client.post("/auth/sign-out")

    sign_in(client, scene.auditor)
    assert client.get(_url(scene.officer)).status_code == 404  # not an official
    assert client.get("/officials/999999").status_code == 404
    # Only the two readings that were let through are in the audit log.
    assert [e.actor_id for e in _record_reads()] == [scene.officer.id, scene.auditor.id]


def test_a_transferred_official_leaves_the_old_departments_compliance(client, scene, make_user):
    treasury = create_department(db.session, "HMT", "Treasury", None)
    scene.official.department_id = treasury.id
    db.session.commit()
    sign_in(client, scene.officer)
    assert client.get(_url(scene.official)).status_code == 404


# What it holds ---------------------------------------------------------------------------------


def _two_cycles(make_user, department):
    """An official with a 2024/25 declaration and a 2025/26 one that ends, changes, adds and
    drops interests, then an amendment of 2025/26."""
    official = make_user("official", full_name="Pat Cycles")
    first = create_cycle(db.session, "2024/25", date(2024, 4, 1), date(2024, 6, 30),
                         [department], None)  # fmt: skip
    second = create_cycle(db.session, "2025/26", date(2025, 4, 1), date(2025, 6, 30),
                          [department], None)  # fmt: skip
    old = declarations.start_declaration(db.session, official, first, lookback_months=24)
    old.interests.extend([
        Interest(category="directorship", whose="self", role="executive_director", paid=True,
                 organisation_name="Morning Lane Associates Ltd", start_date=date(2009, 2, 1)),
        Interest(category="shareholding", whose="self", organisation_name="Acme Widgets Ltd",
                 percentage=Decimal("5"), value_band="5k_70k", holding="direct", blind_trust=False),
        Interest(category="membership", whose="self", organisation_name="Unchanged Society",
                 role="member"),
        Interest(category="gift", whose="self", organisation_name="Frontline Partners",
                 donor_kind="organisation", value_pounds=Decimal("40"), accepted=True,
                 start_date=date(2024, 5, 1)),
    ])  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, old, official, nil_return=False, amendment_reason=None,
                        ip_address=None)  # fmt: skip
    new = declarations.start_declaration(db.session, official, second, lookback_months=24)
    by_name = {i.organisation_name: i for i in new.interests}
    assert "Frontline Partners" not in by_name  # gifts are not carried into the next cycle
    by_name["Morning Lane Associates Ltd"].end_date = date(2025, 3, 31)
    by_name["Acme Widgets Ltd"].percentage = Decimal("12.5")
    new.interests.append(Interest(category="employment", whose="self", role="Adviser",
                                  organisation_name="River Trust", paid=False))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, new, official, nil_return=False, amendment_reason=None,
                        ip_address=None)  # fmt: skip
    declarations.reopen_for_amendment(db.session, new, official)
    new.interests.append(Interest(category="membership", whose="self", role="member",
                                  organisation_name="Late Addition Club"))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, new, official, nil_return=False,
                        amendment_reason="Forgot the club", ip_address=None)  # fmt: skip
    db.session.commit()
    return official, old, new


def test_year_on_year_compares_the_latest_versions_of_consecutive_cycles(make_user, department):
    official, old, new = _two_cycles(make_user, department)
    found = official_record(db.session, make_user("auditor"), official, today=today(),
                            joiner_days=28)  # fmt: skip
    assert [(c.cycle.name, [v.number for v in c.versions]) for c in found.cycles] == [
        ("2025/26", [2, 1]), ("2024/25", [1]),
    ]  # fmt: skip
    [comparison] = found.comparisons
    assert (comparison.earlier_cycle, comparison.earlier.number) == ("2024/25", 1)
    assert (comparison.later_cycle, comparison.later.number) == ("2025/26", 2)  # the amendment
    assert sorted(c.organisation for c in comparison.added) == [
        "Late Addition Club", "River Trust",
    ]  # fmt: skip
    assert [(c.organisation, c.ended_on) for c in comparison.ended] == [
        ("Morning Lane Associates Ltd", "2025-03-31")
    ]
    [changed] = comparison.changed
    assert changed.organisation == "Acme Widgets Ltd" and changed.changed_fields == ["percentage"]
    assert [c.organisation for c in comparison.dropped] == ["Frontline Partners"]
    assert comparison.unchanged == 1  # Unchanged Society


def test_the_page_shows_cycles_versions_and_the_comparison(client, make_user, department):
    official, old, new = _two_cycles(make_user, department)
    sign_in(client, make_user("auditor"))
    text = client.get(_url(official)).text
    for version_url in (f"/declarations/{old.id}/versions/1", f"/declarations/{new.id}/versions/2",
                        f"/declarations/{new.id}/versions/1"):  # fmt: skip
        assert f'href="{version_url}"' in text
    assert f'href="/declarations/{new.id}"' in text
    assert "Amended: Forgot the club" in text
    assert "From 2024/25 to 2025/26" in text
    assert "Version 1 of 2024/25 compared with version 2 of 2025/26" in text
    assert "1 interest carried over unchanged" in text
    comparison = text[text.index('id="year-on-year"') : text.index('id="flags"')]
    assert "Added</h4>" in comparison and "Employment or consultancy: River Trust" in comparison
    assert "Ended</h4>" in comparison
    assert "Morning Lane Associates Ltd, ended on 31 March 2025" in comparison
    assert "Changed</h4>" in comparison and "percentage" in comparison
    assert "No longer declared</h4>" in comparison and "Frontline Partners" in comparison
    assert "Unchanged Society" not in comparison


def test_flags_plans_acknowledgements_and_reminders(client, scene):
    flag = scene.flag
    decide(db.session, flag.id, scene.officer, "conflict_managed", "Former director: recusal",
           plan=PlanFields(["recusal"], "", scene.officer.id, date(2030, 1, 1)))  # fmt: skip
    plan = db.session.scalar(select(ManagementPlan).where(ManagementPlan.flag_id == flag.id))
    acknowledge_plan(db.session, plan, scene.official)
    db.session.add(Reminder(cycle_id=scene.cycle.id, official_id=scene.official.id,
                            department_id=scene.official.department_id, kind="manual",
                            email_to=scene.official.email, sent_by_id=scene.officer.id,
                            sent_at=utcnow() - timedelta(days=3),
                            sent_on=today() - timedelta(days=3)))  # fmt: skip
    db.session.commit()

    sign_in(client, scene.officer)
    text = client.get(_url(scene.official)).text
    flags = text[text.index('id="flags"') : text.index('id="plans"')]
    assert f'href="/review/flags/{flag.id}"' in flags
    assert "Morning Lane Associates Ltd" in flags and "Social work consultancy 1" in flags
    assert "£975,000" in flags and "Conflict, managed" in flags
    plans = text[text.index('id="plans"') : text.index('id="reminders"')]
    assert "Recusal from procurement decisions involving the organisation" in plans
    assert "Acknowledged by the official" in plans and "Not yet" not in plans
    assert f'href="/review/flags/{flag.id}"' in plans
    cases = text[text.index('id="cases"') : text.index('id="questions"')]
    assert f'href="/cases/{flag.case_id}"' in cases and "Decided" in cases
    reminders = text[text.index('id="reminders"') :]
    assert "Chris Compliance" in reminders and scene.official.email in reminders
    assert "2025/26" in reminders and "Queued" in reminders

    [entry] = _record_reads()
    assert entry.actor_id == scene.officer.id and entry.object_id == str(scene.official.id)
    assert entry.summary == "Viewed the record of Isabelle Trowe"
    assert json.loads(entry.details) == {
        "official_id": scene.official.id, "declarations": 1, "versions": 1, "flags": 1,
        "plans": 1, "reminders": 1, "cases": 1, "questions": 0,
    }  # fmt: skip


def test_a_cycle_owed_and_not_started_is_shown(client, scene, department):
    create_cycle(db.session, "2026/27", today() - timedelta(days=60), today() - timedelta(days=1),
                 [department], None)  # fmt: skip
    db.session.commit()
    sign_in(client, scene.auditor)
    text = client.get(_url(scene.official)).text
    declarations_table = text[text.index('id="declarations"') : text.index('id="year-on-year"')]
    assert "2026/27" in declarations_table and "Overdue" in declarations_table
    assert "There is nothing to compare yet" in text


# The declaration page, read-only ---------------------------------------------------------------


def test_readers_open_a_declaration_page_read_only(client, scene, make_user):
    url = f"/declarations/{scene.declaration.id}"
    declarations.reopen_for_amendment(db.session, scene.declaration, scene.official)
    scene.declaration.interests.append(Interest(category="membership", whose="self",
                                                organisation_name="Draft Only Club"))  # fmt: skip
    db.session.commit()
    for reader in (scene.auditor, scene.officer, scene.admin):
        sign_in(client, reader)
        page = client.get(url)
        assert page.status_code == 200, reader.role
        assert "Interests declared in version 1" in page.text
        assert "Morning Lane Associates Ltd" in page.text
        assert "Draft Only Club" not in page.text  # the official's draft is their own
        assert "The official is amending this declaration" in page.text
        assert "Amend or add a new interest" not in page.text, reader.role
        assert "/amend" not in page.text and "/interests/" not in page.text
        assert f'href="{url}/versions/1"' in page.text
        record_link = f'href="/officials/{scene.official.id}"'
        assert (record_link in page.text) == (reader is not scene.admin)
        client.post("/auth/sign-out")
    treasury = create_department(db.session, "HMT", "Treasury", None)
    outsider = make_user("compliance")
    outsider.assigned_departments = [treasury]
    db.session.commit()
    for stranger in (outsider, make_user("official")):
        sign_in(client, stranger)
        assert client.get(url).status_code == 404
        client.post("/auth/sign-out")
    sign_in(client, scene.official)  # the owner still gets their own page to work on
    own = client.get(url).text
    assert "Draft Only Club" in own and "Your 2025/26 declaration" in own


# Links to it -----------------------------------------------------------------------------------


def test_completeness_drill_down_and_search_results_link_to_the_record(client, scene):
    record_link = f'href="/officials/{scene.official.id}"'
    drill_down = (f"/completeness/cycles/{scene.cycle.id}/departments/"
                  f"{scene.official.department_id}")  # fmt: skip
    for reader, linked in ((scene.officer, True), (scene.auditor, True), (scene.admin, False)):
        sign_in(client, reader)
        page = client.get(drill_down)
        assert page.status_code == 200 and "Isabelle Trowe" in page.text
        assert (record_link in page.text) == linked, reader.role
        client.post("/auth/sign-out")
    sign_in(client, scene.auditor)
    results = client.get("/review/search?q=Morning+Lane+Associates").text
    assert record_link in results


def test_the_record_on_postgres(pg_app):
    """The record's queries (the flag scope, the cycles owed, the audit entry) on PostgreSQL."""
    department = create_department(db.session, "DCS", "Department for Children's Services", None)
    numbers = iter(range(1, 100))

    def make_user(role="official", full_name=None):
        fields = UserFields(f"{role}{next(numbers)}@example.gov.uk", full_name or role.title(),
                            role, department if role == "official" else None)  # fmt: skip
        user = create_user_with_password(db.session, fields, None, PASSWORD)
        if role == "compliance":
            user.assigned_departments = [department]
        db.session.commit()
        return user

    scene = build_scene(make_user, department)
    found = official_record_audited(db.session, scene.officer, scene.official, today=today(),
                                    joiner_days=runtime.settings().joiner_days)  # fmt: skip
    db.session.commit()
    assert [f.id for f in found.flags] == [scene.flag.id]
    assert [c.cycle.name for c in found.cycles] == ["2025/26"]
    assert [e.object_id for e in _record_reads()] == [str(scene.official.id)]
