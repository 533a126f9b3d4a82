"""The administrator's page for service accounts' API tokens (register.api.services): an
administrator sees and makes tokens of service accounts only, never of a person."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from register import access, runtime
from register.api.account import token_from_form
from register.api.forms import SCOPE_LABELS, ServiceTokenForm
from register.api.services import (
    latest_expiry,
    revoke_token,
    tokens_visible_to,
)
from register.auth.fresh import recent_sign_in_required
from register.clock import utcnow
from register.extensions import db
from register.forms import ConfirmForm
from register.models import ApiToken, User
from register.models.people import ADMIN
from register.web import guard_blueprint, roles_required

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")
guard_blueprint(bp, ADMIN)


def _service_accounts() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.is_service_account.is_(True)).order_by(User.full_name)
        )
    )


def _form(*, fresh: bool = False) -> ServiceTokenForm:
    """The form; `fresh`: empty, after a token was made (not what was just posted)."""
    form = ServiceTokenForm(formdata=None) if fresh else ServiceTokenForm()
    accounts = _service_accounts()
    form.owner_id.choices = [(0, "Choose a service account")] + [
        (a.id, f"{a.full_name} ({a.email}, {a.role_label})") for a in accounts
    ]
    offered = {scope for account in accounts for scope in access.api_scopes(account)}
    form.scopes.choices = [(s, label) for s, label in SCOPE_LABELS.items() if s in offered]
    return form


def _page(form: ServiceTokenForm, new_token: str | None = None) -> str:
    return render_template(
        "api/tokens.html",
        tokens=tokens_visible_to(db.session, current_user, service_accounts=True),
        has_accounts=len(form.owner_id.choices or []) > 1,
        form=form,
        revoke_form=ConfirmForm(),
        new_token=new_token,
        latest=latest_expiry(),
        now=utcnow(),
    )


@bp.get("/")
@roles_required(ADMIN)
def index() -> str:
    return _page(_form())


@bp.post("/")
@roles_required(ADMIN)
@recent_sign_in_required()
def create() -> str | tuple[str, int]:
    form = _form()
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner_id.data)
        if owner is None:
            abort(400)
        token = token_from_form(form, owner, fallback_field="owner_id")
        if token is not None:
            return _page(_form(fresh=True), new_token=token)
    return _page(form), 400


@bp.post("/<int:token_id>/revoke")
@roles_required(ADMIN)
def revoke(token_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None or not row.user.is_service_account:
        abort(404)  # another person's token: not the administrator's to see or revoke
    with runtime.transaction() as session:
        revoked = revoke_token(session, row, current_user, ip_address=request.remote_addr)
    if revoked:
        flash(f"Revoked token {row.name}", "success")
    return redirect(url_for(".index"))
