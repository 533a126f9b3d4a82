"""Single-use set-password links: invitations for new people, resets for forgotten passwords.

A link carries a random token; only its SHA-256 is stored, so a copy of the database (or of a
backup) holds no usable link. A link works once: using it is a conditional UPDATE, so of two
requests racing with one link only one sets a password. A newer link of the same purpose
replaces the older ones, and setting a password through any link ends every other link of the
person. Administrators never see a link: it goes to the person's own email address (the one
exception is the command line's first administrator, printed for the trusted operator).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from register import clock
from register.audit.log import record
from register.auth.services import set_new_password
from register.links import absolute_url
from register.models import PasswordLink, User
from register.models.password_links import INVITATION, RESET
from register.notify.outbox import INVITATION_EMAIL, RESET_EMAIL, queue_email

INVITATION_LIFETIME = timedelta(hours=72)
RESET_LIFETIME = timedelta(hours=1)
# However often "Forgot your password?" is asked for one account, its mailbox gets at most one
# reset email each RESET_EMAIL_INTERVAL and RESET_EMAILS_PER_DAY in 24 hours.
RESET_EMAIL_INTERVAL = timedelta(minutes=5)
RESET_EMAILS_PER_DAY = 5
LIFETIMES = {INVITATION: INVITATION_LIFETIME, RESET: RESET_LIFETIME}
PASSWORD_SET_EMAIL = "auth.password_set"  # noqa: S105 - an email kind  # nosec B105
LINK_PATH = "/auth/set-password/"


class LinkError(Exception):
    """The link is unknown, used, replaced or expired, or its account is deactivated."""


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(session: Session, user: User, purpose: str, actor: User | None) -> tuple[str, datetime]:
    """A new link of `purpose` for `user`, replacing that person's older ones of the purpose;
    returns the token (never stored) and when the link expires."""
    now = clock.utcnow()
    session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.purpose == purpose,
            PasswordLink.used_at.is_(None),
            PasswordLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + LIFETIMES[purpose]
    session.add(
        PasswordLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_link_token(token),
            created_at=now,
            expires_at=expires_at,
            created_by_id=actor.id if actor else None,
        )
    )
    session.flush()
    return token, expires_at


def link_url(session: Session, token: str) -> str:
    """The link's address on the register's site (BASE_URL)."""
    return absolute_url(session, LINK_PATH + token)


def _expiry_text(moment: datetime) -> str:
    local = moment.astimezone(clock.display_zone())
    return f"{local:%H:%M} on {local:%-d %B %Y} (UK time)"


def send_invitation(
    session: Session, user: User, *, actor: User | None, ip_address: str | None = None
) -> None:
    """Email `user` a link to set their own password (72 hours), replacing any earlier
    invitation; audited. Queued in the caller's transaction (the outbox)."""
    token, expires_at = _issue(session, user, INVITATION, actor)
    body = (
        f"Dear {user.full_name},\n\n"
        "An account has been made for you on the conflict-of-interest declaration register.\n\n"
        f"Set your password here: {link_url(session, token)}\n\n"
        f"The link works once and expires at {_expiry_text(expires_at)}. If it has expired, "
        "ask your administrator to send a new invitation.\n\n"
        "Nobody from the register will ever ask you for your password.\n"
    )
    queue_email(
        session, user.email, "Set your password for the register", body, kind=INVITATION_EMAIL
    )
    record(
        session,
        "auth.invitation_sent",
        f"Sent an invitation to set a password to {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"expires_at": expires_at.isoformat()},
    )


def print_invitation_link(session: Session, user: User) -> str:
    """A set-password link for the operator at the terminal (the first administrator of a new
    installation, who has no email link yet); audited. Returns the link."""
    token, expires_at = _issue(session, user, INVITATION, None)
    record(
        session,
        "auth.invitation_printed",
        f"Printed a set-password link for {user.email} on the command line",
        object_type="user",
        object_id=user.id,
        details={"expires_at": expires_at.isoformat()},
    )
    return link_url(session, token)


def _reset_refused(session: Session, user: User) -> str | None:
    """Why no reset email may go to `user` now, or None. Counted in the database, so the limit
    holds across every worker and server; the user's row is locked first, so two requests at
    once cannot both pass (PostgreSQL; SQLite runs one writer at a time)."""
    if not user.active:
        return "the account is deactivated"
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    now = clock.utcnow()
    recent = session.scalars(
        select(PasswordLink.created_at).where(
            PasswordLink.user_id == user.id,
            PasswordLink.purpose == RESET,
            PasswordLink.created_at > now - timedelta(days=1),
        )
    ).all()
    if any(created > now - RESET_EMAIL_INTERVAL for created in recent):
        return f"a reset email was sent less than {RESET_EMAIL_INTERVAL.seconds // 60} minutes ago"
    if len(recent) >= RESET_EMAILS_PER_DAY:
        return f"{RESET_EMAILS_PER_DAY} reset emails were sent in the last 24 hours"
    return None


