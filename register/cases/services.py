"""The case workflow: assignment, questions to the official and answers, internal notes and
evidence. Each change is checked against the access policy, audited with its before and after
values, and flushed; the door commits. Decisions are register.review.services.decide (one for
the whole case)."""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from register import clock
from register.access import can_answer_question, can_read_case, can_work_case
from register.audit.log import hold_chain, record
from register.clock import utcnow
from register.evidence import EvidenceError, EvidenceStore, StoredEvidence
from register.models import Case, CaseEvidence, CaseNote, CaseQuestion, User
from register.models.cases import (
    CASE_ASSIGNED,
    CASE_DECIDED,
    CASE_INFORMATION_REQUESTED,
    CASE_OPEN,
    CASE_REOPENED,
)
from register.models.people import COMPLIANCE
from register.notify import messages

MAX_TEXT = 10_000  # characters in a note, question or answer


class CaseError(Exception):
    """A case action refused, with a message for the person who tried it."""


def _text(value: str | None, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError(f"Enter the {what}")
    if len(text) > MAX_TEXT:
        raise CaseError(f"The {what} must be {MAX_TEXT:,} characters or fewer")
    return text


def _person(user: User | None) -> dict[str, object] | None:
    return {"id": user.id, "name": user.full_name} if user is not None else None


def _work(actor: User, case: Case) -> None:
    if not can_work_case(actor, case):
        raise CaseError("Only compliance officers of the case's department can work on it")


def assignee_choices(session: Session, case: Case) -> list[User]:
    """Who a case can be assigned to: active compliance officers of the official's department,
    and the person it is escalated to."""
    people = session.scalars(
        select(User).where(User.role == COMPLIANCE, User.active.is_(True)).order_by(User.full_name)
    )
    return [person for person in people if can_work_case(person, case)]


def assign(
    session: Session,
    case: Case,
    actor: User,
    assignee_id: int | None,
    *,
    ip_address: str | None = None,
) -> bool:
    """Assign (or reassign, or unassign) the case; False when nothing changed. An open or
    reopened case becomes "assigned"; a case waiting for an answer or an escalation stays so."""
    hold_chain(session)  # the case row is written before its entry: see hold_chain
    _work(actor, case)
    assignee = session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (assignee is None or assignee not in assignee_choices(session, case)):
        raise CaseError(
            "A case can be assigned only to an active compliance officer of its department"
        )
    if (assignee.id if assignee else None) == case.assignee_id:
        return False
    before = {"assignee": _person(case.assignee), "state": case.state}
    case.assignee_id = assignee.id if assignee else None
    case.assignee = assignee
    if assignee is not None and case.state in (CASE_OPEN, CASE_REOPENED):
        case.state = CASE_ASSIGNED
    elif assignee is None and case.state == CASE_ASSIGNED:
        case.state = CASE_OPEN
    case.updated_at = utcnow()
    after = {"assignee": _person(assignee), "state": case.state}
    record(
        session,
        "case.assigned",
        f"Case {case.id} assigned to {assignee.full_name}"
        if assignee
        else f"Case {case.id} unassigned",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={"before": before, "after": after},
    )
    messages.case_assigned(session, case, actor)
    session.flush()
    return True


def ask_official(
    session: Session,
    case: Case,
    actor: User,
    question: str,
    *,
    ip_address: str | None = None,
) -> CaseQuestion:
    """Put a question to the official (emailed; they answer on their declaration pages): the
    case waits for the answer ("information requested")."""
    hold_chain(session)  # the case row is written before its entry: see hold_chain
    _work(actor, case)
    if case.state == CASE_DECIDED:
        raise CaseError("The case is decided: reopen it before asking the official")
    asked = CaseQuestion(
        case_id=case.id, asked_by_id=actor.id, question=_text(question, "question")
    )
    asked.case = case
    session.add(asked)
    before = case.state
    case.state = CASE_INFORMATION_REQUESTED
    case.updated_at = asked.asked_at = utcnow()
    session.flush()
    record(
        session,
        "case.question_asked",
        f"Case {case.id}: question {asked.id} put to {case.official.full_name}",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={
            "question_id": asked.id,
            "question": asked.question,
            "before": {"state": before},
            "after": {"state": case.state},
        },
    )
    messages.case_question(session, asked)
    return asked


def reopen_case(
    session: Session, case: Case, actor: User, reason: str, *, ip_address: str | None = None
) -> None:
    """Reopen a decided case for review (new information, a question to ask): its decision
    stays current on its flags until a new one supersedes it; its age counts from today."""
    hold_chain(session)  # the case row is written before its entry: see hold_chain
    _work(actor, case)
    if case.state != CASE_DECIDED:
        raise CaseError("Only a decided case can be reopened")
    why = _text(reason, "reason for reopening the case")
    before = {"state": case.state, "reopened_reason": case.reopened_reason}
    case.state = CASE_ASSIGNED if case.assignee_id else CASE_REOPENED
    case.reopened_reason = f"Reopened by {actor.full_name}: {why}"
    case.age_from = clock.today()
    case.updated_at = utcnow()
    record(
        session,
        "case.reopened",
        f"Case {case.id} reopened by {actor.full_name}",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={
            "before": before,
            "after": {"state": case.state, "reopened_reason": case.reopened_reason},
        },
    )
    session.flush()


def open_questions(session: Session, official: User) -> list[CaseQuestion]:
    """The questions put to `official`, unanswered first, newest first."""
    return list(
        session.scalars(
            select(CaseQuestion)
            .join(Case, Case.id == CaseQuestion.case_id)
            .where(Case.official_id == official.id)
            .order_by(CaseQuestion.answered_at.is_not(None), CaseQuestion.id.desc())
        )
    )


def answer_question(
    session: Session,
    question: CaseQuestion,
    official: User,
    answer: str,
    mailbox: str,
    *,
    ip_address: str | None = None,
) -> None:
    """The official answers (once); the case goes back to its assignee (or to the open queue)
    and whoever works it is emailed."""
    hold_chain(session)  # the case row is written before its entry: see hold_chain
    if not can_answer_question(official, question):
        raise CaseError("Only the official the question was put to can answer it")
    if question.answered_at is not None:
        raise CaseError("This question has already been answered")
    question.answer = _text(answer, "answer")
    question.answered_at = utcnow()
    case = question.case
    before = case.state
    waiting = any(
        q.answered_at is None
        for q in session.scalars(select(CaseQuestion).where(CaseQuestion.case_id == case.id))
    )
    if case.state == CASE_INFORMATION_REQUESTED and not waiting:
        case.state = CASE_ASSIGNED if case.assignee_id else CASE_OPEN
    case.updated_at = question.answered_at
    record(
        session,
        "case.question_answered",
        f"Case {case.id}: question {question.id} answered by {official.full_name}",
        actor=official,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={
            "question_id": question.id,
            "answer": question.answer,
            "before": {"state": before},
            "after": {"state": case.state},
        },
    )
    messages.case_answer(session, question, mailbox)
    session.flush()


def add_note(
    session: Session, case: Case, actor: User, body: str, *, ip_address: str | None = None
) -> CaseNote:
    """An internal note: compliance and auditors read it; the official never does (not on the
    case, their pages, their personal-data download or the API)."""
    _work(actor, case)
    note = CaseNote(case_id=case.id, author_id=actor.id, body=_text(body, "note"))
    session.add(note)
    session.flush()
    record(
        session,
        "case.note_added",
        f"Case {case.id}: internal note {note.id} added",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={"note_id": note.id, "before": None, "after": {"body": note.body}},
    )
    return note


def attach_evidence(
    session: Session,
    case: Case,
    actor: User,
    store: EvidenceStore,
    upload: BinaryIO,
    filename: str,
    *,
    description: str,
    concerns_official: bool,
    max_bytes: int,
    ip_address: str | None = None,
) -> CaseEvidence:
    """Keep a file on the case: its type read from its content, its SHA-256 digest recorded."""
    _work(actor, case)
    try:
        stored: StoredEvidence = store.save(upload, filename, max_bytes)
    except EvidenceError as error:
        raise CaseError(str(error)) from error
    evidence = CaseEvidence(
        case_id=case.id,
        filename=stored.filename,
        description=(description or "").strip()[:2000],
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_key=stored.key,
        concerns_official=concerns_official,
        uploaded_by_id=actor.id,
        uploaded_at=utcnow(),
    )
    session.add(evidence)
    session.flush()
    record(
        session,
        "case.evidence_added",
        f"Case {case.id}: evidence {evidence.id} ({evidence.filename}) attached",
        actor=actor,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={
            "evidence_id": evidence.id,
            "before": None,
            "after": {
                "filename": evidence.filename,
                "content_type": evidence.content_type,
                "size": evidence.size,
                "sha256": evidence.sha256,
                "concerns_official": concerns_official,
            },
        },
    )
    return evidence


def evidence_download(
    session: Session,
    case: Case,
    evidence: CaseEvidence,
    reader: User,
    *,
    ip_address: str | None = None,
) -> None:
    """Audit a download (the door then streams the file from the store)."""
    if evidence.case_id != case.id or not can_read_case(reader, case):
        raise CaseError("You cannot read this case's evidence")
    record(
        session,
        "case.evidence_downloaded",
        f"Case {case.id}: evidence {evidence.id} ({evidence.filename}) downloaded",
        actor=reader,
        object_type="case",
        object_id=case.id,
        ip_address=ip_address,
        details={"evidence_id": evidence.id, "sha256": evidence.sha256},
    )
