"""The pending sign-in between a right password and the second step.

The Flask session holds only the person's id and when their password was verified; it signs
nobody in (Flask-Login knows nothing of it), so it reaches only the second-step pages, for
`two_factor.PENDING_MINUTES`, and only while the database says it is the person's latest
challenge with wrong answers left.
"""

from __future__ import annotations

from datetime import datetime

from flask import redirect, request, session, url_for
from werkzeug.wrappers import Response

from register import runtime
from register.auth import two_factor
from register.models import User

PENDING_KEY = "two_factor_pending"


def after_password(user: User) -> Response | None:
    """Where a person goes once their password is right: the code page when they use two-factor
    authentication, its set-up when their role requires it and they have none, else None (the
    caller signs them in)."""
    settings = runtime.settings()
    with runtime.transaction() as db_session:
        enrolled = two_factor.is_enrolled(db_session, user)
        if not enrolled and not two_factor.required_for(user, settings.mfa_required_roles):
            return None
        if not enrolled:
            two_factor.start_set_up(db_session, user)
        started = two_factor.open_challenge(db_session, user)
    session.clear()
    session[PENDING_KEY] = {"user_id": user.id, "password_verified_at": started.isoformat()}
    endpoint = "two_factor.code" if enrolled else "two_factor.required_set_up"
    return redirect(url_for(endpoint, next=request.args.get("next") or None))


def pending_user() -> User | None:
    """The person whose pending sign-in this session holds, while it is still open."""
    data = session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None
    try:
        user_id = int(data["user_id"])
        started = datetime.fromisoformat(str(data["password_verified_at"]))
    except (KeyError, TypeError, ValueError):
        return None
    db_session = runtime.session()
    user = db_session.get(User, user_id)
    if user is None or not two_factor.challenge_is_open(
        db_session, user, started, max_attempts=runtime.settings().mfa_max_attempts
    ):
        return None
    return user


def end() -> None:
    session.pop(PENDING_KEY, None)
