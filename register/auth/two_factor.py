"""Two-factor authentication: TOTP set-up and codes, recovery codes, the bounded challenge.

No Flask here: the pages (register.auth.two_factor_routes) keep the pending sign-in in the
session and own the transaction; everything that must hold across workers (the last time step
accepted, wrong answers, single use of a recovery code) is decided by a conditional UPDATE.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from register import clock
from register.audit.log import record
from register.auth.passwords import check_password, hash_password
from register.links import absolute_url
from register.models import RecoveryCode, TwoFactor, User
from register.notify.outbox import queue_email

ISSUER = "Register of interests"
RECOVERY_CODE_COUNT = 10
# 16 characters of a 32-letter alphabet: 80 bits, each code hashed with its own salt (Argon2).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
# A code from the step before or after the current one is accepted (clocks drift).
DRIFT_STEPS = 1
PENDING_MINUTES = 5
EMAIL_KIND = "auth.two_factor"

WRONG_CODE = "Enter a correct code"
USED_CODE = "That code has already been used: wait for the next code in your app"


def required_for(user: User, required_roles: frozenset[str]) -> bool:
    """Whether `user`'s role must use two-factor authentication (the MFA_REQUIRED_ROLES setting)."""
    return user.role in required_roles


def state_of(session: Session, user: User) -> TwoFactor | None:
    return session.get(TwoFactor, user.id)


def is_enrolled(session: Session, user: User) -> bool:
    state = state_of(session, user)
    return state is not None and state.enrolled


def _state(session: Session, user: User) -> TwoFactor:
    """The person's row, made on first need."""
    state = session.get(TwoFactor, user.id)
    if state is None:
        state = TwoFactor(user_id=user.id, failed_attempts=0)
        session.add(state)
        session.flush()
    return state


# The set-up


def start_set_up(session: Session, user: User) -> TwoFactor:
    """Give the person a secret to put in their authenticator app (kept if they have one that
    is waiting for its first code, so reloading the page does not change the QR code)."""
    state = _state(session, user)
    if state.totp_secret is None or state.confirmed_at is not None:
        state.totp_secret = pyotp.random_base32()  # 160 bits, as RFC 4226 recommends
        state.confirmed_at = None
        state.last_used_step = None
        session.flush()
    return state


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code, with a title and description for screen readers
    (segno; no image request, no inline style, so it loads under the CSP)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5,
        border=4,
        title="QR code for your authenticator app",
        desc="Scan it with an authenticator app, or type the secret key shown below it.",
        svgclass="register-qr-code",
        lineclass=None,
        omitsize=False,
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)  # named by its <title>


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    message: str | None = None
    method: str | None = None  # "totp" or "recovery_code"
    challenge_ended: bool = False


def confirm_set_up(
    session: Session, user: User, code: str, *, ip_address: str | None
) -> list[str] | None:
    """Finish the set-up with the first valid code from the app: the new recovery codes (to show
    once), or None when the code is wrong."""
    state = state_of(session, user)
    if state is None or state.totp_secret is None or state.confirmed_at is not None:
        return None
    if _accept_totp(session, state, code) is not True:
        return None  # the caller counts it (count_failure), which audits it
    state.confirmed_at = clock.utcnow()
    state.failed_attempts = 0
    codes = _new_recovery_codes(session, user)
    record(
        session,
        "auth.two_factor_enrolled",
        f"{user.email} set up two-factor authentication",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"before": {"enrolled": False}, "after": {"enrolled": True}},
    )
    _tell(
        session,
        user,
        "Two-factor authentication was set up on your account",
        "Two-factor authentication was set up on your register account: signing in now needs "
        "a code from your authenticator app as well as your password.",
    )
    return codes


# Codes


def _current_step() -> int:
    return int(clock.utcnow().timestamp()) // 30


def _accept_totp(session: Session, state: TwoFactor, code: str) -> bool | None:
    """True if `code` is the app's code for a step near now that is later than the last one
    accepted (which it becomes, atomically); None if it is right but already used; else False."""
    digits = "".join(code.split())
    if state.totp_secret is None or len(digits) != 6 or not digits.isdigit():
        return False
    totp = pyotp.TOTP(state.totp_secret)
    now = _current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            claimed = session.execute(
                update(TwoFactor)
                .where(
                    TwoFactor.user_id == state.user_id,
                    (TwoFactor.last_used_step.is_(None)) | (TwoFactor.last_used_step < step),
                )
                .values(last_used_step=step)
                .execution_options(synchronize_session=False)
            )
            session.refresh(state)
            return True if claimed.rowcount == 1 else None  # type: ignore[attr-defined]
    return False


