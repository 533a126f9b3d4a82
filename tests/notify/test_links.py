"""Links in emails are absolute, built from BASE_URL, whether composed in a request or a command."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import ConfigurationError, clock, create_app
from register.config import DEVELOPMENT_BASE_URL
from register.extensions import db
from register.models import OutboundEmail
from register.notify.messages import NEW_HIGH_RISK, PLAN_AGREED, PLAN_DUE, notify_new_high_risk
from tests.conftest import date_fields, sign_in

# With a path, to show that links keep it (a register served under a prefix).
BASE_URL = "https://register.example.gov.uk/interests"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"BASE_URL": BASE_URL + "/"}


def bodies(kind: str) -> list[str]:
    return list(db.session.scalars(select(OutboundEmail.body).where(OutboundEmail.kind == kind)))


def links(body: str) -> list[str]:
    return re.findall(r"https?://\S+", body)


def agree_plan(client: Any, scene: Any, review_on: date) -> None:
    sign_in(client, scene.officer)
    data = MultiDict([
        ("outcome", "conflict_managed"), ("reason", "Former director; contracts continue"),
        ("constraints", "recusal"), ("owner_id", scene.officer.id),
        *date_fields("review_on", review_on.day, review_on.month, review_on.year),
    ])  # fmt: skip
    assert client.post(f"/review/flags/{scene.flag.id}/decide", data=data).status_code == 302


def test_high_risk_alert_links_to_the_flag_on_the_configured_site(app, client, scene):
    notify_new_high_risk(db.session, scene.report.high_risk_new, mailbox="coi@example.gov.uk")
    db.session.commit()
    sent = bodies(NEW_HIGH_RISK)
    assert sent and all(
        links(body) == [f"{BASE_URL}/review/flags/{scene.flag.id}"] for body in sent
    )
    # The link's path is the flag's page.
    sign_in(client, scene.officer)
    assert client.get(f"/review/flags/{scene.flag.id}").status_code == 200


def test_plan_agreed_in_a_request_links_to_my_plans(client, scene):
    agree_plan(client, scene, date.today() + timedelta(days=90))
    [body] = bodies(PLAN_AGREED)
    assert links(body) == [f"{BASE_URL}/review/my-plans"]
    official = client.application.test_client()
    sign_in(official, scene.official)
    assert official.get("/review/my-plans").status_code == 200


def test_plan_due_composed_by_the_command_links_to_the_flag(client, scene, runner):
    agree_plan(client, scene, clock.today())  # due today (a plan looks forward)
    result = runner.invoke(args=["notify", "due"])
    assert "Queued 1 plan review reminders" in result.output, result.output
    [body] = bodies(PLAN_DUE)
    assert links(body) == [f"{BASE_URL}/review/flags/{scene.flag.id}"]


def test_declaration_reminder_composed_by_the_command_links_to_declarations(
    client, scene, make_user, runner
):
    official = make_user("official")
    result = runner.invoke(args=["notify", "reminders", "--cycle", scene.cycle.name,
                                 "--date", "2025-06-20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [body] = bodies("declaration_reminder")
    assert links(body) == [f"{BASE_URL}/declarations/"]
    sign_in(client, official)
    assert client.get("/declarations/").status_code == 200


# Configuration ------------------------------------------------------------------------------


def test_development_links_to_the_local_server(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("BASE_URL", raising=False)
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.sqlite"})
    assert app.config["BASE_URL"] == DEVELOPMENT_BASE_URL == "http://127.0.0.1:5000"


def test_production_refuses_to_start_without_base_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="BASE_URL must be set"):
        create_app("production", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
                                  "SECRET_KEY": "x" * 64, "AUDIT_KEY": "k" * 64,
                                  "BASE_URL": None})  # fmt: skip


@pytest.mark.parametrize(
    "value", ["register.example.gov.uk", "ftp://register.example.gov.uk", "https://", "/review",
              "https://register.example.gov.uk/?x=1"],
)  # fmt: skip
def test_base_url_must_be_a_web_address(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError, match="must be an http or https address"):
        create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite",
                               "BASE_URL": value})  # fmt: skip
