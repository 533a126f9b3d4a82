"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from register import runtime
from register.auth import fresh, pending, services
from register.auth.forms import ChangePasswordForm, SignInForm
from register.auth.services import authenticate
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


def signed_in(user: User, *, method: str) -> Response:
    """Start the signed-in session of `user`, whose identity has been proved by `method`
    ("password", "oidc"...), and go where they were going: the one way every sign-in ends."""
    session.clear()  # a fresh session on sign-in: no fixation
    login_user(user)
    fresh.identity_proved(method)
    return redirect(_safe_next(request.args.get("next")) or url_for("index"))


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        result = authenticate(
            db.session,
            form.email.data or "",
            form.password.data or "",
            ip_address=request.remote_addr,
            max_failures=runtime.settings().login_max_failures,
            lock_minutes=runtime.settings().login_lock_minutes,
        )
        if result.user is not None:
            second_step = pending.after_password(result.user)  # two-factor code or set-up
            return second_step or signed_in(result.user, method="password")
        error = result.error
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        mfa_off_notice=runtime.settings().mfa_off_notice
        and not runtime.settings().mfa_required_roles,
    )


@bp.post("/sign-out")
@login_required
def logout() -> Response:
    with runtime.transaction() as db_session:
        services.sign_out(db_session, current_user, ip_address=request.remote_addr)
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@fresh.recent_sign_in_required(on=("POST",))
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
                    ip_address=request.remote_addr,
                )
        except services.PasswordChangeError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            session.clear()
            login_user(user)  # this browser stays signed in, with the new session token
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
