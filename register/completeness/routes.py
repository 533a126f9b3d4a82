"""Completeness dashboard, drill-down to people, and reminders to those who have not filed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from register import access, clock, runtime
from register.completeness import cycles, reminders
from register.completeness.services import FILTERS, STATUS_LABELS, Completeness, compute, people
from register.extensions import db
from register.forms import ConfirmForm
from register.models import DeclarationCycle, Department
from register.models.people import ADMIN, AUDITOR, COMPLIANCE
from register.web import guard_blueprint, nav_item, page_context, page_hook, roles_required

bp = Blueprint("completeness", __name__, url_prefix="/completeness")
guard_blueprint(bp, COMPLIANCE, AUDITOR, ADMIN)
nav_item((COMPLIANCE, AUDITOR, ADMIN), "completeness.dashboard", "Completeness")

PAGE_SIZE = 100
CHART_WIDTH = 400
BAR_HEIGHT = 24
BAR_GAP = 12
LABEL_WIDTH = 120
# Colours from the GOV.UK palette, in the order the segments are drawn.
SEGMENTS = (
    ("on_time", "#00703c"),
    ("late", "#f47738"),
    ("overdue", "#d4351c"),
    ("not_yet_due", "#b1b4b6"),
)


def cycle_or_404(cycle_id: int) -> DeclarationCycle:
    cycle = db.session.get(DeclarationCycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def reader_cycle_choice(requested_id: int | None = None) -> cycles.CycleChoice:
    """The cycle this reader sees: `requested_id`, remembered, or the default, and why; every
    page that picks a cycle (completeness, review dashboard, exports) asks here."""
    return cycles.choose_for_reader(
        db.session,
        flask_session,
        today=clock.today(),
        department_ids=access.visible_department_ids(current_user),
        requested_id=requested_id,
    )


def cycle_choice() -> cycles.CycleChoice:
    """The reader's cycle, as asked for with ?cycle= (404 if there is no such cycle)."""
    requested = request.args.get("cycle", type=int)
    if requested and db.session.get(DeclarationCycle, requested) is None:
        abort(404)
    return reader_cycle_choice(requested)


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    colour: str
    label: str
    count: int


@dataclass(frozen=True)
class Bar:
    y: int
    code: str
    name: str
    percent: float
    segments: list[Segment]


def chart_bars(result: Completeness) -> list[Bar]:
    """Stacked horizontal bars: each department's officials split by status, as SVG geometry."""
    bars = []
    for index, row in enumerate(result.departments):
        counts = row.counts
        values = {
            "on_time": counts.on_time,
            "late": counts.late,
            "overdue": counts.overdue,
            "not_yet_due": counts.not_yet_due,
        }
        x = 0.0
        segments = []
        for key, colour in SEGMENTS:
            width = CHART_WIDTH * values[key] / counts.in_scope if counts.in_scope else 0.0
            if width:
                segments.append(
                    Segment(round(x, 2), round(width, 2), colour, STATUS_LABELS[key], values[key])
                )
            x += width
        bars.append(
            Bar(
                index * (BAR_HEIGHT + BAR_GAP),
                row.code,
                row.name,
                round(counts.percent_filed, 1),
                segments,
            )
        )
    return bars


@bp.get("/")
@roles_required(COMPLIANCE, AUDITOR, ADMIN)
def dashboard() -> str:
    all_cycles = db.session.scalars(
        select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc())
    ).all()
    choice = cycle_choice()
    cycle = choice.cycle
    context: dict[str, Any] = {"cycles": all_cycles, "cycle": cycle, "choice": choice}
    if cycle is not None:
        visible = access.visible_department_ids(current_user)
        context["unreviewed"] = cycles.unreviewed_departments(
            db.session,
            [d.id for d in cycle.departments if visible is None or d.id in visible],
        )
        result = compute(
            db.session,
            cycle,
            today=clock.today(),
            joiner_days=runtime.settings().joiner_days,
            department_ids=visible,
        )
        bars = chart_bars(result)
        context.update(
            result=result,
            bars=bars,
            segments=SEGMENTS,
            labels=STATUS_LABELS,
            chart_width=CHART_WIDTH,
            label_width=LABEL_WIDTH,
            bar_height=BAR_HEIGHT,
            chart_height=max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP),
            reminders=reminders.recent(db.session, cycle, visible),
            can_remind=current_user.role in (COMPLIANCE, ADMIN),
            form=ConfirmForm(),
        )
    context.update(page_context("completeness.dashboard", user=current_user))
    return render_template("completeness/dashboard.html", **context)


