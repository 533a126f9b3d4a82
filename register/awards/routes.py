"""Award pages: upload an import, past import runs, buyer-to-department mapping, award search
and award detail."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from rapidfuzz import fuzz, process, utils
from sqlalchemy import case, func, or_, select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from register import runtime, screening
from register.access import flag_scope
from register.awards.duplicates import other_publications
from register.awards.forms import BuyerMappingForm, ImportForm
from register.awards.importer import ImportReport
from register.extensions import db
from register.matching.identifiers import company_number
from register.models import (
    Award,
    AwardSupplier,
    BuyerMapping,
    Department,
    Flag,
    ImportRejection,
    ImportRun,
)
from register.models.people import ADMIN, AUDITOR, COMPLIANCE
from register.screening.undeclared import UndeclaredReport
from register.web import guard_blueprint, nav_item, roles_required

bp = Blueprint("awards", __name__, url_prefix="/awards")
guard_blueprint(bp, ADMIN, COMPLIANCE, AUDITOR)  # imports and buyers: ADMIN only, per view
nav_item((ADMIN,), "awards.imports", "Awards")
nav_item((COMPLIANCE, AUDITOR), "awards.search", "Awards")

PAGE_SIZE = 50
REJECTIONS_PAGE_SIZE = 200
SUGGEST_MIN_SCORE = 75.0
_COMPANY_NUMBER = re.compile(r"(?:[A-Za-z]{2})?\d{1,8}[A-Za-z]?")


def _size_message() -> str:
    limit = runtime.settings().web_import_max_bytes
    return (
        f"The file is larger than {limit / 1_000_000:g} MB, the limit for imports in the "
        "browser. Ask someone with access to the server to import it with "
        "flask --app wsgi awards import FILE, which streams files of any size."
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """Uploads above MAX_CONTENT_LENGTH are cut off before they reach the view."""
    return render_template(
        "errors/error.html", code=413, title="The file is too large", message=_size_message()
    ), 413


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number:,} {one if number == 1 else (many or one + 's')}"


def import_sentence(report: ImportReport) -> tuple[str, str]:
    """What importing one file did, as a sentence people read, and the flash category: a
    refused file is an error, rejected records a warning, a clean import a success."""
    if report.failed:
        return (
            f"The file {report.path} was refused and nothing from it was saved: "
            + report.failed.removeprefix(f"{report.path}: "),
            "error",
        )
    text = (
        f"Imported {report.path}: {_count(report.imported, 'new award')}, "
        f"{report.updated:,} updated and {report.unchanged:,} unchanged, from "
        f"{_count(report.read, 'record')} read."
    )
    if report.releases_without_awards:
        text += f" {_count(report.releases_without_awards, 'release')} had no award."
    if report.rejected:
        were = "was" if len(report.rejected) == 1 else "were"
        text += (
            f" {_count(len(report.rejected), 'record')} {were} rejected and not imported; "
            "the reasons are listed below. The other records were kept."
        )
        return text, "warning"
    return text, "success"


def screening_sentence(report: screening.ScreeningReport | UndeclaredReport) -> str:
    """What screening the imported awards found, as a sentence."""
    if isinstance(report, UndeclaredReport):
        return (
            f"Screening for undeclared interests found {_count(report.new, 'new flag')}, "
            f"{report.reopened:,} reopened, {report.updated:,} updated and {report.withdrawn:,} "
            "no longer matching."
        )
    text = (
        f"Screening compared {_count(report.interests, 'declared organisation')} with "
        f"{_count(report.suppliers, 'award supplier')}: {_count(report.new, 'new flag')}, "
        f"{report.reopened:,} reopened, {report.updated:,} updated and {report.withdrawn:,} "
        "no longer matching."
    )
    undeclared = report.undeclared
    if undeclared is not None:
        text += (
            f" Possible undeclared interests: {_count(undeclared.new, 'new flag')}, "
            f"{undeclared.reopened:,} reopened."
        )
    return text


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int))


def _upload_size(form: ImportForm) -> int:
    stream = form.file.data.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return int(size)


def _run_upload(form: ImportForm) -> screening.ImportOutcome[ImportReport]:
    """Save the upload under its own (safe) name in a temporary folder, import it and screen
    what it changed."""
    original = form.file.data.filename or "upload"
    with tempfile.TemporaryDirectory(prefix="award-upload-") as folder:
        path = Path(folder) / (secure_filename(original) or "upload")
        form.file.data.save(path)
        with runtime.transaction() as session:
            outcome = screening.import_awards(
                session,
                [screening.ImportFile(path, original)],
                runtime.settings(),
                actor=current_user._get_current_object(),
            )
    return outcome


@bp.route("/imports", methods=["GET", "POST"])
@roles_required(ADMIN)
def imports() -> str | Response:
    form = ImportForm()
    if form.validate_on_submit():
        if _upload_size(form) > runtime.settings().web_import_max_bytes:
            form.file.errors.append(_size_message())
        else:
            outcome = _run_upload(form)
            (report,) = outcome.reports
            flash(*import_sentence(report))
            if outcome.screening is not None:
                flash(screening_sentence(outcome.screening), "info")
            return redirect(url_for(".import_run", run_id=report.run_id))
    page = _page()
    total = db.session.scalar(select(func.count(ImportRun.id))) or 0
    runs = db.session.scalars(
        select(ImportRun)
        .order_by(ImportRun.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "awards/imports.html", form=form, runs=runs, page=page, total=total, page_size=PAGE_SIZE
    )


@bp.get("/imports/<int:run_id>")
@roles_required(ADMIN)
def import_run(run_id: int) -> str:
    run = db.get_or_404(ImportRun, run_id)
    page = _page()
    rejections = db.session.scalars(
        select(ImportRejection)
        .where(ImportRejection.run_id == run.id)
        .order_by(ImportRejection.id)
        .limit(REJECTIONS_PAGE_SIZE)
        .offset((page - 1) * REJECTIONS_PAGE_SIZE)
    ).all()
    return render_template(
        "awards/import_run.html",
        run=run,
        rejections=rejections,
        page=page,
        page_size=REJECTIONS_PAGE_SIZE,
    )


def _suggestion(name: str, departments: dict[int, str]) -> tuple[int, str, float] | None:
    """The most similar department name by token_sort_ratio, if similar enough."""
    found = process.extractOne(
        name,
        departments,
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        score_cutoff=SUGGEST_MIN_SCORE,
    )
    if found is None:
        return None
    department_name, score, department_id = found
    return department_id, department_name, score


def _mapping_form(mapping: BuyerMapping, choices: list[tuple[int, str]]) -> BuyerMappingForm:
    form = BuyerMappingForm(
        prefix=f"buyer-{mapping.id}",
        formdata=None,
        department_id=mapping.department_id or 0,
    )
    form.department_id.choices = choices
    return form


def _department_choices() -> list[tuple[int, str]]:
    departments = db.session.scalars(select(Department).order_by(Department.name))
    return [(0, "Not one of our departments")] + [(d.id, d.name) for d in departments]


@bp.get("/buyers")
@roles_required(ADMIN)
def buyers() -> str:
    page = _page()
    choices = _department_choices()
    departments = dict(choices[1:])
    awards = (
        select(Award.buyer_key, func.count(Award.id).label("n"))
        .where(Award.duplicate_of_id.is_(None))  # a contract published twice counts once
        .group_by(Award.buyer_key)
        .subquery()
    )
    total = db.session.scalar(select(func.count(BuyerMapping.id))) or 0
    rows = db.session.execute(
        select(BuyerMapping, func.coalesce(awards.c.n, 0))
        .outerjoin(awards, awards.c.buyer_key == BuyerMapping.buyer_key)
        .order_by(case((BuyerMapping.department_id.is_(None), 0), else_=1), BuyerMapping.buyer_name)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    items: list[dict[str, Any]] = [
        {
            "mapping": mapping,
            "awards": count,
            "suggestion": _suggestion(mapping.buyer_name, departments)
            if mapping.department_id is None
            else None,
            "form": _mapping_form(mapping, choices),
        }
        for mapping, count in rows
    ]
    unmapped = (
        db.session.scalar(
            select(func.count(BuyerMapping.id)).where(BuyerMapping.department_id.is_(None))
        )
        or 0
    )
    return render_template(
        "awards/buyers.html",
        items=items,
        page=page,
        total=total,
        unmapped=unmapped,
        page_size=PAGE_SIZE,
    )


@bp.post("/buyers/<int:mapping_id>")
@roles_required(ADMIN)
def set_buyer_department(mapping_id: int) -> Response:
    mapping = db.get_or_404(BuyerMapping, mapping_id)
    form = BuyerMappingForm(prefix=f"buyer-{mapping.id}")
    form.department_id.choices = _department_choices()
    page = request.args.get("page", 1, type=int)
    if not form.validate_on_submit():
        flash(
            f"Nothing changed for {mapping.buyer_name}: choose a department from the list.", "error"
        )
        return redirect(url_for(".buyers", page=page))
    department = db.session.get(Department, form.department_id.data)
    if form.department_id.data and department is None:
        abort(400)
    with runtime.transaction() as session:
        changed, _ = screening.map_buyer(
            session, mapping, department, current_user._get_current_object(), runtime.settings()
        )
    target = department.name if department else "no department"
    flash(f"{mapping.buyer_name} is now mapped to {target}; {changed} awards updated.", "success")
    return redirect(url_for(".buyers", page=page))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, text: str) -> Any:
    return func.lower(column).like(f"%{_escape_like(text.lower())}%", escape="\\")


@bp.get("/")
@roles_required(ADMIN, COMPLIANCE, AUDITOR)
def search() -> str:
    """Award suppliers by name (or trading name) or Companies House number, and by buyer."""
    query = (request.args.get("q") or "").strip()
    buyer = (request.args.get("buyer") or "").strip()
    page = _page()
    # One contract published under two OCIDs is one award: listed and counted once, as the
    # first publication imported, with the others named as "also published as".
    statement = (
        select(AwardSupplier, Award, Department.name)
        .join(Award, AwardSupplier.award_id == Award.id)
        .outerjoin(Department, Award.department_id == Department.id)
        .where(Award.duplicate_of_id.is_(None))
    )
    counting = (
        select(func.count(AwardSupplier.id))
        .join(Award, AwardSupplier.award_id == Award.id)
        .where(Award.duplicate_of_id.is_(None))
    )
    if query:
        conditions = [
            _contains(column, query) for column in (AwardSupplier.name, AwardSupplier.aliases)
        ]
        if _COMPANY_NUMBER.fullmatch(query.replace(" ", "")) and (number := company_number(query)):
            conditions.append(AwardSupplier.company_number == number)
        statement = statement.where(or_(*conditions))
        counting = counting.where(or_(*conditions))
    if buyer:
        buyers = or_(_contains(Award.buyer_name, buyer), _contains(Department.name, buyer))
        statement = statement.where(buyers)
        counting = counting.outerjoin(Department, Award.department_id == Department.id).where(
            buyers
        )
    total = db.session.scalar(counting) or 0
    rows = db.session.execute(
        statement.order_by(Award.award_date.desc().nulls_last(), AwardSupplier.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    results = [
        (supplier, award, department, json.loads(supplier.aliases))
        for supplier, award, department in rows
    ]
    return render_template(
        "awards/search.html",
        rows=results,
        also=other_publications(db.session, {award.id for _, award, _ in rows}),
        q=query,
        buyer=buyer,
        page=page,
        total=total,
        page_size=PAGE_SIZE,
    )


@bp.get("/<int:award_id>")
@roles_required(ADMIN, COMPLIANCE, AUDITOR)
def award(award_id: int) -> str:
    """One award: buyer and department, value and dates, every supplier with its identifiers,
    where it was imported from, its other publications, and the flags on it that the reader
    may see."""
    found = db.session.get(Award, award_id)
    if found is None:
        abort(404)
    suppliers = db.session.scalars(
        select(AwardSupplier)
        .where(AwardSupplier.award_id == found.id)
        .order_by(AwardSupplier.position)
    ).all()
    department = db.session.get(Department, found.department_id) if found.department_id else None
    # The flags are on the first publication of the contract; another one shows them too.
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.award_id == (found.duplicate_of_id or found.id), flag_scope(current_user))
        .order_by(Flag.score.desc())
    ).all()
    return render_template(
        "awards/award.html",
        award=found,
        also=other_publications(db.session, [found.id])[found.id],
        department=department,
        flags=flags,
        suppliers=[(s, json.loads(s.aliases), json.loads(s.identifiers)) for s in suppliers],
    )
