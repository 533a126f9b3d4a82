"""Declared dates: a day, month and year, or a month and year alone, with the precision kept.

People remember appointments as "June 2021". A date given without its day is kept with its
precision and shown as the month; for every rule and for screening a month-only start means the
1st of the month and a month-only end the last day, so an interest is never shortened because a
day was not given.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Any

from wtforms import Field
from wtforms.validators import ValidationError

from register.forms import DateInput
from register.models.declarations import DAY, MONTH

EARLIEST_YEAR = 1900
MONTHS = [
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
]  # fmt: skip


def month_end(value: date) -> date:
    return value.replace(day=calendar.monthrange(value.year, value.month)[1])


def show_date(value: Any, precision: str | None = DAY) -> str:
    """A declared date as people read it: "27 March 2019", or "June 2021" when only the month
    was given. `value` is a date, a version's ISO text, or "2021-06" (a month, as the public
    register publishes one)."""
    if not value:
        return ""
    if isinstance(value, str) and len(value) == len("2021-06"):
        value, precision = date.fromisoformat(value + "-01"), MONTH
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if precision == MONTH:
        return value.strftime("%B %Y")
    return value.strftime("%-d %B %Y")


def published_date(value: Any, precision: str | None) -> Any:
    """A declared date in a file for the public: ISO 8601, to the month ("2021-06") when only
    the month was given, so a month-only date never reads as the 1st."""
    if isinstance(value, str) and precision == MONTH:
        return value[:7]
    return value


@dataclass(frozen=True)
class Parsed:
    value: date
    precision: str


class _Refused(ValueError):
    pass


def _number(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


def _month(text: str) -> int | None:
    """A month as a number (6) or a name or its first three letters (June, jun)."""
    number = _number(text)
    if number is not None:
        return number if 1 <= number <= 12 else None
    word = text.strip().casefold()
    for index, name in enumerate(MONTHS, start=1):
        if len(word) >= 3 and name.startswith(word):
            return index
    return None


def parse(label: str, day_text: str, month_text: str, year_text: str, *, end: bool) -> Parsed:
    """Day, month and year as typed (the day may be blank); the GOV.UK message if refused."""
    day_text, month_text, year_text = day_text.strip(), month_text.strip(), year_text.strip()
    if not month_text and not year_text:
        raise _Refused(f"{label} must include a month and year")
    if not month_text:
        raise _Refused(f"{label} must include a month")
    if not year_text:
        raise _Refused(f"{label} must include a year")
    if not (len(year_text) == 4 and year_text.isdigit()):
        raise _Refused("Year must include 4 numbers")
    year = int(year_text)
    month = _month(month_text)
    day = _number(day_text) if day_text else None
    if month is None or (day_text and day is None):
        raise _Refused(f"{label} must be a real date, for example 27 3 2024")
    if year < EARLIEST_YEAR:
        raise _Refused(f"{label} must be the same as or after 1 January {EARLIEST_YEAR}")
    if day is None:
        first = date(year, month, 1)
        return Parsed(month_end(first) if end else first, MONTH)
    try:
        return Parsed(date(year, month, day), DAY)
    except ValueError:
        raise _Refused(f"{label} must be a real date, for example 27 3 2024") from None


class DeclaredDateInput(DateInput):
    """Day, month and year boxes; a month-only date is shown with the day left blank."""

    def map_gov_params(self, field: Any, **kwargs: Any) -> dict[str, Any]:
        if field.raw_data is None and field.data and field.precision == MONTH:
            field.raw_data = ["", f"{field.data:%m}", f"{field.data:%Y}"]
        return super().map_gov_params(field, **kwargs)


class DeclaredDateField(Field):
    """A declared date: `data` is the date (the 1st, or for an end the last day, of a month given
    alone) and `precision` says whether the day was given."""

    widget = DeclaredDateInput()

    def __init__(
        self,
        label: str,
        *,
        end: bool = False,
        required: str | None = None,
        hint: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            label, description=hint or "For example, 27 3 2019, or 3 2019 without the day", **kwargs
        )
        self.end = end
        self.required = required
        self.precision = DAY
        self.refused: str | None = None

    def _value(self) -> str:
        return f"{self.data:%d %m %Y}" if self.data else ""

    def process_data(self, value: Any) -> None:
        self.data = value
        self.precision = DAY

    def process_formdata(self, valuelist: list[str]) -> None:
        self.refused = None
        self.data = None
        self.precision = DAY
        if len(valuelist) != 3 or not any(v.strip() for v in valuelist):
            return
        try:
            parsed = parse(self.label.text, *valuelist, end=self.end)
        except _Refused as exc:
            self.refused = str(exc)
            return
        self.data, self.precision = parsed.value, parsed.precision

    def pre_validate(self, form: Any) -> None:
        if self.refused:
            raise ValidationError(self.refused)
        if self.data is None and self.required:
            raise ValidationError(self.required)

    def set(self, value: date | None, precision: str | None) -> None:
        """Fill the field from a stored interest."""
        self.data = value
        self.precision = precision or DAY

    @property
    def earliest(self) -> date | None:
        """The first day the date can mean (for comparing with another date)."""
        if self.data is None:
            return None
        return self.data.replace(day=1) if self.precision == MONTH else self.data

    @property
    def latest(self) -> date | None:
        """The last day the date can mean."""
        if self.data is None:
            return None
        return month_end(self.data) if self.precision == MONTH else self.data
