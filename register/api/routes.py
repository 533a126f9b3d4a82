"""JSON API under /api/v1: token-authenticated (never the session cookie), so CSRF-exempt."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from register import access, clock, runtime, screening
from register.admin import services as admin
from register.api.openapi import document
from register.api.services import ApiRead, authenticate, count_request, record_api_read
from register.completeness.services import compute
from register.declarations.services import plain_value
from register.exports.services import with_flag_cycle
from register.extensions import csrf, db
from register.models import (
    Case,
    DeclarationCycle,
    Department,
    Flag,
    Procurement,
    UndeclaredFinding,
    User,
)
from register.models.flags import UNDECLARED
from register.procurement import assessment
from register.procurement import services as procurements

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
# Endpoints that answer without a token; every other one must be wrapped in `token_required`.
OPEN_ENDPOINTS = {"api.openapi"}

F = TypeVar("F", bound=Callable[..., Any])
MAX_PER_PAGE = 100
AWARD_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".gz")


def error(status: int, code: str, message: str) -> tuple[Response, int]:
    response = jsonify({"error": code, "message": message})
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="register"'
    return response, status


def token_required(scope: str) -> Callable[[F], F]:
    """Require a live API token (401 without; 429 over its rate limit) that holds `scope`,
    which its owner's role allows (403 otherwise): the API's one token check."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            row = authenticate(db.session, request.headers.get("Authorization"))
            if row is None:
                return error(401, "unauthorized", "Send a valid API token: Authorization: Bearer")
            wait = count_request(
                db.session, row, per_minute=runtime.settings().api_requests_per_minute
            )
            db.session.commit()  # the count and last_used_at, kept even if the request fails
            if wait is not None:
                response, status = error(
                    429, "rate_limited", f"Too many requests with this token: wait {wait} seconds"
                )
                response.headers["Retry-After"] = str(wait)
                return response, status
            user = row.user
            if not access.may_use_scope(user, row.scope_list, scope):
                if scope in row.scope_list:
                    message = f"A {user.role_label.lower()} cannot use {scope}"
                else:
                    message = f"This token does not have the {scope} scope"
                return error(403, "forbidden", message)
            g.api_user, g.api_token = user, row
            return view(*args, **kwargs)

        wrapped.required_scope = scope  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


@bp.before_request
def require_token_rule() -> Any:
    """Fail closed: an endpoint added without `token_required` answers 401, never data."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.endpoint not in OPEN_ENDPOINTS and not hasattr(view, "required_scope"):
        return error(401, "unauthorized", "Send a valid API token: Authorization: Bearer")
    return None


def audit_read(endpoint: str, filters: dict[str, Any], records: int) -> None:
    """Audit what this request read (committed now: the response is only sent afterwards)."""
    with runtime.transaction() as session:
        record_api_read(
            session,
            g.api_token,
            ApiRead(endpoint, filters, records),
            ip_address=request.remote_addr,
        )


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3 description (no token needed: it holds no data)."""
    return jsonify(document())


# Roster -------------------------------------------------------------------------------------


def _roster_cell(value: Any) -> str:
    if isinstance(value, list):  # other_names as a list of names
        return "; ".join(str(item) for item in value)
    return (
        "yes" if value is True else "no" if value is False else "" if value is None else str(value)
    )


def _roster_csv(officials: list[Any]) -> str:
    """The officials as a roster CSV. A person column is included when any official has the
    field, as a CSV roster would have it, so leaving it out changes nothing recorded."""
    rows = [row if isinstance(row, dict) else {} for row in officials]
    optional = [c for c in admin.PERSON_COLUMNS if any(c in row for row in rows)]
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=[*admin.USER_COLUMNS, *optional], extrasaction="ignore"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _roster_cell(value) for key, value in row.items()})
    return buffer.getvalue()


