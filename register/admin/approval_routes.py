"""The approvals page: access requests waiting for a second administrator, and past decisions
(register.admin.approvals)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from register import runtime
from register.admin import approvals
from register.auth.fresh import recent_sign_in_required
from register.extensions import db
from register.forms import ConfirmForm
from register.models import AccessRequest
from register.models.people import ADMIN
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("approvals", __name__, url_prefix="/admin/approvals")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "approvals.index", "Approvals")


@bp.get("/")
@roles_required(ADMIN)
def index() -> str:
    return render_template(
        "admin/approvals.html",
        pending=approvals.pending_requests(db.session),
        decided=approvals.decided_requests(db.session),
        describe=approvals.describe,
        form=ConfirmForm(),
    )


def _request_or_404(request_id: int) -> AccessRequest:
    row = db.session.get(AccessRequest, request_id)
    if row is None:
        abort(404)
    return row


@bp.post("/<int:request_id>/approve")
@roles_required(ADMIN)
@recent_sign_in_required()
def approve(request_id: int) -> Response:
    row = _request_or_404(request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with runtime.transaction() as session:
            user = approvals.approve(session, row, current_user, ip_address=request.remote_addr)
    except approvals.ApprovalError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Approved: {user.full_name} is now {approvals.describe(row.after_state)}", "success")
    return redirect(url_for(".index"))


@bp.post("/<int:request_id>/reject")
@roles_required(ADMIN)
@recent_sign_in_required()
def reject(request_id: int) -> Response:
    row = _request_or_404(request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with runtime.transaction() as session:
            approvals.reject(
                session,
                row,
                current_user,
                request.form.get("reason"),
                ip_address=request.remote_addr,
            )
    except approvals.ApprovalError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Rejected the request for {row.user.full_name}", "success")
    return redirect(url_for(".index"))
