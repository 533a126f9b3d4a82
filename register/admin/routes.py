"""Administrator pages: departments, people (single and CSV roster), declaration cycles."""

from __future__ import annotations

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
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from register import clock, runtime
from register.admin import approvals, services
from register.admin.forms import (
    CycleDepartmentsForm,
    CycleForm,
    DepartmentForm,
    ExtendCycleForm,
    RosterForm,
    UserForm,
    confirmed_ids,
)
from register.auth import throttle
from register.auth.fresh import recent_sign_in_required
from register.auth.invitations import password_states
from register.completeness.cycles import unreviewed_departments
from register.extensions import db
from register.forms import ConfirmForm
from register.models import DeclarationCycle, Department, User
from register.models.people import ADMIN
from register.web import guard_blueprint, nav_item, page_context, roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard_blueprint(bp, ADMIN)
nav_item((ADMIN,), "admin.people", "People")
nav_item((ADMIN,), "admin.departments", "Departments")
nav_item((ADMIN,), "admin.cycles", "Cycles")

PAGE_SIZE = 50


@bp.route("/departments", methods=["GET", "POST"])
@roles_required(ADMIN)
def departments() -> str | Response:
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            with runtime.transaction() as session:
                services.create_department(session, form.code.data, form.name.data, current_user)
        except services.AdminError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(f"Created department {form.name.data}", "success")
            return redirect(url_for(".departments"))
    rows = db.session.execute(
        select(Department, func.count(User.id))
        .outerjoin(User, User.department_id == Department.id)
        .group_by(Department.id)
        .order_by(Department.name)
    ).all()
    return render_template(
        "admin/departments.html",
        rows=rows,
        form=form,
        unreviewed=unreviewed_departments(db.session),
    )


def _department_choices() -> list[tuple[int, str]]:
    return [
        (d.id, d.name) for d in db.session.scalars(select(Department).order_by(Department.name))
    ]


@bp.get("/people")
@roles_required(ADMIN)
def people() -> str:
    page = max(1, request.args.get("page", 1, type=int))
    query = (request.args.get("q") or "").strip()
    statement = select(User).order_by(User.full_name)
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(User.full_name).like(like) | func.lower(User.email).like(like)
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    users = db.session.scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/people.html",
        users=users,
        password_states=password_states(db.session, [u.id for u in users]),
        throttled=throttle.throttled_emails(db.session, [u.email for u in users]),
        page=page,
        total=total,
        page_size=PAGE_SIZE,
        q=query,
        roster_form=RosterForm(),
        pending_ids={r.user_id for r in approvals.pending_requests(db.session)},
        columns=services.roster_columns(_collect_birth_dates()),
        clear=services.CLEAR,
    )


def _collect_birth_dates() -> bool:
    return runtime.settings().collect_birth_dates


def _user_form(user: User | None) -> UserForm:
    """The person form; without the birth date fields unless the register collects them."""
    form = UserForm(obj=user)
    form.department_id.choices = [(0, "None")] + _department_choices()
    form.assigned.choices = _department_choices()
    if not _collect_birth_dates():
        del form.birth_month, form.birth_year
    if user is not None:
        del form.is_service_account
    return form