def _departments(items: list[Any], actor: User) -> dict[str, Any]:
    result: dict[str, Any] = {"created": 0, "unchanged": 0, "errors": []}
    for index, item in enumerate(items):
        code = str(item.get("code") or "").strip().upper() if isinstance(item, dict) else ""
        name = str(item.get("name") or "").strip() if isinstance(item, dict) else ""
        if not code or not name:
            result["errors"].append({"index": index, "message": "code and name are required"})
            continue
        existing = db.session.scalar(select(Department).where(Department.code == code))
        if existing is not None and existing.name == name:
            result["unchanged"] += 1
            continue
        try:
            with db.session.begin_nested():
                admin.create_department(db.session, code, name, actor)
        except admin.AdminError as exc:
            result["errors"].append({"index": index, "message": str(exc)})
        else:
            result["created"] += 1
    return result


@bp.post("/roster")
@token_required("roster:write")
def roster() -> Any:
    """Departments and officials in: JSON {departments, officials} or a roster CSV body."""
    user: User = g.api_user
    departments: dict[str, Any] = {"created": 0, "unchanged": 0, "errors": []}
    if request.mimetype == "text/csv":
        try:
            text = request.get_data().decode("utf-8-sig")
        except UnicodeDecodeError:
            return error(422, "invalid_body", "The CSV is not UTF-8 text")
        first_row = 2
    else:
        body = request.get_json(silent=True)
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("officials", []), list)
            or (not isinstance(body.get("departments", []), list))
        ):
            return error(
                422,
                "invalid_body",
                "Send a JSON object with lists 'departments' "
                "and/or 'officials', or a text/csv roster",
            )
        departments = _departments(body.get("departments", []), user)
        text = _roster_csv(body.get("officials", []))
        first_row = 0
    with runtime.transaction() as session:
        report = admin.import_roster(session, text, user, runtime.settings())
    if report.errors and report.errors[0][0] == 1 and not (report.created or report.updated):
        return error(422, "invalid_roster", report.errors[0][1])
    key = "line" if first_row else "index"
    return jsonify(
        {
            "departments": departments,
            "officials": {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "errors": [
                    {key: line - 2 + first_row, "message": message}
                    for line, message in report.errors
                ],
                "ignored_columns": report.ignored_columns,
            },
        }
    )


# Awards -------------------------------------------------------------------------------------


@bp.post("/awards")
@token_required("awards:write")
def awards() -> Any:
    """Award records in: an OCDS or CSV file (multipart field 'file', or the raw body)."""
    limit = runtime.settings().web_import_max_bytes
    if request.content_length and request.content_length > limit:
        raise RequestEntityTooLarge(
            f"Files over {limit:,} bytes must be imported from the command line"
        )
    upload = request.files.get("file")
    name = (upload.filename if upload else None) or request.args.get("filename") or "upload"
    suffix = "".join(s for s in Path(name).suffixes[-2:] if s.lower() in AWARD_SUFFIXES)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        if upload:
            upload.save(path)
        else:
            path.write_bytes(request.get_data())
        if path.stat().st_size == 0:
            return error(422, "invalid_body", "Send a file (multipart field 'file') or a body")
        with runtime.transaction() as session:
            outcome = screening.import_awards(
                session, [screening.ImportFile(path, name)], runtime.settings(), actor=g.api_user
            )
    (report,) = outcome.reports
    body = {
        "run_id": report.run_id,
        "format": report.detected_format,
        "read": report.read,
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": [{"source": r.source, "reason": r.reason} for r in report.rejected],
        "failed": report.failed,
    }
    if report.failed:
        return jsonify({"error": "invalid_file", "message": report.failed, **body}), 422
    return jsonify(body)


# Flags --------------------------------------------------------------------------------------


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def _undeclared_json(finding: UndeclaredFinding) -> dict[str, Any]:
    return {
        "company_number": finding.company_number,
        "company_name": finding.company_name,
        "officer_name": finding.officer_name,
        "role": finding.role,
        "appointed_on": plain_value(finding.appointed_on),
        "resigned_on": plain_value(finding.resigned_on),
        "released_at": plain_value(finding.released_at),
    }


