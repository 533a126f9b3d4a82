"""The register's one clock: the current instant in UTC, and dates as people in the UK see them.

Timestamps are stored in UTC; deadlines, late filing and the dates on pages are UK dates
(Europe/London, the DISPLAY_TIMEZONE setting), so a declaration filed at 00:30 BST on the day
after the due date is late. `create_app` sets the zone once from the settings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

_display_zone = ZoneInfo("Europe/London")


def use_display_zone(zone: ZoneInfo) -> None:
    """Show and count dates in `zone` (from the settings, at start-up)."""
    global _display_zone
    _display_zone = zone


def display_zone() -> ZoneInfo:
    return _display_zone


def utcnow() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in the display zone (UK)."""
    return datetime.now(_display_zone).date()


def local_date(moment: datetime) -> date:
    """The UK date of an instant."""
    return moment.astimezone(_display_zone).date()


def local_midnight(day: date) -> datetime:
    """The first instant (UTC) of a UK date."""
    return datetime.combine(day, time(0), tzinfo=_display_zone).astimezone(UTC)
