"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

import json
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
from werkzeug.wrappers import Response

from register.auth.forms import ChangePasswordForm, SignInForm
from register.auth.passwords import check_password, hash_password, password_problem
from register.auth.services import authenticate
from register.extensions import db
from register.personal_data import everything_about
from register.web import audit, home_endpoint

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
            max_failures=current_app.config["LOGIN_MAX_FAILURES"],
            lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
        )
        if result.user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(result.user)
            return redirect(_safe_next(request.args.get("next")) or url_for("index"))
        error = result.error
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/sign-out")
@login_required
def logout() -> Response:
    audit(
        "auth.sign_out",
        f"{current_user.email} signed out",
        object_type="user",
        object_id=current_user.id,
    )
    current_user.rotate_session_token()  # a copy of this session's cookie is now worthless
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new_password.data or "")
        if not check_password(current_user.password_hash, form.current_password.data or ""):
            form.current_password.errors.append("Your current password is not correct")
        elif problem:
            form.new_password.errors.append(problem)
        else:
            user = current_user._get_current_object()
            user.password_hash = hash_password(form.new_password.data or "")  # ends every session
            audit(
                "auth.password_changed",
                f"{user.email} changed their password",
                object_type="user",
                object_id=user.id,
            )
            db.session.commit()
            session.clear()
            login_user(user)  # this browser stays signed in, with the new session token
            flash("Your password has been changed.")
            return redirect(url_for("index"))
    return render_template("auth/password.html", form=form)


@bp.get("/my-data")
@login_required
def my_data() -> Response:
    """Everything the register holds about the signed-in person, as a JSON download."""
    user = current_user._get_current_object()
    content = json.dumps(everything_about(db.session, user), indent=2, ensure_ascii=False)
    audit(
        "personal_data.downloaded",
        f"{user.email} downloaded their personal data",
        object_type="user",
        object_id=user.id,
    )
    db.session.commit()
    return Response(
        content,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-register-data.json"'},
    )
