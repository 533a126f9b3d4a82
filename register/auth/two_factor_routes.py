"""Two-factor pages: the code step of sign-in, set-up, recovery codes, turning it off, and the
identity check before privileged changes (every role; administrators' reset: two_factor_admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from werkzeug.wrappers import Response

from register import runtime
from register.auth import fresh, pending, two_factor
from register.auth.routes import _safe_next, signed_in
from register.auth.two_factor_forms import SetUpCodeForm, SignInCodeForm
from register.extensions import db
from register.forms import ConfirmForm
from register.models import User
from register.web import home_endpoint

bp = Blueprint("two_factor", __name__)

# Where a signed-in person whose role requires two-factor authentication, and who has none, may
# still go before setting it up.
_BEFORE_SET_UP = {
    "two_factor.set_up",
    "two_factor.confirm_identity",
    "auth.logout",
    "static",
    "healthz",
}


@bp.before_app_request
def set_up_before_anything_else() -> Response | None:
    """A person signed in with a password whose role now requires two-factor authentication
    (the setting changed, their role changed, an administrator reset theirs) sets it up before
    any other page. Single sign-on counts as the organisation's own strong authentication."""
    # Endpoints first: reading current_user queries the database, which /healthz must not need.
    if request.endpoint in _BEFORE_SET_UP or request.blueprint == "api":
        return None  # the token API does not take a session cookie anyway
    if not current_user.is_authenticated:
        return None
    if not two_factor.required_for(current_user, runtime.settings().mfa_required_roles):
        return None
    if fresh.sign_in_method() == "oidc" or two_factor.is_enrolled(db.session, current_user):
        return None
    flash("Your role requires two-factor authentication: set it up to continue.", "info")
    return redirect(url_for("two_factor.set_up"))


def _no_store(page: str, status: int = 200) -> tuple[str, int, dict[str, str]]:
    """A page with secrets on it (a new secret key, recovery codes): never cached."""
    return page, status, {"Cache-Control": "no-store"}


# The sign-in's second step (a pending sign-in, nobody signed in yet)


def _pending_or_restart() -> User | Response:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    user = pending.pending_user()
    if user is None:
        pending.end()
        flash("Sign in again to continue.", "info")
        return redirect(url_for("auth.login"))
    return user


@bp.route("/auth/two-factor/code", methods=["GET", "POST"])
def code() -> str | Response | tuple[str, int]:
    user = _pending_or_restart()
    if isinstance(user, Response):
        return user
    if not two_factor.is_enrolled(db.session, user):
        return redirect(url_for(".required_set_up", next=request.args.get("next") or None))
    form = SignInCodeForm()
    if form.validate_on_submit():
        with runtime.transaction() as db_session:
            result = two_factor.check_second_step(
                db_session,
                user,
                form.code.data or "",
                max_attempts=runtime.settings().mfa_max_attempts,
                ip_address=request.remote_addr,
            )
        if result.accepted:
            # UserSession.method holds at most 20 characters: "password+recovery_code" does not fit.
            second = "recovery" if result.method == "recovery_code" else "totp"
            response = signed_in(user, method=f"password+{second}")
            if result.method == "recovery_code":  # after signed_in, which empties the session
                flash(
                    "You signed in with a recovery code, which cannot be used again. "
                    "Make new recovery codes if you are running out.",
                    "info",
                )
            return response
        if result.challenge_ended:
            pending.end()
            flash("Too many wrong codes: sign in again.", "info")
            return redirect(url_for("auth.login"))
        form.code.errors.append(result.message or two_factor.WRONG_CODE)
    status = 400 if form.errors else 200
    return render_template("auth/two_factor_code.html", form=form), status


@bp.route("/auth/two-factor/required-set-up", methods=["GET", "POST"])
def required_set_up() -> str | Response | tuple[str, int, dict[str, str]]:
    """Set-up before a first sign-in, for a person whose role requires it."""
    user = _pending_or_restart()
    if isinstance(user, Response):
        return user
    if two_factor.is_enrolled(db.session, user):
        return redirect(url_for(".code", next=request.args.get("next") or None))
    form = SetUpCodeForm()
    if form.validate_on_submit():
        codes, ended = _confirm(user, form)
        if codes is not None:
            target = signed_in(user, method="password+totp").location
            return _no_store(render_template("auth/recovery_codes.html", codes=codes, then=target))
        if ended:
            pending.end()
            flash("Too many wrong codes: sign in again.", "info")
            return redirect(url_for("auth.login"))
    return _set_up_page(user, form, required=True)


