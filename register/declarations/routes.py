"""Officials' pages: my declarations, interests, review and submit, amend, versions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from register import access, clock, runtime
from register.cases.services import open_questions
from register.declarations import categories as cat
from register.declarations import services
from register.declarations.dates import show_date
from register.declarations.forms import (
    FORMS,
    EndInterestForm,
    RelationshipForm,
    SubmitDeclarationForm,
)
from register.extensions import db
from register.forms import ConfirmForm
from register.models import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Flag,
    Interest,
    ManagementPlan,
)
from register.models.declarations import DRAFT
from register.models.flags import DECLARED, REOPENED
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, OFFICIAL
from register.models.review import PLAN_ACTIVE
from register.screening import screen_declaration
from register.web import guard_blueprint, page_context, page_hook, roles_required

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
# Officials file; the readers of a declaration see its versions (see `version`).
guard_blueprint(bp, OFFICIAL, COMPLIANCE, AUDITOR, ADMIN)


@bp.app_template_global("declared_date")
def declared_date(value: Any, precision: str | None = None) -> str:
    """A declared date as it was given: "27 March 2019", or "June 2021" without the day."""
    return show_date(value, precision)


MODEL_FIELDS = set(services.COPIED_FIELDS) - {"lineage", "category", *services.PRECISION_FIELDS}
DATE_FIELDS = ("start_date", "end_date")


RECENT_DAYS = 30  # how far back "Recently amended declarations" looks


@page_hook("review.dashboard")
def recently_amended(user: Any) -> dict[str, Any]:
    """Amendments of the declarations the reader reviews (a compliance officer: their
    departments), what changed, and how many flags they reopened, for the review dashboard."""
    since = clock.utcnow() - timedelta(days=RECENT_DAYS)
    amendments = services.recent_amendments(db.session, access.declaration_scope(user), since)
    reopened: dict[int, int] = {}
    for item in amendments:
        if item.lineages:
            reopened[item.version.id] = (
                db.session.scalar(
                    select(func.count(Flag.id)).where(
                        access.flag_scope(user),
                        Flag.official_id == item.official.id,
                        Flag.status == REOPENED,
                        Flag.interest_lineage.in_(sorted(item.lineages)),
                    )
                )
                or 0
            )
    return {"recently_amended": {"items": amendments, "reopened": reopened, "days": RECENT_DAYS}}


def _own_declaration(declaration_id: int) -> Declaration:
    """The signed-in official's declaration, or 404 (never reveal that another one exists)."""
    declaration = db.session.get(Declaration, declaration_id)
    if declaration is None or not access.can_edit_declaration(current_user, declaration):
        abort(404)
    return declaration


def _editable(declaration_id: int) -> Declaration:
    declaration = _own_declaration(declaration_id)
    if declaration.state != DRAFT:
        flash("This declaration has been submitted. Start an amendment to change it.", "info")
        abort(redirect(url_for(".show", declaration_id=declaration.id)))
    return declaration


def _readable_declaration(declaration_id: int) -> Declaration:
    """Owner, auditors, administrators and compliance officers of the department may read."""
    declaration = db.session.get(Declaration, declaration_id)
    if declaration is None or not access.can_read_declaration(current_user, declaration):
        abort(404)
    return declaration


@dataclass(frozen=True)
class Notice:
    """Something that needs the official, shown at the top of My declarations."""

    text: str
    href: str
    link_text: str


def _notices(official: Any) -> list[Notice]:
    """What needs the official now: each management plan waiting for their acknowledgement, and
    each question from compliance waiting for their answer."""
    plans = db.session.scalars(
        select(ManagementPlan)
        .where(
            ManagementPlan.official_id == official.id,
            ManagementPlan.status == PLAN_ACTIVE,
            ManagementPlan.acknowledged_at.is_(None),
        )
        .order_by(ManagementPlan.created_at)
    ).all()
    questions = [q for q in open_questions(db.session, official) if q.answered_at is None]
    return [
        Notice(
            f"A management plan for your interest in {plan.flag.organisation_name} is waiting "
            "for you to read and acknowledge it.",
            url_for("review.my_plans"),
            f"Read and acknowledge the plan for {plan.flag.organisation_name}",
        )
        for plan in plans
    ] + [
        Notice(
            f"The compliance team has asked you a question about {q.case.organisation_name}.",
            url_for("cases.my_questions"),
            f"Answer the question about {q.case.organisation_name}",
        )
        for q in questions
    ]


