"""The emails the register sends, queued in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.links import absolute_url
from register.models import (
    Case,
    CaseQuestion,
    DeclarationVersion,
    Flag,
    ManagementPlan,
    OutboundEmail,
    User,
)
from register.models.flags import UNDECLARED
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, compliance_assignment
from register.notify.outbox import queue_email

NEW_HIGH_RISK = "flag.high_risk"
PLAN_AGREED = "plan.agreed"
PLAN_DUE = "plan.due"
FLAG_ESCALATED = "flag.escalated"
DECLARATION_AMENDED = "declaration.amended"


def department_officers(session: Session, department_id: int | None) -> list[User]:
    """The active compliance officers assigned to a department."""
    if department_id is None:
        return []
    return list(
        session.scalars(
            select(User)
            .join(compliance_assignment, compliance_assignment.c.user_id == User.id)
            .where(
                compliance_assignment.c.department_id == department_id,
                User.role == COMPLIANCE,
                User.active.is_(True),
            )
        )
    )


def notify_new_high_risk(
    session: Session, flag_ids: Iterable[int], *, mailbox: str
) -> list[OutboundEmail]:
    """Tell the compliance mailbox and the department's officers about each new high-risk flag.

    Never the official: a possible undeclared interest may be under investigation.
    """
    queued = []
    for flag_id in flag_ids:
        flag = session.get(Flag, flag_id)
        if flag is None:
            continue
        if flag.kind == UNDECLARED:
            subject = f"Possible undeclared interest {flag.id}: {flag.organisation_name}"
            what = (
                f"A possible undeclared interest (score {flag.score:.0f}) needs review.\n\n"
                f"Official: {flag.official.full_name}\n"
                f"Company: {flag.organisation_name}, award supplier {flag.supplier_name}\n"
            )
        else:
            subject = f"High-risk flag {flag.id}: {flag.supplier_name}"
            what = (
                f"A new high-risk flag (score {flag.score:.0f}) needs review.\n\n"
                f"Declared organisation: {flag.organisation_name}\n"
                f"Award supplier: {flag.supplier_name}\n"
            )
        body = (
            what + f"Why: {flag.explanation}\n\n"
            f"Review it in the register: {absolute_url(session, f'/review/flags/{flag.id}')}\n"
        )
        recipients = dict.fromkeys(
            [mailbox, *(u.email for u in department_officers(session, flag.department_id))]
        )
        for to in recipients:
            queued.append(queue_email(session, to, subject, body, kind=NEW_HIGH_RISK))
    return queued


def plan_agreed(session: Session, plan: ManagementPlan) -> OutboundEmail:
    """Tell the official that a management plan concerning them was agreed."""
    lines = "\n".join(f"- {label}" for label in plan.constraint_labels)
    body = (
        f"Dear {plan.official.full_name},\n\n"
        f"A management plan has been agreed for your interest in {plan.flag.organisation_name}.\n"
        f"Agreed constraints:\n{lines}\n"
        + (f"\n{plan.details}\n" if plan.details else "")
        + (f"\nDivest by: {plan.divest_by:%-d %B %Y}\n" if plan.divest_by else "")
        + f"\nReview date: {plan.review_on:%-d %B %Y}\n\n"
        "Read and acknowledge it in the register under My plans: "
        f"{absolute_url(session, '/review/my-plans')}\n"
    )
    return queue_email(
        session, plan.official.email, "A management plan concerning you", body, kind=PLAN_AGREED
    )


def flag_escalated(session: Session, flag: Flag, by: User, to: User, reason: str) -> OutboundEmail:
    """Tell the person a flag was escalated to that it waits for their final decision."""
    body = (
        f"Dear {to.full_name},\n\n"
        f"{by.full_name} has escalated flag {flag.id} to you for a final decision: "
        f"{flag.official.full_name}'s interest in {flag.organisation_name} and the award to "
        f"{flag.supplier_name}.\n\nTheir reason: {reason}\n\n"
        "It stays in the Escalated queue until you record a final decision: "
        f"{absolute_url(session, f'/review/flags/{flag.id}')}\n"
    )
    return queue_email(
        session, to.email, f"Flag {flag.id} escalated to you", body, kind=FLAG_ESCALATED
    )


def plan_due(session: Session, plan: ManagementPlan) -> OutboundEmail:
    """Remind the plan's owner that it has fallen due for review."""
    body = (
        f"Management plan {plan.id} for {plan.official.full_name} "
        f"({plan.flag.organisation_name}) was due for review on {plan.review_on:%-d %B %Y}.\n\n"
        f"Review it in the register: {absolute_url(session, f'/review/flags/{plan.flag_id}')}\n"
    )
    return queue_email(
        session,
        plan.owner.email,
        f"Management plan {plan.id} is due for review",
        body,
        kind=PLAN_DUE,
    )


