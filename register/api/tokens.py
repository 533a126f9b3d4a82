"""API tokens: created for a user, shown once, stored as a SHA-256 hash, acting with the user's
role; and the administrator pages that create and revoke them."""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from register import runtime
from register.audit.log import record
from register.clock import utcnow
from register.extensions import db
from register.forms import ConfirmForm
from register.models import ApiToken, User
from register.models.people import ADMIN
from register.web import guard_blueprint, nav_item, roles_required

TOKEN_PREFIX = "rgi_"  # noqa: S105 - a marker, not a secret  # nosec B105

bp = Blueprint("api_tokens", __name__, url_prefix="/admin/api-tokens")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "api_tokens.index", "API tokens")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    user: User,
    name: str,
    *,
    created_by: User | None = None,
    ip_address: str | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `user` (audited); returns the row and the token text (never stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=name.strip()[:100],
        token_hash=hash_token(token),
        prefix=token[:12],
        created_by_id=created_by.id if created_by else None,
    )
    session.add(row)
    session.flush()
    record(
        session,
        "api.token_created",
        f"Created API token {row.prefix}… ({row.name}) for {user.email}",
        actor=created_by,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
        details={"role": user.role},
    )
    return row, token


def revoke_token(
    session: Session, row: ApiToken, actor: User, *, ip_address: str | None = None
) -> bool:
    """Revoke a token (audited); returns whether it was still live."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    record(
        session,
        "api.token_revoked",
        f"Revoked API token {row.prefix}… ({row.name})",
        actor=actor,
        object_type="api_token",
        object_id=row.id,
        ip_address=ip_address,
    )
    return True


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
    row.last_used_at = utcnow()
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
        flash(f"Revoked token {row.name}")
    return redirect(url_for(".index"))
