"""Procurement pages: the list, one procurement with its people, suppliers, conflicts, stage and
assessment revisions (HTML, PDF, CSV, JSON), and the declarations people make for them."""

from __future__ import annotations

import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from register import access, runtime
from register.extensions import db
from register.models import (
    ConflictsAssessment,
    Department,
    Flag,
    Procurement,
    ProcurementConflict,
    ProcurementDeclaration,
    ProcurementPerson,
    User,
)
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, OFFICIAL, PROCUREMENT_LEAD, ROLES
from register.models.procurement import HAS_CONFLICT
from register.procurement import assessment, queries, services
from register.procurement.forms import (
    CheckForm,
    DeclareForm,
    MitigationForm,
    PersonForm,
    PrepareForm,
    ProcurementForm,
    RemovePersonForm,
    StageForm,
    SupplierForm,
)
from register.review.forms import errors_in_page_order
from register.web import guard_blueprint, nav_item, page_hook, roles_required

bp = Blueprint("procurement", __name__, url_prefix="/procurements")
EVERY_ROLE = tuple(ROLES)
READERS = (PROCUREMENT_LEAD, COMPLIANCE, AUDITOR, ADMIN)
guard_blueprint(bp, *EVERY_ROLE)
nav_item((PROCUREMENT_LEAD, COMPLIANCE, AUDITOR), "procurement.procurements", "Procurements")


def _procurement(procurement_id: int) -> Procurement:
    found = db.get_or_404(Procurement, procurement_id)
    if not access.can_read_procurement(current_user, found):
        abort(404)  # another department's procurement is not theirs to know of
    return found


def _managed(procurement_id: int) -> Procurement:
    found = _procurement(procurement_id)
    if not access.can_manage_procurement(current_user, found):
        abort(403)
    return found


def _department_choices() -> list[tuple[int, str]]:
    allowed = access.procurement_department_ids(current_user)
    statement = select(Department).order_by(Department.name)
    if allowed is not None:
        statement = statement.where(Department.id.in_(sorted(allowed)))
    return [(d.id, d.name) for d in db.session.scalars(statement)]


@bp.get("")
@roles_required(*READERS)
def procurements() -> Any:
    if not (access.leads_procurements(current_user) or current_user.role in (COMPLIANCE, AUDITOR)):
        abort(403)
    return render_template(
        "procurement/list.html",
        rows=queries.procurement_list(db.session, current_user),
        can_create=bool(access.procurement_department_ids(current_user) != set()),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*READERS)
def new() -> Any:
    if not access.leads_procurements(current_user):
        abort(403)
    form = ProcurementForm()
    form.department_id.choices = _department_choices()
    if request.method == "GET" and current_user.department_id:
        form.department_id.data = current_user.department_id
    if form.validate_on_submit():
        fields = services.ProcurementFields(
            title=form.title.data,
            reference=form.reference.data,
            department_id=form.department_id.data,
            procedure=form.procedure.data,
            estimated_value=form.estimated_value.data,
            ocid=form.ocid.data,
        )
        try:
            with runtime.transaction() as session:
                procurement = services.create_procurement(session, fields, current_user)
                procurement_id = procurement.id
        except services.ProcurementError as exc:
            form.title.errors = [str(exc)]
        else:
            flash("Procurement recorded. Add the people acting and the suppliers.", "success")
            return redirect(url_for(".procurement", procurement_id=procurement_id))
    errors = errors_in_page_order(form, list(form._fields)) if form.errors else None
    return render_template("procurement/new.html", form=form, errors=errors), (
        400 if form.errors else 200
    )


def _render(procurement: Procurement, status: int = 200, **forms: Any) -> Any:
    errors = None
    for refused in forms.values():
        if errors is None and refused is not None and refused.errors:
            errors = errors_in_page_order(refused, list(refused._fields))
    stage_form = forms.get("stage_form") or StageForm()
    view = queries.procurement_view(db.session, procurement)
    stage_form.stage.choices = [(s, label) for s, label, _ in view.next_stages]
    return render_template(
        "procurement/procurement.html",
        view=view,
        errors=errors,
        can_manage=access.can_manage_procurement(current_user, procurement),
        can_mitigate=access.can_mitigate_procurement(current_user, procurement),
        person_form=forms.get("person_form") or PersonForm(),
        supplier_form=forms.get("supplier_form") or SupplierForm(),
        mitigation_form=forms.get("mitigation_form"),
        mitigation_for=forms.get("mitigation_for"),
        blank_mitigation=MitigationForm,
        remove_form=RemovePersonForm(),
        stage_form=stage_form,
        prepare_form=forms.get("prepare_form") or PrepareForm(),
        check_form=CheckForm(),
    ), status


