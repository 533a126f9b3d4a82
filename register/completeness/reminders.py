"""Reminders to officials who have not filed: by hand, or on the cycle's schedule (no Flask).

The schedule: 14 and 3 days before the official's due date, then on the first day overdue and
every 7 days after while they still have not filed. Each schedule point is sent at most once per
official and cycle (a unique constraint backs this), so running the command twice is harmless.

Whichever button (or the schedule) sends it, an official gets at most one reminder per cycle per
day (UK date; the unique constraint on `reminder.sent_on` backs this too). A reminder is queued
in the outbox with the change; it is "sent" only once the outbox has delivered its email.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from register.audit.log import record
from register.completeness.services import NOT_YET_DUE, OVERDUE, Person, people
from register.links import absolute_url
from register.models import DeclarationCycle, Reminder, User
from register.models.reminders import MANUAL, SCHEDULED
from register.notify.outbox import queue_email


class ReminderError(Exception):
    """The reminder cannot be sent; the message says why."""


def schedule_point(due: date, today: date) -> str | None:
    """The latest schedule point reached by `today`, or None before the first one."""
    if today > due:
        return f"overdue-{(today - due - timedelta(days=1)).days // 7 + 1}"
    if today >= due - timedelta(days=3):
        return "due-3"
    if today >= due - timedelta(days=14):
        return "due-14"
    return None


def _body(person: Person, cycle: DeclarationCycle, today: date, link: str) -> tuple[str, str]:
    due = person.due.strftime("%-d %B %Y")
    if today > person.due:
        subject = f"Your {cycle.name} declaration of interests is overdue"
        when = f"was due on {due}"
    else:
        subject = f"Your {cycle.name} declaration of interests is due on {due}"
        when = f"is due on {due}"
    body = (
        f"Dear {person.full_name},\n\n"
        f"Your declaration of interests for {cycle.name} {when} and we have not received it.\n"
        f"Sign in to the register of interests to file it: {link}\n"
        "If you have no interests to declare, file a nil return: that is different from not "
        "filing.\n\n"
        "This is an automatic message from the register of interests."
    )
    return subject, body


def reminded_today(
    session: Session, cycle: DeclarationCycle, official_ids: list[int], today: date
) -> set[int]:
    """The officials among `official_ids` already reminded about `cycle` on `today`."""
    if not official_ids:
        return set()
    return set(
        session.scalars(
            select(Reminder.official_id).where(
                Reminder.cycle_id == cycle.id,
                Reminder.sent_on == today,
                Reminder.official_id.in_(official_ids),
            )
        )
    )


def last_reminders(
    session: Session, cycle: DeclarationCycle, official_ids: list[int]
) -> dict[int, Reminder]:
    """Each official's latest reminder about `cycle` (officials never reminded are absent)."""
    if not official_ids:
        return {}
    latest = (
        select(func.max(Reminder.id))
        .where(Reminder.cycle_id == cycle.id, Reminder.official_id.in_(official_ids))
        .group_by(Reminder.official_id)
    )
    rows = session.scalars(
        select(Reminder).where(Reminder.id.in_(latest)).options(selectinload(Reminder.email))
    )
    return {r.official_id: r for r in rows}


def send(
    session: Session,
    cycle: DeclarationCycle,
    person: Person,
    *,
    today: date,
    actor: User | None,
    point: str | None = None,
    ip_address: str | None = None,
) -> Reminder:
    """Queue one reminder email, record it and audit it, in the caller's transaction; refused
    if the official has filed, the cycle is closed, or they were reminded today already."""
    if person.filed:
        raise ReminderError(f"{person.full_name} has already filed")
    if cycle.closed_on is not None:
        raise ReminderError(f"{cycle.name} is closed: no more reminders are sent")
    if reminded_today(session, cycle, [person.official_id], today):
        raise ReminderError(
            f"{person.full_name} was already reminded today: at most one reminder a day"
        )
    subject, body = _body(person, cycle, today, absolute_url(session, "/declarations/"))
    try:
        with session.begin_nested():  # the email and the reminder, or neither
            email = queue_email(session, person.email, subject, body, kind="declaration_reminder")
            reminder = Reminder(
                cycle_id=cycle.id,
                official_id=person.official_id,
                department_id=person.department_id,
                kind=SCHEDULED if point else MANUAL,
                schedule_point=point,
                email_to=person.email,
                outbound_email_id=email.id,
                sent_by_id=actor.id if actor else None,
                sent_on=today,
            )
            session.add(reminder)
            session.flush()
    except IntegrityError:  # another request reminded them at the same moment
        raise ReminderError(
            f"{person.full_name} was already reminded today: at most one reminder a day"
        ) from None
    record(
        session,
        "reminder.sent",
        f"Reminder for {cycle.name} sent to {person.full_name} ({person.email})"
        + (f", schedule point {point}" if point else ""),
        actor=actor,
        object_type="user",
        object_id=person.official_id,
        ip_address=ip_address,
        details={
            "cycle": cycle.name,
            "status": person.status,
            "due": person.due.isoformat(),
            "schedule_point": point,
            "reminder_id": reminder.id,
        },
    )
    return reminder


