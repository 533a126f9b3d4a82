"""Authentication with throttling: repeated failures lock the account for a while."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.api.services import revoke_every_token
from register.audit.log import record
from register.auth.passwords import check_password, hash_password, needs_rehash, password_problem
from register.clock import utcnow
from register.models import User

# A hash to verify against when the email is unknown, so timing does not reveal which emails exist.
_DUMMY_HASH = hash_password("not-a-real-password-0")


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None


GENERIC_ERROR = "Enter a correct email address and password"


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    ip_address: str | None,
    max_failures: int,
    lock_minutes: int,
) -> SignInResult:
    """Check credentials, count failures, lock after `max_failures`.

    Commits, success or failure: a failed attempt and its audit entry must be kept although the
    request ends in an error page, or the lock could be bypassed."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = utcnow()
    if user is None:
        check_password(_DUMMY_HASH, password)
        record(
            session,
            "auth.sign_in_failed",
            f"Failed sign-in for unknown email {email!r}",
            actor_label=email[:254],
            ip_address=ip_address,
        )
        session.commit()
        return SignInResult(None, GENERIC_ERROR)
    if user.locked_until is not None and user.locked_until > now:
        record(
            session,
            "auth.sign_in_refused",
            f"Sign-in refused: {user.email} is locked",
            actor=user,
            object_type="user",
            object_id=user.id,
            ip_address=ip_address,
        )
        session.commit()
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInResult(
            None,
            f"Too many failed attempts. This account is locked; try again in {minutes} minutes "
            "or ask an administrator.",
        )
    if user.locked_until is not None:  # a lock that has expired: count failures afresh
        user.locked_until = None
        user.failed_logins = 0
    if not check_password(user.password_hash, password) or not user.active:
        user.failed_logins += 1
        summary = f"Failed sign-in for {user.email} ({user.failed_logins} in a row)"
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            summary += f"; account locked for {lock_minutes} minutes"
        record(
            session,
            "auth.sign_in_failed",
            summary,
            actor=user,
            object_type="user",
            object_id=user.id,
            ip_address=ip_address,
        )
        session.commit()
        return SignInResult(None, GENERIC_ERROR)
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):  # hashed with older parameters: bring it up to date
        user.password_hash = hash_password(password)
    record(
        session,
        "auth.sign_in",
        f"{user.email} signed in",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
    )
    session.commit()
    return SignInResult(user, None)


class PasswordChangeError(Exception):
    """The password was not changed; the message says why, about which form field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def sign_out(session: Session, user: User, *, ip_address: str | None = None) -> None:
    """End every session of the user (audited): a copied cookie is worthless from now on."""
    record(
        session,
        "auth.sign_out",
        f"{user.email} signed out",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
    )
    user.rotate_session_token()


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
    problem = password_problem(new_password)
    if problem:
        raise PasswordChangeError("new_password", problem)
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
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


def change_password(
    session: Session,
    user: User,
    current_password: str,
    new_password: str,
    *,
    ip_address: str | None = None,
) -> None:
    """Change the user's own password (audited), which ends their other sessions."""
    if not check_password(user.password_hash, current_password):
        raise PasswordChangeError("current_password", "Your current password is not correct")
    set_new_password(
        session,
        user,
        new_password,
        actor=user,
        action="auth.password_changed",
        summary=f"{user.email} changed their password",
        ip_address=ip_address,
    )