@bp.get("/<int:procurement_id>")
@roles_required(*READERS)
def procurement(procurement_id: int) -> Any:
    return _render(_procurement(procurement_id))


def _refused(procurement_id: int, form: Any, field: Any, exc: Exception, name: str) -> Any:
    field.errors = [str(exc)]
    db.session.rollback()
    return _render(_procurement(procurement_id), 400, **{name: form})


@bp.post("/<int:procurement_id>/people")
@roles_required(*READERS)
def add_person(procurement_id: int) -> Any:
    found = _managed(procurement_id)
    form = PersonForm()
    if not form.validate_on_submit():
        return _render(found, 400, person_form=form)
    email = (form.user_email.data or "").strip().lower()
    user = None
    if email:
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None:
            form.user_email.errors = [f"Nobody in the register has the email address {email}"]
            return _render(found, 400, person_form=form)
    elif not (form.name.data or "").strip():
        form.user_email.errors = [
            "Enter a register user's email address, or an external person's name and email address"
        ]
        return _render(found, 400, person_form=form)
    try:
        with runtime.transaction() as session:
            person = services.add_person(
                session, found, current_user, runtime.settings(), capacity=form.capacity.data,
                user=user, name=form.name.data, email=form.email.data,
            )  # fmt: skip
            name = person.name
    except services.ProcurementError as exc:
        return _refused(procurement_id, form, form.user_email, exc, "person_form")
    flash(f"{name} added and asked to declare for this procurement.", "success")
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#people")


@bp.post("/<int:procurement_id>/people/<int:person_id>/remove")
@roles_required(*READERS)
def remove_person(procurement_id: int, person_id: int) -> Any:
    found = _managed(procurement_id)
    person = db.get_or_404(ProcurementPerson, person_id)
    if person.procurement_id != found.id:
        abort(404)
    form = RemovePersonForm()
    if not form.validate_on_submit():
        flash("Enter the reason for the removal.", "error")
        return redirect(url_for(".procurement", procurement_id=procurement_id) + "#people")
    try:
        with runtime.transaction() as session:
            services.remove_person(session, person, current_user, form.reason.data)
    except services.ProcurementError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{person.name} removed from the procurement.", "success")
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#people")


@bp.post("/<int:procurement_id>/suppliers")
@roles_required(*READERS)
def add_supplier(procurement_id: int) -> Any:
    found = _managed(procurement_id)
    form = SupplierForm()
    if not form.validate_on_submit():
        return _render(found, 400, supplier_form=form)
    try:
        with runtime.transaction() as session:
            supplier = services.add_supplier(
                session, found, current_user, runtime.settings(), name=form.supplier_name.data,
                company_number=form.company_number.data, relation=form.relation.data,
            )  # fmt: skip
            name = supplier.name
    except services.ProcurementError as exc:
        return _refused(procurement_id, form, form.supplier_name, exc, "supplier_form")
    flash(f"{name} added. Everyone acting is asked to declare again.", "success")
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#suppliers")


@bp.post("/<int:procurement_id>/conflicts/<int:conflict_id>/mitigation")
@roles_required(*READERS)
def mitigate(procurement_id: int, conflict_id: int) -> Any:
    found = _procurement(procurement_id)
    if not access.can_mitigate_procurement(current_user, found):
        abort(403)
    conflict = db.get_or_404(ProcurementConflict, conflict_id)
    if conflict.procurement_id != found.id:
        abort(404)
    form = MitigationForm(prefix=f"conflict-{conflict.id}")
    if not form.validate_on_submit():
        return _render(found, 400, mitigation_form=form, mitigation_for=conflict.id)
    try:
        with runtime.transaction() as session:
            services.record_mitigation(
                session, conflict, current_user, form.mitigation.data, form.detail.data
            )
    except services.ProcurementError as exc:
        form.mitigation.errors = [str(exc)]
        db.session.rollback()
        return _render(
            _procurement(procurement_id), 400, mitigation_form=form, mitigation_for=conflict_id
        )
    flash("Mitigation recorded. Prepare a new revision of the assessment to confirm it.", "success")
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#conflicts")


