"""The typed settings: built once from the configuration, with the display clock."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from register import clock, create_app, runtime
from register.settings import Settings


def test_settings_come_from_the_configuration_once(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE", str(tmp_path))
    app = create_app(
        "testing",
        {"LOOKBACK_MONTHS": 36, "COMPLIANCE_MAILBOX": "coi@example.gov.uk", "JOINER_DAYS": 10},
    )
    with app.app_context():
        settings = runtime.settings()
    assert (settings.lookback_months, settings.joiner_days) == (36, 10)
    assert settings.compliance_mailbox == "coi@example.gov.uk"
    assert settings.matching.lookback_months == 36
    with pytest.raises(AttributeError):
        settings.lookback_months = 1  # type: ignore[misc]  # frozen


def test_a_missing_setting_fails_when_the_settings_are_built():
    with pytest.raises(KeyError, match="COMPLIANCE_MAILBOX"):
        Settings.from_config({"LOOKBACK_MONTHS": 24, "JOINER_DAYS": 28})


def test_the_display_time_zone_setting_sets_the_clock(tmp_path, monkeypatch):
    monkeypatch.setenv("REGISTER_INSTANCE", str(tmp_path))
    try:
        create_app("testing", {"DISPLAY_TIMEZONE": "Pacific/Auckland"})
        assert clock.display_zone() == ZoneInfo("Pacific/Auckland")
        # 13:00 UTC on 1 December is already 2 December in New Zealand (UTC+13 in summer).
        assert clock.local_date(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == date(2026, 12, 2)
    finally:
        clock.use_display_zone(ZoneInfo("Europe/London"))
    assert clock.local_date(datetime(2026, 12, 1, 13, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert clock.local_midnight(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
