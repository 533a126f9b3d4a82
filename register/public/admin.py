"""Administrators publish a new edition of the public register, choosing redactions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from register import clock, runtime
from register.extensions import db
from register.forms import ConfirmForm
from register.models import DeclarationCycle
from register.models.people import ADMIN
from register.public import services
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("publishing", __name__, url_prefix="/admin/public-register")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "publishing.new_edition", "Public register")


def _cycles() -> list[DeclarationCycle]:
    return list(
        db.session.scalars(select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc()))
    )


def _rules_from_form() -> tuple[list[services.Rule], dict[str, str], list[str]]:
    rules, reasons, problems = [], {}, []
    for field, (text, rule) in services.REDACTABLE.items():
        reason = (request.form.get(f"reason-{field}") or "").strip()
        reasons[field] = reason
        if request.form.get(f"redact-{field}") != "yes":
            continue
        if not reason:
            problems.append(f"Give the reason for redacting: {text}")
        rules.append(services.Rule(field, rule, reason))
    return rules, reasons, problems


@bp.route("/", methods=["GET", "POST"])
@roles_required(ADMIN)
def new_edition() -> str | Response | tuple[str, int]:
    form = ConfirmForm()
    chosen = set(services.DEFAULT_REASONS)
    reasons = dict(services.DEFAULT_REASONS)
    problems: list[str] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        cycle = db.session.get(DeclarationCycle, request.form.get("cycle_id", type=int) or 0)
        rules, reasons, problems = _rules_from_form()
        chosen = {r.field for r in rules}
        if cycle is None:
            problems.append("Choose a cycle")
        elif not problems:
            with runtime.transaction() as session:
                edition = services.publish(
                    session,
                    cycle,
                    rules,
                    actor=current_user,
                    today=clock.today(),
                    joiner_days=runtime.settings().joiner_days,
                    ip_address=request.remote_addr,
                )
            flash(f"Published edition {edition.number} for {cycle.name}", "success")
            return redirect(url_for("public.edition", edition_id=edition.id))
    page = render_template(
        "public/publish.html",
        form=form,
        cycles=_cycles(),
        redactable=services.REDACTABLE,
        chosen=chosen,
        reasons=reasons,
        problems=problems,
    )
    return (page, 400) if problems else page
