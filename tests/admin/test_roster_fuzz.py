"""Hypothesis throws random and half-valid rosters at the roster planner: it plans creations,
updates and line-numbered rejections, and never raises."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from register import runtime
from register.admin.services import plan_roster
from register.extensions import db

COLUMNS = ["email", "full_name", "role", "department_code", "job_title", "is_senior",
           "joined_on", "left_on", "other_names", "birth_month", "birth_year"]  # fmt: skip
cells = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "(clear)", "yes", "maybe", "official", "admin", "DCS", "2026-02-30",
                     "a@example.gov.uk", "A@EXAMPLE.GOV.UK", '"', "\r", "\n", "\x00", "=1+1"]),
)  # fmt: skip
rosters = st.tuples(
    st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8, unique=True),
    st.lists(st.lists(cells, max_size=9), max_size=6),
).map(lambda t: ",".join(t[0]) + "\n" + "\n".join(",".join(row) for row in t[1]))


@pytest.mark.sqlite_only
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(text=st.one_of(rosters, st.text(max_size=200)))
def test_the_roster_planner_never_raises(app, department, text):
    plan = plan_roster(db.session, text, runtime.settings())
    assert all(isinstance(line, int) and message for line, message in plan.errors)
    db.session.rollback()  # planning changes nothing; nothing to keep between examples
