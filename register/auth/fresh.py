"""Re-authentication before privileged changes: `recent_sign_in_required`.

The session keeps when the person last proved who they are (signing in, or answering the
identity check). A view under the decorator whose session is older than the limit first asks for
the password, and the code from the authenticator app when the person uses one:

- a GET is sent to the identity-check page, which brings the person back to it;
- a POST is answered with the identity check in place, carrying what was typed in the form as
  hidden fields (never a password), so a correct answer goes on with the same submission.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from register import clock, runtime
from register.auth import two_factor
from register.extensions import login_manager

F = TypeVar("F", bound=Callable[..., Any])

PROVED_AT = "identity_proved_at"
SIGN_IN_METHOD = "sign_in_method"
# The in-place identity check's fields; a value under MARKER means "this POST answers it".
MARKER = "identity_check"
PASSWORD_FIELD = "identity_password"  # noqa: S105 - a form field name  # nosec B105
CODE_FIELD = "identity_code"


def identity_proved(method: str | None = None) -> None:
    """Note in the session that the person has just proved who they are (by `method` at sign-in)."""
    session[PROVED_AT] = clock.utcnow().isoformat()
    if method is not None:
        session[SIGN_IN_METHOD] = method


def sign_in_method() -> str | None:
    method = session.get(SIGN_IN_METHOD)
    return method if isinstance(method, str) else None


def proved_within(minutes: int) -> bool:
    stamp = session.get(PROVED_AT)
    if not isinstance(stamp, str):
        return False
    try:
        proved = datetime.fromisoformat(stamp)
    except ValueError:
        return False
    return clock.utcnow() - proved < timedelta(minutes=minutes)


def check_identity_answer(password: str, code: str) -> tuple[bool, str | None]:
    """Check the identity-check answer of the signed-in person: (accepted, error). After the last
    wrong answer allowed, the person is signed out (every session) and (False, None) returned."""
    user = current_user._get_current_object()
    with runtime.transaction() as db_session:
        result = two_factor.check_identity(
            db_session,
            user,
            password,
            code,
            max_attempts=runtime.settings().mfa_max_attempts,
            ip_address=request.remote_addr,
        )
    if result.accepted:
        identity_proved()
        return True, None
    if result.challenge_ended:
        logout_user()
        session.clear()
        flash("Too many wrong answers: sign in again.", "info")
        return False, None
    return False, result.message


def identity_check_context() -> dict[str, Any]:
    """What the identity-check template needs to know about the signed-in person."""
    return {"needs_code": two_factor.is_enrolled(runtime.session(), current_user)}


def _replayed_fields() -> list[tuple[str, str]]:
    """The submitted form's fields to carry through the identity check: no password, no file."""
    return [
        (name, value)
        for name, values in request.form.lists()
        if "password" not in name.lower() and name not in (MARKER, CODE_FIELD)
        for value in values
    ]


def _sign_in_again_with_the_provider() -> Any:
    """A person who signed in with single sign-on has no register password to give: they prove
    who they are by signing in at the provider again, and come back to the page. A form they
    sent is not kept through the provider, so they are told to send it again."""
    back = request.full_path if request.method == "GET" else _same_site_path(request.referrer)
    if request.method != "GET":
        flash("Confirm it is you, then make the change again.", "info")
    return redirect(url_for("auth.sso_start", confirm="1", next=back))


def _same_site_path(address: str | None) -> str | None:
    """The path of `address` when it is a page of this site (the form's page), else None."""
    if not address or not address.startswith(request.host_url):
        return None
    return "/" + address[len(request.host_url) :]


def recent_sign_in_required(
    minutes: int | None = None, *, on: Collection[str] | None = None
) -> Callable[[F], F]:
    """Let the view run only if the person proved who they are within `minutes` (default: the
    RECENT_SIGN_IN_MINUTES setting); otherwise ask again first. `on` names the HTTP methods
    guarded (default: every method), e.g. ("POST",) for a page whose reading is not privileged."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            limit = minutes if minutes is not None else runtime.settings().recent_sign_in_minutes
            if (on is not None and request.method not in on) or proved_within(limit):
                return view(*args, **kwargs)
            if sign_in_method() == "oidc" and runtime.settings().single_sign_on is not None:
                return _sign_in_again_with_the_provider()
            if request.method == "GET":
                return redirect(url_for("two_factor.confirm_identity", next=request.full_path))
            error = None
            if request.form.get(MARKER):
                accepted, error = check_identity_answer(
                    request.form.get(PASSWORD_FIELD, ""), request.form.get(CODE_FIELD, "")
                )
                if accepted:
                    return view(*args, **kwargs)
                if error is None:
                    return redirect(url_for("auth.login"))
            return render_template(
                "auth/confirm_identity.html",
                action=request.full_path,
                replayed=_replayed_fields(),
                error=error,
                **identity_check_context(),
            ), (400 if error else 200)

        wrapped.recent_sign_in_minutes = minutes  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
