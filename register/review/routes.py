"""Compliance review pages: queue, flag, decisions, bulk dismissal, plans, dashboard; officials'
own flags and plans."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from register import access, clock, runtime
from register.completeness.routes import cycle_choice
from register.declarations import categories as cat
from register.downloads import content_disposition
from register.exports import services as export_services
from register.extensions import db
from register.models import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    Flag,
    ManagementPlan,
)
from register.models.flags import ALL_OUTCOMES, ESCALATED, MANAGED, RISK_LEVELS, outcomes_for
from register.models.people import AUDITOR, COMPLIANCE, OFFICIAL
from register.review import search as interest_search
from register.review import services
from register.review.forms import (
    AcknowledgeForm,
    BulkDismissForm,
    DecisionForm,
    DeclarationSearchForm,
    PlanForm,
    errors_in_page_order,
)
from register.web import (
    decimal_arg,
    guard_blueprint,
    nav_item,
    page_context,
    page_hook,
    roles_required,
)

bp = Blueprint("review", __name__, url_prefix="/review")
guard_blueprint(bp, COMPLIANCE, AUDITOR, OFFICIAL)
nav_item((COMPLIANCE, AUDITOR), "review.queue", "Flags")
nav_item((COMPLIANCE, AUDITOR), "review.dashboard", "Dashboard")
nav_item((COMPLIANCE, AUDITOR), "review.due", "Plans due")
nav_item((COMPLIANCE, AUDITOR), "review.search", "Search declarations")
nav_item((OFFICIAL,), "review.my_plans", "My plans")

STATUSES = [
    ("open", "Open"),
    ("reopened", "Reopened"),
    ("escalated", "Escalated"),
    ("decided", "Decided"),
]


def _arg_date(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _filters() -> services.QueueFilters:
    status = request.args.get("status") or None
    risk = request.args.get("risk") or None
    return services.QueueFilters(
        department_id=request.args.get("department", type=int),
        status=status if status in dict(STATUSES) else None,
        risk_level=risk if risk in dict(RISK_LEVELS) else None,
        min_score=request.args.get("min_score", type=float),
        min_value=decimal_arg("min_value"),
        awarded_from=_arg_date("from"),
        awarded_to=_arg_date("to"),
        escalated_to_me=request.args.get("to") == "me",
    )


def _queue_tabs(filters: services.QueueFilters) -> list[dict[str, Any]]:
    """The queue's views: everything waiting for a decision, what is escalated, and what is
    escalated to the reader (each with its count)."""
    views: list[tuple[str, dict[str, Any], services.QueueFilters]] = [
        ("Waiting for a decision", {}, services.QueueFilters()),
        ("Escalated", {"status": "escalated"}, services.QueueFilters(status="escalated")),
        (
            "Escalated to you",
            {"status": "escalated", "to": "me"},
            services.QueueFilters(status="escalated", escalated_to_me=True),
        ),
    ]
    tabs = []
    for text, args, view in views:
        current = (filters.status, filters.escalated_to_me) == (view.status, view.escalated_to_me)
        tabs.append(
            {
                "text": text,
                "href": url_for(".queue", **args),
                "count": services.queue_count(db.session, current_user, view),
                "current": current,
            }
        )
    return tabs


@bp.get("/")
@roles_required(COMPLIANCE, AUDITOR)
def queue() -> str:
    filters = _filters()
    page = services.queue_page(db.session, current_user, filters, request.args.get("after"))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "review/queue.html",
        page=page,
        filters=filters,
        args=args,
        departments=services.review_departments(db.session, current_user),
        risk_levels=RISK_LEVELS,
        statuses=STATUSES,
        dismiss_form=BulkDismissForm(),
        can_decide=current_user.role == COMPLIANCE,
        tabs=_queue_tabs(filters),
    )


@bp.post("/dismiss")
@roles_required(COMPLIANCE)
def bulk_dismiss() -> Response:
    form = BulkDismissForm()
    flag_ids = request.form.getlist("flag_id", type=int)
    if not form.validate_on_submit():
        flash("Give the reason for dismissing the flags; nothing was saved.", "error")
        return redirect(url_for(".queue"))
    try:
        with runtime.transaction() as session:
            decisions = services.bulk_dismiss(
                session, flag_ids, current_user, form.reason.data, ip_address=request.remote_addr
            )
    except services.ReviewError as exc:
        flash(f"{exc}; nothing was saved.", "error")
        return redirect(url_for(".queue"))
    flash(f"Dismissed {len(decisions)} flags as not the same organisation or person.", "success")
    return redirect(url_for(".queue"))


def _flag(flag_id: int) -> Flag:
    """A flag the signed-in user may read, or 404 (never reveal that another one exists)."""
    flag = db.session.get(Flag, flag_id)
    if flag is None or not access.can_read_flag(current_user, flag):
        abort(404)
    return flag


def _decision_form(flag: Flag, form: DecisionForm | None = None) -> DecisionForm:
    form = form or DecisionForm()
    form.outcome.choices = list(outcomes_for(flag.kind).items())
    form.owner_id.choices = [(0, "Choose an owner")] + [
        (u.id, u.full_name) for u in services.owner_choices(db.session)
    ]
    form.escalate_to_id.choices = [(0, "Choose a person")] + services.escalation_choices(
        db.session, current_user
    )
    return form


@bp.get("/flags/<int:flag_id>")
@roles_required(COMPLIANCE, AUDITOR, OFFICIAL)
def flag(flag_id: int) -> str:
    return _render_flag(_flag(flag_id))


def _render_flag(flag: Flag, form: DecisionForm | None = None, status: int = 200) -> Any:
    can_decide = access.can_decide_flag(current_user, flag)
    form = _decision_form(flag, form) if can_decide else None
    return render_template(
        "review/flag.html",
        view=services.flag_view(db.session, flag, current_user),
        form=form,
        errors=errors_in_page_order(form, form.PAGE_ORDER) if form and form.errors else None,
        can_decide=can_decide,
        escalated_to_reader=access.is_escalated_to(current_user, flag),
        managed=MANAGED,
        escalated=ESCALATED,
        **page_context("review.flag", flag=flag),
    ), status


@bp.post("/flags/<int:flag_id>/decide")
@roles_required(COMPLIANCE)
def decide(flag_id: int) -> Any:
    flag = _flag(flag_id)
    if not access.can_decide_flag(current_user, flag):
        abort(403)
    form = _decision_form(flag)
    if not form.validate_on_submit():
        return _render_flag(flag, form, 400)
    plan = None
    if form.outcome.data == MANAGED:
        plan = services.PlanFields(
            constraints=form.constraints.data,
            details=form.details.data or "",
            owner_id=form.owner_id.data,
            review_on=form.review_on.data,
            divest_by=form.divest_by.data,
        )
    try:
        with runtime.transaction() as session:
            services.decide(
                session,
                flag.id,
                current_user,
                form.outcome.data,
                form.reason.data,
                plan=plan,
                escalate_to_id=form.escalate_to_id.data if form.outcome.data == ESCALATED else None,
                ip_address=request.remote_addr,
            )
    except services.ReviewError as exc:
        form.reason.errors.append(str(exc))
        return _render_flag(_flag(flag_id), form, 400)
    db.session.expire_all()
    decided = db.session.get(Flag, flag_id)
    escalated_to = decided.escalated_to if decided is not None else None
    flash(
        f"Decision recorded: {ALL_OUTCOMES[form.outcome.data]}"
        + (f" to {escalated_to.full_name}" if escalated_to is not None else "")
        + ".",
        "success",
    )
    if decided is None or not access.can_read_flag(current_user, decided):
        # A flag escalated to this officer from another department leaves their scope with
        # its final decision.
        return redirect(url_for(".queue"))
    return redirect(url_for(".flag", flag_id=flag_id))


def _plan(plan_id: int) -> ManagementPlan:
    plan = db.session.get(ManagementPlan, plan_id)
    if plan is None or not access.can_decide_flag(current_user, plan.flag):
        abort(404)
    return plan


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@roles_required(COMPLIANCE)
def edit_plan(plan_id: int) -> Any:
    plan = _plan(plan_id)
    form = PlanForm(plan=plan)
    form.owner_id.choices = [(u.id, u.full_name) for u in services.owner_choices(db.session)]
    if request.method == "GET":
        form.constraints.data = plan.constraint_keys
        form.details.data = plan.details
        form.divest_by.data = plan.divest_by
        form.owner_id.data = plan.owner_id
        form.review_on.data = plan.review_on
        form.status.data = plan.status
    elif form.validate_on_submit():
        fields = services.PlanFields(
            constraints=form.constraints.data,
            details=form.details.data or "",
            owner_id=form.owner_id.data,
            review_on=form.review_on.data or plan.review_on,
            divest_by=form.divest_by.data,
            status=form.status.data,
        )
        try:
            with runtime.transaction() as session:
                changed = services.update_plan(
                    session, plan, current_user, fields, ip_address=request.remote_addr
                )
        except services.ReviewError as exc:
            form.constraints.errors.append(str(exc))
        else:
            flash(
                "Plan saved." if changed else "No changes to save.",
                "success" if changed else "info",
            )
            return redirect(url_for(".flag", flag_id=plan.flag_id))
    return render_template("review/plan_form.html", plan=plan, form=form)


@bp.get("/plans/due")
@roles_required(COMPLIANCE, AUDITOR)
def due() -> str:
    plans = services.plans_due(db.session, current_user, clock.today())
    return render_template("review/due.html", plans=plans, today=clock.today())


@bp.get("/dashboard")
@roles_required(COMPLIANCE, AUDITOR)
def dashboard() -> str:
    choice = cycle_choice()
    data = services.dashboard(db.session, current_user, clock.today(), choice.cycle)
    return render_template(
        "review/dashboard.html",
        data=data,
        cycle_reason=choice.reason,
        outcomes=ALL_OUTCOMES,
        **page_context("review.dashboard", user=current_user),
    )


@bp.get("/my-plans")
@roles_required(OFFICIAL)
def my_plans() -> str:
    plans = db.session.scalars(
        select(ManagementPlan)
        .where(ManagementPlan.official_id == current_user.id)
        .order_by(ManagementPlan.created_at.desc())
    ).all()
    return render_template("review/my_plans.html", plans=plans, form=AcknowledgeForm())


@bp.post("/my-plans/<int:plan_id>/acknowledge")
@roles_required(OFFICIAL)
def acknowledge(plan_id: int) -> Response:
    plan = db.session.get(ManagementPlan, plan_id)
    if plan is None or plan.official_id != current_user.id:
        abort(404)
    if not AcknowledgeForm().validate_on_submit():
        abort(400)
    with runtime.transaction() as session:
        services.acknowledge_plan(session, plan, current_user, ip_address=request.remote_addr)
    flash("Thank you: your acknowledgement of the plan is recorded.", "success")
    back = request.form.get("next", "")
    safe = back.startswith("/declarations/") and "//" not in back
    return redirect(back if safe else url_for(".my_plans"))


@page_hook("declarations.show")
def official_review(declaration: Declaration) -> dict[str, Any]:
    """Flags and plans about an official's own interests, for their declaration page. Flags are
    grouped by the cycle whose declaration raised them, this page's cycle first, and each row
    names the award (title, value, date) so that flags about one organisation can be told
    apart."""
    official = declaration.official
    rows = db.session.execute(
        select(Flag, DeclarationCycle)
        .outerjoin(DeclarationVersion, Flag.declaration_version_id == DeclarationVersion.id)
        .outerjoin(Declaration, DeclarationVersion.declaration_id == Declaration.id)
        .outerjoin(DeclarationCycle, Declaration.cycle_id == DeclarationCycle.id)
        .where(access.flag_scope(official), or_(Flag.active.is_(True), Flag.decisions.any()))
        .options(
            selectinload(Flag.award), selectinload(Flag.decisions), selectinload(Flag.interest)
        )
        .order_by(Flag.score.desc(), Flag.id)
    ).all()
    groups: dict[int | None, dict[str, Any]] = {}
    for flag, cycle in rows:
        key = cycle.id if cycle is not None else None
        group = groups.setdefault(key, {"cycle": cycle, "flags": []})
        group["flags"].append(flag)
    ordered = sorted(
        groups.values(),
        key=lambda g: (
            g["cycle"] is None or g["cycle"].id != declaration.cycle_id,
            -(g["cycle"].opens_on.toordinal() if g["cycle"] is not None else 0),
        ),
    )
    plans = db.session.scalars(
        select(ManagementPlan).where(ManagementPlan.official_id == official.id)
    ).all()
    return {
        "official_review": {
            "flags": [flag for flag, _ in rows],
            "by_cycle": ordered,
            # Which declared interest each flag is about ("Shareholding or financial interest").
            "kinds": {
                flag.id: cat.CATEGORIES[flag.interest.category].label
                for flag, _ in rows
                if flag.interest is not None and flag.interest.category in cat.CATEGORIES
            },
            "this_cycle": declaration.cycle,
            "plans": plans,
            "ack_form": AcknowledgeForm(),
        }
    }


SEARCH_LIMIT = 500  # results shown; the caption gives the full count; the export has them all


def _search_form() -> DeclarationSearchForm:
    form = DeclarationSearchForm(formdata=request.args if request.args else None)
    form.category.choices = [("", "Any category")] + [
        (code, c.label) for code, c in cat.CATEGORIES.items()
    ]
    form.department.choices = [("", "Any department")] + [
        (str(d.id), d.name) for d in services.review_departments(db.session, current_user)
    ]
    return form


def _search_filters(form: DeclarationSearchForm) -> interest_search.SearchFilters:
    department = form.department.data
    return interest_search.SearchFilters(
        category=form.category.data or None,
        department_id=int(department) if department else None,
    )


def _search_args(form: DeclarationSearchForm) -> dict[str, Any]:
    """The search's query string, for the export link (the date as its three boxes)."""
    args: dict[str, Any] = {"q": form.q.data.strip()}
    if form.as_at.data:
        day = form.as_at.data
        args["as_at"] = [day.day, day.month, day.year]
    if form.category.data:
        args["category"] = form.category.data
    if form.department.data:
        args["department"] = form.department.data
    return args