def _flag_json(flag: Flag, code: str | None, finding: UndeclaredFinding | None) -> dict[str, Any]:
    decision = flag.current_decision
    award = flag.award
    return {
        "id": flag.id,
        "kind": flag.kind,
        "status": flag.status,
        "active": flag.active,
        "risk_level": flag.risk_level,
        "score": flag.score,
        "department": code,
        "official": {
            "id": flag.official_id,
            "name": flag.official.full_name,
            "email": flag.official.email,
        },
        "declared_organisation": None if flag.kind == UNDECLARED else flag.organisation_name,
        "undeclared": _undeclared_json(finding) if finding else None,
        "supplier_name": flag.supplier_name,
        "award": {
            "ocid": award.ocid,
            "award_id": award.award_id,
            "title": award.title,
            "buyer": award.buyer_name,
            "value": str(award.value) if award.value is not None else None,
            "currency": award.currency,
            "award_date": award.award_date.isoformat() if award.award_date else None,
        },
        "explanation": flag.explanation,
        "reasons": json.loads(flag.reasons or "[]"),
        "reopened_reason": flag.reopened_reason,
        "decision": {
            "outcome": decision.outcome,
            "reason": decision.reason,
            "decided_at": decision.decided_at.isoformat(),
        }
        if decision
        else None,
        "created_at": flag.created_at.isoformat(),
        "case_id": flag.case_id,
    }


FLAG_FILTERS = (
    "kind", "status", "risk_level", "department", "cycle", "min_score", "page", "per_page"
)  # fmt: skip


def _filters(names: tuple[str, ...]) -> dict[str, str]:
    """The filters a read was asked with, as given (for its audit entry)."""
    return {name: request.args[name][:200] for name in names if name in request.args}


