"""Authentication with throttling (register.auth.throttle), sign-out and password changes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register import clock
from register.api.services import revoke_every_token
from register.audit.log import record
from register.auth import sessions, throttle
from register.auth.passwords import check_password, hash_password, needs_rehash, password_problem
from register.auth.throttle import Attempt, ThrottlePolicy
from register.models import User
from register.notify.outbox import queue_email

# A hash to verify against when the email is unknown or the attempt is throttled, so timing
# does not reveal which emails exist or which attempts were looked at.
_DUMMY_HASH = hash_password("not-a-real-password-0")

PASSWORD_CHANGED_EMAIL = "auth.password_changed"  # noqa: S105 - an email kind  # nosec B105


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None


# One answer for an unknown email, a wrong password, an inactive account and a throttled
# attempt, with the same status: nothing tells which emails have accounts.
GENERIC_ERROR = (
    "Enter a correct email address and password. After several failed attempts, you may need "
    "to wait a few minutes before trying again"
)


def authenticate(
    session: Session, attempt: Attempt, password: str, *, policy: ThrottlePolicy
) -> SignInResult:
    """Check credentials unless the attempt is throttled; count and audit failures.

    Commits, success or failure: a failed attempt, its throttle counts and its audit entry
    must be kept although the request ends in an error page, or the throttle could be
    bypassed."""
    email = attempt.email
    user = session.scalar(select(User).where(func.lower(User.email) == attempt.account))
    keys = attempt.keys(user)
    who: dict[str, object] = (
        {"actor": user, "object_type": "user", "object_id": user.id}
        if user is not None
        else {"actor_label": email[:254]}
    )
    label = user.email if user is not None else f"unknown email {email!r}"
    until = throttle.blocked_until(session, keys)
    if until is not None:
        check_password(_DUMMY_HASH, password)  # the same work as a real check: timing tells nothing
        record(
            session,
            "auth.sign_in_throttled",
            f"Sign-in refused without checking the password for {label}: throttled",
            ip_address=attempt.address,
            details={"blocked_until": until.isoformat(), "scopes": [k.scope for k in keys]},
            **who,  # type: ignore[arg-type]
        )
        session.commit()
        return SignInResult(None, GENERIC_ERROR)
    if user is None or not user.active:
        check_password(_DUMMY_HASH, password)
        user_may_sign_in = None
    else:
        user_may_sign_in = user if check_password(user.password_hash, password) else None
    if user_may_sign_in is None:
        started = throttle.record_failure(session, keys, policy)
        record(
            session,
            "auth.sign_in_failed",
            f"Failed sign-in for {label}",
            ip_address=attempt.address,
            details={
                "throttled_now": [row.scope for row in started],
                "inactive": bool(user is not None and not user.active),
            },
            **who,  # type: ignore[arg-type]
        )
        if user is not None and user.active:
            throttle.warn_owner_if_attacked(
                session, user, started, policy, ip_address=attempt.address
            )
        session.commit()
        return SignInResult(None, GENERIC_ERROR)
    user = user_may_sign_in
    throttle.clear_after_success(session, keys)
    if needs_rehash(user.password_hash):  # hashed with older parameters: bring it up to date
        user.password_hash = hash_password(password)
    record(
        session,
        "auth.sign_in",
        f"{user.email} signed in",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=attempt.address,
    )
    session.commit()
    return SignInResult(user, None)


class PasswordChangeError(Exception):
    """The password was not changed; the message says why, about which form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def sign_out(
    session: Session,
    user: User,
    *,
    session_key: str | None = None,
    ip_address: str | None = None,
) -> None:
    """End the session with `session_key` (audited): its cookie is worthless from now on.
    Without a key, every session of the user ends."""
    if session_key:
        sessions.end_session(session, session_key)
    else:
        user.rotate_session_token()
    record(
        session,
        "auth.sign_out",
        f"{user.email} signed out",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"sessions_ended": "this one" if session_key else "all"},
    )


def set_new_password(
    session: Session,
    user: User,
    new_password: str,
    *,
    actor: User | None,
    action: str,
    summary: str,
    ip_address: str | None = None,
) -> None:
    """Give `user` a new password (audited as `action`): the one way a password is ever set.

    Raises PasswordChangeError("new_password", ...) when the policy refuses it. Every session
    of the person ends (the `User.password_hash` listener) and every API token is revoked."""
    problem = password_problem(
        new_password,
        user_inputs=(user.full_name, user.email),
        current_hash=user.password_hash or None,
    )
    if problem:
        raise PasswordChangeError("new_password", problem)
    user.password_hash = hash_password(new_password)
    revoked = revoke_every_token(
        session, user, actor=actor, reason="the password was changed", ip_address=ip_address
    )
    record(
        session,
        action,
        summary,
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"api_tokens_revoked": revoked},
    )


CURRENT_REFUSED = (
    "Your current password is not correct. After several failed attempts, you may need to "
    "wait a few minutes before trying again"
)


def verify_current_password(
    session: Session, user: User, password: str, *, attempt: Attempt, policy: ThrottlePolicy
) -> bool:
    """Whether `password` is the user's current one, throttled and counted as a sign-in is (a
    stolen session must not be a way to guess the password). Commits a failure, as
    `authenticate` does, so the count stays when the request then fails."""
    keys = attempt.keys(user)
    until = throttle.blocked_until(session, keys)
    if until is None and check_password(user.password_hash, password):
        return True
    if until is None:
        started = throttle.record_failure(session, keys, policy)
        action, summary = "auth.current_password_failed", "gave a wrong current password"
        details: dict[str, object] = {"throttled_now": [row.scope for row in started]}
        throttle.warn_owner_if_attacked(session, user, started, policy, ip_address=attempt.address)
    else:
        action, summary = "auth.current_password_throttled", "was refused: throttled"
        details = {"blocked_until": until.isoformat()}
    record(
        session,
        action,
        f"Password change by {user.email} {summary}",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=attempt.address,
        details=details,
    )
    session.commit()
    return False


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    *,
    attempt: Attempt,
    policy: ThrottlePolicy,
) -> None:
    """Change the user's own password (audited), which ends their sessions; the current
    password is checked first (`verify_current_password`: a wrong one is committed)."""
    if not verify_current_password(session, user, current_password, attempt=attempt, policy=policy):
        raise PasswordChangeError("current_password", CURRENT_REFUSED)
    set_new_password(
        session,
        user,
        new_password,
        actor=user,
        action="auth.password_changed",
        summary=f"{user.email} changed their password",
        ip_address=attempt.address,
    )
    # Told by email (ASVS 2.2.3, 2.5.5): whoever changed it with a stolen session is noticed.
    moment = clock.utcnow().astimezone(clock.display_zone())
    queue_email(
        session,
        user.email,
        "Your register password was changed",
        f"Dear {user.full_name},\n\n"
        "The password of your account on the conflict-of-interest declaration register was "
        f"changed at {moment:%H:%M} on {moment:%-d %B %Y} (UK time), by someone signed in as "
        "you. Your other sessions were signed out, and any API tokens of yours stopped "
        "working.\n\n"
        "If you did not do this, tell your register administrator at once.\n",
        kind=PASSWORD_CHANGED_EMAIL,
    )