def _use_recovery_code(session: Session, user: User, code: str) -> bool:
    typed = "".join(ch for ch in code.lower() if ch.isalnum())
    if len(typed) != RECOVERY_LENGTH:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    for row in unused:
        if check_password(row.code_hash, typed):
            used = session.execute(
                update(RecoveryCode)
                .where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
                .values(used_at=clock.utcnow())
                .execution_options(synchronize_session=False)
            )
            session.refresh(row)
            return bool(used.rowcount == 1)  # type: ignore[attr-defined]
    return False


def _format_recovery_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the person's recovery codes with new ones; returned in clear, stored hashed."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    raw = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    now = clock.utcnow()
    for code in raw:
        session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(code), created_at=now))
    session.flush()
    return [_format_recovery_code(code) for code in raw]


def recovery_codes_left(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def regenerate_recovery_codes(session: Session, user: User, *, ip_address: str | None) -> list[str]:
    """A new set of recovery codes; every earlier one stops working (audited)."""
    left = recovery_codes_left(session, user)
    codes = _new_recovery_codes(session, user)
    record(
        session,
        "auth.recovery_codes_regenerated",
        f"{user.email} made new recovery codes",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"before": {"unused_codes": left}, "after": {"unused_codes": len(codes)}},
    )
    _tell(
        session,
        user,
        "New recovery codes were made for your account",
        "New two-factor recovery codes were made for your register account; the earlier ones "
        "no longer work.",
    )
    return codes


# The challenge: a pending sign-in (after the password) or an identity check


def open_challenge(session: Session, user: User) -> datetime:
    """Start counting wrong answers afresh for a new pending sign-in; its start time (kept in
    the person's session) is the only one accepted from now on, so an older copy of the
    session cookie cannot bring back a challenge that has ended."""
    state = _state(session, user)
    state.challenge_started_at = clock.utcnow()
    state.failed_attempts = 0
    session.flush()
    return state.challenge_started_at


def challenge_is_open(
    session: Session, user: User, started_at: datetime, *, max_attempts: int
) -> bool:
    """The pending sign-in started at `started_at` is the person's latest, is younger than
    PENDING_MINUTES, and has had fewer than `max_attempts` wrong answers."""
    state = state_of(session, user)
    if state is None or state.challenge_started_at is None:
        return False
    return (
        state.challenge_started_at == started_at
        and clock.utcnow() - started_at < timedelta(minutes=PENDING_MINUTES)
        and state.failed_attempts < max_attempts
        and user.active
    )


def close_challenge(session: Session, user: User) -> None:
    state = state_of(session, user)
    if state is not None:
        state.challenge_started_at = None
        state.failed_attempts = 0


def count_failure(
    session: Session,
    user: User,
    *,
    max_attempts: int,
    what: str,
    ip_address: str | None,
) -> bool:
    """Count one wrong answer (audited); True when it was the last one allowed and the
    challenge has ended."""
    _state(session, user)
    session.execute(
        update(TwoFactor)
        .where(TwoFactor.user_id == user.id)
        .values(failed_attempts=TwoFactor.failed_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    state = _state(session, user)
    session.refresh(state)
    ended = state.failed_attempts >= max_attempts
    summary = f"{what} for {user.email} ({state.failed_attempts} of {max_attempts})"
    if ended:
        state.challenge_started_at = None
        summary += "; the attempt has ended"
    record(
        session,
        "auth.two_factor_failed",
        summary,
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"failed_attempts": state.failed_attempts, "ended": ended},
    )
    return ended


def check_second_step(
    session: Session, user: User, code: str, *, max_attempts: int, ip_address: str | None
) -> CodeCheck:
    """Check the code (from the app, or a recovery code) of a pending sign-in; a wrong one
    counts towards `max_attempts`. The caller signs the person in when it is accepted."""
    state = state_of(session, user)
    if state is None or not state.enrolled:
        return CodeCheck(False, WRONG_CODE)
    totp = _accept_totp(session, state, code)
    method = "totp" if totp is True else None
    if method is None and totp is False and _use_recovery_code(session, user, code):
        method = "recovery_code"
    if method is None:
        ended = count_failure(
            session,
            user,
            max_attempts=max_attempts,
            what="A reused code" if totp is None else "A wrong code",
            ip_address=ip_address,
        )
        if totp is None:  # someone with the password has a code the person already used
            _tell(
                session,
                user,
                "A used sign-in code was entered again",
                "After your password, someone entered a code from your authenticator app that "
                "had already been used, and it was refused. If it was not you, your password "
                "and a recent code are known to someone else: change your password now.",
            )
        return CodeCheck(False, USED_CODE if totp is None else WRONG_CODE, challenge_ended=ended)
    close_challenge(session, user)
    how = "an authenticator code" if method == "totp" else "a recovery code"
    record(
        session,
        f"auth.sign_in_{method}",
        f"{user.email} signed in with {how}",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"recovery_codes_left": recovery_codes_left(session, user)}
        if method == "recovery_code"
        else None,
    )
    return CodeCheck(True, method=method)


