"""Messages mean what they look like: successes in the green banner, errors and refusals in
the error summary (and the title starts "Error: "), notices in the "Important" banner; 403 and
404 pages in GOV.UK wording; import results as sentences."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

from sqlalchemy import select

from register.extensions import db
from register.models import ImportRun
from tests.conftest import sign_in

DATA = Path(__file__).resolve().parent / "data"

SUCCESS = 'class="govuk-notification-banner govuk-notification-banner--success"'
IMPORTANT = '<div class="govuk-notification-banner" role="region"'
SUMMARY = 'class="govuk-error-summary"'


def _title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match
    return unescape(match.group(1)).strip()


def _success_banners(page: str) -> list[str]:
    return re.findall(
        rf"{re.escape(SUCCESS)}.*?govuk-notification-banner__content\">(.*?)</div>", page, re.S
    )


def _summary(page: str) -> str:
    match = re.search(rf"<div {SUMMARY}.*?</ul>", page, re.S)
    assert match, "no error summary"
    return unescape(match.group(0))


def test_a_visitors_first_sight_is_not_a_success(client):
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Sign in to continue" in page
    assert SUCCESS not in page
    assert IMPORTANT in page  # a notice, in the blue "Important" banner


def test_a_refused_file_is_an_error_not_a_success(client, make_user):
    sign_in(client, make_user("admin"))
    truncated = (DATA / "bad_awards" / "truncated_package.json").read_bytes()
    response = client.post(
        "/awards/imports",
        data={"file": (io.BytesIO(truncated), "truncated.json")},
        content_type="multipart/form-data",
    )
    page = client.get(response.location).get_data(as_text=True)
    assert SUCCESS not in page
    summary = _summary(page)
    assert "The file truncated.json was refused and nothing from it was saved" in summary
    assert "FILE REFUSED" not in page
    assert _title(page).startswith("Error: ")


def test_an_import_result_reads_as_a_sentence(client, make_user):
    sign_in(client, make_user("admin"))
    bad = (DATA / "bad_awards" / "bad_currency.jsonl").read_bytes()
    response = client.post(
        "/awards/imports",
        data={"file": (io.BytesIO(bad), "bad_currency.jsonl")},
        content_type="multipart/form-data",
    )
    run = db.session.scalars(select(ImportRun)).one()
    page = unescape(client.get(response.location).get_data(as_text=True))
    sentence = re.search(r"Imported bad_currency\.jsonl: [^<]*", page)
    assert sentence, "no import sentence"
    assert ";" not in sentence.group(0).split(":", 1)[1].split("; the reasons")[0]
    assert f"{run.rejected} record" in sentence.group(0) and "rejected and not imported" in (
        sentence.group(0)
    )
    assert "read 2, imported" not in page  # the old log line
    assert SUCCESS not in page  # some records were rejected: a warning, not a success
    assert IMPORTANT in page


def test_choose_a_csv_file_is_an_error(client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post("/admin/people/roster", data={}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Choose a CSV file to import" in _summary(page)
    assert not any("Choose a CSV file" in b for b in _success_banners(page))
    assert _title(page).startswith("Error: ")


def test_nothing_was_saved_is_an_error(client, make_user, department):
    sign_in(client, make_user("compliance"))
    response = client.post("/review/dismiss", data={}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "nothing was saved" in _summary(page)
    assert not any("nothing was saved" in b for b in _success_banners(page))


def test_a_success_is_a_success(client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post(
        "/admin/departments",
        data={"code": "HMT", "name": "HM Treasury"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert any("Created department HM Treasury" in b for b in _success_banners(page))
    assert SUMMARY not in page and not _title(page).startswith("Error:")


def test_a_form_with_errors_has_error_in_its_title(client, make_user):
    sign_in(client, make_user("admin"))
    response = client.post("/admin/departments", data={"code": "", "name": ""})
    page = response.get_data(as_text=True)
    assert SUMMARY in page
    assert _title(page).startswith("Error: ")


def test_not_found_and_forbidden_pages_use_gov_uk_wording(client, make_user):
    sign_in(client, make_user("official"))
    missing = client.get("/declarations/999999")
    page = unescape(missing.get_data(as_text=True))
    assert missing.status_code == 404
    assert _title(page).startswith("Page not found")
    assert "If you typed the web address, check it is correct." in page
    assert "If you pasted the web address, check you copied the entire address." in page
    assert "The requested URL was not found on the server" not in page
    forbidden = client.get("/admin/people")
    page = unescape(forbidden.get_data(as_text=True))
    assert forbidden.status_code == 403
    assert _title(page).startswith("You do not have permission to view this page")
    assert "You don't have the permission" not in page
