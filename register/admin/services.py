"""Administration services: people, departments, cycles and the CSV roster import."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from register.admin.approvals import (
    PRIVILEGED_ROLES,
    ApprovalError,
    access_state,
    announce_removal,
    request_access,
)
from register.audit.log import record
from register.auth.invitations import password_states, send_invitation
from register.auth.passwords import hash_password
from register.clock import utcnow
from register.completeness.cycles import unreviewed_departments
from register.matching.people import parse_person_name, split_other_names
from register.models import DeclarationCycle, Department, Flag, RosterUpload, User
from register.models.access_requests import CHANGE, NEW_PERSON, REACTIVATE
from register.models.flags import OPEN, REOPENED
from register.models.people import COMPLIANCE, OFFICIAL, ROLES
from register.screening import screen_people
from register.settings import Settings

BIRTH_COLUMNS = ("birth_month", "birth_year")
# Optional: applied only when the roster has the column, so an older roster keeps what was set.
PERSON_COLUMNS = ("other_names", *BIRTH_COLUMNS)
USER_COLUMNS = (
    "email",
    "full_name",
    "role",
    "department_code",
    "job_title",
    "is_senior",
    "joined_on",
    "left_on",
)
ROSTER_COLUMNS = (*USER_COLUMNS, *PERSON_COLUMNS)
REQUIRED_ROSTER_COLUMNS = ("email", "full_name", "role")
MAX_OTHER_NAMES = 10
EARLIEST_BIRTH_YEAR = 1900
MINIMUM_AGE = 16  # a later year of birth than this allows is a typing mistake


class AdminError(Exception):
    """A request that breaks a rule; the message says which (`field`: the form field to show
    it on)."""

    field = "email"


class OwnAccessError(AdminError):
    """An administrator tried to change their own role or reviewed departments."""

    field = "role"


def unusable_password() -> str:
    """A hash nobody knows the password for: a new person sets their own with an invitation
    link (register.auth.invitations); nobody else ever chooses it."""
    return hash_password(secrets.token_urlsafe(32))


CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{1,32}$")


_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def refuse_line_breaks(value: str, what: str) -> None:
    """Cycle and department names go into headers, file names and email subjects: one line."""
    if _LINE_BREAKS.search(value):
        raise AdminError(
            f"The {what} must be one line, without line breaks, tabs or control characters"
        )


def create_department(session: Session, code: str, name: str, actor: User | None) -> Department:
    code, name = code.strip().upper(), name.strip()
    refuse_line_breaks(name, "department's name")
    if not CODE_PATTERN.match(code):
        raise AdminError("The code must be 1 to 32 letters, numbers, - or _")
    if not name or len(name) > 200:
        raise AdminError("Enter the department's name (200 characters or fewer)")
    if session.scalar(select(Department).where(Department.code == code)):
        raise AdminError(f"A department with code {code} already exists")
    if session.scalar(select(Department).where(Department.name == name)):
        raise AdminError(f"A department called {name} already exists")
    department = Department(code=code, name=name)
    session.add(department)
    session.flush()
    record(
        session,
        "admin.department_created",
        f"Created department {code}: {name}",
        actor=actor,
        object_type="department",
        object_id=department.id,
    )
    return department


def create_cycle(
    session: Session,
    name: str,
    opens_on: date,
    due_on: date,
    departments: Iterable[Department],
    actor: User | None,
    *,
    confirmed_unreviewed: Confirmed = True,
) -> DeclarationCycle:
    """Create a cycle (audited); with `confirmed_unreviewed` False, a department nobody
    reviews raises NeedsConfirmation first."""
    name = name.strip()
    refuse_line_breaks(name, "cycle's name")
    if not name or len(name) > 100:
        raise AdminError("Enter a name for the cycle (100 characters or fewer)")
    if due_on < opens_on:
        raise AdminError("The due date must be on or after the opening date")
    if session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == name)):
        raise AdminError(f"A cycle called {name} already exists")
    departments = list(departments)
    if not departments:
        raise AdminError("Choose at least one department")
    unreviewed = _unreviewed_check(session, departments, confirmed_unreviewed)
    cycle = DeclarationCycle(name=name, opens_on=opens_on, due_on=due_on, departments=departments)
    session.add(cycle)
    session.flush()
    record(
        session,
        "admin.cycle_created",
        f"Created cycle {name}: opens {opens_on}, due {due_on}, {len(departments)} departments",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={
            "departments": [d.code for d in departments],
            "confirmed_without_reviewer": unreviewed,
        },
    )
    return cycle


class NeedsConfirmation(AdminError):
    """The change is allowed, but the administrator must confirm it first (the message says
    what they are confirming; `department_ids` are the departments to confirm)."""

    def __init__(self, message: str, department_ids: list[int]) -> None:
        super().__init__(message)
        self.department_ids = department_ids


Confirmed = bool | Collection[int]  # True, or the ids of the departments confirmed


def _unreviewed_check(
    session: Session, departments: list[Department], confirmed: Confirmed
) -> list[str]:
    """The codes of `departments` nobody reviews; raises NeedsConfirmation unless each of them
    was confirmed."""
    unreviewed = unreviewed_departments(session, [d.id for d in departments])
    ids = [d.department_id for d in unreviewed]
    if ids and not (confirmed is True or (confirmed and set(ids) <= set(confirmed))):
        names = ", ".join(
            f"{d.name} ({d.code}, {d.officials} official{'' if d.officials == 1 else 's'})"
            for d in unreviewed
        )
        raise NeedsConfirmation(
            f"No compliance officer reviews {names}: their declarations and flags will reach "
            "nobody. Assign a compliance officer first, or confirm to add them anyway.",
            ids,
        )
    return [d.code for d in unreviewed]


def add_cycle_departments(
    session: Session,
    cycle: DeclarationCycle,
    departments: Iterable[Department],
    actor: User | None,
    *,
    confirmed_unreviewed: Confirmed = False,
) -> list[Department]:
    """Add departments to a cycle (audited, before and after); a department nobody reviews
    needs the administrator's confirmation."""
    added = [d for d in dict.fromkeys(departments) if d not in cycle.departments]
    if not added:
        raise AdminError("Choose at least one department that is not in the cycle yet")
    if cycle.closed_on is not None:
        raise AdminError(f"{cycle.name} is closed")
    unreviewed = _unreviewed_check(session, added, confirmed_unreviewed)
    before = sorted(d.code for d in cycle.departments)
    cycle.departments = [*cycle.departments, *added]
    session.flush()
    record(
        session,
        "admin.cycle_departments_added",
        f"Added {', '.join(d.code for d in added)} to cycle {cycle.name}",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={
            "before": {"departments": before},
            "after": {"departments": sorted(d.code for d in cycle.departments)},
            "confirmed_without_reviewer": unreviewed,
        },
    )
    return added


