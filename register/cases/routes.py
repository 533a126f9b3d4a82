"""Case pages: the queue by case, one case's file and its workflow; officials' questions."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from register import access, clock, runtime
from register.cases import queries, services
from register.cases.forms import (
    AnswerForm,
    AssignForm,
    DismissCasesForm,
    EvidenceForm,
    NoteForm,
    QuestionForm,
    ReopenForm,
)
from register.evidence import EvidenceError, EvidenceStore
from register.extensions import db
from register.models import Case, CaseEvidence, CaseQuestion, Flag
from register.models.cases import CASE_STATES
from register.models.flags import ALL_OUTCOMES, ESCALATED, MANAGED, RISK_LEVELS, outcomes_for
from register.models.people import AUDITOR, COMPLIANCE, OFFICIAL
from register.review import services as review
from register.review.forms import DecisionForm, errors_in_page_order
from register.web import decimal_arg, guard_blueprint, nav_item, page_hook, roles_required

bp = Blueprint("cases", __name__, url_prefix="/cases")
guard_blueprint(bp, COMPLIANCE, AUDITOR, OFFICIAL)
nav_item((COMPLIANCE, AUDITOR), "cases.queue", "Cases")
nav_item((OFFICIAL,), "cases.my_questions", "Questions")


def _store() -> EvidenceStore:
    return EvidenceStore.from_url(runtime.settings().evidence_storage_url)


def _target() -> int:
    return runtime.settings().case_target_working_days


def _filters() -> queries.CaseFilters:
    state = request.args.get("state") or None
    risk = request.args.get("risk") or None
    min_age = request.args.get("min_age", type=int)
    return queries.CaseFilters(
        department_id=request.args.get("department", type=int),
        state=state if state in CASE_STATES else None,
        risk_level=risk if risk in dict(RISK_LEVELS) else None,
        assignee=request.args.get("assignee") or None,
        min_value=decimal_arg("min_value"),
        min_age=min_age if min_age and 0 < min_age < 10_000 else None,
        overdue=request.args.get("overdue") == "1",
    )


@bp.get("/")
@roles_required(COMPLIANCE, AUDITOR)
def queue() -> str:
    filters = _filters()
    page = queries.case_queue(
        db.session,
        current_user,
        filters,
        clock.today(),
        _target(),
        request.args.get("page", 1, type=int),
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "cases/queue.html",
        page=page,
        filters=filters,
        args=args,
        departments=review.review_departments(db.session, current_user),
        risk_levels=RISK_LEVELS,
        states=list(CASE_STATES.items()),
        target=_target(),
        can_work=current_user.role == COMPLIANCE,
        dismiss_form=DismissCasesForm(),
    )


@bp.post("/dismiss")
@roles_required(COMPLIANCE)
def bulk_dismiss() -> Any:
    form = DismissCasesForm()
    case_ids = request.form.getlist("case_id", type=int)
    if not form.validate_on_submit():
        flash("Give the reason for dismissing the cases; nothing was saved.", "error")
        return redirect(url_for(".queue"))
    flag_ids = []
    for case_id in sorted(set(case_ids)):
        found = db.session.get(Case, case_id)
        if found is None or not access.can_work_case(current_user, found):
            abort(404)
        flag_id = _first_flag(found)
        if flag_id is not None:
            flag_ids.append(flag_id)
    try:
        with runtime.transaction() as session:
            decisions = review.bulk_dismiss(
                session, flag_ids, current_user, form.reason.data, ip_address=request.remote_addr
            )
    except review.ReviewError as exc:
        flash(f"{exc}; nothing was saved.", "error")
        return redirect(url_for(".queue"))
    count = len(decisions)
    flash(f"Dismissed {count} {'case' if count == 1 else 'cases'}.", "success")
    return redirect(url_for(".queue"))


def _first_flag(case: Case) -> int | None:
    """The flag a case's decision is recorded through (register.review.services.decide)."""
    return db.session.scalar(
        select(Flag.id)
        .where(Flag.case_id == case.id)
        .order_by(Flag.active.desc(), Flag.score.desc(), Flag.id)
    )


@page_hook("review.dashboard")
def _dashboard_cases(user: Any) -> dict[str, Any]:
    """The dashboard's case figures: cases waiting for compliance, and those past the target."""
    target = _target()
    waiting, value, overdue = queries.case_totals(db.session, user, clock.today(), target)
    return {
        "case_figures": {"waiting": waiting, "overdue": overdue, "value": value, "target": target}
    }


