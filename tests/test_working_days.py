"""Working days in England and Wales and a case's ageing: weekends, bank holidays, substitute
days, and the overdue cut-off a query can use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from register.working_days import (
    add_working_days,
    ageing,
    bank_holidays,
    is_working_day,
    overdue_if_opened_before,
    working_days_between,
)


def _count_by_walking(start: date, end: date) -> int:
    """The slow, obvious count the arithmetic must agree with."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def test_weekends_are_not_working_days() -> None:
    # Friday 6 March 2026 → Monday 9 March 2026: one working day.
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 7)) == 0
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 16)) == 10
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == -1


def test_easter_2026_good_friday_and_easter_monday() -> None:
    assert not is_working_day(date(2026, 4, 3))  # Good Friday
    assert not is_working_day(date(2026, 4, 6))  # Easter Monday
    assert is_working_day(date(2026, 4, 7))
    # Thursday 2 April → Tuesday 7 April: Good Friday, the weekend and Easter Monday skipped.
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_christmas_2026_boxing_day_substitute() -> None:
    # Christmas Day is a Friday and Boxing Day a Saturday, so Monday 28 December is the holiday.
    assert bank_holidays(2026)[date(2026, 12, 28)] == "Boxing Day (observed)"
    assert not is_working_day(date(2026, 12, 25))
    assert not is_working_day(date(2026, 12, 28))
    # Thursday 24 December → Tuesday 29 December: one working day.
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1
    # New Year's Day 2027 is a Friday: 29, 30, 31 December and 4 January.
    assert add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)


def test_scottish_holidays_are_not_counted() -> None:
    # 2 January and St Andrew's Day are bank holidays in Scotland only.
    assert is_working_day(date(2026, 1, 2))
    assert is_working_day(date(2026, 11, 30))


def test_ageing_across_christmas_is_on_target_then_overdue() -> None:
    opened = date(2026, 12, 14)  # a Monday
    # 20 working days: 15-24 December (8), not 25 or 28 December, 29-31 December (3), not New
    # Year's Day, 4-14 January (9).
    due = date(2027, 1, 14)
    on_due_day = ageing(opened, due, 20)
    assert on_due_day.target_date == due
    assert on_due_day.age_working_days == 20
    assert on_due_day.working_days_left == 0
    assert not on_due_day.overdue
    next_day = ageing(opened, date(2027, 1, 15), 20)
    assert next_day.overdue
    assert next_day.age_working_days == 21
    assert next_day.working_days_left == -1


def test_ageing_across_easter_monday() -> None:
    opened = date(2026, 3, 30)  # a Monday; Good Friday and Easter Monday follow
    result = ageing(opened, date(2026, 4, 7), 5)
    # 31 March, 1 and 2 April, then 7 April: 4 working days.
    assert result.age_working_days == 4
    assert result.target_date == date(2026, 4, 8)
    assert not result.overdue
    assert ageing(opened, date(2026, 4, 9), 5).overdue


def test_a_case_opened_at_the_weekend_starts_counting_on_monday() -> None:
    saturday = date(2026, 3, 7)
    assert ageing(saturday, date(2026, 3, 8), 20).age_working_days == 0
    assert ageing(saturday, date(2026, 3, 9), 20).age_working_days == 1
    # 20th working day: 2 April is the 19th; Good Friday and Easter Monday come next.
    assert ageing(saturday, date(2026, 3, 9), 20).target_date == date(2026, 4, 7)


def test_target_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one working day"):
        ageing(date(2026, 3, 2), date(2026, 3, 2), 0)
    with pytest.raises(ValueError, match="at least one working day"):
        overdue_if_opened_before(date(2026, 3, 2), 0)


DATES = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))


@settings(max_examples=300, deadline=None)
@given(start=DATES, span=st.integers(min_value=0, max_value=120))
def test_counting_agrees_with_walking_day_by_day(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    assert working_days_between(start, end) == _count_by_walking(start, end)


@settings(max_examples=300, deadline=None)
@given(start=DATES, days=st.integers(min_value=0, max_value=60))
def test_adding_working_days_is_counted_back(start: date, days: int) -> None:
    target = add_working_days(start, days)
    assert working_days_between(start, target) == days
    assert days == 0 or is_working_day(target)


@settings(max_examples=300, deadline=None)
@given(
    opened=DATES,
    today=DATES,
    target=st.integers(min_value=1, max_value=40),
)
def test_overdue_cutoff_matches_ageing(opened: date, today: date, target: int) -> None:
    cutoff = overdue_if_opened_before(today, target)
    assert ageing(opened, today, target).overdue == (opened < cutoff)
