"""Reminders to officials who have not filed: by hand, or on the cycle's schedule (no Flask).

The schedule: 14 and 3 days before the official's due date, then on the first day overdue and
every 7 days after while they still have not filed. Each schedule point is sent at most once per
official and cycle (a unique constraint backs this), so running the command twice is harmless.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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
    """Queue one reminder email, record it and audit it, in the caller's transaction."""
    if person.filed:
        raise ReminderError(f"{person.full_name} has already filed")
    subject, body = _body(person, cycle, today, absolute_url(session, "/declarations/"))
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
    )
    session.add(reminder)
    session.flush()
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
    """Remind every overdue official in one department."""
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
    return [
        send(session, cycle, p, today=today, actor=actor, ip_address=ip_address) for p in overdue
    ]


def send_scheduled(
    session: Session, cycle: DeclarationCycle, *, today: date, joiner_days: int
) -> list[Reminder]:
    """Send every schedule point reached by `today` that has not been sent yet."""
    if today < cycle.opens_on:
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
    for person in unfiled:
        point = schedule_point(person.due, today)
        if point is None or (person.official_id, point) in done:
            continue
        try:
            with session.begin_nested():
                sent.append(send(session, cycle, person, today=today, actor=None, point=point))
        except IntegrityError:  # another run sent this point at the same moment
            continue
    return sent


def recent(
    session: Session, cycle: DeclarationCycle, department_ids: set[int] | None, limit: int = 20
) -> list[Reminder]:
    """The latest reminders of a cycle, newest first."""
    statement = select(Reminder).where(Reminder.cycle_id == cycle.id)
    if department_ids is not None:
        statement = statement.where(Reminder.department_id.in_(department_ids))
    return list(session.scalars(statement.order_by(Reminder.sent_at.desc()).limit(limit)))