def _case(case_id: int) -> Case:
    """A case the signed-in user may read, or 404 (never reveal that another one exists)."""
    case = db.session.get(Case, case_id)
    if case is None or not access.can_read_case(current_user, case):
        abort(404)
    return case


def _decision_form(case: Case, form: DecisionForm | None = None) -> DecisionForm:
    form = form or DecisionForm()
    form.outcome.choices = list(outcomes_for(case.kind).items())
    form.owner_id.choices = [(0, "Choose an owner")] + [
        (u.id, u.full_name) for u in review.owner_choices(db.session)
    ]
    form.escalate_to_id.choices = [(0, "Choose a person")] + review.escalation_choices(
        db.session, current_user
    )
    return form


def _assign_form(case: Case) -> AssignForm:
    form = AssignForm(assignee_id=case.assignee_id or 0)
    form.assignee_id.choices = [(0, "Nobody")] + [
        (u.id, u.full_name) for u in services.assignee_choices(db.session, case)
    ]
    return form


def _render_case(case: Case, status: int = 200, **forms: Any) -> Any:
    can_work = access.can_work_case(current_user, case)
    decision_form = forms.get("decision_form") or (_decision_form(case) if can_work else None)
    if decision_form is not None and "decision_form" in forms:
        _decision_form(case, decision_form)
    errors = None
    if decision_form is not None and decision_form.errors:
        errors = errors_in_page_order(decision_form, decision_form.PAGE_ORDER)
    for name in ("question_form", "note_form", "evidence_form", "reopen_form"):
        refused = forms.get(name)
        if errors is None and refused is not None and refused.errors:
            errors = errors_in_page_order(refused, list(refused._fields))
    return render_template(
        "cases/case.html",
        view=queries.case_view(db.session, case, current_user, clock.today(), _target()),
        can_work=can_work,
        can_open_record=access.can_read_official_record(current_user, case.official),
        decision_form=decision_form,
        errors=errors,
        assign_form=_assign_form(case) if can_work else None,
        question_form=forms.get("question_form") or QuestionForm(),
        note_form=forms.get("note_form") or NoteForm(),
        evidence_form=forms.get("evidence_form") or EvidenceForm(),
        reopen_form=forms.get("reopen_form") or ReopenForm(),
        managed=MANAGED,
        escalated=ESCALATED,
        outcomes=ALL_OUTCOMES,
    ), status


@bp.get("/<int:case_id>")
@roles_required(COMPLIANCE, AUDITOR)
def case(case_id: int) -> Any:
    return _render_case(_case(case_id))


def _workable(case_id: int) -> Case:
    found = _case(case_id)
    if not access.can_work_case(current_user, found):
        abort(403)
    return found


