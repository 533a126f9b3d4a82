"""Administration services: people, departments, cycles and the CSV roster import."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.auth.passwords import hash_password
from register.matching.people import parse_person_name, split_other_names
from register.models import DeclarationCycle, Department, User
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
    """A request that breaks a rule; the message says which."""


def unusable_password() -> str:
    """A hash nobody knows the password for; an administrator sets a real one."""
    return hash_password(secrets.token_urlsafe(32))


CODE_PATTERN = re.compile(r"^[A-Z0-9_-]{1,32}$")


def create_department(session: Session, code: str, name: str, actor: User | None) -> Department:
    code, name = code.strip().upper(), name.strip()
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
) -> DeclarationCycle:
    name = name.strip()
    if not name or len(name) > 100:
        raise AdminError("Enter a name for the cycle (100 characters or fewer)")
    if due_on < opens_on:
        raise AdminError("The due date must be on or after the opening date")
    if session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == name)):
        raise AdminError(f"A cycle called {name} already exists")
    departments = list(departments)
    if not departments:
        raise AdminError("Choose at least one department")
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
        details={"departments": [d.code for d in departments]},
    )
    return cycle


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


def create_user(
    session: Session, fields: UserFields, actor: User | None, password: str | None = None
) -> User:
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
        password_hash=hash_password(password) if password else unusable_password(),
    )
    personal = apply_person_details(user, fields.person, PERSON_COLUMNS)
    session.add(user)
    session.flush()
    record(
        session,
        "admin.user_created",
        f"Created {user.role_label.lower()} {user.email}",
        actor=actor,
        object_type="user",
        object_id=user.id,
        # Which person details were given, never their values: the log cannot be anonymised.
        details={"personal_details": personal} if personal else None,
    )
    return user


def save_person(
    session: Session,
    user: User | None,
    fields: UserFields,
    *,
    assigned: Iterable[Department],
    password: str | None,
    actor: User,
    settings: Settings,
    ip_address: str | None = None,
) -> User:
    """Create a person, or update one (audited with before and after; personal details by
    name only), set a compliance officer's departments, and screen an official again when their
    name, person details or department changed."""
    screened_as = None if user is None else (user.full_name, user.department_id)
    personal: list[str] = []
    if user is None:
        user = create_user(session, fields, actor, password)
    else:
        problems = check_user_fields(fields)
        if problems:
            raise AdminError("; ".join(problems))
        before = {"role": user.role, "department": user.department_id, "active": user.active}
        for name in ("full_name", "role", "job_title", "is_senior", "joined_on", "left_on"):
            setattr(user, name, getattr(fields, name))
        user.department = fields.department
        personal = apply_person_details(
            user, fields.person, person_fields(settings.collect_birth_dates)
        )
        if password:
            user.password_hash = hash_password(password)
            user.failed_logins = 0
            user.locked_until = None
        record(
            session,
            "admin.user_updated",
            f"Updated {user.email}",
            actor=actor,
            object_type="user",
            object_id=user.id,
            ip_address=ip_address,
            details={
                "before": before,
                "after": {"role": user.role, "department": user.department_id},
                "password_reset": bool(password),
                # Which, never their values: the log cannot be anonymised later.
                "personal_details_changed": personal,
            },
        )
    user.assigned_departments = list(assigned) if user.role == COMPLIANCE else []
    if user.role == OFFICIAL and (personal or screened_as != (user.full_name, user.department_id)):
        session.flush()
        screen_people(session, [user.id], settings)
    return user


def set_active(
    session: Session, user: User, active: bool, actor: User, *, ip_address: str | None = None
) -> bool:
    """Deactivate an account (it can no longer sign in) or reactivate it, audited; returns
    whether anything changed. Nobody deactivates their own account."""
    if user.id == actor.id and not active:
        raise AdminError("You cannot deactivate your own account; ask another administrator.")
    if user.active == active:
        return False
    user.active = active
    if active:
        user.failed_logins, user.locked_until = 0, None
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
        if not self.ignored_columns:
            return None
        return (
            f"Columns {' and '.join(self.ignored_columns)} were ignored: this register does not "
            "collect dates of birth (COLLECT_BIRTH_DATES is off)"
        )


def _parse_bool(text: str) -> bool:
    return text.strip().lower() in ("1", "yes", "true", "y")


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


def _rows(reader: csv.DictReader[str], report: RosterReport) -> Iterator[dict[str, str]]:
    """The roster's rows; a line the CSV reader cannot read ends the file, reported."""
    try:
        yield from reader
    except csv.Error as exc:
        report.errors.append(
            (reader.line_num, f"not a CSV row, the rest of the file was not read: {exc}")
        )