@bp.get("/cycles/<int:cycle_id>/departments/<int:department_id>")
@roles_required(COMPLIANCE, AUDITOR, ADMIN)
def department(cycle_id: int, department_id: int) -> str:
    cycle = cycle_or_404(cycle_id)
    dept = _department_in_cycle(cycle, department_id)
    wanted = request.args.get("status", "in_scope")
    if wanted not in FILTERS:
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    found = list(
        people(
            db.session,
            cycle,
            today=clock.today(),
            joiner_days=runtime.settings().joiner_days,
            department_ids=[dept.id],
            status=wanted,
        )
    )
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    last = reminders.last_reminders(db.session, cycle, [p.official_id for p in shown])
    return render_template(
        "completeness/department.html",
        cycle=cycle,
        department=dept,
        wanted=wanted,
        filters=FILTERS,
        people=shown,
        last_reminded=last,
        today=clock.today(),
        total=len(found),
        page=page,
        page_size=PAGE_SIZE,
        can_remind=current_user.role in (COMPLIANCE, ADMIN),
        # Each person links to their whole record for those who may read it (not administrators).
        record_links=access.reads_official_records(current_user),
        form=ConfirmForm(),
        reminders=reminders.recent(db.session, cycle, {dept.id}),
    )


def _department_in_cycle(cycle: DeclarationCycle, department_id: int) -> Department:
    """A department of `cycle` the reader may see, or 404."""
    visible = access.visible_department_ids(current_user)
    dept = db.session.get(Department, department_id)
    if (
        dept is None
        or dept not in cycle.departments
        or (visible is not None and dept.id not in visible)
    ):
        abort(404)
    return dept


@bp.get("/cycles/<int:cycle_id>/departments/<int:department_id>/remind-overdue")
@roles_required(COMPLIANCE, ADMIN)
def confirm_remind_overdue(cycle_id: int, department_id: int) -> str:
    """Ask before reminding everyone overdue in a department, saying how many."""
    cycle = cycle_or_404(cycle_id)
    dept = _department_in_cycle(cycle, department_id)
    due, skipped = reminders.overdue_to_remind(
        db.session,
        cycle,
        dept.id,
        today=clock.today(),
        joiner_days=runtime.settings().joiner_days,
    )
    return render_template(
        "completeness/confirm_remind.html",
        cycle=cycle,
        department=dept,
        due=due,
        skipped=skipped,
        form=ConfirmForm(),
    )


@bp.post("/cycles/<int:cycle_id>/reminders")
@roles_required(COMPLIANCE, ADMIN)
def remind(cycle_id: int) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    cycle = cycle_or_404(cycle_id)
    visible = access.visible_department_ids(current_user)
    settings = {
        "today": clock.today(),
        "joiner_days": runtime.settings().joiner_days,
        "actor": current_user,
        "ip_address": request.remote_addr,
    }
    official_id = request.form.get("official_id", type=int)
    department_id = request.form.get("department_id", type=int)
    status = request.form.get("status", "overdue")
    if official_id:
        found = list(
            people(
                db.session,
                cycle,
                today=settings["today"],
                joiner_days=settings["joiner_days"],
                department_ids=visible,
                official_ids=[official_id],
            )
        )
        if not found or found[0].filed:
            abort(404, "That person does not owe a declaration you can remind them about")
        department_id = found[0].department_id
        try:
            with runtime.transaction() as session:
                reminder = reminders.remind_official(
                    session, cycle, official_id, department_ids=visible, **settings
                )
        except reminders.ReminderError as exc:
            flash(str(exc), "warning")
        else:
            flash(
                f"Reminder queued for {reminder.email_to}. It is sent when the outbox next "
                "runs; the table below says when it has gone.",
                "success",
            )
    elif department_id:
        _department_in_cycle(cycle, department_id)
        if request.form.get("confirmed") != "yes":  # only from the confirmation page
            return redirect(
                url_for(".confirm_remind_overdue", cycle_id=cycle.id, department_id=department_id)
            )
        try:
            with runtime.transaction() as session:
                sent = reminders.remind_overdue(session, cycle, department_id, **settings)
        except reminders.ReminderError as exc:
            flash(str(exc), "warning")
        else:
            if sent:
                flash(
                    f"{len(sent)} {'reminder' if len(sent) == 1 else 'reminders'} queued for "
                    "overdue officials. They are sent when the outbox next runs.",
                    "success",
                )
            else:
                flash(
                    "No reminders were queued: nobody in this department is overdue who has "
                    "not been reminded today.",
                    "warning",
                )
    else:
        abort(400, "Choose an official, or a department to remind everyone overdue")
    return redirect(
        url_for(".department", cycle_id=cycle.id, department_id=department_id, status=status)
    )


@page_hook("review.dashboard")
def unreviewed_on_dashboard(user: Any) -> dict[str, Any]:
    """The compliance dashboard warns of every department nobody reviews (their officials'
    declarations and flags reach no compliance officer)."""
    return {"unreviewed": cycles.unreviewed_departments(db.session)}