@bp.post("/<int:case_id>/assign")
@roles_required(COMPLIANCE)
def assign(case_id: int) -> Any:
    found = _workable(case_id)
    form = _assign_form(found)
    if not form.validate_on_submit():
        flash("Choose who the case is assigned to; nothing was saved.", "error")
        return redirect(url_for(".case", case_id=case_id))
    try:
        with runtime.transaction() as session:
            changed = services.assign(
                session,
                found,
                current_user,
                form.assignee_id.data or None,
                ip_address=request.remote_addr,
            )
    except services.CaseError as exc:
        flash(f"{exc}; nothing was saved.", "error")
        return redirect(url_for(".case", case_id=case_id))
    flash("Assignment saved." if changed else "The assignment is unchanged.", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/<int:case_id>/questions")
@roles_required(COMPLIANCE)
def ask(case_id: int) -> Any:
    found = _workable(case_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _render_case(found, 400, question_form=form)
    try:
        with runtime.transaction() as session:
            services.ask_official(
                session, found, current_user, form.question.data, ip_address=request.remote_addr
            )
    except services.CaseError as exc:
        form.question.errors = [str(exc)]
        return _render_case(_case(case_id), 400, question_form=form)
    flash("Question sent to the official. The case waits for the answer.", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/<int:case_id>/reopen")
@roles_required(COMPLIANCE)
def reopen(case_id: int) -> Any:
    found = _workable(case_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        return _render_case(found, 400, reopen_form=form)
    try:
        with runtime.transaction() as session:
            services.reopen_case(
                session, found, current_user, form.reason.data, ip_address=request.remote_addr
            )
    except services.CaseError as exc:
        form.reason.errors = [str(exc)]
        return _render_case(_case(case_id), 400, reopen_form=form)
    flash("Case reopened. Ask the official, add evidence, then decide it again.", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/<int:case_id>/notes")
@roles_required(COMPLIANCE)
def add_note(case_id: int) -> Any:
    found = _workable(case_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _render_case(found, 400, note_form=form)
    with runtime.transaction() as session:
        services.add_note(
            session, found, current_user, form.body.data, ip_address=request.remote_addr
        )
    flash("Internal note added.", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.post("/<int:case_id>/evidence")
@roles_required(COMPLIANCE)
def attach(case_id: int) -> Any:
    found = _workable(case_id)
    form = EvidenceForm()
    if not form.validate_on_submit():
        return _render_case(found, 400, evidence_form=form)
    upload = form.file.data
    try:
        with runtime.transaction() as session:
            evidence = services.attach_evidence(
                session,
                found,
                current_user,
                _store(),
                upload.stream,
                upload.filename or "evidence",
                description=form.description.data or "",
                concerns_official=bool(form.concerns_official.data),
                max_bytes=runtime.settings().evidence_max_bytes,
                ip_address=request.remote_addr,
            )
            name = evidence.filename
    except services.CaseError as exc:
        form.file.errors = [str(exc)]
        return _render_case(_case(case_id), 400, evidence_form=form)
    flash(f"{name} attached.", "success")
    return redirect(url_for(".case", case_id=case_id))


@bp.get("/<int:case_id>/evidence/<int:evidence_id>")
@roles_required(COMPLIANCE, AUDITOR)
def evidence(case_id: int, evidence_id: int) -> Response:
    found = _case(case_id)
    item = db.session.get(CaseEvidence, evidence_id)
    if item is None or item.case_id != found.id:
        abort(404)
    try:
        stream = _store().open(item.storage_key)
    except EvidenceError as exc:
        abort(409, description=str(exc))
    with runtime.transaction() as session:
        services.evidence_download(
            session, found, item, current_user, ip_address=request.remote_addr
        )
    return send_file(
        stream,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.filename,
        max_age=0,
    )


@bp.post("/<int:case_id>/decide")
@roles_required(COMPLIANCE)
def decide(case_id: int) -> Any:
    found = _workable(case_id)
    form = _decision_form(found)
    if not form.validate_on_submit():
        return _render_case(found, 400, decision_form=form)
    flag_id = _first_flag(found)
    if flag_id is None:
        abort(404)
    plan = None
    if form.outcome.data == MANAGED:
        plan = review.PlanFields(
            constraints=form.constraints.data,
            details=form.details.data or "",
            owner_id=form.owner_id.data,
            review_on=form.review_on.data,
            divest_by=form.divest_by.data,
        )
    try:
        with runtime.transaction() as session:
            review.decide(
                session,
                flag_id,
                current_user,
                form.outcome.data,
                form.reason.data,
                plan=plan,
                escalate_to_id=form.escalate_to_id.data if form.outcome.data == ESCALATED else None,
                ip_address=request.remote_addr,
            )
    except review.ReviewError as exc:
        form.reason.errors.append(str(exc))
        return _render_case(_case(case_id), 400, decision_form=form)
    db.session.expire_all()
    flash(f"Decision recorded for the whole case: {ALL_OUTCOMES[form.outcome.data]}.", "success")
    decided = db.session.get(Case, case_id)
    if decided is None or not access.can_read_case(current_user, decided):
        return redirect(url_for(".queue"))
    return redirect(url_for(".case", case_id=case_id))


# Officials: the questions compliance put to them ------------------------------------------------


@bp.get("/questions")
@roles_required(OFFICIAL)
def my_questions() -> str:
    return render_template(
        "cases/my_questions.html",
        questions=services.open_questions(db.session, current_user),
        form=AnswerForm(),
    )


@bp.post("/questions/<int:question_id>")
@roles_required(OFFICIAL)
def answer(question_id: int) -> Any:
    question = db.session.get(CaseQuestion, question_id)
    if question is None or not access.can_answer_question(current_user, question):
        abort(404)
    form = AnswerForm()
    if not form.validate_on_submit():
        return render_template(
            "cases/my_questions.html",
            questions=services.open_questions(db.session, current_user),
            form=form,
            failed_id=question_id,
        ), 400
    try:
        with runtime.transaction() as session:
            services.answer_question(
                session,
                question,
                current_user,
                form.answer.data,
                runtime.settings().compliance_mailbox,
                ip_address=request.remote_addr,
            )
    except services.CaseError as exc:
        flash(f"{exc}.", "error")
        return redirect(url_for(".my_questions"))
    flash("Thank you: your answer was sent to the compliance team.", "success")
    return redirect(url_for(".my_questions"))
