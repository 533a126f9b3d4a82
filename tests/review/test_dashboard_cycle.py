"""The review dashboard's "Decisions this cycle" follows the same cycle choice as every other
page: a later one-department cycle elsewhere does not become this officer's cycle."""

from __future__ import annotations

from datetime import date

from register.admin.services import create_cycle, create_department
from register.extensions import db
from tests.conftest import sign_in


def test_the_dashboard_says_which_cycle_its_decisions_count_and_why(client, make_user, department):
    officer = make_user("compliance")
    for n in range(3):
        make_user("official", email=f"official{n}@example.gov.uk")
    other = create_department(db.session, "HMT", "HM Treasury", None)
    create_cycle(db.session, "2026/27", date(2026, 4, 1), date(2026, 6, 30), [department], None)
    # Created later and opening later, for another department only: before, the dashboard
    # counted decisions from this cycle, which covers none of the officer's officials.
    create_cycle(db.session, "HMT extra", date(2026, 9, 1), date(2026, 12, 31), [other], None,
                 confirmed_unreviewed=True)  # fmt: skip
    db.session.commit()
    sign_in(client, officer)
    page = client.get("/review/dashboard").get_data(as_text=True)
    assert "Since 2026/27 opened on" in page
    assert "the open cycle covering the most officials in your departments" in page