def remind_official(
    session: Session,
    cycle: DeclarationCycle,
    official_id: int,
    *,
    today: date,
    joiner_days: int,
    actor: User,
    department_ids: set[int] | None,
    ip_address: str | None = None,
) -> Reminder:
    """Remind one official; `department_ids` limits whom the actor may remind (None: anyone)."""
    found = list(
        people(
            session,
            cycle,
            today=today,
            joiner_days=joiner_days,
            department_ids=department_ids,
            official_ids=[official_id],
        )
    )
    if not found:
        raise ReminderError("That person does not owe a declaration you can remind them about")
    return send(session, cycle, found[0], today=today, actor=actor, ip_address=ip_address)


def overdue_to_remind(
    session: Session,
    cycle: DeclarationCycle,
    department_id: int,
    *,
    today: date,
    joiner_days: int,
) -> tuple[list[Person], list[Person]]:
    """The overdue officials of one department: those a reminder would go to now, and those
    left out because they were reminded today already."""
    overdue = list(
        people(
            session,
            cycle,
            today=today,
            joiner_days=joiner_days,
            department_ids=[department_id],
            status=OVERDUE,
        )
    )
    done = reminded_today(session, cycle, [p.official_id for p in overdue], today)
    return (
        [p for p in overdue if p.official_id not in done],
        [p for p in overdue if p.official_id in done],
    )


def remind_overdue(
    session: Session,
    cycle: DeclarationCycle,
    department_id: int,
    *,
    today: date,
    joiner_days: int,
    actor: User,
    ip_address: str | None = None,
) -> list[Reminder]:
    """Remind every overdue official in one department not reminded today already."""
    if cycle.closed_on is not None:
        raise ReminderError(f"{cycle.name} is closed: no more reminders are sent")
    due, _ = overdue_to_remind(session, cycle, department_id, today=today, joiner_days=joiner_days)
    sent = []
    for person in due:
        try:
            sent.append(
                send(session, cycle, person, today=today, actor=actor, ip_address=ip_address)
            )
        except ReminderError:  # reminded at the same moment by someone else
            continue
    return sent


def send_scheduled(
    session: Session, cycle: DeclarationCycle, *, today: date, joiner_days: int
) -> list[Reminder]:
    """Send every schedule point reached by `today` that has not been sent yet."""
    if today < cycle.opens_on or cycle.closed_on is not None:
        return []
    done = {
        (official_id, point)
        for official_id, point in session.execute(
            select(Reminder.official_id, Reminder.schedule_point).where(
                Reminder.cycle_id == cycle.id, Reminder.kind == SCHEDULED
            )
        )
    }
    sent = []
    unfiled = [
        p
        for p in people(session, cycle, today=today, joiner_days=joiner_days)
        if p.status in (OVERDUE, NOT_YET_DUE)
    ]
    today_done = reminded_today(session, cycle, [p.official_id for p in unfiled], today)
    for person in unfiled:
        point = schedule_point(person.due, today)
        if point is None or (person.official_id, point) in done:
            continue
        if person.official_id in today_done:
            continue  # reminded by hand today: the schedule point waits for tomorrow
        try:
            with session.begin_nested():
                sent.append(send(session, cycle, person, today=today, actor=None, point=point))
        except (IntegrityError, ReminderError):  # another run sent it at the same moment
            continue
    return sent


def recent(
    session: Session, cycle: DeclarationCycle, department_ids: set[int] | None, limit: int = 20
) -> list[Reminder]:
    """The latest reminders of a cycle, newest first."""
    statement = (
        select(Reminder)
        .where(Reminder.cycle_id == cycle.id)
        .options(selectinload(Reminder.email), selectinload(Reminder.official))
    )
    if department_ids is not None:
        statement = statement.where(Reminder.department_id.in_(department_ids))
    return list(session.scalars(statement.order_by(Reminder.sent_at.desc()).limit(limit)))