@bp.post("/<int:procurement_id>/check")
@roles_required(*READERS)
def check(procurement_id: int) -> Any:
    found = _managed(procurement_id)
    if not CheckForm().validate_on_submit():
        abort(400)
    with runtime.transaction() as session:
        outcome = services.recheck(
            session, found, runtime.settings(), actor=current_user, why="run by hand"
        )
    flash(
        f"Check run: {len(outcome.new)} new conflicts, {len(outcome.cleared)} no longer found.",
        "success",
    )
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#conflicts")


@bp.post("/<int:procurement_id>/assessment")
@roles_required(*READERS)
def prepare(procurement_id: int) -> Any:
    found = _managed(procurement_id)
    form = PrepareForm()
    if not form.validate_on_submit():
        return _render(found, 400, prepare_form=form)
    with runtime.transaction() as session:
        revision = services.prepare_assessment(
            session, found, current_user, reason=form.reason.data
        )
        number, complete = revision.revision, revision.complete
    flash(
        f"Revision {number} of the conflicts assessment prepared"
        + ("." if complete else ": it is not complete yet, see what is outstanding."),
        "success" if complete else "error",
    )
    return redirect(url_for(".procurement", procurement_id=procurement_id) + "#assessment")


@bp.post("/<int:procurement_id>/stage")
@roles_required(*READERS)
def move_stage(procurement_id: int) -> Any:
    found = _managed(procurement_id)
    form = StageForm()
    form.stage.choices = [(s, label) for s, label, _ in queries.next_stages(found)]
    if not form.validate_on_submit():
        return _render(found, 400, stage_form=form)
    try:
        with runtime.transaction() as session:
            services.move_stage(session, found, current_user, form.stage.data)
    except services.ProcurementError as exc:
        return _refused(procurement_id, form, form.stage, exc, "stage_form")
    flash(f"The procurement is now at “{found.stage_label}”.", "success")
    return redirect(url_for(".procurement", procurement_id=procurement_id))


def _revision(procurement_id: int, revision: int) -> tuple[Procurement, ConflictsAssessment]:
    found = _procurement(procurement_id)
    row = db.session.scalar(
        select(ConflictsAssessment).where(
            ConflictsAssessment.procurement_id == found.id,
            ConflictsAssessment.revision == revision,
        )
    )
    if row is None:
        abort(404)
    return found, row


def _assessment_page(found: Procurement, row: ConflictsAssessment, template: str) -> str:
    return render_template(
        template,
        procurement=found,
        revision=row,
        content=assessment.content_of(row),
        latest=found.latest_assessment is not None and found.latest_assessment.id == row.id,
    )


@bp.get("/<int:procurement_id>/assessments/<int:revision>")
@roles_required(*READERS)
def assessment_page(procurement_id: int, revision: int) -> Any:
    found, row = _revision(procurement_id, revision)
    return _assessment_page(found, row, "procurement/assessment.html")


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _file_name(found: Procurement, row: ConflictsAssessment, extension: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in found.reference)
    return f"conflicts-assessment-{safe}-r{row.revision}.{extension}"


@bp.get("/<int:procurement_id>/assessments/<int:revision>.pdf")
@roles_required(*READERS)
def assessment_pdf(procurement_id: int, revision: int) -> Response:
    found, row = _revision(procurement_id, revision)
    html = _assessment_page(found, row, "procurement/assessment_print.html")
    try:
        document = assessment.pdf_from_html(html, base_url=request.url_root)
    except assessment.PdfUnavailable as exc:
        return Response(str(exc), status=503, mimetype="text/plain")
    return _download(document, "application/pdf", _file_name(found, row, "pdf"))


