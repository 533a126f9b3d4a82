"""The administrator pages that create and revoke API tokens (register.api.services)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from register import runtime
from register.api.services import create_token, revoke_token
from register.auth.fresh import recent_sign_in_required
from register.extensions import db
from register.forms import ConfirmForm
from register.models import ApiToken, User
from register.models.people import ADMIN
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "api_tokens.index", "API tokens")


@bp.get("/")
@roles_required(ADMIN)
def index() -> str:
    return _page()


def _page(new_token: str | None = None, problem: str | None = None) -> str:
    tokens = db.session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc())).all()
    return render_template(
        "api/tokens.html", tokens=tokens, form=ConfirmForm(), new_token=new_token, problem=problem
    )


@bp.post("/")
@roles_required(ADMIN)
@recent_sign_in_required()
def create() -> str | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = (request.form.get("email") or "").strip().lower()
    name = (request.form.get("name") or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or not name:
        problem = "Enter a name for the token" if not name else "No user with that email address"
        return _page(problem=problem), 400
    with runtime.transaction() as session:
        _, token = create_token(
            session, user, name, created_by=current_user, ip_address=request.remote_addr
        )
    return _page(new_token=token)


@bp.post("/<int:token_id>/revoke")
@roles_required(ADMIN)
def revoke(token_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    with runtime.transaction() as session:
        revoked = revoke_token(session, row, current_user, ip_address=request.remote_addr)
    if revoked:
        flash(f"Revoked token {row.name}", "success")
    return redirect(url_for(".index"))