def send_password_reset(
    session: Session, user: User, *, actor: User | None, ip_address: str | None = None
) -> bool:
    """Email `user` a single-use link to choose a new password (1 hour), unless the account is
    deactivated or was sent one too recently (RESET_EMAIL_INTERVAL, RESET_EMAILS_PER_DAY).
    Audited either way; returns whether an email was queued."""
    refused = _reset_refused(session, user)
    if refused:
        record(
            session,
            "auth.password_reset_refused",
            f"No reset email sent to {user.email}: {refused}",
            actor=actor,
            object_type="user",
            object_id=user.id,
            ip_address=ip_address,
        )
        return False
    token, expires_at = _issue(session, user, RESET, actor)
    body = (
        f"Dear {user.full_name},\n\n"
        "Someone asked to reset the password of your account on the conflict-of-interest "
        "declaration register.\n\n"
        f"Choose a new password here: {link_url(session, token)}\n\n"
        f"The link works once and expires at {_expiry_text(expires_at)}.\n\n"
        "If you did not ask for this, ignore this email: your password stays as it is.\n"
    )
    queue_email(session, user.email, "Reset your register password", body, kind=RESET_EMAIL)
    record(
        session,
        "auth.password_reset_sent",
        f"Sent a password reset link to {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"expires_at": expires_at.isoformat()},
    )
    return True


def request_password_reset(session: Session, email: str, *, ip_address: str | None = None) -> None:
    """ "Forgot your password?": send a reset link if `email` is an active account's. The caller
    answers the same whatever happened here, so nobody learns which addresses have accounts."""
    email = email.strip()
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        record(
            session,
            "auth.password_reset_refused",
            f"No reset email sent: no account has the email {email!r}",
            actor_label=email[:254],
            ip_address=ip_address,
        )
        return
    send_password_reset(session, user, actor=None, ip_address=ip_address)


def live_link(session: Session, token: str) -> PasswordLink:
    """The usable link `token` opens; raises LinkError when there is none."""
    link = session.scalar(
        select(PasswordLink).where(PasswordLink.token_hash == hash_link_token(token))
    )
    if (
        link is None
        or link.used_at is not None
        or link.revoked_at is not None
        or link.expires_at <= clock.utcnow()
        or not link.user.active
    ):
        raise LinkError("This link has expired or has already been used")
    return link


def use_link(
    session: Session, token: str, new_password: str, *, ip_address: str | None = None
) -> User:
    """Set the password of the link's person and use the link up (with every other link of
    theirs): every session of the person ends and every API token is revoked (set_new_password).

    Raises LinkError, or PasswordChangeError when the policy refuses the password (the caller's
    rollback then leaves the link unused)."""
    link = live_link(session, token)
    now = clock.utcnow()
    taken = session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.id == link.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.revoked_at.is_(None),
            PasswordLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkError("This link has expired or has already been used")
    user = link.user
    session.execute(
        update(PasswordLink)
        .where(
            PasswordLink.user_id == user.id,
            PasswordLink.id != link.id,
            PasswordLink.used_at.is_(None),
            PasswordLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    invited = link.purpose == INVITATION
    set_new_password(
        session,
        user,
        new_password,
        actor=user,
        action="auth.invitation_accepted" if invited else "auth.password_reset",
        summary=f"{user.email} set their password with "
        + ("an invitation link" if invited else "a reset link"),
        ip_address=ip_address,
    )
    _tell_password_was_set(session, user, now)
    return user


def _tell_password_was_set(session: Session, user: User, moment: datetime) -> None:
    """Tell the person their password was set, so that someone who did not do it notices."""
    local = moment.astimezone(clock.display_zone())
    body = (
        f"Dear {user.full_name},\n\n"
        "The password of your account on the conflict-of-interest declaration register was set "
        f"at {local:%H:%M} on {local:%-d %B %Y} (UK time), with a link sent to this address. "
        "You were signed out everywhere, and any API tokens of yours stopped working.\n\n"
        "If you did not do this, tell your register administrator at once.\n\n"
        f"Sign in: {absolute_url(session, '/auth/sign-in')}\n"
    )
    queue_email(
        session, user.email, "Your register password was set", body, kind=PASSWORD_SET_EMAIL
    )


@dataclass(frozen=True)
class PasswordState:
    """Whether a person has set their own password yet, as administrators see it."""

    label: str  # "Password set", "Invitation sent", "Invitation expired"
    pending: bool  # no password of their own yet: an invitation may be sent again
    expires_at: datetime | None = None


PASSWORD_SET = PasswordState("Password set", pending=False)


def password_states(session: Session, user_ids: list[int]) -> dict[int, PasswordState]:
    """The password state of each person: set once any link of theirs was used, or when they
    never had an invitation (made before invitations, by the demo); otherwise their latest
    invitation is waiting or has expired."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(PasswordLink.user_id, PasswordLink.purpose, PasswordLink.used_at)
        .add_columns(PasswordLink.expires_at, PasswordLink.revoked_at, PasswordLink.created_at)
        .where(PasswordLink.user_id.in_(user_ids))
        .order_by(PasswordLink.created_at, PasswordLink.id)
    ).all()
    used = {row.user_id for row in rows if row.used_at is not None}
    latest = {row.user_id: row for row in rows if row.purpose == INVITATION}
    now = clock.utcnow()
    states = {}
    for user_id in user_ids:
        invitation = latest.get(user_id)
        if user_id in used or invitation is None:
            states[user_id] = PASSWORD_SET
        elif invitation.revoked_at is None and invitation.expires_at > now:
            states[user_id] = PasswordState(
                "Invitation sent", pending=True, expires_at=invitation.expires_at
            )
        else:
            states[user_id] = PasswordState(
                "Invitation expired", pending=True, expires_at=invitation.expires_at
            )
    return states
