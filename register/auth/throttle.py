"""Sign-in throttling that slows guessing without letting strangers lock the owner out.

Failed attempts (at sign-in, and of the current password when changing it) are counted in the
database, so the counts hold across workers and servers, under several keys at once:

- the account from one client address, and every account from one client address: each
  waits, with delays that double past a number of free failures up to a ceiling;
- the account from everywhere, so that an attack spread over many addresses is slowed too.
  Browsers that have signed in to the account before hold a signed device cookie (OWASP's
  "device cookie"): they are exempt from the account-wide and the address counts and have their
  own, so the owner can still sign in from their own browser while others hammer the account.

A throttled attempt is refused before the password is looked at, with the same message as a
wrong password, and audited. The owner is emailed once per throttle window when their account
starts being throttled. Unknown emails are counted like real ones, so the delays do not tell
which exist. An administrator can clear an account's throttles (`unlock_account`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from register import clock
from register.audit.log import record
from register.links import absolute_url
from register.models import SignInThrottle, User
from register.models.sign_in import ACCOUNT, ACCOUNT_AT_ADDRESS, ADDRESS, DEVICE
from register.notify.outbox import queue_email

ACCOUNT_ATTACKED = "auth.account_attacked"


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free under each key, then how long attempts wait."""

    free_per_account_address: int
    free_per_address: int
    free_per_account: int
    first_delay: timedelta
    max_delay: timedelta
    forget_after: timedelta  # a key with no failure for this long starts again from nothing

    def free_failures(self, scope: str) -> int:
        return {
            ACCOUNT_AT_ADDRESS: self.free_per_account_address,
            DEVICE: self.free_per_account_address,
            ADDRESS: self.free_per_address,
            ACCOUNT: self.free_per_account,
        }[scope]

    def delay(self, scope: str, failures: int) -> timedelta | None:
        """How long attempts wait after `failures` in a row under a key of `scope`, if at all."""
        past_free = failures - self.free_failures(scope)
        if past_free < 0:
            return None
        return min(self.max_delay, self.first_delay * 2 ** min(past_free, 32))


@dataclass(frozen=True)
class ThrottleKey:
    scope: str
    account: str = ""
    address: str = ""
    device: str = ""


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the email as typed, the client address, and the device cookie's user and
    nonce when the browser holds a valid one (its signature checked by the caller)."""

    email: str
    address: str | None
    device_user_id: int | None = None
    device_nonce: str | None = None

    @property
    def account(self) -> str:
        return self.email.strip().lower()[:254]

    def keys(self, user: User | None) -> list[ThrottleKey]:
        """The keys this attempt is counted and checked under."""
        address = (self.address or "unknown")[:64]
        if user is not None and self.device_nonce and self.device_user_id == user.id:
            return [ThrottleKey(DEVICE, account=self.account, device=self.device_nonce[:64])]
        return [
            ThrottleKey(ACCOUNT_AT_ADDRESS, account=self.account, address=address),
            ThrottleKey(ADDRESS, address=address),
            ThrottleKey(ACCOUNT, account=self.account),
        ]


def _where(key: ThrottleKey) -> Any:
    return (
        (SignInThrottle.scope == key.scope)
        & (SignInThrottle.account == key.account)
        & (SignInThrottle.address == key.address)
        & (SignInThrottle.device == key.device)
    )


def blocked_until(session: Session, keys: list[ThrottleKey]) -> datetime | None:
    """Until when attempts under any of `keys` must wait, or None if they may go ahead."""
    now = clock.utcnow()
    until = None
    for key in keys:
        row = session.scalar(select(SignInThrottle).where(_where(key)))
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            until = row.blocked_until if until is None else max(until, row.blocked_until)
    return until


def _locked_row(session: Session, key: ThrottleKey) -> SignInThrottle:
    """The key's row, made if missing, locked for this transaction (FOR UPDATE on PostgreSQL;
    SQLite has one writer at a time), so concurrent failures in other workers are all counted."""
    now = clock.utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(SignInThrottle)
        .values(
            scope=key.scope,
            account=key.account,
            address=key.address,
            device=key.device,
            failures=0,
            first_failure_at=now,
            last_failure_at=now,
        )
        .on_conflict_do_nothing(index_elements=["scope", "account", "address", "device"])
    )
    row = session.scalar(
        select(SignInThrottle)
        .where(_where(key))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:  # inserted just now or already there, and locked: it cannot be missing
        raise RuntimeError(f"sign-in throttle row {key} vanished under its lock")
    return row


def record_failure(
    session: Session, keys: list[ThrottleKey], policy: ThrottlePolicy
) -> list[SignInThrottle]:
    """Count a failed attempt under every key; returns the rows that start blocking now."""
    now = clock.utcnow()
    started = []
    for key in keys:
        row = _locked_row(session, key)
        if row.failures and now - row.last_failure_at >= policy.forget_after:
            row.failures, row.first_failure_at, row.blocked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        delay = policy.delay(key.scope, row.failures)
        if delay is not None:
            if row.blocked_until is None or row.blocked_until <= now:
                started.append(row)
            row.blocked_until = now + delay
    session.flush()
    return started


def clear_after_success(session: Session, keys: list[ThrottleKey]) -> None:
    """A correct password clears the counts of this account from this address (or this device).
    Never the address's or the account-wide count: signing in to one's own account must not
    reset an attacker's tally."""
    for key in keys:
        if key.scope in (ACCOUNT_AT_ADDRESS, DEVICE):
            session.execute(delete(SignInThrottle).where(_where(key)))