def _save_user(form: UserForm, user: User | None) -> User | None:
    """Save the person form in one transaction; None (with the error on the form) if refused."""
    department = (
        db.session.get(Department, form.department_id.data) if form.department_id.data else None
    )
    fields = services.UserFields(
        email=form.email.data or "",
        full_name=form.full_name.data or "",
        role=form.role.data,
        department=department,
        job_title=form.job_title.data or None,
        is_senior=form.is_senior.data,
        joined_on=form.joined_on.data,
        left_on=form.left_on.data,
        person=form.person,
        is_service_account=bool(form.is_service_account and form.is_service_account.data),
    )
    assigned = [d for i in form.assigned.data or [] if (d := db.session.get(Department, i))]
    try:
        with runtime.transaction() as session:
            return services.save_person(
                session,
                user,
                fields,
                assigned=assigned,
                actor=current_user,
                settings=runtime.settings(),
                ip_address=request.remote_addr,
            )
    except services.AdminError as exc:
        form[exc.field].errors.append(str(exc))
        return None


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required(ADMIN)
@recent_sign_in_required(on=("POST",))
def new_user() -> str | Response:
    form = _user_form(None)
    if form.validate_on_submit():
        user = _save_user(form, None)
        if user is not None:
            invited = (
                ". An email invites them to set their own password (the link works for 72 hours)."
                if user.active
                else ""
            )
            flash(f"Created {user.full_name}{invited}", "success")
            _flash_if_awaiting_approval(user)
            return redirect(url_for(".people"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@roles_required(ADMIN)
@recent_sign_in_required(on=("POST",))
def edit_user(user_id: int) -> str | Response:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = _user_form(user)
    if request.method == "GET":
        form.department_id.data = user.department_id or 0
        form.assigned.data = [d.id for d in user.assigned_departments]
    if form.validate_on_submit() and _save_user(form, user) is not None:
        flash(f"Saved {user.full_name}", "success")
        _flash_if_awaiting_approval(user)
        return redirect(url_for(".people"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        confirm_form=ConfirmForm(),
        pending=(pending := approvals.pending_request(db.session, user)),
        pending_text=approvals.describe(pending.after_state) if pending else None,
        password_state=password_states(db.session, [user.id])[user.id],
        throttled=throttle.is_throttled(db.session, user),
        **page_context("admin.person", user=user),
    )


def _person_to_change(user_id: int) -> User:
    """The person a confirmed POST of the person page acts on: 404 if none, 400 without the
    form's CSRF token."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return user


def _flash_if_awaiting_approval(user: User) -> None:
    request_ = approvals.pending_request(db.session, user)
    if request_ is not None:
        flash(
            f"{user.full_name} to be {approvals.describe(request_.after_state)}: this waits for "
            "another administrator's approval on the Approvals page",
            "info",
        )


@bp.post("/people/<int:user_id>/invitation")
@roles_required(ADMIN)
def resend_invitation(user_id: int) -> Response:
    """Email a person who has not set their password yet a new invitation link."""
    user = _person_to_change(user_id)
    try:
        with runtime.transaction() as session:
            services.resend_invitation(session, user, current_user, ip_address=request.remote_addr)
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Sent {user.full_name} a new invitation to set their password", "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/people/<int:user_id>/active")
@roles_required(ADMIN)
def set_active(user_id: int) -> Response:
    """Deactivate an account (it can no longer sign in; its sessions end) or reactivate it."""
    user = _person_to_change(user_id)
    active = request.form.get("active") == "yes"
    try:
        with runtime.transaction() as session:
            changed = services.set_active(
                session, user, active, current_user, ip_address=request.remote_addr
            )
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        if changed:
            verb = "Reactivated" if active else "Deactivated"
            flash(f"{verb} {user.full_name}'s account", "success")
        else:
            _flash_if_awaiting_approval(user)
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/people/<int:user_id>/unlock")
@roles_required(ADMIN)
def unlock(user_id: int) -> Response:
    """Clear the sign-in delays of an account (after the owner asks, or an attack is over)."""
    user = _person_to_change(user_id)
    with runtime.transaction() as session:
        cleared = throttle.unlock_account(
            session, user, actor=current_user, ip_address=request.remote_addr
        )
    flash(
        f"Cleared the sign-in delays of {user.full_name}'s account"
        if cleared
        else f"{user.full_name}'s account had no sign-in delays",
        "success",
    )
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/people/roster")
@roles_required(ADMIN)
def roster() -> str | Response:
    """Read an uploaded roster and show what importing it would do; nothing changes yet."""
    form = RosterForm()
    if not form.validate_on_submit():
        flash(
            "Choose a CSV file to import. "
            + " ".join(e for errors in form.errors.values() for e in errors),
            "error",
        )
        return redirect(url_for(".people"))
    raw = form.file.data.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        report = services.RosterReport(
            errors=[(0, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})")]
        )
        return render_template("admin/roster_report.html", report=report)
    with runtime.transaction() as session:
        upload = services.keep_roster_upload(
            session, text, form.file.data.filename or "roster.csv", current_user
        )
        plan = services.plan_roster(session, text, runtime.settings())
    return _preview(upload.id, plan, changed=False)


def _preview(upload_id: int, plan: services.RosterPlan, *, changed: bool) -> str:
    return render_template(
        "admin/roster_preview.html",
        plan=plan,
        upload_id=upload_id,
        signature=plan.signature(),
        changed=changed,
        form=ConfirmForm(),
        clear=services.CLEAR,
    )


@bp.post("/people/roster/<int:upload_id>/confirm")
@roles_required(ADMIN)
def confirm_roster(upload_id: int) -> str | Response:
    """Import a previewed roster, if it would still do what the preview showed."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with runtime.transaction() as session:
            upload = services.roster_upload_for(session, upload_id, current_user)
            outcome = services.confirm_roster_upload(
                session,
                upload,
                request.form.get("signature", ""),
                current_user,
                runtime.settings(),
            )
    except services.AdminError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".people"))
    if isinstance(outcome, services.RosterPlan):
        return _preview(upload_id, outcome, changed=True)
    return render_template("admin/roster_report.html", report=outcome)


@bp.route("/cycles", methods=["GET", "POST"])
@roles_required(ADMIN)
def cycles() -> str | Response:
    form = CycleForm()
    form.departments.choices = _department_choices()
    confirm: str | None = None
    if form.validate_on_submit():
        chosen = [d for i in form.departments.data if (d := db.session.get(Department, i))]
        try:
            with runtime.transaction() as session:
                services.create_cycle(
                    session,
                    form.name.data,
                    form.opens_on.data,
                    form.due_on.data,
                    chosen,
                    current_user,
                    confirmed_unreviewed=confirmed_ids(form.confirm_unreviewed.data),
                )
        except services.NeedsConfirmation as exc:
            confirm = str(exc)
            form.confirm_unreviewed.data = ",".join(str(i) for i in exc.department_ids)
        except services.AdminError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Created cycle {form.name.data}", "success")
            return redirect(url_for(".cycles"))
    all_cycles = db.session.scalars(
        select(DeclarationCycle).order_by(DeclarationCycle.opens_on.desc())
    ).all()
    return render_template("admin/cycles.html", cycles=all_cycles, form=form, confirm=confirm)


def _cycle_or_404(cycle_id: int) -> DeclarationCycle:
    cycle = db.session.get(DeclarationCycle, cycle_id)
    if cycle is None:
        abort(404)
    return cycle


def _cycle_page(
    cycle: DeclarationCycle,
    departments_form: CycleDepartmentsForm | None = None,
    extend_form: ExtendCycleForm | None = None,
    confirm: str | None = None,
) -> str:
    departments_form = departments_form or CycleDepartmentsForm(formdata=None)
    departments_form.departments.choices = [
        (i, name) for i, name in _department_choices() if i not in {d.id for d in cycle.departments}
    ]
    covered = [d.id for d in cycle.departments]
    return render_template(
        "admin/cycle.html",
        cycle=cycle,
        departments_form=departments_form,
        extend_form=extend_form or ExtendCycleForm(formdata=None),
        close_form=ConfirmForm(),
        confirm=confirm,
        unreviewed=unreviewed_departments(db.session, covered) if covered else [],
    )


@bp.get("/cycles/<int:cycle_id>")
@roles_required(ADMIN)
def cycle(cycle_id: int) -> str:
    return _cycle_page(_cycle_or_404(cycle_id))


@bp.post("/cycles/<int:cycle_id>/departments")
@roles_required(ADMIN)
def add_cycle_departments(cycle_id: int) -> str | Response:
    """Add departments to a cycle; one nobody reviews is added only once confirmed."""
    cycle = _cycle_or_404(cycle_id)
    form = CycleDepartmentsForm()
    form.departments.choices = _department_choices()
    confirm = None
    if form.validate_on_submit():
        chosen = [d for i in form.departments.data if (d := db.session.get(Department, i))]
        try:
            with runtime.transaction() as session:
                added = services.add_cycle_departments(
                    session,
                    cycle,
                    chosen,
                    current_user,
                    confirmed_unreviewed=confirmed_ids(form.confirm_unreviewed.data),
                )
        except services.NeedsConfirmation as exc:
            confirm = str(exc)
            form.confirm_unreviewed.data = ",".join(str(i) for i in exc.department_ids)
        except services.AdminError as exc:
            form.departments.errors.append(str(exc))
        else:
            flash(
                f"Added {', '.join(d.code for d in added)} to {cycle.name}",
                "success",
            )
            return redirect(url_for(".cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, departments_form=form, confirm=confirm)


@bp.post("/cycles/<int:cycle_id>/due")
@roles_required(ADMIN)
def extend_cycle(cycle_id: int) -> str | Response:
    cycle = _cycle_or_404(cycle_id)
    form = ExtendCycleForm()
    if form.validate_on_submit():
        try:
            with runtime.transaction() as session:
                services.extend_cycle(session, cycle, form.due_on.data, current_user)
        except services.AdminError as exc:
            form.due_on.errors.append(str(exc))
        else:
            flash(f"{cycle.name} is now due on {cycle.due_on:%-d %B %Y}", "success")
            return redirect(url_for(".cycle", cycle_id=cycle.id))
    return _cycle_page(cycle, extend_form=form)


@bp.post("/cycles/<int:cycle_id>/close")
@roles_required(ADMIN)
def close_cycle(cycle_id: int) -> Response:
    cycle = _cycle_or_404(cycle_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if request.form.get("confirmed") != "yes":
        flash("Tick the box to confirm closing the cycle", "error")
        return redirect(url_for(".cycle", cycle_id=cycle.id))
    try:
        with runtime.transaction() as session:
            services.close_cycle(session, cycle, current_user, today=clock.today())
    except services.AdminError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Closed {cycle.name}", "success")
    return redirect(url_for(".cycle", cycle_id=cycle.id))
