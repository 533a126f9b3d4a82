"""Working days in England and Wales, and a case's age against its target.

A working day is Monday to Friday and not a bank holiday in England and Wales, as published by
the maintained `holidays` package (substitute days included: Boxing Day 2026 falls on a Saturday,
so Monday 28 December is the holiday). Pure: no app, no database; the caller passes today
(`register.clock.today()`) and the target (`settings().case_target_working_days`).

Counting follows the usual "within N working days" rule: the opening day itself is day 0, the
next working day is day 1. A case opened on Friday is 1 working day old on Monday, and with a
target of 20 working days it is due on the 20th working day after it opened, overdue the day
after.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "Ageing",
    "add_working_days",
    "ageing",
    "bank_holidays",
    "is_working_day",
    "overdue_if_opened_before",
    "working_days_between",
]

_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _weekday_holidays(year: int) -> tuple[date, ...]:
    """The bank holidays of one year that fall on a weekday, sorted (Saturdays and Sundays are
    not working days anyway; their substitute days are in the list)."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return tuple(sorted(day for day in calendar if day.weekday() < 5))


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays of a year with their names, for pages that explain a date."""
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return dict(sorted(calendar.items()))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _weekday_holidays(day.year)


def _weekdays_after_until(start: date, end: date) -> int:
    """Monday-to-Friday days in (start, end], for start <= end, by arithmetic."""
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    weekday = start.weekday()
    for _ in range(extra):
        weekday = (weekday + 1) % 7
        if weekday < 5:
            count += 1
    return count


def _holidays_after_until(start: date, end: date) -> int:
    count = 0
    for year in range(start.year, end.year + 1):
        days = _weekday_holidays(year)
        count += bisect.bisect_right(days, end) - bisect.bisect_right(days, start)
    return count


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (negative when `end` is earlier).

    Friday to the next Monday is 1; a date to itself is 0.
    """
    if end < start:
        return -working_days_between(end, start)
    return _weekdays_after_until(start, end) - _holidays_after_until(start, end)


def add_working_days(start: date, days: int) -> date:
    """The `days`-th working day after `start` (before it when negative); `start` itself for 0."""
    step = _DAY if days >= 0 else -_DAY
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


@dataclass(frozen=True)
class Ageing:
    """How old a case is in working days, when it is due, and whether it is late."""

    age_working_days: int
    target_working_days: int
    target_date: date
    overdue: bool

    @property
    def working_days_left(self) -> int:
        """Working days until the target date (0 on it; negative once overdue)."""
        return self.target_working_days - self.age_working_days


def ageing(opened_on: date, today: date, target_working_days: int) -> Ageing:
    """A case's ageing: opened on `opened_on`, seen on `today`, due within the target."""
    if target_working_days < 1:
        raise ValueError("the target must be at least one working day")
    target_date = add_working_days(opened_on, target_working_days)
    return Ageing(
        age_working_days=max(0, working_days_between(opened_on, today)),
        target_working_days=target_working_days,
        target_date=target_date,
        overdue=today > target_date,
    )


def overdue_if_opened_before(today: date, target_working_days: int) -> date:
    """The earliest opening date that is not overdue on `today`.

    A case is overdue exactly when it opened before this date, so a query can filter and count
    overdue cases with `opened_on < cutoff` instead of ageing every row.
    """
    if target_working_days < 1:
        raise ValueError("the target must be at least one working day")
    # The due date only moves forward as the opening date does, so walk forward from a date that
    # is certainly overdue (at least `target` working days and a week before today).
    day = add_working_days(today, -target_working_days) - timedelta(days=7)
    while add_working_days(day, target_working_days) < today:
        day += _DAY
    return day
