"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from register import runtime
from register.auth import services
from register.auth import sessions as server_sessions
from register.auth.forms import ChangePasswordForm, SignInForm
from register.auth.services import authenticate
from register.auth.throttle import Attempt
from register.downloads import content_disposition
from register.extensions import db
from register.models import User
from register.personal_data import download_personal_data
from register.web import home_endpoint

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _safe_next(target: str | None) -> str | None:
    """Only follow `next` to a path on this site, never to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt="register.device-cookie")


def _device_cookie() -> tuple[int | None, str | None]:
    """The user id and nonce of this browser's device cookie, if it holds a valid one."""
    value = request.cookies.get(current_app.config["DEVICE_COOKIE_NAME"])
    if not value:
        return None, None
    max_age = int(timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"]).total_seconds())
    try:
        user_id, nonce = _device_serializer().loads(value, max_age=max_age)
    except (BadSignature, TypeError, ValueError):
        return None, None
    if not isinstance(user_id, int) or not isinstance(nonce, str):
        return None, None
    return user_id, nonce


def _attempt(email: str) -> Attempt:
    """This request's sign-in attempt as the throttle counts it (register.auth.throttle)."""
    device_user_id, device_nonce = _device_cookie()
    return Attempt(email, request.remote_addr, device_user_id, device_nonce)


def _give_device_cookie(response: Response, user: User) -> None:
    """Mark this browser as one that signed in to `user`'s account: from now on it is exempt
    from the account-wide throttle others can trigger (OWASP's device cookie)."""
    device_user_id, nonce = _device_cookie()
    if device_user_id != user.id or nonce is None:
        nonce = secrets.token_urlsafe(16)
    config = current_app.config
    response.set_cookie(
        config["DEVICE_COOKIE_NAME"],
        _device_serializer().dumps([user.id, nonce]),
        max_age=int(timedelta(days=config["DEVICE_COOKIE_DAYS"]).total_seconds()),
        path="/",
        secure=config["DEVICE_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _start_session(user: User, *, method: str) -> None:
    """A fresh signed-in session: a new server-side session key in a cleared cookie."""
    with runtime.transaction() as db_session:
        key = server_sessions.start_session(
            db_session, user, method=method, ip_address=request.remote_addr
        )
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    session["_user_id"] = key  # the server-side session's key, in place of User.get_id()


def signed_in(user: User, *, method: str) -> Response:
    """Start the signed-in session of `user`, whose identity has been proved by `method`
    ("password", "oidc"...), and go where they were going: the one way every sign-in ends."""
    _start_session(user, method=method)
    response = redirect(_safe_next(request.args.get("next")) or url_for("index"))
    _give_device_cookie(response, user)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(
            db.session,
            _attempt(form.email.data or ""),
            form.password.data or "",
            policy=runtime.settings().sign_in_throttle,
        )
        if result.user is not None:
            return signed_in(result.user, method="password")
        error = result.error
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/sign-out")
@login_required
def logout() -> Response:
    with runtime.transaction() as db_session:
        services.sign_out(
            db_session,
            current_user,
            session_key=session.get("_user_id"),
            ip_address=request.remote_addr,
        )
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with runtime.transaction() as db_session:
                services.change_password(
                    db_session,
                    user,
                    form.current_password.data or "",
                    form.new_password.data or "",
                    # No device-cookie exemption: whoever copied the session may have copied it.
                    attempt=Attempt(user.email, request.remote_addr),
                    policy=runtime.settings().sign_in_throttle,
                )
        except services.PasswordChangeError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            _start_session(user, method="password")  # this browser stays signed in
            flash("Your password has been changed.", "success")
            return redirect(url_for("index"))
    return render_template("auth/password.html", form=form)


@bp.get("/my-data")
@login_required
def my_data() -> Response:
    """Everything the register holds about the signed-in person, as a JSON download."""
    with runtime.transaction() as db_session:
        held = download_personal_data(
            db_session, current_user._get_current_object(), ip_address=request.remote_addr
        )
    content = json.dumps(held, indent=2, ensure_ascii=False)
    return Response(
        content,
        mimetype="application/json",
        headers={"Content-Disposition": content_disposition("my-register-data.json")},
    )