def notify_declaration_amended(
    session: Session,
    version: DeclarationVersion,
    changes: list[str],
    reopened: list[Flag],
    *,
    mailbox: str,
) -> list[OutboundEmail]:
    """Tell the compliance officers of the official's department that a declaration was amended
    (or that a new cycle's declaration changed a flagged interest): what changed and which flags
    are being reviewed again. The compliance mailbox hears of it when nobody is assigned."""
    declaration = version.declaration
    official = declaration.official
    lines = "\n".join(f"- {line}" for line in changes) or "- No interest changed."
    body = (
        f"{official.full_name} submitted version {version.number} of their "
        f"{declaration.cycle.name} declaration"
        + (f", with the reason: {version.amendment_reason}" if version.amendment_reason else "")
        + f".\n\nWhat changed:\n{lines}\n"
    )
    if reopened:
        body += "\nFlags reopened for review:\n" + "".join(
            f"- Flag {flag.id}, {flag.organisation_name} and {flag.supplier_name}: "
            f"{flag.reopened_reason}\n  {absolute_url(session, f'/review/flags/{flag.id}')}\n"
            for flag in reopened
        )
    body += (
        "\nRead the version in the register: "
        f"{absolute_url(session, f'/declarations/{declaration.id}/versions/{version.number}')}\n"
    )
    subject = f"Declaration amended: {official.full_name}, {declaration.cycle.name}"
    if reopened:
        subject += f" ({len(reopened)} flag{'s' if len(reopened) > 1 else ''} reopened)"
    recipients = [u.email for u in department_officers(session, official.department_id)] or [
        mailbox
    ]
    return [
        queue_email(session, to, subject, body, kind=DECLARATION_AMENDED)
        for to in dict.fromkeys(recipients)
    ]


ACCESS_CHANGE = "access.change"


def notify_access_change(
    session: Session, subject: str, lines: Iterable[str]
) -> list[OutboundEmail]:
    """Tell every active administrator and auditor of a request for, decision on, or removal of
    privileged access (separation of duties: nobody's access changes unseen)."""
    readers = session.scalars(
        select(User)
        .where(
            User.role.in_((ADMIN, AUDITOR)),
            User.active.is_(True),
            User.is_service_account.is_(False),
        )
        .order_by(User.id)
    )
    body = (
        "\n".join(lines)
        + f"\n\nPending requests and past decisions: {absolute_url(session, '/admin/approvals')}\n"
    )
    return [queue_email(session, u.email, subject, body, kind=ACCESS_CHANGE) for u in readers]


CASE_ASSIGNED = "case.assigned"
CASE_QUESTION = "case.question"
CASE_ANSWER = "case.answer"


def case_assigned(session: Session, case: Case, by: User) -> OutboundEmail | None:
    """Tell a compliance officer a case was assigned to them (not when they took it)."""
    to = case.assignee
    if to is None or to.id == by.id:
        return None
    body = (
        f"Dear {to.full_name},\n\n{by.full_name} has assigned case {case.id} to you: "
        f"{case.official.full_name} and {case.organisation_name}.\n\n"
        f"Open it in the register: {absolute_url(session, f'/cases/{case.id}')}\n"
    )
    return queue_email(
        session, to.email, f"Case {case.id} assigned to you", body, kind=CASE_ASSIGNED
    )


def case_question(session: Session, question: CaseQuestion) -> OutboundEmail:
    """Ask the official a question about their interests (they answer in the register)."""
    official = question.case.official
    body = (
        f"Dear {official.full_name},\n\nThe compliance team has a question about your declared "
        f"interests (about {question.case.organisation_name}):\n\n{question.question}\n\n"
        f"Please answer it in the register: {absolute_url(session, '/cases/questions')}\n"
    )
    return queue_email(
        session, official.email, "A question about your declaration", body, kind=CASE_QUESTION
    )


def case_answer(session: Session, question: CaseQuestion, mailbox: str) -> OutboundEmail:
    """Tell whoever works the case (its assignee, else the compliance mailbox) of an answer."""
    case = question.case
    to = case.assignee.email if case.assignee is not None else mailbox
    body = (
        f"{case.official.full_name} has answered the question on case {case.id} "
        f"({case.organisation_name}):\n\nQuestion: {question.question}\n\n"
        f"Answer: {question.answer}\n\n"
        f"Open the case: {absolute_url(session, f'/cases/{case.id}')}\n"
    )
    return queue_email(
        session, to, f"Case {case.id}: the official answered", body, kind=CASE_ANSWER
    )