@bp.get("/search")
@roles_required(COMPLIANCE, AUDITOR)
def search() -> str:
    """Who has declared an interest in an organisation, now or on a date, and what an official
    declared (audit-logged)."""
    form = _search_form()
    found = None
    if request.args and form.validate():
        with runtime.transaction() as session:
            found = interest_search.search_declarations_audited(
                session,
                current_user,
                form.q.data.strip(),
                as_at=form.as_at.data,
                filters=_search_filters(form),
                ip_address=request.remote_addr,
            )
    hits = found.hits if found is not None else None
    return render_template(
        "review/search.html",
        form=form,
        hits=hits[:SEARCH_LIMIT] if hits else hits,
        total=len(hits or ()),
        officials=found.official_count if found is not None else 0,
        named=found.officials if found is not None else [],
        more_named=found is not None and found.more_officials,
        export_args=_search_args(form) if hits else None,
        limit=SEARCH_LIMIT,
        cat=cat,
        whose=interest_search.WHOSE,
    )


@bp.get("/search/export")
@roles_required(COMPLIANCE, AUDITOR)
def search_export() -> Response:
    """Every result of a search as CSV (audit-logged); without a valid search, the search page."""
    form = _search_form()
    if not request.args or not form.validate():
        args: dict[str, Any] = request.args.to_dict(flat=False)
        return redirect(url_for(".search", **args))
    query = form.q.data.strip()
    with runtime.transaction() as session:
        found = interest_search.search_export_audited(
            session,
            current_user,
            query,
            as_at=form.as_at.data,
            filters=_search_filters(form),
            ip_address=request.remote_addr,
        )
        labels = {code: c.label for code, c in cat.CATEGORIES.items()}
        table = export_services.Table(
            "search",
            interest_search.EXPORT_HEADER,
            interest_search.export_rows(session, found.hits, labels),
        )
        body = "".join(export_services.csv_chunks(table))
    filename = f"declaration-search-{clock.today():%Y-%m-%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": content_disposition(filename)},
    )