def check_identity(
    session: Session,
    user: User,
    password: str,
    code: str,
    *,
    max_attempts: int,
    ip_address: str | None,
) -> CodeCheck:
    """Check a signed-in person's password (and code when they use two-factor authentication)
    before a privileged change; wrong answers count, and the last one allowed ends it."""
    state = state_of(session, user)
    right = check_password(user.password_hash, password)
    if right and state is not None and state.enrolled:
        totp = _accept_totp(session, state, code)
        right = totp is True or (totp is False and _use_recovery_code(session, user, code))
    if not right:
        ended = count_failure(
            session,
            user,
            max_attempts=max_attempts,
            what="A wrong answer to the identity check",
            ip_address=ip_address,
        )
        if ended:
            user.rotate_session_token()  # whoever is at this session must sign in again
        return CodeCheck(False, "Enter your correct password and code", challenge_ended=ended)
    close_challenge(session, user)
    record(
        session,
        "auth.identity_confirmed",
        f"{user.email} confirmed their identity",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
    )
    return CodeCheck(True)


# Turning it off


def turn_off(session: Session, user: User, *, ip_address: str | None) -> bool:
    """The person turns their own two-factor authentication off (audited); False if they had none.
    The caller refuses this where the role requires it."""
    return _remove(
        session,
        user,
        actor=user,
        action="auth.two_factor_turned_off",
        summary=f"{user.email} turned off two-factor authentication",
        message="Two-factor authentication was turned off on your register account: signing "
        "in now needs only your password.",
        ip_address=ip_address,
    )


def reset_by_administrator(
    session: Session, user: User, *, actor: User, ip_address: str | None
) -> bool:
    """An administrator removes a person's authenticator and recovery codes (a lost phone):
    their sessions end, they are emailed, it is audited. False if they had none."""
    if actor.id == user.id:
        raise ValueError("administrators cannot reset their own two-factor authentication")
    removed = _remove(
        session,
        user,
        actor=actor,
        action="auth.two_factor_reset",
        summary=f"{actor.email} reset the two-factor authentication of {user.email}",
        message=f"{actor.full_name}, an administrator, reset the two-factor authentication of "
        "your register account. The next time you sign in you may be asked to set it up "
        "again with your authenticator app. If you did not ask for this, tell the register "
        "team at once.",
        ip_address=ip_address,
    )
    if removed:
        user.rotate_session_token()
    return removed


def _remove(
    session: Session,
    user: User,
    *,
    actor: User,
    action: str,
    summary: str,
    message: str,
    ip_address: str | None,
) -> bool:
    state = state_of(session, user)
    if state is None or state.totp_secret is None:
        return False
    before = {"enrolled": state.enrolled, "unused_codes": recovery_codes_left(session, user)}
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    state.totp_secret = None
    state.confirmed_at = None
    state.last_used_step = None
    state.challenge_started_at = None
    state.failed_attempts = 0
    session.flush()
    record(
        session,
        action,
        summary,
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"before": before, "after": {"enrolled": False, "unused_codes": 0}},
    )
    _tell(session, user, "Two-factor authentication was turned off on your account", message)
    return True


def _tell(session: Session, user: User, subject: str, message: str) -> None:
    """Email the person about a change to how they sign in (through the outbox)."""
    body = (
        f"{message}\n\n"
        f"If this was not you, contact the register team and change your password: "
        f"{absolute_url(session, '/auth/password')}\n"
    )
    queue_email(session, user.email, subject, body, kind=EMAIL_KIND)
