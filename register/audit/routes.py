"""The audit log page for auditors and administrators: filters, pages, chain verification."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import ColumnElement, func, select

from register import clock
from register.audit.log import verify
from register.extensions import db
from register.models import AuditEntry
from register.models.people import ADMIN, AUDITOR
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("audit", __name__, url_prefix="/audit")
guard_blueprint(bp, AUDITOR, ADMIN)
nav_item((AUDITOR, ADMIN), "audit.log", "Audit log")

PAGE_SIZE = 50


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _conditions() -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    action = (request.args.get("action") or "").strip()
    actor = (request.args.get("actor") or "").strip().lower()
    object_type = (request.args.get("object_type") or "").strip()
    if action:
        conditions.append(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        conditions.append(func.lower(AuditEntry.actor_label).contains(actor, autoescape=True))
    if object_type:
        conditions.append(AuditEntry.object_type == object_type)
    start, end = _day("from"), _day("to")
    if start:  # dates are UK days
        conditions.append(AuditEntry.occurred_at >= clock.local_midnight(start))
    if end:
        conditions.append(AuditEntry.occurred_at < clock.local_midnight(end + timedelta(days=1)))
    return conditions


@bp.get("/")
@roles_required(AUDITOR, ADMIN)
def log() -> str:
    """Newest first, paged by sequence number (keyset on the unique `seq`)."""
    conditions = _conditions()
    before = request.args.get("before", type=int)
    statement = select(AuditEntry).where(*conditions)
    if before:
        statement = statement.where(AuditEntry.seq < before)
    entries = list(
        db.session.scalars(statement.order_by(AuditEntry.seq.desc()).limit(PAGE_SIZE + 1))
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    total = db.session.scalar(select(func.count(AuditEntry.id)).where(*conditions)) or 0
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    object_types = db.session.scalars(
        select(AuditEntry.object_type)
        .where(AuditEntry.object_type.is_not(None))
        .distinct()
        .order_by(AuditEntry.object_type)
    )
    args = {k: v for k, v in request.args.items() if k not in ("before", "verify") and v}
    report = verify(db.session) if request.args.get("verify") else None
    return render_template(
        "audit/log.html",
        entries=entries,
        total=total,
        args=args,
        report=report,
        next_before=entries[-1].seq if more else None,
        actions=list(actions),
        object_types=list(object_types),
    )
