"""The official is told what needs them: a notice on My declarations while a plan waits for
acknowledgement; flags on their declaration page under the cycle whose declaration raised them,
each with the award's title, value and date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from register import runtime
from register.admin.services import create_cycle
from register.clock import utcnow
from register.declarations import services as declarations
from register.extensions import db
from register.models import Flag, Interest, ManagementPlan
from register.review.services import PlanFields, decide
from register.screening import screen_declaration
from tests.conftest import sign_in
from tests.review.helpers import add_award, build_scene


def test_a_plan_waiting_for_acknowledgement_is_a_notice_on_my_declarations(
    client, make_user, department
):
    scene = build_scene(make_user, department)
    sign_in(client, scene.official)
    assert "your attention" not in client.get("/declarations/").get_data(as_text=True)
    plan = PlanFields(["recusal"], "", scene.officer.id, date(2030, 1, 1))
    decide(db.session, scene.flag.id, scene.officer, "conflict_managed", "Managed", plan=plan)
    db.session.commit()
    page = client.get("/declarations/").get_data(as_text=True)
    assert "govuk-notification-banner" in page and "Something needs your attention" in page
    assert (
        "A management plan for your interest in Morning Lane Associates Ltd is waiting for you "
        "to read and acknowledge it." in page
    )
    assert 'href="/review/my-plans"' in page
    plan_row = db.session.scalars(select(ManagementPlan)).one()
    assert client.post(f"/review/my-plans/{plan_row.id}/acknowledge").status_code == 302
    assert "your attention" not in client.get("/declarations/").get_data(as_text=True)


def test_flags_appear_under_the_cycle_whose_declaration_raised_them_with_award_facts(
    client, make_user, department
):
    official = make_user("official", full_name="Isabelle Trowe")
    last, this = (
        create_cycle(db.session, name, opens, due, [department], None)
        for name, opens, due in (
            ("2025/26", date(2025, 4, 1), date(2025, 6, 30)),
            ("2026/27", date(2026, 4, 1), date(2026, 6, 30)),
        )
    )
    # Last year: a directorship that ended long ago (not carried into this year), flagged
    # against an award made within the look-back period after it ended.
    old = declarations.start_declaration(db.session, official, last, lookback_months=24)
    old.interests.append(Interest(
        category="directorship", whose="self", organisation_name="Morning Lane Associates Ltd",
        identifier_scheme="GB-COH", organisation_identifier="07125387", role="executive_director",
        paid=True, start_date=date(2009, 2, 1), end_date=date(2023, 1, 31),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, old, official, nil_return=False, amendment_reason=None,
                        ip_address=None)  # fmt: skip
    early = add_award(department, "Morning Lane Associates Limited", "07125387", n=1)
    # Changed as an import changes an award: updated_at moves, so the supplier index rebuilds.
    early.award_date, early.title, early.updated_at = date(2024, 3, 1), "Practice review", utcnow()
    screen_declaration(db.session, old, runtime.settings())
    # This year: a shareholding in another company, flagged against two of its awards.
    new = declarations.start_declaration(db.session, official, this, lookback_months=24)
    assert [i.organisation_name for i in new.interests] == []
    new.interests.append(Interest(
        category="shareholding", whose="self", organisation_name="Frontline Care Ltd",
        identifier_scheme="GB-COH", organisation_identifier="01234567", value_band="under_5k",
        holding="direct", blind_trust=False, start_date=date(2015, 1, 1),
    ))  # fmt: skip
    db.session.flush()
    declarations.submit(db.session, new, official, nil_return=False, amendment_reason=None,
                        ip_address=None)  # fmt: skip
    for n, title, value, day in ((2, "Foster care framework", 120000, 5), (3, "Audit", 8000, 9)):
        award = add_award(department, "Frontline Care Limited", "01234567", n=n)
        award.title, award.value, award.award_date = title, value, date(2026, 5, day)
        award.updated_at = utcnow()
    screen_declaration(db.session, new, runtime.settings())
    db.session.commit()
    assert db.session.query(Flag).count() == 3

    sign_in(client, official)
    page = client.get(f"/declarations/{new.id}").get_data(as_text=True)
    section = page.split('id="flags"')[1]
    this_year, last_year = section.split("From your 2026/27 declaration")[1].split(
        "From your 2025/26 declaration"
    )
    for text in (
        "Foster care framework",
        "£120,000",
        "5 May 2026",
        "Audit",
        "£8,000",
        "9 May 2026",
    ):
        assert text in this_year
    assert "Practice review" not in this_year
    assert "Shareholding or financial interest" in this_year
    assert "Practice review" in last_year and "1 March 2024" in last_year
    assert "£975,000" in last_year and "Directorship or office" in last_year