def extend_cycle(
    session: Session, cycle: DeclarationCycle, due_on: date, actor: User | None
) -> None:
    """Move a cycle's due date later (audited, before and after)."""
    if cycle.closed_on is not None:
        raise AdminError(f"{cycle.name} is closed")
    if due_on <= cycle.due_on:
        raise AdminError(
            f"The new due date must be after the current one ({cycle.due_on.isoformat()})"
        )
    before = cycle.due_on
    cycle.due_on = due_on
    record(
        session,
        "admin.cycle_extended",
        f"Extended cycle {cycle.name}: due {before} to {due_on}",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={"before": {"due_on": before.isoformat()}, "after": {"due_on": due_on.isoformat()}},
    )


def close_cycle(
    session: Session, cycle: DeclarationCycle, actor: User | None, *, today: date
) -> None:
    """Close a cycle (audited): it is no longer anyone's default and sends no reminders."""
    if cycle.closed_on is not None:
        raise AdminError(f"{cycle.name} is already closed")
    if cycle.opens_on > today:
        raise AdminError(f"{cycle.name} has not opened yet")
    cycle.closed_on = today
    record(
        session,
        "admin.cycle_closed",
        f"Closed cycle {cycle.name}",
        actor=actor,
        object_type="cycle",
        object_id=cycle.id,
        details={"before": {"closed_on": None}, "after": {"closed_on": today.isoformat()}},
    )


@dataclass
class PersonDetails:
    """Other names used and month and year of birth, to screen against company officer records."""

    other_names: str | None = None  # one name a line
    birth_month: int | None = None
    birth_year: int | None = None


def _whole_number(text: str, low: int, high: int) -> int | None:
    """The number in `text`, or None if it is not a whole number from low to high."""
    text = text.strip()
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses.
    return int(text) if text.isascii() and text.isdigit() and low <= int(text) <= high else None


