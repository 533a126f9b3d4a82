"""Email through a real SMTP server: queued with the action, sent later, retried after failure."""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from register import clock
from register.clock import utcnow
from register.extensions import db
from register.models import Decision, ManagementPlan, OutboundEmail
from register.models.email import FAILED, QUEUED, SENT
from register.notify.mail import MailSettings, send_pending
from register.notify.messages import NEW_HIGH_RISK
from register.notify.outbox import queue_email
from tests.conftest import date_fields, sign_in


def _managed(client, scene, review_on: date):
    data = MultiDict([
        ("outcome", "conflict_managed"), ("reason", "Former director; contracts continue"),
        ("constraints", "recusal"), ("constraints", "no_contact"), ("owner_id", scene.officer.id),
        *date_fields("review_on", review_on.day, review_on.month, review_on.year),
    ])  # fmt: skip
    return client.post(f"/review/flags/{scene.flag.id}/decide", data=data)


def _settings() -> MailSettings:
    return MailSettings.from_config(current_app.config)


def test_queue_email_and_send(app, smtp_server):
    queue_email(db.session, "someone@example.gov.uk", "Hello", "Body text", kind="test")
    db.session.commit()
    report = send_pending(db.session, _settings())
    assert report.sent == 1
    assert smtp_server.messages[0]["To"] == "someone@example.gov.uk"
    assert smtp_server.messages[0].get_payload().strip() == "Body text"
    assert db.session.scalar(select(OutboundEmail)).status == SENT
    assert send_pending(db.session, _settings()).sent == 0  # never sent twice


def test_screening_alerts_compliance_to_new_high_risk_flags_by_default(app, scene, smtp_server):
    """The scene screened a declaration with nothing but the app's settings: the alert about
    its new high-risk flag went to the compliance mailbox and the department's officers."""
    assert scene.report.high_risk_new
    emails = db.session.scalars(select(OutboundEmail).where(OutboundEmail.kind == NEW_HIGH_RISK))
    assert {e.to for e in emails} == {
        current_app.config["COMPLIANCE_MAILBOX"],
        scene.officer.email,
        scene.other_officer.email,
    }
    send_pending(db.session, _settings())
    assert len(smtp_server.messages) == 3
    assert "Morning Lane" in smtp_server.messages[0]["Subject"]


def _alerts_queued() -> int:
    """The high-risk alerts the scene's screening queued, waiting in the outbox too."""
    return len(
        db.session.scalars(
            select(OutboundEmail.id).where(OutboundEmail.kind == NEW_HIGH_RISK)
        ).all()
    )


def test_plan_agreed_email_survives_smtp_outage_then_retry(client, scene, smtp_port):
    sign_in(client, scene.officer)
    alerts = _alerts_queued()
    assert _managed(client, scene, date.today() + timedelta(days=90)).status_code == 302
    # No SMTP server is listening: the decision and plan stay saved and the email stays queued.
    report = send_pending(db.session, _settings())
    assert report.failed == 1 + alerts
    email = db.session.scalar(select(OutboundEmail).where(OutboundEmail.kind == "plan.agreed"))
    assert email.status == FAILED and email.attempts == 1 and "Connection" in email.last_error
    assert email.to == scene.official.email
    assert db.session.query(Decision).count() == 1 and db.session.query(ManagementPlan).count() == 1
    assert send_pending(db.session, _settings()).failed == 0  # backing off: not retried yet

    from aiosmtpd.controller import Controller

    from tests.notify.conftest import Inbox

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = utcnow() + timedelta(hours=1)
        assert send_pending(db.session, _settings(), now=later).sent == 1 + alerts
    finally:
        controller.stop()
    db.session.refresh(email)
    assert email.status == SENT and email.attempts == 2
    plan_email = [m for m in inbox.messages if m["To"] == scene.official.email]
    assert "Recusal from procurement decisions" in plan_email[0].get_payload()


def test_notify_due_cli_reminds_owner_once(client, scene, smtp_server, runner):
    sign_in(client, scene.officer)
    alerts = _alerts_queued()
    _managed(client, scene, clock.today())  # due today (a plan looks forward)
    result = runner.invoke(args=["notify", "due"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 plan review reminders" in result.output
    assert f"{2 + alerts} sent" in result.output  # the plan agreed, its reminder, the alerts
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert any("due for review" in s for s in subjects)
    reminder = [m for m in smtp_server.messages if "due for review" in m["Subject"]][0]
    assert reminder["To"] == scene.officer.email
    result = runner.invoke(args=["notify", "due"])
    assert "Queued 0 plan review reminders" in result.output
    assert db.session.scalar(select(OutboundEmail).where(OutboundEmail.status == QUEUED)) is None


def test_a_subject_with_a_line_break_is_queued_as_one_line(app):
    email = queue_email(db.session, "someone@example.gov.uk", 'Cycle "2026–27"\r\nBcc: x@evil',
                        "Body", kind="test")  # fmt: skip
    assert email.subject == 'Cycle "2026–27" Bcc: x@evil'


def test_an_unsendable_email_fails_with_its_reason_and_the_rest_are_sent(app, smtp_server):
    now = utcnow()
    # Queued by older code: a subject with a line break cannot become a message header.
    db.session.add(OutboundEmail(to="first@example.gov.uk", subject="Broken\nsubject", body="x",
                                 kind="test", status=QUEUED, attempts=0, created_at=now,
                                 next_attempt_at=now))  # fmt: skip
    queue_email(db.session, "second@example.gov.uk", "Fine", "Body", kind="test")
    db.session.commit()
    report = send_pending(db.session, _settings())
    assert (report.sent, report.failed) == (1, 1)
    assert [m["To"] for m in smtp_server.messages] == ["second@example.gov.uk"]
    broken = db.session.scalar(
        select(OutboundEmail).where(OutboundEmail.to == "first@example.gov.uk")
    )
    assert broken.status == FAILED and "cannot be sent" in broken.last_error
    assert send_pending(db.session, _settings()).failed == 0  # not retried: it never could send
