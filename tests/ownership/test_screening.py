"""Possible undeclared interests, with the shared BODS files and generated officers data."""

from __future__ import annotations

import json

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register.extensions import db
from register.models import (
    AuditEntry,
    DeclarationVersion,
    Flag,
    OutboundEmail,
    UndeclaredFinding,
)
from register.models.flags import UNDECLARED
from register.notify.messages import NEW_HIGH_RISK
from register.review import services as review
from register.screening.undeclared import screen_undeclared
from tests.conftest import sign_in as signed_in
from tests.ownership.conftest import BODS, World


def _screen(runner, world: World) -> dict[int, Flag]:
    for path in (BODS, world.officers_csv):
        result = runner.invoke(args=["ownership", "import", str(path)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(args=["ownership", "screen"])
    assert result.exit_code == 0, result.output
    flags = db.session.scalars(select(Flag).where(Flag.kind == UNDECLARED, Flag.active)).all()
    return {flag.official_id: flag for flag in flags}


def sign_in(client, user) -> None:
    assert signed_in(client, user).status_code == 302


def test_planted_directorship_flags_and_declared_namesake_name_only_cases(runner, world) -> None:
    flags = _screen(runner, world)
    planted = flags[world.planted.id]
    assert (planted.risk_level, planted.status, planted.interest_id) == ("high", "open", None)
    codes = [r["code"] for r in json.loads(planted.reasons)]
    assert codes == ["officer", "person_name", "birth", "own_department", "time", "undeclared"]
    assert "ended 8 months before the award" in planted.explanation
    finding = db.session.scalar(
        select(UndeclaredFinding).where(UndeclaredFinding.flag_id == planted.id)
    )
    assert (finding.company_number, finding.role, str(finding.resigned_on)) == (
        "00442696", "Director", "2024-09-30")  # fmt: skip
    # Declared as "Apetito Ltd", found as APETITO LIMITED's PSC: no flag.
    assert world.declared.id not in flags
    # Richard Lewis born 1980 is not the BODS Richard Lewis born June 1952: never a flag.
    assert world.namesake.id not in flags
    # Stephen Martin with no birth date on record: a name-only match, low risk.
    assert flags[world.name_only.id].risk_level == "low"
    assert "a match on the name only" in flags[world.name_only.id].explanation
    # The 1990-95 directorship of Ralph Livesey ended decades before its award: no flag.
    assert {f.organisation_name for f in flags.values()} == {"Lyreco UK Ltd", "ARCO LIMITED"}
    # Flags are in the same queue, highest first, and re-screening changes nothing.
    page = review.queue_page(db.session, world.compliance, review.QueueFilters())
    assert [f.id for f in page.flags] == [planted.id, flags[world.name_only.id].id]
    report = screen_undeclared(db.session)
    assert (report.new, report.updated, report.withdrawn) == (0, 0, 0)
    # The declared-interest matching run leaves undeclared flags alone.
    assert runner.invoke(args=["match", "run"]).exit_code == 0
    assert db.session.get(Flag, planted.id).active


def test_prompt_shows_only_after_release(runner, world, app) -> None:
    flag = _screen(runner, world)[world.planted.id]
    official = app.test_client()
    sign_in(official, world.planted)
    version = db.session.get(DeclarationVersion, flag.declaration_version_id)
    declaration_url = f"/declarations/{version.declaration_id}"
    assert "Our records suggest" not in official.get(declaration_url).get_data(as_text=True)
    assert official.get(f"/review/flags/{flag.id}").status_code == 404  # never the flag itself
    compliance = app.test_client()
    sign_in(compliance, world.compliance)
    page = compliance.get(f"/review/flags/{flag.id}").get_data(as_text=True)
    assert "Not released: the official cannot see this" in page
    assert "Declared under another name" in page and "Conflict, managed" not in page
    assert compliance.post(f"/ownership/flags/{flag.id}/release").status_code == 302
    text = official.get(declaration_url).get_data(as_text=True)
    assert (
        "Our records suggest you were a director of Lyreco UK Ltd between 1 May 2012 and "
        "30 September 2024" in " ".join(text.split())
    )
    assert "Is this an interest you should declare?" in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "undeclared.released"))
    assert entry.actor_id == world.compliance.id and entry.object_id == str(flag.id)
    # Decided as not the same person: the question goes away.
    decision = {"outcome": "not_same_person", "reason": "Different person"}
    response = compliance.post(f"/review/flags/{flag.id}/decide", data=decision)
    assert response.status_code == 302
    assert "Our records suggest" not in official.get(declaration_url).get_data(as_text=True)


def test_role_checks_on_release_and_decisions(runner, world, app) -> None:
    flag = _screen(runner, world)[world.planted.id]
    url = f"/ownership/flags/{flag.id}/release"
    for user, expected in [(world.planted, 403), (world.auditor, 403), (world.admin, 403),
                           (world.other_compliance, 404)]:  # fmt: skip
        client = app.test_client()
        sign_in(client, user)
        assert client.post(url).status_code == expected, user.role
    assert db.session.get(UndeclaredFinding, 1).released_at is None
    compliance = app.test_client()
    sign_in(compliance, world.compliance)
    wrong = compliance.post(f"/review/flags/{flag.id}/decide",
                            data={"outcome": "not_same_organisation", "reason": "x"})  # fmt: skip
    assert wrong.status_code == 400
    assert db.session.get(Flag, flag.id).decisions == []
    auditor = app.test_client()
    sign_in(auditor, world.auditor)
    assert auditor.get(f"/review/flags/{flag.id}").status_code == 200


def test_bulk_dismissal_says_not_the_same_person_for_undeclared_flags(runner, world, app) -> None:
    flags = _screen(runner, world)
    ids = [flags[world.planted.id].id, flags[world.name_only.id].id]
    compliance = app.test_client()
    sign_in(compliance, world.compliance)
    form = MultiDict([("reason", "Different people: checked the full dates of birth")])
    form.setlist("flag_id", [str(i) for i in ids])
    response = compliance.post("/review/dismiss", data=form, follow_redirects=True)
    assert "Dismissed 2 flags" in response.get_data(as_text=True)
    for flag_id in ids:
        flag = db.session.get(Flag, flag_id)
        db.session.refresh(flag)
        assert flag.status == "decided"
        assert flag.current_decision.outcome == "not_same_person"


def test_high_risk_undeclared_flag_alerts_compliance_but_never_the_official(
    runner, world, app
) -> None:
    flag = _screen(runner, world)[world.planted.id]
    emails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == NEW_HIGH_RISK))
    by_recipient = {email.to: email for email in emails}
    assert app.config["COMPLIANCE_MAILBOX"] in by_recipient
    assert world.compliance.email in by_recipient  # assigned to the official's department
    assert world.planted.email not in by_recipient
    alert = by_recipient[world.compliance.email]
    assert alert.subject == f"Possible undeclared interest {flag.id}: Lyreco UK Ltd"
    assert f"Official: {world.planted.full_name}" in alert.body
    assert f"/review/flags/{flag.id}" in alert.body
    # The low-risk name-only match raises no alert; screening again queues nothing more.
    count = len(by_recipient)
    assert runner.invoke(args=["ownership", "screen"]).exit_code == 0
    again = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == NEW_HIGH_RISK))
    assert len(list(again)) == count