def import_roster(
    session: Session,
    text: str,
    actor: User | None,
    settings: Settings,
) -> RosterReport:
    """Create or update users from CSV rows; each bad row is reported and the good ones kept.

    Each row is applied in a savepoint, so a failing row never leaves part of itself behind.
    Birth date columns are ignored (and reported as such) unless the register collects them.
    Officials added or whose names, birth date or department changed are screened against
    company officer records again.
    """
    collect_birth_dates = settings.collect_birth_dates
    report = RosterReport()
    # newline="": line breaks inside quoted cells are the cell's, and a lone \r is a line break.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        report.errors.append((1, f"the header is not a CSV row: {exc}"))
        return report
    missing = [c for c in REQUIRED_ROSTER_COLUMNS if c not in header]
    if missing:
        expected = ", ".join(roster_columns(collect_birth_dates))
        report.errors.append((1, f"missing columns: {', '.join(missing)} (expected {expected})"))
        return report
    person_columns = [c for c in person_fields(collect_birth_dates) if c in header]
    report.ignored_columns = [c for c in BIRTH_COLUMNS if c in header and not collect_birth_dates]
    departments = {d.code: d for d in session.scalars(select(Department))}
    for row in _rows(reader, report):
        line = reader.line_num
        try:
            with session.begin_nested():
                _apply_roster_row(session, row, departments, person_columns, report, actor)
        except AdminError as exc:
            report.errors.append((line, str(exc)))
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


def _apply_roster_row(
    session: Session,
    row: dict[str, str],
    departments: dict[str, Department],
    person_columns: list[str],
    report: RosterReport,
    actor: User | None,
) -> None:
    code = (row.get("department_code") or "").strip().upper()
    if code and code not in departments:
        raise AdminError(f"department_code {code!r} does not exist")
    person, person_problems = parse_person_details(
        *((row.get(c) or "") if c in person_columns else "" for c in PERSON_COLUMNS)
    )
    fields = UserFields(
        email=(row.get("email") or "").strip(),
        full_name=(row.get("full_name") or "").strip(),
        role=(row.get("role") or "").strip().lower(),
        department=departments.get(code) if code else None,
        job_title=(row.get("job_title") or "").strip() or None,
        is_senior=_parse_bool(row.get("is_senior") or ""),
        joined_on=_parse_date(row.get("joined_on") or "", "joined_on"),
        left_on=_parse_date(row.get("left_on") or "", "left_on"),
        person=person,
    )
    problems = check_user_fields(fields)
    problems += [f"{column}: {message}" for column, message in person_problems.items()]
    if problems:
        raise AdminError("; ".join(problems))
    existing = session.scalar(select(User).where(func.lower(User.email) == fields.email.lower()))
    if existing is None:
        created = create_user(session, fields, actor)
        report.created += 1
        if created.role == OFFICIAL:
            report.changed_people.append(created.id)
        return
    changes = {}
    for name in ("full_name", "role", "job_title", "is_senior", "joined_on", "left_on"):
        if getattr(existing, name) != getattr(fields, name):
            changes[name] = (getattr(existing, name), getattr(fields, name))
            setattr(existing, name, getattr(fields, name))
    if existing.department_id != (fields.department.id if fields.department else None):
        changes["department"] = (existing.department_id, code)
        existing.department = fields.department
    personal = apply_person_details(existing, person, person_columns)
    if existing.role == OFFICIAL and (personal or {"full_name", "department"} & set(changes)):
        report.changed_people.append(existing.id)
    if changes or personal:
        report.updated += 1
        record(
            session,
            "admin.user_updated",
            f"Roster updated {existing.email}",
            actor=actor,
            object_type="user",
            object_id=existing.id,
            details={"changes": changes, "personal_details_changed": personal},
        )
    else:
        report.unchanged += 1


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