@bp.get("/<int:procurement_id>/assessments/<int:revision>.csv")
@roles_required(*READERS)
def assessment_csv(procurement_id: int, revision: int) -> Response:
    found, row = _revision(procurement_id, revision)
    return _download(assessment.as_csv(row), "text/csv", _file_name(found, row, "csv"))


@bp.get("/<int:procurement_id>/assessments/<int:revision>.json")
@roles_required(*READERS)
def assessment_json(procurement_id: int, revision: int) -> Response:
    found, row = _revision(procurement_id, revision)
    body = json.dumps(assessment.as_json(row), indent=2, ensure_ascii=False)
    return _download(body, "application/json", _file_name(found, row, "json"))


# Declaring for a procurement (anyone acting who has an account) --------------------------------


@bp.get("/declarations")
@roles_required(*EVERY_ROLE)
def my_declarations() -> Any:
    return render_template(
        "procurement/my_declarations.html",
        pending=services.pending_for_user(db.session, current_user),
    )


def _declare_form(
    declaration: ProcurementDeclaration, form: DeclareForm | None = None
) -> DeclareForm:
    form = form or DeclareForm()
    suppliers = [s for s in declaration.person.procurement.suppliers if s.excluded_at is None]
    form.supplier_id.choices = [(0, "Not about one supplier")] + [(s.id, s.name) for s in suppliers]
    return form


def render_declare(
    declaration: ProcurementDeclaration, form: DeclareForm, action: str, status: int = 200
) -> Any:
    errors = errors_in_page_order(form, list(form._fields)) if form.errors else None
    return render_template(
        "procurement/declare.html",
        declaration=declaration,
        procurement=declaration.person.procurement,
        suppliers=json.loads(declaration.suppliers),
        form=form,
        action=action,
        errors=errors,
    ), status


def submit_declaration(
    declaration: ProcurementDeclaration, form: DeclareForm, actor: User | None, action: str
) -> Any:
    """Validate and record a declaration for a procurement (signed in, or by link)."""
    if not form.validate_on_submit():
        return render_declare(declaration, form, action, 400)
    has_conflict = form.answer.data == HAS_CONFLICT
    try:
        with runtime.transaction() as session:
            services.answer_declaration(
                session, declaration, runtime.settings(), has_conflict=has_conflict,
                details=form.details.data, supplier_id=form.supplier_id.data or None,
                actor=actor, ip_address=request.remote_addr,
            )  # fmt: skip
    except services.ProcurementError as exc:
        form.details.errors = [str(exc)]
        db.session.rollback()
        return render_declare(declaration, form, action, 400)
    return None


@bp.route("/declarations/<int:procurement_declaration_id>", methods=["GET", "POST"])
@roles_required(*EVERY_ROLE)
def declare(procurement_declaration_id: int) -> Any:
    declaration = db.get_or_404(ProcurementDeclaration, procurement_declaration_id)
    if not access.can_declare_for_procurement(current_user, declaration.person):
        abort(404)
    action = url_for(".declare", procurement_declaration_id=procurement_declaration_id)
    form = _declare_form(declaration)
    if request.method == "POST":
        refused = submit_declaration(declaration, form, current_user, action)
        if refused is not None:
            return refused
        flash("Declaration made. Thank you.", "success")
        return redirect(url_for(".my_declarations"))
    return render_declare(declaration, form, action)


@page_hook("completeness.dashboard")
def procurements_without_assessment(user: User) -> dict[str, Any]:
    """The completeness dashboard's count of procurements without a current assessment (the
    departments whose figures the reader sees)."""
    return {
        "procurements_without_assessment": services.without_current_assessment(
            db.session, access.visible_department_ids(user)
        ),
        "procurement_links": user.role in (COMPLIANCE, AUDITOR) or access.leads_procurements(user),
    }


@page_hook("review.flag")
def flag_assessment(flag: Flag) -> dict[str, Any]:
    """For compliance and auditors: whether the flag's award came from a procurement with a
    conflicts assessment, and what it said about the supplier (never shown to the official:
    it names other people's conflicts)."""
    if current_user.role == OFFICIAL or flag.award_id is None:
        return {}
    return {
        "procurement_assessment": queries.assessment_for_flag(
            db.session, flag.award_id, flag.supplier_name
        )
    }
