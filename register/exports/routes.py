"""Export downloads for auditors and administrators: CSV streamed, XLSX via a temporary file."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from register import access, clock, runtime
from register.completeness.routes import reader_cycle_choice
from register.downloads import content_disposition
from register.exports import services
from register.extensions import db
from register.models import DeclarationCycle, User
from register.models.people import ADMIN, AUDITOR
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("exports", __name__, url_prefix="/exports")
guard_blueprint(bp, AUDITOR, ADMIN)
nav_item((AUDITOR, ADMIN), "exports.index", "Exports")


def _date(name: str) -> date | None:
    text = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _cycles() -> list[DeclarationCycle]:
    return list(
        db.session.scalars(select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc()))
    )


def _page(problems: list[str], args: Any, empty: str | None = None) -> str:
    return render_template(
        "exports/index.html",
        cycles=_cycles(),
        choice=reader_cycle_choice(),
        problems=problems,
        args=args,
        empty=empty,
        kinds=access.export_kinds(current_user),
    )


@bp.get("/")
@roles_required(AUDITOR, ADMIN)
def index() -> str:
    return _page([], {})


def _csv_stream(export: services.ExportRequest, reader_id: int) -> Iterator[str]:
    """The export as CSV, read in a session of its own while the body is sent: the rows come
    through a server-side cursor, which lives only as long as its transaction, and the request's
    session may end its transaction before the body is sent."""
    with Session(db.engine) as session:
        reader = session.get(User, reader_id)
        cycle = session.get(DeclarationCycle, export.cycle.id) if export.cycle else None
        table = services.build(
            session,
            dataclasses.replace(export, cycle=cycle),
            today=clock.today(),
            joiner_days=runtime.settings().joiner_days,
            reader=reader,
        )
        yield from services.csv_chunks(table)


@bp.get("/download")
@roles_required(AUDITOR, ADMIN)
def download() -> str | Response | tuple[str, int] | WerkzeugResponse:
    if "kind" not in request.args:
        return redirect(url_for(".index"))
    cycle_id = request.args.get("cycle", type=int)
    cycle = db.session.get(DeclarationCycle, cycle_id) if cycle_id else None
    export = services.ExportRequest(
        kind=request.args.get("kind", ""),
        fmt=request.args.get("format", ""),
        cycle=cycle,
        all_versions=request.args.get("all_versions") == "yes",
        start=_date("from"),
        end=_date("to"),
    )
    if export.kind in services.KINDS and not access.can_export(current_user, export.kind):
        abort(403)  # administrators: no flags, decisions or undeclared findings
    problems = export.problems()
    if any(request.args.get(name) and _date(name) is None for name in ("from", "to")):
        problems.append("Enter dates as YYYY-MM-DD")
    if problems:
        return _page(problems, request.args), 400
    if cycle is not None:
        reader_cycle_choice(cycle.id)  # remembered for the next page that picks a cycle
    with runtime.transaction() as session:  # the export is audited before it is sent
        services.audit_export(session, export, actor=current_user, ip_address=request.remote_addr)
    table = services.build(
        db.session,
        export,
        today=clock.today(),
        joiner_days=runtime.settings().joiner_days,
        reader=current_user,
    )
    rows = services.nonempty(table)
    if rows is None:  # say so, instead of a file with a header only
        return _page([], request.args, empty=services.empty_message(export))
    table = rows
    if export.fmt == "csv":
        return Response(
            stream_with_context(_csv_stream(export, current_user.id)),
            mimetype="text/csv",
            headers={"Content-Disposition": content_disposition(export.filename)},
        )
    handle, name = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        services.write_xlsx(table, path)
        stream = path.open("rb")
    finally:
        path.unlink()  # the open handle keeps the data readable until the response closes
    response = send_file(
        stream, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response.headers["Content-Disposition"] = content_disposition(export.filename)
    return response