def _confirm(user: User, form: SetUpCodeForm) -> tuple[list[str] | None, bool]:
    """Confirm the set-up with the form's code: (the recovery codes, False), or (None, whether
    that wrong code was the last one allowed) with the error on the form."""
    with runtime.transaction() as db_session:
        codes = two_factor.confirm_set_up(
            db_session, user, form.code.data or "", ip_address=request.remote_addr
        )
        ended = codes is None and two_factor.count_failure(
            db_session,
            user,
            max_attempts=runtime.settings().mfa_max_attempts,
            what="A wrong set-up code",
            ip_address=request.remote_addr,
        )
    if codes is None:
        form.code.errors.append(two_factor.WRONG_CODE)
    return codes, ended


def _set_up_page(
    user: User, form: SetUpCodeForm, *, required: bool
) -> tuple[str, int, dict[str, str]]:
    with runtime.transaction() as db_session:
        state = two_factor.start_set_up(db_session, user)
        secret = state.totp_secret or ""
    uri = two_factor.provisioning_uri(user, secret)
    page = render_template(
        "auth/two_factor_set_up.html",
        form=form,
        qr_code=two_factor.qr_code_svg(uri),
        secret=two_factor.grouped_secret(secret),
        issuer=two_factor.ISSUER,
        account=user.email,
        required=required,
    )
    return _no_store(page, 400 if form.errors else 200)


# The signed-in person's own two-factor authentication


@bp.get("/auth/two-factor")
@login_required
def account() -> str:
    user = current_user._get_current_object()
    state = two_factor.state_of(db.session, user)
    return render_template(
        "auth/two_factor.html",
        state=state if state is not None and state.enrolled else None,
        codes_left=two_factor.recovery_codes_left(db.session, user),
        required=two_factor.required_for(user, runtime.settings().mfa_required_roles),
        form=ConfirmForm(),
    )


@bp.route("/auth/two-factor/set-up", methods=["GET", "POST"])
@login_required
@fresh.recent_sign_in_required()
def set_up() -> str | Response | tuple[str, int, dict[str, str]]:
    user = current_user._get_current_object()
    if two_factor.is_enrolled(db.session, user):
        return redirect(url_for(".account"))
    form = SetUpCodeForm()
    if form.validate_on_submit():
        codes, ended = _confirm(user, form)
        if codes is not None:
            page = render_template(
                "auth/recovery_codes.html", codes=codes, then=url_for(".account")
            )
            return _no_store(page)
        if ended:  # a signed-in session that keeps guessing is ended
            return _sign_out_after_wrong_answers(user)
    return _set_up_page(
        user,
        form,
        required=two_factor.required_for(user, runtime.settings().mfa_required_roles),
    )


def _sign_out_after_wrong_answers(user: User) -> Response:
    with runtime.transaction():
        user.rotate_session_token()
    logout_user()
    session.clear()
    flash("Too many wrong codes: sign in again.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/auth/two-factor/recovery-codes")
@login_required
@fresh.recent_sign_in_required()
def new_recovery_codes() -> Response | tuple[str, int, dict[str, str]]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if not two_factor.is_enrolled(db.session, user):
        return redirect(url_for(".account"))
    with runtime.transaction() as db_session:
        codes = two_factor.regenerate_recovery_codes(
            db_session, user, ip_address=request.remote_addr
        )
    return _no_store(
        render_template("auth/recovery_codes.html", codes=codes, then=url_for(".account"))
    )


@bp.post("/auth/two-factor/turn-off")
@login_required
@fresh.recent_sign_in_required()
def turn_off() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    if two_factor.required_for(user, runtime.settings().mfa_required_roles):
        flash("Your role requires two-factor authentication: it cannot be turned off.", "error")
        return redirect(url_for(".account"))
    with runtime.transaction() as db_session:
        removed = two_factor.turn_off(db_session, user, ip_address=request.remote_addr)
    if removed:
        flash("Two-factor authentication is off.", "success")
    return redirect(url_for(".account"))


@bp.route("/auth/confirm-identity", methods=["GET", "POST"])
@login_required
def confirm_identity() -> str | Response | tuple[str, int]:
    """The identity check a GET page under `recent_sign_in_required` sends people to."""
    target = _safe_next(request.args.get("next")) or url_for(".account")
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        accepted, error = fresh.check_identity_answer(
            request.form.get(fresh.PASSWORD_FIELD, ""), request.form.get(fresh.CODE_FIELD, "")
        )
        if accepted:
            return redirect(target)
        if error is None:
            return redirect(url_for("auth.login"))
    page = render_template(
        "auth/confirm_identity.html",
        action=request.full_path,
        replayed=[],
        csrf_form=form,
        error=error,
        **fresh.identity_check_context(),
    )
    return page, 400 if error else 200