def warn_owner_if_attacked(
    session: Session,
    user: User,
    started: list[SignInThrottle],
    policy: ThrottlePolicy,
    *,
    ip_address: str | None,
) -> bool:
    """Email the owner when a throttle on their account has just started, once per throttle
    window (the account-wide count's). Returns whether an email was queued."""
    if not any(row.scope in (ACCOUNT_AT_ADDRESS, ACCOUNT) for row in started):
        return False
    window = _locked_row(session, ThrottleKey(ACCOUNT, account=user.email.lower()))
    if window.owner_warned_at is not None and window.owner_warned_at >= window.first_failure_at:
        return False
    window.owner_warned_at = clock.utcnow()
    body = (
        f"Dear {user.full_name},\n\n"
        "Someone has repeatedly tried to sign in to your account in the conflict-of-interest "
        "register with a wrong password, so further attempts are being slowed down.\n\n"
        "If it was you, wait a few minutes and try again. You can always sign in from a browser "
        "you have used to sign in before.\n"
        "If it was not you, nothing is needed: your password was not accepted. If your password "
        "is used anywhere else, change it there and here "
        f"({absolute_url(session, '/auth/password')}), and tell the register team.\n"
    )
    queue_email(
        session,
        user.email,
        "Repeated failed sign-ins to your register account",
        body,
        kind=ACCOUNT_ATTACKED,
    )
    record(
        session,
        ACCOUNT_ATTACKED,
        f"Told {user.email} their account is being throttled after failed sign-ins",
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"failures": window.failures},
    )
    session.flush()
    return True


def account_throttles(session: Session, user: User) -> list[SignInThrottle]:
    """The throttle rows of `user`'s account (not those of the addresses it was tried from)."""
    return list(
        session.scalars(
            select(SignInThrottle)
            .where(SignInThrottle.account == user.email.lower())
            .order_by(SignInThrottle.id)
        )
    )


def is_throttled(session: Session, user: User) -> bool:
    """Whether attempts on `user`'s account are being slowed down now (from anywhere)."""
    now = clock.utcnow()
    return any(
        row.blocked_until is not None and row.blocked_until > now
        for row in account_throttles(session, user)
    )


def throttled_emails(session: Session, emails: list[str]) -> set[str]:
    """Which of `emails` (lower-cased) have a throttle blocking now (for the people list)."""
    if not emails:
        return set()
    rows = session.scalars(
        select(SignInThrottle.account).where(
            SignInThrottle.account.in_([e.lower() for e in emails]),
            SignInThrottle.blocked_until > clock.utcnow(),
        )
    )
    return set(rows)


def _describe(row: SignInThrottle) -> dict[str, Any]:
    return {
        "scope": row.scope,
        "address": row.address or None,
        "failures": row.failures,
        "blocked_until": row.blocked_until.isoformat() if row.blocked_until else None,
    }


def unlock_account(
    session: Session, user: User, *, actor: User, ip_address: str | None = None
) -> int:
    """Clear every throttle of `user`'s account (audited with what was cleared); returns how
    many. The counts of the addresses it was tried from stay: they are not the account's."""
    rows = account_throttles(session, user)
    before = [_describe(row) for row in rows]
    session.execute(delete(SignInThrottle).where(SignInThrottle.account == user.email.lower()))
    record(
        session,
        "admin.user_unlocked",
        f"Cleared the sign-in throttles of {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"before": {"throttles": before}, "after": {"throttles": []}},
    )
    session.flush()
    return len(rows)
