"""The administrator's reset of a person's two-factor authentication (a lost phone), on the
person's page in People."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from register import runtime
from register.auth import fresh, two_factor
from register.extensions import db
from register.forms import ConfirmForm
from register.models import User
from register.models.people import ADMIN
from register.web import guard_blueprint, page_hook, roles_required

bp = Blueprint("two_factor_admin", __name__, url_prefix="/admin/people")
guard_blueprint(bp, ADMIN)


@bp.post("/<int:user_id>/two-factor/reset")
@roles_required(ADMIN)
@fresh.recent_sign_in_required()
def reset(user_id: int) -> Response:
    """Remove a person's authenticator and recovery codes (a lost phone)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash("You cannot reset your own two-factor authentication.", "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    with runtime.transaction() as db_session:
        removed = two_factor.reset_by_administrator(
            db_session, user, actor=current_user, ip_address=request.remote_addr
        )
    if removed:
        flash(f"Reset {user.full_name}'s two-factor authentication; they were emailed.", "success")
    else:
        flash(f"{user.full_name} has no two-factor authentication to reset.", "info")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@page_hook("admin.person")
def _person_two_factor(user: User | None) -> dict[str, object]:
    """The administrator's person page: whether the person uses two-factor authentication."""
    return {
        "two_factor_enrolled": user is not None and two_factor.is_enrolled(db.session, user),
        "two_factor_form": ConfirmForm(),
    }