def parse_person_details(
    other_names: str | None, birth_month: str | None, birth_year: str | None
) -> tuple[PersonDetails, dict[str, str]]:
    """Person details from what was typed, and a message per field that is wrong.

    Other names are separated by semicolons or new lines; each needs a forename and a surname,
    as screening compares both.
    """
    problems: dict[str, str] = {}
    names = split_other_names(other_names)
    if len(names) > MAX_OTHER_NAMES:
        problems["other_names"] = f"Enter at most {MAX_OTHER_NAMES} other names"
    elif any(len(name) > 200 for name in names):
        problems["other_names"] = "Each other name must be 200 characters or fewer"
    else:
        unusable = next((n for n in names if parse_person_name(n) is None), None)
        if unusable is not None:
            problems["other_names"] = (
                f"Other name '{unusable}' needs a forename and a surname, for example Jane Smith"
            )
    month_text, year_text = (birth_month or "").strip(), (birth_year or "").strip()
    month = _whole_number(month_text, 1, 12)
    latest = date.today().year - MINIMUM_AGE
    year = _whole_number(year_text, EARLIEST_BIRTH_YEAR, latest)
    if month_text and month is None:
        problems["birth_month"] = "Month of birth must be a number from 1 to 12"
    if year_text and year is None:
        problems["birth_year"] = (
            f"Year of birth must be a year from {EARLIEST_BIRTH_YEAR} to {latest}"
        )
    elif month_text and not year_text:
        problems["birth_year"] = "Enter the year of birth as well as the month"
    details = PersonDetails("\n".join(names) or None, month, year)
    return details, problems


def apply_person_details(user: User, details: PersonDetails, fields: Iterable[str]) -> list[str]:
    """Set the named person fields on `user`; returns the names of those that changed."""
    changed = []
    for name in fields:
        value = getattr(details, name)
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    return changed


@dataclass
class UserFields:
    email: str
    full_name: str
    role: str
    department: Department | None = None
    job_title: str | None = None
    is_senior: bool = False
    joined_on: date | None = None
    left_on: date | None = None
    person: PersonDetails = field(default_factory=PersonDetails)
    is_service_account: bool = False  # only when the account is made (see User)


