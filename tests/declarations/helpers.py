"""Helpers for declaration tests: cycles, drafts, interests and submissions through the web."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from werkzeug.datastructures import MultiDict

from register.admin.services import create_cycle
from register.clock import today as uk_today
from register.extensions import db
from register.models import DeclarationCycle, Department
from tests.conftest import date_fields


def open_cycle(
    departments: list[Department],
    name: str = "2026/27",
    opens_on: date | None = None,
    due_on: date | None = None,
) -> DeclarationCycle:
    """A cycle that opened ten days ago and is due in thirty, unless dates are given."""
    today = uk_today()
    cycle = create_cycle(
        db.session, name, opens_on or today - timedelta(days=10),
        due_on or today + timedelta(days=30), departments, None,
    )  # fmt: skip
    db.session.commit()
    return cycle


def start(client: Any, cycle: DeclarationCycle) -> str:
    """Start the signed-in official's declaration; return its URL."""
    response = client.post(f"/declarations/cycles/{cycle.id}/start")
    assert response.status_code == 302, response.status_code
    return response.location


def directorship(name: str = "Acme Widgets Ltd", **extra: Any) -> MultiDict:
    data = MultiDict([
        ("whose", "self"), ("organisation_name", name), ("role", "non_executive_director"),
        ("paid", "no"), *date_fields("start_date", 1, 2, 2020),
    ])  # fmt: skip
    for key, value in extra.items():
        data[key] = value
    return data


def add(client: Any, url: str, category: str, data: MultiDict) -> Any:
    return client.post(f"{url}/interests/new/{category}", data=data)


def submit(client: Any, url: str, **data: str) -> Any:
    return client.post(f"{url}/review", data={"attest": "y", **data})
