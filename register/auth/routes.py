"""Sign-in, sign-out and password change pages."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
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
from register.audit.log import record
from register.auth import fresh, invitations, oidc_client, pending, services
from register.auth import sessions as server_sessions
from register.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    SetPasswordForm,
    SignInForm,
)
from register.auth.services import authenticate
from register.auth.single_sign_on import (
    SingleSignOn,
    confirm_identity_with_single_sign_on,
    sign_in_with_single_sign_on,
)
from register.auth.throttle import Attempt
from register.downloads import content_disposition
from register.extensions import db
from register.forms import ConfirmForm
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


def signed_in(user: User, *, method: str, next_path: str | None = None) -> Response:
    """Start the signed-in session of `user`, whose identity has been proved by `method`
    ("password", "oidc"...), and go where they were going (`next_path`, or the request's `next`):
    the one way every sign-in ends."""
    _start_session(user, method=method)
    fresh.identity_proved(method)
    response = redirect(_safe_next(next_path or request.args.get("next")) or url_for("index"))
    _give_device_cookie(response, user)
    return response


SINGLE_SIGN_ON_ONLY = "Password sign-in is switched off"
# The provider's ID token, kept for RP-initiated logout (`id_token_hint`).
SSO_LOGOUT_HINT = "sso_id_token"
SSO_NEXT = "sso_next"
SSO_CONFIRM = "sso_confirm"  # the id of the signed-in person proving who they are again


def _sign_in_page(form: SignInForm | None, error: str | None) -> str:
    sso = oidc_client.configured()
    sso_url = url_for("auth.sso_start", next=_safe_next(request.args.get("next"))) if sso else None
    return render_template(
        "auth/login.html",
        form=form,
        error=error,
        sso=sso,
        sso_url=sso_url,
        mfa_off_notice=runtime.settings().mfa_off_notice
        and not runtime.settings().mfa_required_roles,
    )


@bp.route("/sign-in", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int]:
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    if not runtime.settings().password_sign_in:
        # Single sign-on only: no password form, and a password posted anyway is refused.
        if request.method == "POST":
            return _sign_in_page(None, SINGLE_SIGN_ON_ONLY), 403
        return _sign_in_page(None, None)
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
            second_step = pending.after_password(result.user)  # two-factor code or set-up
            return second_step or signed_in(result.user, method="password")
        error = result.error
    return _sign_in_page(form, error)


def _end_this_session() -> None:
    """Sign the person out of this browser: its server-side session ends (audited) and the
    cookie is emptied."""
    with runtime.transaction() as db_session:
        services.sign_out(
            db_session,
            current_user._get_current_object(),
            session_key=session.get("_user_id"),
            ip_address=request.remote_addr,
        )
    logout_user()
    session.clear()


@bp.post("/sign-out")
@login_required
def logout() -> Response:
    id_token = session.get(SSO_LOGOUT_HINT)
    _end_this_session()
    flash("You have signed out.", "success")
    # Signed in through the provider: sign out there too when it offers (RP-initiated logout).
    provider_logout = oidc_client.logout_url(id_token) if id_token else None
    return redirect(provider_logout or url_for("auth.login"))


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


# How a session's sign-in proved who it was (UserSession.method), as the sessions page says it.
SIGN_IN_METHODS = {
    "password": "Password",  # noqa: S105 - a label, not a password  # nosec B105
    "password+totp": "Password and authenticator code",
    "password+recovery": "Password and recovery code",
    "oidc": "Single sign-on",
}


@bp.get("/sessions")
@login_required
def sessions_page() -> str:
    """The person's signed-in sessions (browsers), where they can sign any of them out."""
    rows = server_sessions.live_sessions(
        db.session, current_user._get_current_object(), runtime.settings().sessions
    )
    current = server_sessions.key_hash(session.get("_user_id") or "")
    policy = runtime.settings().sessions
    return render_template(
        "auth/sessions.html",
        rows=rows,
        current_hash=current,
        form=ConfirmForm(),
        methods=SIGN_IN_METHODS,
        idle_minutes=int(policy.idle.total_seconds() // 60),
        max_hours=int(policy.lifetime.total_seconds() // 3600),
    )


@bp.post("/sessions/end")
@login_required
@fresh.recent_sign_in_required()
def end_sessions() -> Response:
    """Sign out one other session (`session_id`) or every other one (none given)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    chosen = request.form.get("session_id", "")
    with runtime.transaction() as db_session:
        ended = server_sessions.end_own_sessions(
            db_session,
            current_user._get_current_object(),
            current_key=session.get("_user_id") or "",
            session_id=int(chosen) if chosen.isdigit() else None,
            ip_address=request.remote_addr,
        )
    message = {0: "No other session was signed in.", 1: "Signed out the other session."}
    flash(message.get(ended, f"Signed out {ended} other sessions."), "success")
    return redirect(url_for("auth.sessions_page"))


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> str:
    """Ask for a reset link. The answer is the same page whether or not the address has an
    account (or an active one, or was sent a link a minute ago): nobody learns who has one."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        with runtime.transaction() as db_session:
            invitations.request_password_reset(
                db_session, form.email.data or "", ip_address=request.remote_addr
            )
        return render_template("auth/reset_requested.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


def _link_page(body: str, status: int = 200) -> Response:
    """A page reached by a set-password link: the token in its address is sent nowhere else
    (no Referer to the next site or to the register's own pages) and kept in no cache."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def password_link(token: str) -> Response:
    """The page an invitation or reset link opens. Showing it changes nothing (mail scanners
    open links); sending the form sets the password, uses the link up, ends every session and
    revokes every API token of the person, then asks them to sign in."""
    try:
        link = invitations.live_link(db.session, token)
    except invitations.LinkError:
        return _link_page(render_template("auth/link_invalid.html"), 404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            with runtime.transaction() as db_session:
                invitations.use_link(
                    db_session, token, form.new_password.data or "", ip_address=request.remote_addr
                )
        except invitations.LinkError:
            return _link_page(render_template("auth/link_invalid.html"), 404)
        except services.PasswordChangeError as exc:
            form[exc.field].errors.append(str(exc))
        else:
            logout_user()  # whoever was signed in in this browser: the person signs in afresh
            session.clear()
            flash(
                "Your password is set. Sign in with your email address and new password.", "success"
            )
            response = redirect(url_for("auth.login"))
            response.headers["Referrer-Policy"] = "no-referrer"
            return response
    return _link_page(
        render_template(
            "auth/password_link.html",
            form=form,
            email=link.user.email,
            invited=link.purpose == invitations.INVITATION,
        )
    )


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


def _single_sign_on_problem(title: str, paragraphs: list[str], status: int) -> tuple[str, int]:
    page = render_template("auth/single_sign_on_problem.html", title=title, paragraphs=paragraphs)
    return page, status


@bp.get("/sso/start")
def sso_start() -> Response | tuple[str, int]:
    """Send the browser to the OpenID provider to sign in (PKCE, state and nonce by Authlib)."""
    sso = oidc_client.configured()
    if sso is None:  # not (or no longer) configured: the sign-in page says how to sign in
        return redirect(url_for("auth.login"))
    # A signed-in person comes here only to prove again who they are (`fresh`), by a new
    # sign-in at the provider; anyone else signed in is already where they should be.
    confirming = current_user.is_authenticated and request.args.get("confirm") == "1"
    if current_user.is_authenticated and not confirming:
        return redirect(url_for(home_endpoint(current_user)))
    session[SSO_NEXT] = _safe_next(request.args.get("next"))
    if confirming:
        session[SSO_CONFIRM] = current_user.id
    try:
        redirect_to_provider: Response = oidc_client.authorization_redirect(fresh_login=confirming)
    except (oidc_client.SingleSignOnFailed, *oidc_client.PROTOCOL_ERRORS):
        current_app.logger.exception("single sign-on: the provider could not be reached")
        return _single_sign_on_problem(
            f"Sign in with {sso.provider_name} is not available",
            ["The register could not reach the sign-in service. Try again in a few minutes."],
            503,
        )
    return redirect_to_provider


@bp.get("/sso/callback")
def sso_callback() -> Response | tuple[str, int]:
    """The provider's answer: validate it, find the account by verified email, sign in."""
    sso = oidc_client.configured()
    if sso is None:  # not (or no longer) configured: the sign-in page says how to sign in
        return redirect(url_for("auth.login"))
    try:
        claims, id_token = oidc_client.validated_sign_in()
    except oidc_client.SingleSignOnFailed as exc:
        with runtime.transaction() as db_session:
            record(
                db_session,
                "auth.sso_failed",
                f"Single sign-on answer refused: {exc}"[:500],
                ip_address=request.remote_addr,
                details={"method": "oidc", "issuer": sso.issuer, "reason": str(exc)[:500]},
            )
        return _single_sign_on_problem(
            "Sign-in did not work",
            [
                f"The answer from {sso.provider_name} could not be checked, or the sign-in was "
                "cancelled or took too long. Nothing was changed.",
                "Start again from the sign-in page.",
            ],
            400,
        )
    confirming = session.pop(SSO_CONFIRM, None)
    if confirming is not None and current_user.is_authenticated:
        return _confirmed_identity(sso, claims, confirming)
    with runtime.transaction() as db_session:
        result = sign_in_with_single_sign_on(
            db_session,
            claims,
            trusted_email_claim=sso.trusted_email_claim,
            ip_address=request.remote_addr,
        )
    if result.user is None:
        page = render_template(
            "auth/sso_refused.html", sso=sso, email=result.email, reason=result.refusal
        )
        return page, 403
    response = signed_in(result.user, method="oidc", next_path=session.get(SSO_NEXT))
    session[SSO_LOGOUT_HINT] = id_token
    return response


def _confirmed_identity(sso: SingleSignOn, claims: dict[str, Any], user_id: int) -> Response:
    """A signed-in person's new sign-in at the provider: if it is them, the privileged change
    they were making may go ahead (fresh.identity_proved); if not, their session ends."""
    user = current_user._get_current_object()
    with runtime.transaction() as db_session:
        confirmed = user.id == user_id and confirm_identity_with_single_sign_on(
            db_session,
            user,
            claims,
            trusted_email_claim=sso.trusted_email_claim,
            ip_address=request.remote_addr,
        )
    if not confirmed:
        _end_this_session()
        flash(f"That was not the {sso.provider_name} account you are signed in with.", "error")
        return redirect(url_for("auth.login"))
    fresh.identity_proved()
    return redirect(_safe_next(session.pop(SSO_NEXT, None)) or url_for("index"))
