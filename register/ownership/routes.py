"""Pages for undeclared-interest flags: releasing the prompt to the official, and the prompt."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SubmitField

from register import access, runtime
from register.extensions import db
from register.models import Declaration, Flag, UndeclaredFinding
from register.models.flags import UNDECLARED
from register.models.people import COMPLIANCE
from register.ownership import services as undeclared
from register.review.services import ReviewError
from register.web import guard_blueprint, page_hook, roles_required

bp = Blueprint("ownership", __name__, url_prefix="/ownership")
guard_blueprint(bp, COMPLIANCE)


class ReleaseForm(FlaskForm):
    submit = SubmitField("Release the question to the official", widget=GovSubmitInput())


@bp.post("/flags/<int:flag_id>/release")
@roles_required(COMPLIANCE)
def release(flag_id: int) -> Response:
    """A compliance officer of the flag's department lets the official see the prompt."""
    flag = db.session.get(Flag, flag_id)
    if flag is None or not access.can_decide_flag(current_user, flag):
        abort(404)
    if flag.kind != UNDECLARED or not ReleaseForm().validate_on_submit():
        abort(400)  # only possible undeclared interests have a question to release
    try:
        with runtime.transaction() as session:
            undeclared.release(session, flag, current_user, ip_address=request.remote_addr)
    except ReviewError:
        abort(404)
    flash("Released: the official will see the question on their declaration page.", "success")
    return redirect(url_for("review.flag", flag_id=flag_id))


@page_hook("review.flag")
def undeclared_finding(flag: Flag) -> dict[str, Any]:
    """The finding behind an undeclared-interest flag, and the release form, for the flag page
    (which only its readers reach: never an administrator or the official)."""
    if flag.kind != UNDECLARED:
        return {}
    finding = db.session.scalar(
        select(UndeclaredFinding).where(UndeclaredFinding.flag_id == flag.id)
    )
    return {"undeclared": {"finding": finding, "form": ReleaseForm()}}


@page_hook("declarations.show")
def undeclared_prompts(declaration: Declaration) -> dict[str, Any]:
    """Released questions for an official's declaration page (never before release)."""
    return {"undeclared_prompts": undeclared.released_prompts(db.session, declaration.official_id)}
