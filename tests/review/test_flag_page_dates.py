"""A flag shows the declared dates as they were given: a month-only end reads "September 2024",
never the stored last day of the month (before: "2024-09-30")."""

from __future__ import annotations

from register.declarations.dates import published_date, show_date
from tests.conftest import sign_in
from tests.review.helpers import build_scene


def test_the_flag_page_shows_a_month_only_end_as_the_month(client, make_user, department):
    scene = build_scene(make_user, department, end_precision="month")
    sign_in(client, scene.officer)
    flag_id = scene.report.high_risk_new[0]
    page = client.get(f"/review/flags/{flag_id}").get_data(as_text=True)
    assert "1 February 2009 to September 2024" in page


def test_public_files_carry_a_month_only_date_to_the_month():
    assert published_date("2024-09-30", "month") == "2024-09"
    assert published_date("2024-09-30", None) == "2024-09-30"
    assert show_date("2024-09") == "September 2024"
    assert show_date("2024-09-30") == "30 September 2024"