def check_user_fields(fields: UserFields) -> list[str]:
    problems = []
    try:
        fields.email = validate_email(fields.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        problems.append(f"email {fields.email!r} is not valid: {exc}")
    if not fields.full_name.strip():
        problems.append("full_name is empty")
    # The column sizes: longer values would fail in the database (PostgreSQL refuses them).
    if len(fields.email) > 254:
        problems.append("email is longer than 254 characters")
    if len(fields.full_name.strip()) > 200:
        problems.append("full_name is longer than 200 characters")
    if fields.job_title and len(fields.job_title) > 200:
        problems.append("job_title is longer than 200 characters")
    if fields.role not in ROLES:
        problems.append(f"role {fields.role!r} is not one of {', '.join(ROLES)}")
    if fields.role == "official" and fields.department is None:
        problems.append("an official needs a department_code")
    if fields.left_on and fields.joined_on and fields.left_on < fields.joined_on:
        problems.append("left_on is before joined_on")
    return problems


def create_user(session: Session, fields: UserFields, actor: User | None) -> User:
    """Create a person (audited) with a password nobody knows: the door that creates them sends
    the invitation to set their own (`save_person`, `apply_roster`) or prints the first
    administrator's link (`users create`)."""
    problems = check_user_fields(fields)
    if session.scalar(select(User).where(func.lower(User.email) == fields.email.lower())):
        problems.append(f"a user with email {fields.email} already exists")
    if problems:
        raise AdminError("; ".join(problems))
    user = User(
        email=fields.email,
        full_name=fields.full_name.strip(),
        role=fields.role,
        department=fields.department,
        job_title=fields.job_title,
        is_senior=fields.is_senior,
        joined_on=fields.joined_on,
        left_on=fields.left_on,
        password_hash=unusable_password(),
        is_service_account=fields.is_service_account,
    )
    personal = apply_person_details(user, fields.person, PERSON_COLUMNS)
    session.add(user)
    session.flush()
    # Which person details were given, never their values: the log cannot be anonymised.
    details: dict[str, Any] = {"personal_details": personal} if personal else {}
    if user.is_service_account:
        details["service_account"] = True
    record(
        session,
        "admin.user_created",
        f"Created {user.role_label.lower()} {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        details=details or None,
    )
    return user


def save_person(
    session: Session,
    user: User | None,
    fields: UserFields,
    *,
    assigned: Collection[Department],
    actor: User,
    settings: Settings,
    ip_address: str | None = None,
) -> User:
    """Create a person, or update one (audited with before and after; personal details by
    name only), set a compliance officer's departments, and screen an official again when their
    name, person details or department changed.

    Separation of duties: nobody changes their own role or reviewed departments
    (OwnAccessError); a privileged role or new reviewed departments become an access request
    for another administrator (register.admin.approvals), and a person created with a
    privileged role stays inactive until it is approved. `approvals.pending_request` says
    whether one is waiting. A new person is emailed an invitation to set their own password
    (once approved, for a privileged role; never for a service account): nobody sets another
    person's password here."""
    screened_as = None if user is None else (user.full_name, user.department_id)
    personal: list[str] = []
    asked_codes = sorted(d.code for d in assigned) if fields.role == COMPLIANCE else []
    try:
        if user is None:
            user = create_user(session, fields, actor)
            if user.role in PRIVILEGED_ROLES:
                # No powers (not active, no departments) until another administrator approves.
                user.active = False
                request_access(
                    session,
                    user,
                    NEW_PERSON,
                    {"role": user.role, "assigned_departments": [], "active": False},
                    {"role": user.role, "assigned_departments": asked_codes, "active": True},
                    actor=actor,
                    ip_address=ip_address,
                )
            elif not user.is_service_account:
                send_invitation(session, user, actor=actor, ip_address=ip_address)
        else:
            problems = check_user_fields(fields)
            if problems:
                raise AdminError("; ".join(problems))
            _refuse_own_access_change(user, fields, asked_codes, actor)
            personal = _update_person(
                session, user, fields, assigned, asked_codes, actor, settings, ip_address
            )
    except ApprovalError as exc:
        raise AdminError(str(exc)) from None
    if user.role == OFFICIAL and (personal or screened_as != (user.full_name, user.department_id)):
        session.flush()
        screen_people(session, [user.id], settings)
    return user


def _refuse_own_access_change(
    user: User, fields: UserFields, asked_codes: list[str], actor: User
) -> None:
    """Nobody changes their own role or the departments they review (separation of duties)."""
    if user.id != actor.id:
        return
    if fields.role != user.role:
        raise OwnAccessError("You cannot change your own role: ask another administrator to do it")
    if user.role == COMPLIANCE and asked_codes != sorted(d.code for d in user.assigned_departments):
        raise OwnAccessError(
            "You cannot change the departments you review: ask another administrator to do it"
        )


def _update_person(
    session: Session,
    user: User,
    fields: UserFields,
    assigned: Collection[Department],
    asked_codes: list[str],
    actor: User,
    settings: Settings,
    ip_address: str | None,
) -> list[str]:
    """Update a person (audited with before and after). Granting a privileged role, or adding
    departments to a compliance officer, becomes a request for a second administrator's approval
    and leaves role and departments as they are; removing them is done at once and announced.
    Returns the names of the person details that changed."""
    before = _audited_state(user)
    was = access_state(user)
    grant = fields.role in PRIVILEGED_ROLES and fields.role != user.role
    adds = fields.role == COMPLIANCE and bool(set(asked_codes) - set(was["assigned_departments"]))
    if grant or adds:
        request_access(
            session,
            user,
            CHANGE,
            {"role": user.role, "assigned_departments": was["assigned_departments"]},
            {"role": fields.role, "assigned_departments": asked_codes},
            actor=actor,
            ip_address=ip_address,
        )
    else:
        user.role = fields.role
        user.assigned_departments = list(assigned) if user.role == COMPLIANCE else []
    for name in ("full_name", "job_title", "is_senior", "joined_on", "left_on"):
        setattr(user, name, getattr(fields, name))
    user.department = fields.department
    personal = apply_person_details(
        user, fields.person, person_fields(settings.collect_birth_dates)
    )
    after = _audited_state(user)
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    session.flush()
    moved = move_open_flags(session, user) if "department" in changed else 0
    record(
        session,
        "admin.user_updated",
        f"Updated {user.email}" + (f": {', '.join(changed)}" if changed else ""),
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={
            "before": {k: before[k] for k in changed},
            "after": {k: after[k] for k in changed},
            # Which, never their values: the log cannot be anonymised later.
            "personal_details_changed": personal,
            "open_flags_moved": moved,
        },
    )
    if was["role"] in PRIVILEGED_ROLES and user.role not in PRIVILEGED_ROLES:
        announce_removal(session, user, was, actor)
    return personal


def resend_invitation(
    session: Session, user: User, actor: User, *, ip_address: str | None = None
) -> None:
    """Email a person who has not set a password yet a new invitation (the older link stops
    working); audited. Someone who has a password uses "Forgot your password?" instead."""
    if user.is_service_account:
        raise AdminError(f"{user.full_name} is a service account: it never signs in on the web")
    if not user.active:
        raise AdminError(f"{user.full_name}'s account is deactivated: reactivate it first")
    if not password_states(session, [user.id])[user.id].pending:
        raise AdminError(
            f"{user.full_name} has set a password already; they can reset it themselves with "
            '"Forgot your password?" on the sign-in page'
        )
    send_invitation(session, user, actor=actor, ip_address=ip_address)


def move_open_flags(session: Session, user: User) -> int:
    """An official's open (and reopened) flags follow them to their department now, so alerts
    and lists that go by a flag's department reach the new department's compliance officers
    (access goes by the official's department already); decided flags keep the department they
    were decided in. Returns how many moved; the caller audits it with the person's change."""
    moved = session.execute(
        update(Flag)
        .where(
            Flag.official_id == user.id,
            Flag.status.in_((OPEN, REOPENED)),
            or_(Flag.department_id.is_(None), Flag.department_id != user.department_id)
            if user.department_id is not None
            else Flag.department_id.is_not(None),
        )
        .values(department_id=user.department_id)
        .execution_options(synchronize_session="fetch")
    )
    return int(moved.rowcount or 0)  # type: ignore[attr-defined]


def _audited_state(user: User) -> dict[str, Any]:
    """What a change of a person is audited with, before and after (no personal details)."""
    return {
        "full_name": user.full_name,
        "role": user.role,
        "department": user.department.code if user.department else None,
        "job_title": user.job_title,
        "is_senior": user.is_senior,
        "joined_on": user.joined_on.isoformat() if user.joined_on else None,
        "left_on": user.left_on.isoformat() if user.left_on else None,
        "assigned_departments": sorted(d.code for d in user.assigned_departments),
    }


def set_active(
    session: Session, user: User, active: bool, actor: User, *, ip_address: str | None = None
) -> bool:
    """Deactivate an account (it can no longer sign in) or reactivate it, audited; returns
    whether anything changed. Nobody deactivates their own account; reactivating a person with
    a privileged role becomes an access request (nothing changes yet)."""
    if user.id == actor.id and not active:
        raise AdminError("You cannot deactivate your own account; ask another administrator.")
    if user.active == active:
        return False
    if active and user.role in PRIVILEGED_ROLES:
        # A privileged role comes back only with a second administrator's approval (this also
        # keeps a person created with one, whose request was rejected, without access).
        try:
            request_access(
                session,
                user,
                REACTIVATE,
                {"active": False},
                {"active": True},
                actor=actor,
                ip_address=ip_address,
            )
        except ApprovalError as exc:
            raise AdminError(str(exc)) from None
        return False
    user.active = active
    verb = "Reactivated" if active else "Deactivated"
    record(
        session,
        f"admin.user_{verb.lower()}",
        f"{verb} {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={"before": {"active": not active}, "after": {"active": active}},
    )
    return True


@dataclass
class RosterReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, message)
    ignored_columns: list[str] = field(default_factory=list)  # birth dates when not collected
    # Officials added, or whose names, birth date or department changed: screened again.
    changed_people: list[int] = field(default_factory=list)

    @property
    def ignored_message(self) -> str | None:
        return _ignored_message(self.ignored_columns)


