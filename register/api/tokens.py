"""API tokens: created for a user, shown once, stored as a SHA-256 hash, acting with the user's
role; and the administrator pages that create and revoke them."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from register.audit.log import record
from register.extensions import db
from register.forms import ConfirmForm
from register.models import ApiToken, User
from register.models.people import ADMIN
from register.web import audit, guard_blueprint, nav_item, roles_required

TOKEN_PREFIX = "rgi_"  # noqa: S105 - a marker, not a secret  # nosec B105

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "api_tokens.index", "API tokens")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the token text (never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name.strip()[:100], token_hash=hash_token(token), prefix=token[:12]
    )
    session.add(row)
    session.flush()
    return row, token


def authenticate(session: Session, header: str | None) -> User | None:
    """The active user a `Bearer` token belongs to, or None; records when it was last used."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token.strip()), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None or not row.user.active:
        return None
    row.last_used_at = datetime.now(UTC)
    return row.user


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
def create() -> str | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    email = (request.form.get("email") or "").strip().lower()
    name = (request.form.get("name") or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if user is None or not name:
        problem = "Enter a name for the token" if not name else "No user with that email address"
        return _page(problem=problem), 400
    row, token = create_token(db.session, user, name)
    row.created_by_id = current_user.id
    audit(
        "api.token_created",
        f"Created API token {row.prefix}… ({name}) for {user.email}",
        object_type="api_token",
        object_id=row.id,
        details={"role": user.role},
    )
    db.session.commit()
    return _page(new_token=token)


@bp.post("/<int:token_id>/revoke")
@roles_required(ADMIN)
def revoke(token_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None:
        abort(404)
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        record(
            db.session,
            "api.token_revoked",
            f"Revoked API token {row.prefix}… ({row.name})",
            actor=current_user,
            object_type="api_token",
            object_id=row.id,
            ip_address=request.remote_addr,
        )
        db.session.commit()
        flash(f"Revoked token {row.name}")
    return redirect(url_for(".index"))
