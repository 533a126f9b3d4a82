"""Completeness dashboard, drill-down to people, and reminders to those who have not filed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from register import access, clock, runtime
from register.completeness import reminders
from register.completeness.services import FILTERS, STATUS_LABELS, Completeness, compute, people
from register.extensions import db
from register.forms import ConfirmForm
from register.models import DeclarationCycle, Department
from register.models.people import ADMIN, AUDITOR, COMPLIANCE
from register.web import guard_blueprint, nav_item, roles_required

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


def default_cycle() -> DeclarationCycle | None:
    """The most recent cycle that has opened, else the earliest one still to open."""
    opened = db.session.scalar(
        select(DeclarationCycle)
        .where(DeclarationCycle.opens_on <= clock.today())
        .order_by(DeclarationCycle.opens_on.desc())
        .limit(1)
    )
    return opened or db.session.scalar(
        select(DeclarationCycle).order_by(DeclarationCycle.opens_on).limit(1)
    )


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
    cycles = db.session.scalars(
        select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc())
    ).all()
    cycle_id = request.args.get("cycle", type=int)
    cycle = cycle_or_404(cycle_id) if cycle_id else default_cycle()
    context: dict[str, Any] = {"cycles": cycles, "cycle": cycle}
    if cycle is not None:
        visible = access.visible_department_ids(current_user)
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
    return render_template("completeness/dashboard.html", **context)


@bp.get("/cycles/<int:cycle_id>/departments/<int:department_id>")
@roles_required(COMPLIANCE, AUDITOR, ADMIN)
def department(cycle_id: int, department_id: int) -> str:
    cycle = cycle_or_404(cycle_id)
    visible = access.visible_department_ids(current_user)
    dept = db.session.get(Department, department_id)
    if (
        dept is None
        or dept not in cycle.departments
        or (visible is not None and dept.id not in visible)
    ):
        abort(404)
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
    return render_template(
        "completeness/department.html",
        cycle=cycle,
        department=dept,
        wanted=wanted,
        filters=FILTERS,
        people=shown,
        total=len(found),
        page=page,
        page_size=PAGE_SIZE,
        can_remind=current_user.role in (COMPLIANCE, ADMIN),
        form=ConfirmForm(),
        reminders=reminders.recent(db.session, cycle, {dept.id}),
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
    if official_id:
        try:
            with runtime.transaction() as session:
                reminder = reminders.remind_official(
                    session, cycle, official_id, department_ids=visible, **settings
                )
        except reminders.ReminderError as exc:
            abort(404, str(exc))
        flash(f"Reminder sent to {reminder.email_to}", "success")
        department_id = reminder.department_id
    elif department_id:
        if (visible is not None and department_id not in visible) or department_id not in {
            d.id for d in cycle.departments
        }:
            abort(404)  # not one of this officer's departments, or not in the cycle
        with runtime.transaction() as session:
            sent = reminders.remind_overdue(session, cycle, department_id, **settings)
        flash(
            f"Reminders sent to {len(sent)} overdue officials"
            if sent
            else "Nobody in this department is overdue: no reminders sent",
            "success" if sent else "info",
        )
    else:
        abort(400, "Choose an official, or a department to remind everyone overdue")
    return redirect(
        url_for(
            ".department",
            cycle_id=cycle.id,
            department_id=department_id,
            status=request.form.get("status", "overdue"),
        )
    )