def _ignored_message(columns: list[str]) -> str | None:
    if not columns:
        return None
    return (
        f"Columns {' and '.join(columns)} were ignored: this register does not "
        "collect dates of birth (COLLECT_BIRTH_DATES is off)"
    )


# The roster's rules, documented in docs/roster.md and on the import page: a blank cell leaves
# what is recorded unchanged; CLEAR empties a column that may be empty; yes/no columns take
# only these values (any case).
CLEAR = "(clear)"
YES_VALUES = ("yes", "y", "true", "1")
NO_VALUES = ("no", "n", "false", "0")
CLEARABLE = ("department_code", "job_title", "joined_on", "left_on", *PERSON_COLUMNS)
# The columns compared and changed on an existing person, in the order a preview shows them.
UPDATABLE = ("full_name", "department", "job_title", "is_senior", "joined_on", "left_on")


def _parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in YES_VALUES:
        return True
    if value in NO_VALUES:
        return False
    raise AdminError(
        f"is_senior {text.strip()!r} is not yes or no (use one of "
        f"{', '.join(YES_VALUES + NO_VALUES)}, or leave it blank)"
    )


def _parse_date(text: str, column: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AdminError(f"{column} {text!r} is not a date in the form YYYY-MM-DD") from None


def person_fields(collect_birth_dates: bool) -> tuple[str, ...]:
    """The person details kept: month and year of birth only when the register collects them."""
    return tuple(c for c in PERSON_COLUMNS if collect_birth_dates or c not in BIRTH_COLUMNS)


def roster_columns(collect_birth_dates: bool) -> tuple[str, ...]:
    return (*USER_COLUMNS, *person_fields(collect_birth_dates))


def _rows(reader: csv.DictReader[str], errors: list[tuple[int, str]]) -> Iterator[dict[str, str]]:
    """The roster's rows; a line the CSV reader cannot read ends the file, reported."""
    try:
        yield from reader
    except csv.Error as exc:
        errors.append((reader.line_num, f"not a CSV row, the rest of the file was not read: {exc}"))


@dataclass
class PlannedCreate:
    line: int
    fields: UserFields


@dataclass
class PlannedUpdate:
    """An existing person and what the row changes: field -> (before, after), as shown."""

    line: int
    user: User
    fields: UserFields
    changes: dict[str, tuple[Any, Any]]
    personal: PersonDetails
    personal_changed: list[str]


@dataclass
class RosterPlan:
    """What importing a roster would do, worked out without changing anything."""

    to_create: list[PlannedCreate] = field(default_factory=list)
    to_update: list[PlannedUpdate] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    person_columns: list[str] = field(default_factory=list)

    @property
    def ignored_message(self) -> str | None:
        return _ignored_message(self.ignored_columns)

    def signature(self) -> str:
        """A digest of what would change: the preview and the confirmation must agree on it."""
        summary = {
            "create": [(p.line, p.fields.email) for p in self.to_create],
            "update": [(p.line, p.user.id, p.changes, p.personal_changed) for p in self.to_update],
            "unchanged": self.unchanged,
            "errors": self.errors,
        }
        text = json.dumps(summary, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _cell(row: dict[str, str], column: str) -> str:
    return (row.get(column) or "").strip()


def plan_roster(session: Session, text: str, settings: Settings) -> RosterPlan:
    """Read a roster and work out what it would create, change and reject; changes nothing.

    Two rows with one email are both rejected. A blank cell keeps what is recorded; CLEAR
    empties a column that may be empty.
    """
    collect_birth_dates = settings.collect_birth_dates
    plan = RosterPlan()
    # newline="": line breaks inside quoted cells are the cell's, and a lone \r is a line break.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        plan.errors.append((1, f"the header is not a CSV row: {exc}"))
        return plan
    missing = [c for c in REQUIRED_ROSTER_COLUMNS if c not in header]
    if missing:
        expected = ", ".join(roster_columns(collect_birth_dates))
        plan.errors.append((1, f"missing columns: {', '.join(missing)} (expected {expected})"))
        return plan
    plan.person_columns = [c for c in person_fields(collect_birth_dates) if c in header]
    plan.ignored_columns = [c for c in BIRTH_COLUMNS if c in header and not collect_birth_dates]
    rows = [(reader.line_num, row) for row in _rows(reader, plan.errors)]
    lines_by_email: dict[str, list[int]] = {}
    for line, row in rows:
        key = _cell(row, "email").lower()
        if key:
            lines_by_email.setdefault(key, []).append(line)
    departments = {d.code: d for d in session.scalars(select(Department))}
    errors: list[tuple[int, str]] = []
    for line, row in rows:
        lines = lines_by_email.get(_cell(row, "email").lower(), [])
        if len(lines) > 1:
            others = ", ".join(str(n) for n in lines)
            errors.append(
                (
                    line,
                    f"email {_cell(row, 'email')} appears on lines {others}: "
                    "none of these rows was imported",
                )
            )
            continue
        try:
            _plan_row(session, plan, line, row, departments)
        except AdminError as exc:
            errors.append((line, str(exc)))
    plan.errors = sorted(plan.errors + errors)
    return plan


def _plan_row(
    session: Session,
    plan: RosterPlan,
    line: int,
    row: dict[str, str],
    departments: dict[str, Department],
) -> None:
    email = _cell(row, "email")
    existing = (
        session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if email
        else None
    )
    problems: list[str] = []
    if existing is not None and (existing.role != OFFICIAL or existing.is_service_account):
        kind = "service account" if existing.is_service_account else existing.role_label.lower()
        article = "an" if kind[0] in "aeiou" else "a"
        raise AdminError(
            f"{existing.email} is {article} {kind}: a roster creates and updates officials "
            "only, so change this person on their page"
        )
    role_text = _cell(row, "role").lower()
    if role_text and role_text != OFFICIAL:
        raise AdminError(
            f"role {_cell(row, 'role')!r}: a roster creates and updates officials only; "
            "other roles are given on the person's page, with a second administrator's approval"
        )
    for column in USER_COLUMNS:
        if _cell(row, column).lower() == CLEAR and column not in CLEARABLE:
            problems.append(f"{column} cannot be cleared")
    if problems:
        raise AdminError("; ".join(problems))

    def given(column: str) -> str | None:
        """The cell's text; None when blank (keep what is recorded); "" for CLEAR."""
        value = _cell(row, column)
        if not value:
            return None
        return "" if value.lower() == CLEAR else value

    code_text = given("department_code")
    code = code_text.upper() if code_text else code_text
    if code and code not in departments:
        raise AdminError(f"department_code {code!r} does not exist")
    senior_text = given("is_senior")
    joined_text, left_text = given("joined_on"), given("left_on")
    fields = UserFields(
        email=email,
        full_name=given("full_name") or (existing.full_name if existing else ""),
        role=(given("role") or (existing.role if existing else "")).lower(),
        department=(
            departments[code]
            if code
            else (existing.department if existing and code is None else None)
        ),
        job_title=(
            given("job_title") or None
            if given("job_title") is not None
            else (existing.job_title if existing else None)
        ),
        is_senior=(
            _parse_bool(senior_text) if senior_text else (existing.is_senior if existing else False)
        ),
        joined_on=(
            _parse_date(joined_text, "joined_on")
            if joined_text is not None
            else (existing.joined_on if existing else None)
        ),
        left_on=(
            _parse_date(left_text, "left_on")
            if left_text is not None
            else (existing.left_on if existing else None)
        ),
    )

    def person_text(column: str) -> str:
        value = given(column) if column in plan.person_columns else None
        if value is not None:
            return value
        recorded = getattr(existing, column) if existing else None
        return "" if recorded is None else str(recorded)

    fields.person, person_problems = parse_person_details(*(person_text(c) for c in PERSON_COLUMNS))
    problems = check_user_fields(fields)
    problems += [f"{column}: {message}" for column, message in person_problems.items()]
    if problems:
        raise AdminError("; ".join(problems))
    if existing is None:
        plan.to_create.append(PlannedCreate(line, fields))
        return
    changes: dict[str, tuple[Any, Any]] = {}
    for name in UPDATABLE:
        if name == "department":
            before = existing.department.code if existing.department else None
            after = fields.department.code if fields.department else None
        else:
            before, after = getattr(existing, name), getattr(fields, name)
        if before != after:
            changes[name] = (before, after)
    personal = [c for c in plan.person_columns if getattr(existing, c) != getattr(fields.person, c)]
    if changes or personal:
        plan.to_update.append(
            PlannedUpdate(line, existing, fields, changes, fields.person, personal)
        )
    else:
        plan.unchanged += 1


def apply_roster(
    session: Session, plan: RosterPlan, actor: User | None, settings: Settings
) -> RosterReport:
    """Make the changes of `plan` (in the caller's transaction), each person audited with
    before and after values (personal details by name only); each person added is emailed an
    invitation to set their password; officials added, or whose names, birth date or
    department changed, are screened again."""
    report = RosterReport(
        unchanged=plan.unchanged,
        errors=list(plan.errors),
        ignored_columns=list(plan.ignored_columns),
    )
    for new in plan.to_create:
        if new.fields.role != OFFICIAL:  # plan_roster refuses them; never created here
            report.errors.append((new.line, "a roster creates officials only"))
            continue
        try:
            with session.begin_nested():
                created = create_user(session, new.fields, actor)
                send_invitation(session, created, actor=actor)
        except AdminError as exc:  # created by someone else since the plan was made
            report.errors.append((new.line, str(exc)))
            continue
        report.created += 1
        if created.role == OFFICIAL:
            report.changed_people.append(created.id)
    for planned in plan.to_update:
        user = planned.user
        if user.role != OFFICIAL or planned.fields.role != OFFICIAL or user.is_service_account:
            report.errors.append((planned.line, "a roster updates officials only"))
            continue
        details: dict[str, Any] = {
            "changes": {name: list(pair) for name, pair in planned.changes.items()},
            "personal_details_changed": planned.personal_changed,
        }
        for name in UPDATABLE:
            if name in planned.changes:
                setattr(user, name, getattr(planned.fields, name))
        apply_person_details(user, planned.personal, planned.personal_changed)
        if "department" in planned.changes:
            session.flush()
            details["open_flags_moved"] = move_open_flags(session, user)
        if user.role == OFFICIAL and (
            planned.personal_changed or {"full_name", "department"} & set(planned.changes)
        ):
            report.changed_people.append(user.id)
        report.updated += 1
        record(
            session,
            "admin.user_updated",
            f"Roster updated {user.email}: "
            + ", ".join([*planned.changes, *planned.personal_changed]),
            actor=actor,
            object_type="user",
            object_id=user.id,
            details=details,
        )
    report.errors.sort()
    session.flush()
    screen_people(session, report.changed_people, settings)
    record(
        session,
        "admin.roster_imported",
        f"Roster import: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.errors)} rejected",
        actor=actor,
        details={"errors": report.errors[:100]},
    )
    return report


def import_roster(
    session: Session,
    text: str,
    actor: User | None,
    settings: Settings,
) -> RosterReport:
    """Create or update users from a roster CSV; each bad row is reported and the good ones
    kept (see `plan_roster` for the rules). Birth date columns are ignored (and reported as
    such) unless the register collects them."""
    return apply_roster(session, plan_roster(session, text, settings), actor, settings)


UPLOAD_LIFETIME = timedelta(hours=2)


def keep_roster_upload(session: Session, text: str, filename: str, actor: User) -> RosterUpload:
    """Keep a roster between its preview and the confirmation (uploads older than
    UPLOAD_LIFETIME are deleted)."""
    session.execute(
        delete(RosterUpload).where(RosterUpload.created_at < utcnow() - UPLOAD_LIFETIME)
    )
    upload = RosterUpload(
        uploaded_by_id=actor.id,
        filename=filename[:255],
        content=text,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )
    session.add(upload)
    session.flush()
    return upload


def roster_upload_for(session: Session, upload_id: int, actor: User) -> RosterUpload:
    """The upload `actor` previewed, unchanged, not imported yet and not expired."""
    upload = session.get(RosterUpload, upload_id)
    if upload is None or upload.uploaded_by_id != actor.id:
        raise AdminError("That roster upload was not found: upload the file again")
    if upload.imported_at is not None:
        raise AdminError("That roster was already imported")
    if upload.created_at < utcnow() - UPLOAD_LIFETIME:
        raise AdminError("The preview has expired: upload the file again")
    if hashlib.sha256(upload.content.encode()).hexdigest() != upload.digest:
        raise AdminError("The stored roster does not match its digest: upload the file again")
    return upload


def confirm_roster_upload(
    session: Session,
    upload: RosterUpload,
    signature: str,
    actor: User,
    settings: Settings,
) -> RosterReport | RosterPlan:
    """Import a previewed roster if what it would do is still what was previewed (the report);
    otherwise the new plan, to preview again."""
    plan = plan_roster(session, upload.content, settings)
    if plan.signature() != signature:
        return plan
    upload.imported_at = utcnow()
    return apply_roster(session, plan, actor, settings)


def erase_birth_dates(session: Session, actor: User | None) -> int:
    """Erase every recorded month and year of birth (when the organisation stops collecting
    them); returns how many people had one. Audited, with the count only."""
    holders = session.scalars(
        select(User).where(or_(User.birth_month.is_not(None), User.birth_year.is_not(None)))
    ).all()
    for user in holders:
        user.birth_month = user.birth_year = None
    record(
        session,
        "admin.birth_dates_erased",
        f"Erased the month and year of birth of {len(holders)} people",
        actor=actor,
        details={"people": len(holders)},
    )
    return len(holders)