@bp.get("/")
@roles_required(OFFICIAL)
def mine() -> str:
    cycles = db.session.scalars(
        select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc())
    ).all()
    joiner_days = runtime.settings().joiner_days
    rows = []
    for cycle in cycles:
        if not services.owes_declaration(current_user, cycle) or cycle.opens_on > clock.today():
            continue
        declaration = db.session.scalar(
            select(Declaration).where(
                Declaration.official_id == current_user.id, Declaration.cycle_id == cycle.id
            )
        )
        due = services.due_date(current_user, cycle, joiner_days)
        rows.append((cycle, declaration, due, services.status(declaration, due, clock.today())))
    return render_template(
        "declarations/mine.html", rows=rows, form=ConfirmForm(), notices=_notices(current_user)
    )


@bp.post("/cycles/<int:cycle_id>/start")
@roles_required(OFFICIAL)
def start(cycle_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cycle = db.session.get(DeclarationCycle, cycle_id)
    if cycle is None or not services.owes_declaration(current_user, cycle):
        abort(404)
    if cycle.opens_on > clock.today():
        flash(f"The {cycle.name} cycle opens on {cycle.opens_on:%-d %B %Y}.", "info")
        return redirect(url_for(".mine"))
    with runtime.transaction() as session:
        declaration = services.start_declaration(
            session,
            current_user,
            cycle,
            lookback_months=runtime.settings().lookback_months,
            ip_address=request.remote_addr,
        )
    return redirect(url_for(".show", declaration_id=declaration.id))


@bp.get("/<int:declaration_id>")
@roles_required(OFFICIAL, COMPLIANCE, AUDITOR, ADMIN)
def show(declaration_id: int) -> str:
    if current_user.role != OFFICIAL:
        return _show_read_only(_readable_declaration(declaration_id))
    declaration = _own_declaration(declaration_id)
    by_category: dict[str, list[Interest]] = {code: [] for code in cat.CATEGORIES}
    for interest in services.live_interests(declaration):
        by_category[interest.category].append(interest)
    due = services.due_date(current_user, declaration.cycle, runtime.settings().joiner_days)
    return render_template(
        "declarations/show.html",
        declaration=declaration,
        by_category=by_category,
        categories=cat.CATEGORIES,
        status=services.status(declaration, due, clock.today()),
        due=due,
        form=ConfirmForm(),
        lookback_months=runtime.settings().lookback_months,
        today=clock.today(),
        cat=cat,
        gift_totals=services.gift_totals(services.live_interests(declaration)),
        submitted=services.submitted_lineages(db.session, declaration.official_id),
        **page_context("declarations.show", declaration=declaration),
    )


def _show_read_only(declaration: Declaration) -> str:
    """A declaration as its readers see it (access.can_read_declaration): what was last
    submitted and every version, never the official's draft of an amendment."""
    latest = declaration.versions[-1] if declaration.versions else None
    content = json.loads(latest.content) if latest is not None else None
    due = services.due_date(declaration.official, declaration.cycle, runtime.settings().joiner_days)
    return render_template(
        "declarations/read_only.html",
        declaration=declaration,
        latest=latest,
        content=content,
        status=services.status(declaration, due, clock.today()),
        due=due,
        cat=cat,
        gift_totals=services.gift_totals(content.get("interests", [])) if content else [],
        record_link=access.can_read_official_record(current_user, declaration.official),
    )


def _typed(form: Any) -> tuple[dict[str, Any], list[services.OrganisationEntry] | None]:
    """The interest's fields, and a relationship's other organisations, as the form holds them."""
    fields = {name: form._fields[name].data for name in MODEL_FIELDS if name in form._fields}
    for name in DATE_FIELDS:
        fields[f"{name}_precision"] = form._fields[name].precision
    if not isinstance(form, RelationshipForm):
        return fields, None
    related = [
        services.OrganisationEntry(
            name=entry.form.name.data.strip(),
            organisation_identifier=entry.form.organisation_identifier.data or None,
            role=entry.form.role.data or None,
            identifier_scheme=entry.form.identifier_scheme.data or None,
        )
        for entry in form.other_organisations.entries
        if (entry.form.name.data or "").strip()
    ]
    return fields, related


def _fill(form: Any, interest: Interest) -> None:
    for name in MODEL_FIELDS - set(DATE_FIELDS):
        if name in form._fields:
            field = form._fields[name]
            value = getattr(interest, name)
            field.data = "" if value is None and name == "identifier_scheme" else value
    for name in DATE_FIELDS:
        form._fields[name].set(getattr(interest, name), getattr(interest, f"{name}_precision"))
    if isinstance(form, RelationshipForm):
        for entry, org in zip(
            form.other_organisations.entries, interest.related_organisations, strict=False
        ):
            entry.form.name.data = org.name
            entry.form.organisation_identifier.data = org.organisation_identifier
            entry.form.identifier_scheme.data = org.identifier_scheme or ""
            entry.form.role.data = org.role


@bp.route("/<int:declaration_id>/interests/new/<category>", methods=["GET", "POST"])
@roles_required(OFFICIAL)
def add_interest(declaration_id: int, category: str) -> str | Response:
    declaration = _editable(declaration_id)
    if category not in FORMS:
        abort(404)
    form = FORMS[category]()
    if form.validate_on_submit():
        with runtime.transaction() as session:
            interest = services.add_interest(
                session,
                declaration,
                category,
                *_typed(form),
                current_user,
                ip_address=request.remote_addr,
            )
        flash(f"Saved: {interest.organisation_name}", "success")
        return redirect(url_for(".show", declaration_id=declaration.id))
    return render_template(
        "declarations/interest_form.html",
        form=form,
        declaration=declaration,
        category=cat.CATEGORIES[category],
        cat=cat,
        interest=None,
    )


def _interest(declaration: Declaration, interest_id: int) -> Interest:
    interest = db.session.get(Interest, interest_id)
    if interest is None or interest.declaration_id != declaration.id or interest.removed:
        abort(404)
    return interest


@bp.route("/<int:declaration_id>/interests/<int:interest_id>/edit", methods=["GET", "POST"])
@roles_required(OFFICIAL)
def edit_interest(declaration_id: int, interest_id: int) -> str | Response:
    declaration = _editable(declaration_id)
    interest = _interest(declaration, interest_id)
    form = FORMS[interest.category]()
    if request.method == "GET":
        _fill(form, interest)
    if form.validate_on_submit():
        with runtime.transaction() as session:
            services.edit_interest(
                session, interest, *_typed(form), current_user, ip_address=request.remote_addr
            )
        flash(f"Saved: {interest.organisation_name}", "success")
        return redirect(url_for(".show", declaration_id=declaration.id))
    return render_template(
        "declarations/interest_form.html",
        form=form,
        declaration=declaration,
        category=cat.CATEGORIES[interest.category],
        cat=cat,
        interest=interest,
    )


@bp.route("/<int:declaration_id>/interests/<int:interest_id>/end", methods=["GET", "POST"])
@roles_required(OFFICIAL)
def end_interest(declaration_id: int, interest_id: int) -> str | Response:
    declaration = _editable(declaration_id)
    interest = _interest(declaration, interest_id)
    form = EndInterestForm()
    if form.validate_on_submit():
        try:
            with runtime.transaction() as session:
                services.end_interest(
                    session,
                    interest,
                    form.end_date.data,
                    current_user,
                    precision=form.end_date.precision,
                    ip_address=request.remote_addr,
                )
        except services.DeclarationError as exc:
            form.end_date.errors.append(str(exc))
        else:
            flash(
                f"{interest.organisation_name} is now a former interest. It stays on your "
                "declaration and is still screened for the look-back period.",
                "success",
            )
            return redirect(url_for(".show", declaration_id=declaration.id))
    flagged = db.session.scalar(
        select(func.count(Flag.id)).where(
            Flag.kind == DECLARED,
            Flag.interest_lineage == interest.lineage,
            or_(Flag.active.is_(True), Flag.decisions.any()),
        )
    )
    return render_template(
        "declarations/end.html",
        form=form,
        declaration=declaration,
        interest=interest,
        flagged=flagged,
    )


@bp.route("/<int:declaration_id>/interests/<int:interest_id>/remove", methods=["GET", "POST"])
@roles_required(OFFICIAL)
def remove_interest(declaration_id: int, interest_id: int) -> str | Response:
    """Remove an interest added in this draft, after the official confirms; one that was in a
    submitted version can only be ended."""
    declaration = _editable(declaration_id)
    interest = _interest(declaration, interest_id)
    back = redirect(url_for(".show", declaration_id=declaration.id))
    if not services.can_remove(db.session, interest):
        flash(
            f"{interest.organisation_name} was in a submitted declaration, so it cannot be "
            "removed. If it has ended, end it with the date it ended.",
            "warning",
        )
        return back
    form = ConfirmForm()
    if request.method == "GET":
        return render_template(
            "declarations/remove.html", declaration=declaration, interest=interest, form=form
        )
    if not form.validate_on_submit():
        abort(400)
    name = interest.organisation_name
    with runtime.transaction() as session:
        services.remove_interest(session, interest, current_user, ip_address=request.remote_addr)
    flash(f"Removed: {name}", "success")
    return back


@bp.route("/<int:declaration_id>/review", methods=["GET", "POST"])
@roles_required(OFFICIAL)
def review(declaration_id: int) -> str | Response:
    declaration = _editable(declaration_id)
    form = SubmitDeclarationForm()
    error = None
    if form.validate_on_submit():
        try:
            with runtime.transaction() as session:
                version = services.submit(
                    session,
                    declaration,
                    current_user,
                    nil_return=form.nil_return.data,
                    amendment_reason=form.amendment_reason.data,
                    ip_address=request.remote_addr,
                )
                screening = screen_declaration(session, declaration, runtime.settings())
        except services.DeclarationError as exc:
            error = str(exc)
        else:
            flags = screening.new + screening.reopened
            message = f"Declaration submitted: version {version.number}."
            if flags:
                message += (
                    f" {flags} possible conflicts were found and sent to compliance; "
                    "you can see them on your declaration."
                )
            flash(message, "success")
            return redirect(url_for(".show", declaration_id=declaration.id))
    interests = services.live_interests(declaration)
    return render_template(
        "declarations/review.html",
        declaration=declaration,
        interests=interests,
        form=form,
        error=error,
        attestation=services.ATTESTATION,
        cat=cat,
        gift_totals=services.gift_totals(interests),
    )


@bp.post("/<int:declaration_id>/amend")
@roles_required(OFFICIAL)
def amend(declaration_id: int) -> Response:
    declaration = _own_declaration(declaration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with runtime.transaction() as session:
        services.reopen_for_amendment(
            session, declaration, current_user, ip_address=request.remote_addr
        )
    flash(
        "You are amending your declaration. Make your changes, then review and submit them "
        "with a reason.",
        "info",
    )
    return redirect(url_for(".show", declaration_id=declaration.id))


def _version(declaration: Declaration, number: int) -> DeclarationVersion:
    version = db.session.scalar(
        select(DeclarationVersion).where(
            DeclarationVersion.declaration_id == declaration.id,
            DeclarationVersion.number == number,
        )
    )
    if version is None:
        abort(404)
    return version


@bp.get("/<int:declaration_id>/versions/<int:number>")
@roles_required(OFFICIAL, COMPLIANCE, AUDITOR, ADMIN)
def version(declaration_id: int, number: int) -> str:
    declaration = _readable_declaration(declaration_id)
    version = _version(declaration, number)
    content = json.loads(version.content)
    changes = None
    if number > 1:
        previous = _version(declaration, number - 1)
        changes = services.version_changes(json.loads(previous.content), content)
    return render_template(
        "declarations/version.html",
        declaration=declaration,
        version=version,
        content=content,
        changes=changes,
        cat=cat,
        gift_totals=services.gift_totals(content.get("interests", [])),
    )
