"""Sending the outbox over SMTP, with retries and backoff; a failure never loses an action."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from register.clock import utcnow
from register.models.email import FAILED, QUEUED, SENT, OutboundEmail
from register.notify.outbox import FORGOTTEN_BODY, ONE_TIME_LINK_KINDS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=10)  # a claimed email is not picked up by another sender meanwhile


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    sender: str

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(
            host=config["MAIL_HOST"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            username=config.get("MAIL_USERNAME"),
            password=config.get("MAIL_PASSWORD"),
            sender=config["MAIL_SENDER"],
        )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0

    def summary(self) -> str:
        return f"{self.sent} sent, {self.failed} failed"


def backoff(attempts: int) -> timedelta:
    """Delay before the next try: 1, 2, 4 … minutes, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _message(email: OutboundEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message.set_content(email.body)
    return message


def _claim(session: Session, email: OutboundEmail, now: datetime) -> bool:
    """Take an email with a conditional UPDATE, so two senders never send it twice."""
    claimed = session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == email.id, OutboundEmail.attempts == email.attempts)
        .where(OutboundEmail.status != SENT, OutboundEmail.next_attempt_at <= now)
        .values(attempts=OutboundEmail.attempts + 1, next_attempt_at=now + LEASE)
    )
    session.commit()
    return claimed.rowcount == 1  # type: ignore[attr-defined]


def send_pending(
    session: Session, settings: MailSettings, *, now: datetime | None = None, limit: int = 500
) -> SendReport:
    """Send queued emails and failed ones whose retry time has come; commit after each."""
    now = now or utcnow()
    report = SendReport()
    due = session.scalars(
        select(OutboundEmail)
        .where(
            OutboundEmail.status.in_([QUEUED, FAILED]),
            OutboundEmail.attempts < MAX_ATTEMPTS,
            OutboundEmail.next_attempt_at <= now,
        )
        .order_by(OutboundEmail.id)
        .limit(limit)
    ).all()
    if not due:
        return report
    ids = [email.id for email in due]
    session.commit()
    smtp: smtplib.SMTP | None = None
    try:
        for email_id in ids:
            email = session.get(OutboundEmail, email_id)
            if email is None or not _claim(session, email, now):
                continue
            session.refresh(email)
            try:
                message = _message(email, settings.sender)
            except (ValueError, TypeError, UnicodeError) as exc:
                # A stored email that cannot become a message (a header no SMTP server would
                # take) never will: fail it for good with the reason, and carry on.
                _failed(email, f"cannot be sent: {type(exc).__name__}: {exc}", now, final=True)
                report.failed += 1
                session.commit()
                continue
            try:
                if smtp is None:
                    smtp = _connect(settings)
                smtp.send_message(message)
            except Exception as exc:  # noqa: BLE001 - one email's failure never stops the batch
                _failed(email, f"{type(exc).__name__}: {exc}", now, final=False)
                report.failed += 1
                _close(smtp)
                smtp = None  # the next email reconnects
            else:
                email.status = SENT
                email.sent_at = utcnow()
                email.last_error = None
                if email.kind in ONE_TIME_LINK_KINDS:
                    email.body = FORGOTTEN_BODY
                report.sent += 1
            session.commit()
    finally:
        _close(smtp)
    return report


def _failed(email: OutboundEmail, error: str, now: datetime, *, final: bool) -> None:
    email.status = FAILED
    email.last_error = error[:2000]
    if final:
        email.attempts = MAX_ATTEMPTS
    email.next_attempt_at = now + backoff(email.attempts)
    log.warning("email %s to %s failed (attempt %s): %s", email.id, email.to, email.attempts, error)


def _connect(settings: MailSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=15)
    if settings.use_tls:
        smtp.starttls()
    if settings.username:
        smtp.login(settings.username, settings.password or "")
    return smtp


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail any way
            smtp.close()
