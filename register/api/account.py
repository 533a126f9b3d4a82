"""Each person's own API tokens, under /account/api-tokens: for every role whose tokens may
do something (register.access.API_SCOPES). The token is shown once; only its hash is kept."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from register import access, runtime
from register.api.forms import SCOPE_LABELS, TokenForm
from register.api.services import (
    TokenError,
    create_token,
    latest_expiry,
    revoke_token,
    tokens_visible_to,
)
from register.auth.fresh import recent_sign_in_required
from register.clock import utcnow
from register.extensions import db
from register.forms import ConfirmForm
from register.models import ApiToken, User
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, PROCUREMENT_LEAD
from register.web import guard_blueprint, nav_item, roles_required

API_USERS = (COMPLIANCE, AUDITOR, ADMIN, PROCUREMENT_LEAD)  # the roles some scope allows
bp = Blueprint("account_tokens", __name__, url_prefix="/account/api-tokens")
guard_blueprint(bp, *API_USERS)
nav_item(API_USERS, "account_tokens.index", "API tokens")


def _form(*, fresh: bool = False) -> TokenForm:
    """The form; `fresh`: empty, after a token was made (not what was just posted)."""
    form = TokenForm(formdata=None) if fresh else TokenForm()
    allowed = access.api_scopes(current_user)
    form.scopes.choices = [(s, label) for s, label in SCOPE_LABELS.items() if s in allowed]
    return form


def _page(form: TokenForm, new_token: str | None = None) -> str:
    return render_template(
        "api/my_tokens.html",
        tokens=tokens_visible_to(db.session, current_user, service_accounts=False),
        form=form,
        revoke_form=ConfirmForm(),
        new_token=new_token,
        latest=latest_expiry(),
        now=utcnow(),
    )


@bp.get("/")
@roles_required(*API_USERS)
def index() -> str:
    return _page(_form())


@bp.post("/")
@roles_required(*API_USERS)
@recent_sign_in_required()
def create() -> str | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        token = token_from_form(form, current_user, fallback_field="name")
        if token is not None:
            return _page(_form(fresh=True), new_token=token)
    return _page(form), 400


def token_from_form(form: TokenForm, owner: User, *, fallback_field: str) -> str | None:
    """Make the token a validated form asks for, owned by `owner` and made by the signed-in
    person (audited): the token text to show once, or None with the problem on the form's field
    (`fallback_field` when the problem is about no one field). Both token pages use it."""
    try:
        with runtime.transaction() as session:
            _, token = create_token(
                session,
                owner,
                form.name.data or "",
                scopes=form.scopes.data or [],
                expires_on=form.expires_on.data,
                actor=current_user,
                ip_address=request.remote_addr,
            )
    except TokenError as exc:
        getattr(form, exc.field, form[fallback_field]).errors.append(str(exc))
        return None
    return token


@bp.post("/revoke")
@roles_required(*API_USERS)
def revoke() -> Response:
    """Revoke one of your tokens (its id in the form: a URL names no one else's token)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token_id = request.form.get("token_id", type=int)
    if token_id is None:
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    with runtime.transaction() as session:
        revoked = revoke_token(session, row, current_user, ip_address=request.remote_addr)
    if revoked:
        flash(f"Revoked token {row.name}", "success")
    return redirect(url_for(".index"))