@bp.get("/flags")
@token_required("flags:read")  # administrators: no flags, decisions or findings
def flags() -> Any:
    """Flags, highest score first; filters kind, status, risk_level, department, min_score,
    cycle. Only the flags the token's user may read (register.access); a flag's department is
    the one its official is in now."""
    try:
        page = _int_arg("page", 1, 1, 1_000_000)
        per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    except ValueError as exc:
        return error(422, "invalid_parameter", str(exc))
    try:
        min_score = float(request.args["min_score"]) if "min_score" in request.args else None
    except ValueError:
        return error(422, "invalid_parameter", "min_score must be a number")
    official = aliased(User)
    statement = (
        select(Flag, Department.code, UndeclaredFinding)
        .join(official, official.id == Flag.official_id)
        .outerjoin(Department, Department.id == official.department_id)
        .outerjoin(UndeclaredFinding, UndeclaredFinding.flag_id == Flag.id)
        .where(access.flag_scope(g.api_user))
    )
    if request.args.get("kind"):
        statement = statement.where(Flag.kind == request.args["kind"])
    if request.args.get("status"):
        statement = statement.where(Flag.status == request.args["status"])
    if request.args.get("risk_level"):
        statement = statement.where(Flag.risk_level == request.args["risk_level"])
    if request.args.get("department"):
        statement = statement.where(Department.code == request.args["department"].upper())
    if min_score is not None:
        statement = statement.where(Flag.score >= min_score)
    if request.args.get("cycle"):
        statement = with_flag_cycle(statement).where(DeclarationCycle.name == request.args["cycle"])
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.execute(
        statement.options(
            selectinload(Flag.decisions), selectinload(Flag.official), selectinload(Flag.award)
        )
        .order_by(Flag.score.desc(), Flag.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    audit_read("api.flags", _filters(FLAG_FILTERS), len(rows))
    return jsonify(
        {
            "items": [_flag_json(flag, code, finding) for flag, code, finding in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
            "next_page": page + 1 if page * per_page < total else None,
        }
    )


CASE_FILTERS = ("state", "kind", "department", "page", "per_page")


def _case_json(case: Case, code: str | None, flags: int) -> dict[str, Any]:
    return {
        "id": case.id,
        "kind": case.kind,
        "official": {
            "id": case.official.id,
            "name": case.official.full_name,
            "email": case.official.email,
        },
        "department": code,
        "organisation": case.organisation_name,
        "organisation_identifier": case.organisation_identifier,
        "state": case.state,
        "assignee": case.assignee.email if case.assignee else None,
        "flags": flags,
        "awards": case.award_count,
        "total_value": str(case.total_value),
        "own_department_value": str(case.own_department_value),
        "first_award_on": plain_value(case.first_award_on),
        "last_award_on": plain_value(case.last_award_on),
        "risk_level": case.risk_level,
        "opened_at": plain_value(case.opened_at),
        "decided_at": plain_value(case.decided_at),
        "outcome": case.outcome,
    }


@bp.get("/cases")
@token_required("flags:read")  # cases are flags grouped: the same readers
def cases() -> Any:
    """Cases, highest risk first; filters state, kind, department. Only the cases the token's
    user may read (register.access.case_scope); never internal notes or evidence."""
    try:
        page = _int_arg("page", 1, 1, 1_000_000)
        per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    except ValueError as exc:
        return error(422, "invalid_parameter", str(exc))
    official = aliased(User)
    flag_count = (
        select(func.count(Flag.id))
        .where(Flag.case_id == Case.id, Flag.active.is_(True))
        .scalar_subquery()
    )
    statement = (
        select(Case, Department.code, flag_count)
        .join(official, official.id == Case.official_id)
        .outerjoin(Department, Department.id == official.department_id)
        .where(access.case_scope(g.api_user))
    )
    if request.args.get("state"):
        statement = statement.where(Case.state == request.args["state"])
    if request.args.get("kind"):
        statement = statement.where(Case.kind == request.args["kind"])
    if request.args.get("department"):
        statement = statement.where(Department.code == request.args["department"].upper())
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.execute(
        statement.options(selectinload(Case.official), selectinload(Case.assignee))
        .order_by(Case.risk_rank.desc(), Case.top_score.desc(), Case.total_value.desc(), Case.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    audit_read("api.cases", _filters(CASE_FILTERS), len(rows))
    return jsonify(
        {
            "items": [_case_json(case, code, count) for case, code, count in rows],
            "page": page,
            "per_page": per_page,
            "total": total,
            "next_page": page + 1 if page * per_page < total else None,
        }
    )


# Completeness -------------------------------------------------------------------------------


@bp.get("/completeness")
@token_required("completeness:read")
def completeness() -> Any:
    """Completeness counts of one cycle (?cycle=NAME), per department and overall."""
    name = request.args.get("cycle")
    if not name:
        return error(422, "invalid_parameter", "cycle (the cycle's name) is required")
    cycle = db.session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == name))
    if cycle is None:
        return error(404, "not_found", f"No cycle called {name}")
    result = compute(
        db.session,
        cycle,
        today=clock.today(),
        joiner_days=runtime.settings().joiner_days,
        department_ids=access.visible_department_ids(g.api_user),
    )
    audit_read("api.completeness", {"cycle": name}, len(result.departments))
    return jsonify(
        {
            "cycle": {
                "name": cycle.name,
                "opens_on": cycle.opens_on.isoformat(),
                "due_on": cycle.due_on.isoformat(),
            },
            "as_of": result.today.isoformat(),
            "total": result.total.as_dict(),
            "departments": [
                {"code": d.code, "name": d.name, **d.counts.as_dict()} for d in result.departments
            ],
        }
    )


# Procurements (conflicts assessments, Procurement Act 2023 s.83) ----------------------------


def _json_body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _text_field(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    return value.strip() if isinstance(value, str) else None


def _procurement_json(procurement: Procurement) -> dict[str, Any]:
    latest = procurement.latest_assessment
    return {
        "id": procurement.id,
        "reference": procurement.reference,
        "title": procurement.title,
        "ocid": procurement.ocid,
        "department_code": procurement.department.code,
        "stage": procurement.stage,
        "people": [
            {"id": p.id, "name": p.name, "capacity": p.capacity, "active": p.active}
            for p in procurement.people
        ],
        "suppliers": [
            {
                "id": s.id,
                "name": s.name,
                "company_number": s.company_number,
                "relation": s.relation,
                "excluded": s.excluded_at is not None,
            }
            for s in procurement.suppliers
        ],  # fmt: skip
        "conflicts": sum(1 for c in procurement.conflicts if c.active),
        "assessment_current": procurements.is_current(procurement),
        "latest_revision": latest.revision if latest else None,
    }


def _api_procurement(procurement_id: int, *, manage: bool) -> Procurement | None:
    found = db.session.get(Procurement, procurement_id)
    user: User = g.api_user
    if found is None or not access.can_read_procurement(user, found):
        return None
    if manage and not access.can_manage_procurement(user, found):
        return None
    return found


@bp.post("/procurements")
@token_required("procurements:write")
def create_procurement() -> Any:
    """Record a procurement: {title, reference, department_code, procedure, estimated_value,
    ocid}."""
    body = _json_body()
    if body is None:
        return error(422, "invalid_body", "Send a JSON object")
    code = _text_field(body, "department_code") or ""
    department = db.session.scalar(select(Department).where(Department.code == code))
    raw_value = body.get("estimated_value")
    try:
        value = Decimal(str(raw_value)) if raw_value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return error(422, "invalid_procurement", "estimated_value must be a number")
    fields = procurements.ProcurementFields(
        title=_text_field(body, "title") or "",
        reference=_text_field(body, "reference") or "",
        department_id=department.id if department else None,
        procedure=_text_field(body, "procedure") or "",
        estimated_value=value,
        ocid=_text_field(body, "ocid"),
    )
    try:
        with runtime.transaction() as session:
            procurement = procurements.create_procurement(session, fields, g.api_user)
            procurement_id = procurement.id
    except procurements.ProcurementError as exc:
        return error(422, "invalid_procurement", str(exc))
    return jsonify(_procurement_json(db.get_or_404(Procurement, procurement_id))), 201


def _change_procurement(
    procurement_id: int, code: str, change: Callable[[Session, Procurement, dict[str, Any]], None]
) -> Any:
    """Find the procurement the token may change, read the JSON body, make the change in one
    transaction, and answer with the procurement (201) or what was wrong."""
    found = _api_procurement(procurement_id, manage=True)
    if found is None:
        return error(404, "not_found", "No such procurement that this token may change")
    body = _json_body()
    if body is None:
        return error(422, "invalid_body", "Send a JSON object")
    try:
        with runtime.transaction() as session:
            change(session, found, body)
    except procurements.ProcurementError as exc:
        return error(422, code, str(exc))
    return jsonify(_procurement_json(db.get_or_404(Procurement, procurement_id))), 201


@bp.post("/procurements/<int:procurement_id>/people")
@token_required("procurements:write")
def add_procurement_person(procurement_id: int) -> Any:
    """Add someone acting: {email, capacity} for a register user, or {name, email, capacity,
    external: true} for an external person."""

    def add(session: Session, procurement: Procurement, body: dict[str, Any]) -> None:
        email = (_text_field(body, "email") or "").lower()
        user = None
        if not body.get("external"):
            user = session.scalar(select(User).where(func.lower(User.email) == email))
            if user is None:
                raise procurements.ProcurementError(
                    f"Nobody in the register has the email {email!r}"
                )
        procurements.add_person(
            session, procurement, g.api_user, runtime.settings(),
            capacity=_text_field(body, "capacity") or "", user=user,
            name=_text_field(body, "name"), email=email,
        )  # fmt: skip

    return _change_procurement(procurement_id, "invalid_person", add)


@bp.post("/procurements/<int:procurement_id>/suppliers")
@token_required("procurements:write")
def add_procurement_supplier(procurement_id: int) -> Any:
    """Add a supplier: {name, company_number, relation}."""

    def add(session: Session, procurement: Procurement, body: dict[str, Any]) -> None:
        procurements.add_supplier(
            session, procurement, g.api_user, runtime.settings(),
            name=_text_field(body, "name") or "",
            company_number=_text_field(body, "company_number"),
            relation=_text_field(body, "relation") or "",
        )  # fmt: skip

    return _change_procurement(procurement_id, "invalid_supplier", add)


@bp.get("/procurements/<int:procurement_id>/assessment")
@token_required("procurements:read")
def procurement_assessment(procurement_id: int) -> Any:
    """The latest revision of the conflicts assessment, with its digest and chain position."""
    found = _api_procurement(procurement_id, manage=False)
    if found is None:
        return error(404, "not_found", "No such procurement that this token may read")
    latest = found.latest_assessment
    if latest is None:
        return error(404, "no_assessment", "No revision of the assessment has been prepared")
    audit_read("procurement_assessment", {"procurement": procurement_id}, 1)
    return jsonify(
        {
            "procurement": _procurement_json(found),
            "revision": latest.revision,
            "complete": latest.complete,
            "current": procurements.is_current(found),
            "prepared_at": latest.prepared_at.isoformat(),
            **assessment.as_json(latest),
        }
    )
