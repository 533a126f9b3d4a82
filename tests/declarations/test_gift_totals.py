"""Gifts from one donor are totalled per cycle, accepted and declined apart, on the declaration,
its check-answers page and every version."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

from register.declarations.services import DonorTotal, donor_key, gift_totals
from tests.conftest import date_fields, sign_in
from tests.declarations.helpers import add, directorship, open_cycle, start, submit


def gift(donor: str, value: str, accepted: bool, **extra: object) -> dict[str, object]:
    """A gift as a version's content records it."""
    return {"category": "gift", "organisation_name": donor, "donor_kind": "organisation",
            "value_pounds": value, "accepted": accepted, "start_date": "2026-05-01",
            "end_date": "2026-05-01", **extra}  # fmt: skip


def test_donors_grouped_by_the_engines_normalisation():
    assert donor_key("ACME WIDGETS LIMITED") == donor_key("Acme Widgets Ltd.") == "acme widgets"
    assert donor_key("Smith & Jones plc") == donor_key("smith and jones")
    assert donor_key("Acme Widgets") != donor_key("Acme Gadgets")
    assert donor_key("???") == "???"  # nothing left to normalise: the name as typed


def test_totals_per_donor_accepted_and_declined_apart():
    interests = [
        gift("Acme Widgets Ltd", "100", True),
        gift("ACME WIDGETS LIMITED", "50.50", True),
        gift("acme widgets", "200", False),
        gift("Dr. J. Smith", "25", True, donor_kind="person"),
        gift("Frontline Partners", "0", False),
        {"category": "directorship", "organisation_name": "Acme Widgets Ltd"},
    ]
    assert gift_totals(interests) == [
        DonorTotal("Acme Widgets Ltd", 2, Decimal("150.50"), 1, Decimal("200")),
        DonorTotal("Dr. J. Smith", 1, Decimal("25"), 0, Decimal(0)),
        DonorTotal("Frontline Partners", 0, Decimal(0), 1, Decimal(0)),
    ]
    acme = gift_totals(interests)[0]
    assert acme.count == 3 and acme.value == Decimal("350.50")
    assert gift_totals([]) == []
    assert gift_totals([{"category": "membership", "organisation_name": "X"}]) == []


def test_model_rows_too_and_removed_gifts_left_out():
    rows = [
        SimpleNamespace(category="gift", organisation_name="Acme Ltd", value_pounds=Decimal("10"),
                        accepted=True, removed=False),
        SimpleNamespace(category="gift", organisation_name="ACME LIMITED",
                        value_pounds=Decimal("5.25"), accepted=True, removed=True),
        SimpleNamespace(category="gift", organisation_name="acme", value_pounds=None,
                        accepted=False, removed=False),
    ]  # fmt: skip
    assert gift_totals(rows) == [DonorTotal("Acme Ltd", 1, Decimal("10"), 1, Decimal(0))]


def _post_gift(client, url, donor, value, accepted, day, kind="organisation"):
    data = MultiDict([
        ("whose", "self"), ("organisation_name", donor), ("donor_kind", kind),
        ("value_pounds", value), ("accepted", "yes" if accepted else "no"),
        *date_fields("start_date", day, 5, 2026),
    ])  # fmt: skip
    response = add(client, url, "gift", data)
    assert response.status_code == 302, response.status_code


def _totals_rows(page: str) -> list[list[str]]:
    """The gift totals table, as the text of each row's cells."""
    table = page.split('id="gift-totals"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    return [
        [unescape(re.sub(r"<[^>]+>", "", c)).strip()
         for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in rows
    ]  # fmt: skip


EXPECTED_ROWS = [
    ["Donor", "Accepted", "Value accepted", "Declined", "Value declined", "Total value"],
    ["Acme Widgets Ltd", "2", "£150.50", "1", "£1,200", "£1,350.50"],
    ["Jo Bloggs", "1", "£30", "0", "£0", "£30"],
]


def test_totals_on_the_declaration_check_answers_and_version_pages(
    client, app, make_user, department
):
    official = make_user("official")
    cycle = open_cycle([department])
    sign_in(client, official)
    url = start(client, cycle)
    assert 'id="gift-totals"' not in client.get(url).text  # no gifts, no table
    add(client, url, "directorship", directorship())
    _post_gift(client, url, "Acme Widgets Ltd", "100", True, 1)
    _post_gift(client, url, "ACME WIDGETS LIMITED.", "50.50", True, 2)
    _post_gift(client, url, "acme widgets", "1200", False, 3)
    _post_gift(client, url, "Jo Bloggs", "30", True, 4, kind="person")

    assert _totals_rows(client.get(url).text) == EXPECTED_ROWS
    assert _totals_rows(client.get(f"{url}/review").text) == EXPECTED_ROWS
    assert submit(client, url).status_code == 302
    version_url = f"{url}/versions/1"
    assert _totals_rows(client.get(version_url).text) == EXPECTED_ROWS

    auditor = app.test_client()
    sign_in(auditor, make_user("auditor"))
    assert _totals_rows(auditor.get(version_url).text) == EXPECTED_ROWS
