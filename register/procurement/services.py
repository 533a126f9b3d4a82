"""Procurements: the people acting and the suppliers, the check, declarations for the
procurement, mitigations, the conflicts assessment's revisions and the stage gates.

Each change is checked against the access policy, audited with its before and after values and
flushed; the door commits. Whatever the assessment records (people, suppliers, conflicts,
mitigations, declarations) moves `Procurement.changed_at`: a revision prepared before it is no
longer current, and the gates say so.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from register.access import (
    can_declare_for_procurement,
    can_manage_procurement,
    can_mitigate_procurement,
    procurement_department_ids,
)
from register.audit.log import record
from register.clock import local_date, utcnow
from register.matching.identifiers import normalise_identifier
from register.matching.score import relate_names
from register.models import (
    Award,
    AwardSupplier,
    ConflictsAssessment,
    Department,
    Procurement,
    ProcurementConflict,
    ProcurementDeclaration,
    ProcurementPerson,
    ProcurementSupplier,
    User,
)
from register.models.procurement import (
    AWARD,
    BARRING_MITIGATIONS,
    CAPACITIES,
    CONTRACT,
    DECISION_MAKER,
    HAS_CONFLICT,
    MITIGATIONS,
    NO_CONFLICT,
    PENDING,
    PROCEDURES,
    PROCUREMENT_ATTESTATION,
    RELATIONS,
    REMOVAL,
    STAGE_ORDER,
    STAGES,
    SUPPLIER_EXCLUSION,
    TENDER_NOTICE,
)
from register.notify.messages import department_officers
from register.notify.outbox import queue_email
from register.procurement import assessment
from register.procurement.check import CheckOutcome, apply_check
from register.settings import Settings

MAX_TEXT = 5_000

PROCUREMENT_DECLARATION = "procurement.declaration"
PROCUREMENT_REMINDER = "procurement.reminder"
PROCUREMENT_CONFLICT = "procurement.conflict"


class ProcurementError(Exception):
    """A procurement action refused, with a message for the person who tried it."""


def _text(value: str | None, what: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ProcurementError(f"Enter {what}")
    if len(text) > limit:
        raise ProcurementError(f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer")
    return text


def _manage(actor: User, procurement: Procurement) -> None:
    if not can_manage_procurement(actor, procurement):
        raise ProcurementError("Only the procurement's lead roles of its department can change it")


def _changed(procurement: Procurement) -> None:
    procurement.changed_at = utcnow()


def _audit(
    session: Session,
    action: str,
    summary: str,
    actor: User | None,
    procurement: Procurement,
    details: dict[str, Any],
) -> None:
    record(
        session,
        action,
        summary,
        actor=actor,
        object_type="procurement",
        object_id=procurement.id,
        details=details,
    )


# Recording a procurement -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProcurementFields:
    title: str
    reference: str
    department_id: int | None
    procedure: str
    estimated_value: Decimal | None = None
    ocid: str | None = None


def _fields(session: Session, fields: ProcurementFields, actor: User) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": _text(fields.title, "the procurement's title", limit=300),
        "reference": _text(fields.reference, "the internal reference", limit=100),
        "ocid": _text(fields.ocid, "the OCID", required=False, limit=200) or None,
        "procedure": fields.procedure,
        "estimated_value": fields.estimated_value,
    }
    if fields.procedure not in PROCEDURES:
        raise ProcurementError("Choose the procedure from the list")
    if fields.estimated_value is not None and fields.estimated_value < 0:
        raise ProcurementError("The estimated value cannot be negative")
    department = session.get(Department, fields.department_id) if fields.department_id else None
    if department is None:
        raise ProcurementError("Choose the buying department")
    allowed = procurement_department_ids(actor)
    if allowed is not None and department.id not in allowed:
        raise ProcurementError("You can record procurements of your own department only")
    values["department_id"] = department.id
    return values


def create_procurement(session: Session, fields: ProcurementFields, actor: User) -> Procurement:
    values = _fields(session, fields, actor)
    taken = session.scalar(
        select(Procurement.id).where(Procurement.reference == values["reference"])
    )
    if taken is not None:
        raise ProcurementError(f"A procurement with the reference {values['reference']} exists")
    procurement = Procurement(**values, lead_id=actor.id, changed_at=utcnow())
    session.add(procurement)
    session.flush()
    _audit(
        session,
        "procurement.created",
        f"{actor.full_name} recorded procurement {procurement.reference}: {procurement.title}",
        actor,
        procurement,
        {"after": {k: str(v) if v is not None else None for k, v in values.items()}},
    )
    return procurement


# People acting ---------------------------------------------------------------------------------


def barring_mitigation(
    procurement: Procurement, user_id: int | None, name: str
) -> ProcurementConflict | None:
    """A removal or recusal recorded against this person on this procurement, if any."""
    for conflict in procurement.conflicts:
        acting = conflict.person
        same = (
            acting.user_id == user_id
            if user_id is not None
            else acting.user_id is None and acting.name.casefold() == name.casefold()
        )
        if same and conflict.mitigation in BARRING_MITIGATIONS:
            return conflict
    return None


def _refuse_barred(procurement: Procurement, user_id: int | None, name: str) -> None:
    barred = barring_mitigation(procurement, user_id, name)
    if barred is None:
        return
    day = local_date(barred.mitigated_at) if barred.mitigated_at else None
    when = f"on {day.day} {day:%B %Y}" if day else "earlier"
    raise ProcurementError(
        f"{name} cannot be a decision maker on this procurement: the mitigation "
        f"“{barred.mitigation_label}” was agreed {when} for the conflict “{barred.summary}”"
    )


def add_person(
    session: Session,
    procurement: Procurement,
    actor: User,
    settings: Settings,
    *,
    capacity: str,
    user: User | None = None,
    name: str | None = None,
    email: str | None = None,
) -> ProcurementPerson:
    """Add someone acting in relation to the procurement, ask them to declare, and check."""
    _manage(actor, procurement)
    if capacity not in CAPACITIES:
        raise ProcurementError("Choose how the person acts in relation to the procurement")
    if user is not None:
        if not user.active:
            raise ProcurementError(f"{user.full_name}'s account is not active")
        name, email = user.full_name, user.email
    else:
        name = _text(name, "the person's name", limit=200)
        email = _text(email, "the person's email address", limit=320)
        if "@" not in email or any(c.isspace() for c in email):
            raise ProcurementError("Enter the person's email address, like name@example.org")
    for acting in procurement.people:
        same = acting.user_id == user.id if user is not None else acting.email == email
        if acting.active and same:
            raise ProcurementError(
                f"{name} already acts on this procurement ({acting.capacity_label})"
            )
    if capacity == DECISION_MAKER:
        _refuse_barred(procurement, user.id if user else None, name)
    person = ProcurementPerson(
        procurement=procurement,
        user_id=user.id if user is not None else None,
        name=name,
        email=email,
        capacity=capacity,
        added_by_id=actor.id,
    )
    session.add(person)
    session.flush()
    _audit(
        session,
        "procurement.person_added",
        f"{actor.full_name} added {name} ({CAPACITIES[capacity]}) to {procurement.reference}",
        actor,
        procurement,
        {
            "after": {
                "person": name,
                "email": email,
                "capacity": capacity,
                "user_id": person.user_id,
            }
        },
    )
    _changed(procurement)
    request_declaration(session, person)
    recheck(session, procurement, settings, actor=actor, why=f"{name} added")
    return person


def remove_person(session: Session, person: ProcurementPerson, actor: User, reason: str) -> None:
    procurement = person.procurement
    _manage(actor, procurement)
    if not person.active:
        raise ProcurementError(f"{person.name} was already removed")
    person.removed_at = utcnow()
    person.removed_reason = _text(reason, "the reason for the removal")
    covered = _removal_covers(person, actor, person.removed_reason, person.removed_at)
    _audit(
        session,
        "procurement.person_removed",
        f"{actor.full_name} removed {person.name} from {procurement.reference}",
        actor,
        procurement,
        {
            "before": {"active": True},
            "after": {"active": False, "reason": person.removed_reason},
            "conflicts_mitigated": covered,
        },
    )
    _changed(procurement)
    session.flush()


def _removal_covers(
    person: ProcurementPerson, actor: User, reason: str, when: datetime
) -> list[int]:
    """A person removed from the procurement: their conflicts with no mitigation yet are
    mitigated by the removal (said on each, with the reason). Returns their ids."""
    covered = []
    for conflict in person.procurement.conflicts:
        if conflict.person_id == person.id and conflict.active and conflict.mitigation is None:
            conflict.mitigation, conflict.mitigation_detail = REMOVAL, reason
            conflict.mitigated_by_id, conflict.mitigated_at = actor.id, when
            covered.append(conflict.id)
    return covered


# Suppliers -------------------------------------------------------------------------------------


def add_supplier(
    session: Session,
    procurement: Procurement,
    actor: User,
    settings: Settings,
    *,
    name: str,
    company_number: str | None,
    relation: str,
) -> ProcurementSupplier:
    """Add a supplier as it becomes known; everyone acting is asked to declare again."""
    _manage(actor, procurement)
    name = _text(name, "the supplier's name", limit=300)
    number = (company_number or "").strip() or None
    if number is not None:
        number = normalise_identifier("GB-COH", number)[1]
        if len(number) > 20:
            raise ProcurementError("A company number has at most 8 characters, like 07125387")
    if relation not in RELATIONS:
        raise ProcurementError("Choose how the supplier takes part")
    for known in procurement.suppliers:
        if (number and known.company_number == number) or known.name.casefold() == name.casefold():
            raise ProcurementError(f"{known.name} is already listed")
    supplier = ProcurementSupplier(
        procurement=procurement,
        name=name,
        company_number=number,
        relation=relation,
        added_by_id=actor.id,
    )
    session.add(supplier)
    session.flush()
    _audit(
        session,
        "procurement.supplier_added",
        f"{actor.full_name} added {name} ({RELATIONS[relation]}) to {procurement.reference}",
        actor,
        procurement,
        {"after": {"supplier": name, "company_number": number, "relation": relation}},
    )
    _changed(procurement)
    for person in procurement.people:
        if person.active:
            request_declaration(session, person)
    recheck(session, procurement, settings, actor=actor, why=f"{name} added")
    return supplier


# Declarations for the procurement --------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _declaration_link(session: Session, person: ProcurementPerson, token: str | None) -> str:
    from register.links import absolute_url

    if token is not None:
        return absolute_url(session, f"/procurement-declaration/{token}")
    return absolute_url(session, "/procurements/declarations")


def request_declaration(session: Session, person: ProcurementPerson) -> ProcurementDeclaration:
    """Ask the person to declare for the procurement and the suppliers listed now (by email:
    register users answer signed in, external people through a single-purpose link)."""
    procurement = person.procurement
    token = secrets.token_urlsafe(32) if person.user_id is None else None
    names = [s.name for s in procurement.suppliers if s.excluded_at is None]
    declaration = ProcurementDeclaration(
        person=person,
        token_hash=token_digest(token) if token else None,
        suppliers=json.dumps(names),
        state=PENDING,
    )
    session.add(declaration)
    session.flush()
    listed = "\n".join(f"- {n}" for n in names) or "- (no suppliers are known yet)"
    body = (
        f"Dear {person.name},\n\nYou act in relation to the procurement {procurement.title} "
        f"({procurement.reference}) as: {person.capacity_label}.\n\nPlease declare whether you "
        f"have any conflict of interest with the procurement or these suppliers:\n{listed}\n\n"
        f"Declare here: {_declaration_link(session, person, token)}\n"
    )
    if person.email:
        queue_email(
            session,
            person.email,
            f"Declare for the procurement {procurement.reference}",
            body,
            kind=PROCUREMENT_DECLARATION,
        )
    return declaration


def answer_declaration(
    session: Session,
    declaration: ProcurementDeclaration,
    settings: Settings,
    *,
    has_conflict: bool,
    details: str | None,
    supplier_id: int | None,
    actor: User | None,
    ip_address: str | None,
) -> None:
    """Record a person's declaration for the procurement, with its attestation, then check.

    `actor` is the register user answering (None: an external person through their link)."""
    person = declaration.person
    procurement = person.procurement
    if actor is not None and not can_declare_for_procurement(actor, person):
        raise ProcurementError("Only the person asked can answer this declaration")
    if declaration.state != PENDING:
        raise ProcurementError("This declaration has already been made")
    if person.latest_declaration is not declaration:
        raise ProcurementError("A newer request replaced this one: answer the latest")
    text = _text(details, "what the conflict is", required=has_conflict)
    supplier = None
    if supplier_id:
        supplier = next((s for s in procurement.suppliers if s.id == supplier_id), None)
        if supplier is None:
            raise ProcurementError("Choose a supplier from the list")
    declaration.state = HAS_CONFLICT if has_conflict else NO_CONFLICT
    declaration.details = text or None
    declaration.supplier_id = supplier.id if supplier is not None else None
    declaration.answered_at = utcnow()
    declaration.attestation_text = PROCUREMENT_ATTESTATION
    declaration.attested_by_id = actor.id if actor is not None else None
    declaration.attested_from_ip = ip_address
    session.flush()
    session.refresh(declaration, ["supplier"])
    what = f"a conflict: {text}" if has_conflict else "no conflict"
    record(
        session,
        "procurement.declared",
        f"{person.name} declared {what} for {procurement.reference}",
        actor=actor,
        actor_label=None if actor is not None else f"{person.name} <{person.email}> (by link)",
        object_type="procurement",
        object_id=procurement.id,
        details={
            "before": {"state": PENDING},
            "after": {"state": declaration.state, "details": text, "supplier": supplier_id},
            "suppliers": json.loads(declaration.suppliers),
        },
        ip_address=ip_address,
    )
    _changed(procurement)
    recheck(session, procurement, settings, actor=actor, why=f"{person.name} declared")


def pending_for_user(session: Session, user: User) -> list[ProcurementDeclaration]:
    """The latest requests to `user` not yet answered, on procurements they act on."""
    rows = session.scalars(
        select(ProcurementDeclaration)
        .join(ProcurementPerson)
        .where(ProcurementPerson.user_id == user.id, ProcurementPerson.removed_at.is_(None))
        .order_by(ProcurementDeclaration.id)
    )
    return [d for d in rows if d.state == PENDING and d.person.latest_declaration is d]


def declaration_by_token(session: Session, token: str) -> ProcurementDeclaration | None:
    if not token or len(token) > 100:
        return None
    return session.scalar(
        select(ProcurementDeclaration).where(
            ProcurementDeclaration.token_hash == token_digest(token)
        )
    )


def send_reminders(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Remind everyone acting who has not answered their latest request, every
    PROCUREMENT_REMINDER_DAYS days; returns how many were sent. External people get a new link
    (the old one is replaced: only its digest was kept)."""
    now = now or utcnow()
    every = timedelta(days=settings.procurement_reminder_days)
    sent = 0
    pending = session.scalars(
        select(ProcurementDeclaration)
        .join(ProcurementPerson)
        .join(Procurement)
        .where(
            ProcurementDeclaration.state == PENDING,
            ProcurementPerson.removed_at.is_(None),
            Procurement.stage != CONTRACT,
        )
        .order_by(ProcurementDeclaration.id)
    ).all()
    for declaration in pending:
        person = declaration.person
        if person.latest_declaration is not declaration or not person.email:
            continue
        last = declaration.last_reminded_at or declaration.requested_at
        if now - last < every:
            continue
        token = secrets.token_urlsafe(32) if person.user_id is None else None
        if token is not None:
            declaration.token_hash = token_digest(token)
        declaration.reminders_sent += 1
        declaration.last_reminded_at = now
        procurement = person.procurement
        queue_email(
            session,
            person.email,
            f"Reminder: declare for the procurement {procurement.reference}",
            f"Dear {person.name},\n\nYou have not yet declared for the procurement "
            f"{procurement.title} ({procurement.reference}). Please declare here: "
            f"{_declaration_link(session, person, token)}\n",
            kind=PROCUREMENT_REMINDER,
        )
        sent += 1
    session.flush()
    return sent


# The check -------------------------------------------------------------------------------------


def _alert(
    session: Session, procurement: Procurement, new: list[ProcurementConflict], mailbox: str
) -> None:
    from register.links import absolute_url

    lines = "\n".join(f"- {c.person.name}: {c.summary}" for c in new)
    body = (
        f"The conflicts check of the procurement {procurement.title} ({procurement.reference}) "
        f"found {len(new)} new conflict{'s' if len(new) != 1 else ''}:\n{lines}\n\n"
        "Each needs a mitigation before the assessment can be confirmed.\n"
        f"Open the procurement: {absolute_url(session, f'/procurements/{procurement.id}')}\n"
    )
    recipients = [
        procurement.lead.email,
        *(u.email for u in department_officers(session, procurement.department_id)),
    ]
    for to in dict.fromkeys([*recipients, mailbox]):
        if to and "@" in to:
            queue_email(
                session,
                to,
                f"New conflict of interest on procurement {procurement.reference}",
                body,
                kind=PROCUREMENT_CONFLICT,
            )


def recheck(
    session: Session,
    procurement: Procurement,
    settings: Settings,
    *,
    actor: User | None,
    why: str,
) -> CheckOutcome:
    """Check every person against every supplier again. A new conflict alerts the lead and
    compliance; once an assessment exists it also makes a new revision (not complete until the
    conflict is mitigated)."""
    session.flush()
    session.refresh(procurement, ["people", "suppliers", "conflicts"])
    outcome = apply_check(session, procurement, settings.procurement_lookback_months)
    if not outcome.changed:
        return outcome
    _changed(procurement)
    _audit(
        session,
        "procurement.checked",
        f"Conflicts check of {procurement.reference} ({why}): {len(outcome.new)} new, "
        f"{len(outcome.cleared)} no longer found",
        actor,
        procurement,
        {
            "new": [c.summary for c in outcome.new],
            "cleared": [c.summary for c in outcome.cleared],
            "reason": why,
        },
    )
    if outcome.new:
        _alert(session, procurement, outcome.new, settings.compliance_mailbox)
        if procurement.assessments:
            prepare_assessment(session, procurement, None, reason=f"New conflict found ({why})")
    return outcome


def recheck_for_officials(
    session: Session, official_ids: Collection[int], settings: Settings
) -> None:
    """After a declaration is submitted or amended: the open procurements its official acts on."""
    for procurement in _open_procurements(
        session, ProcurementPerson.user_id.in_(sorted(official_ids))
    ):
        recheck(
            session, procurement, settings, actor=None, why="a declaration was submitted or amended"
        )


def recheck_for_companies(
    session: Session, company_numbers: Collection[str], settings: Settings
) -> None:
    """After new company officer or ownership data: the open procurements with those suppliers."""
    numbers = sorted(company_numbers)
    for start in range(0, len(numbers), 500):
        for procurement in _open_procurements(
            session, ProcurementSupplier.company_number.in_(numbers[start : start + 500])
        ):
            recheck(session, procurement, settings, actor=None, why="new company records")


def _open_procurements(session: Session, condition: Any) -> list[Procurement]:
    ids = session.scalars(
        select(Procurement.id)
        .outerjoin(ProcurementPerson, ProcurementPerson.procurement_id == Procurement.id)
        .outerjoin(ProcurementSupplier, ProcurementSupplier.procurement_id == Procurement.id)
        .where(Procurement.stage != CONTRACT, condition)
        .distinct()
        .order_by(Procurement.id)
    ).all()
    return [p for p in (session.get(Procurement, i) for i in ids) if p is not None]


# Mitigations -----------------------------------------------------------------------------------


def record_mitigation(
    session: Session, conflict: ProcurementConflict, actor: User, mitigation: str, detail: str
) -> None:
    """Agree what is done about a conflict (s.82). A removal takes the person off the
    procurement; a supplier exclusion excludes the supplier."""
    procurement = conflict.procurement
    if not can_mitigate_procurement(actor, procurement):
        raise ProcurementError(
            "Only the procurement's leads and its department's compliance officers agree "
            "mitigations"
        )
    if mitigation not in MITIGATIONS:
        raise ProcurementError("Choose the mitigation from the list")
    text = _text(detail, "what was agreed and why")
    if mitigation == SUPPLIER_EXCLUSION and conflict.supplier is None:
        raise ProcurementError("This conflict is not about a supplier: choose another mitigation")
    before = {"mitigation": conflict.mitigation, "detail": conflict.mitigation_detail}
    now = utcnow()
    conflict.mitigation, conflict.mitigation_detail = mitigation, text
    conflict.mitigated_by_id, conflict.mitigated_at = actor.id, now
    if mitigation == REMOVAL:
        if conflict.person.active:
            conflict.person.removed_at = now
            conflict.person.removed_reason = text
        _removal_covers(conflict.person, actor, text, now)
    if mitigation == SUPPLIER_EXCLUSION and conflict.supplier is not None:
        conflict.supplier.excluded_at = now
        conflict.supplier.excluded_reason = text
    _audit(
        session,
        "procurement.mitigation",
        f"{actor.full_name} agreed for {procurement.reference}: {MITIGATIONS[mitigation]} "
        f"({conflict.person.name}: {conflict.summary})",
        actor,
        procurement,
        {
            "conflict": conflict.id,
            "before": before,
            "after": {"mitigation": mitigation, "detail": text},
        },
    )
    _changed(procurement)
    session.flush()


# The assessment and the gates ------------------------------------------------------------------


def outstanding(procurement: Procurement) -> list[str]:
    """What stops the assessment being complete, in words (empty: complete)."""
    missing = []
    active = [p for p in procurement.people if p.active]
    if not active:
        missing.append("Nobody acting in relation to the procurement is listed yet")
    for person in active:
        latest = person.latest_declaration
        if latest is None or latest.state == PENDING:
            missing.append(f"{person.name} has not declared")
    for conflict in procurement.conflicts:
        if conflict.active and conflict.mitigation is None:
            missing.append(
                f"No mitigation is agreed for: {conflict.person.name}: {conflict.summary}"
            )
    return missing


def is_current(procurement: Procurement) -> bool:
    """The latest revision is complete and nothing it records has changed since."""
    latest = procurement.latest_assessment
    return latest is not None and latest.complete and latest.prepared_at >= procurement.changed_at


def prepare_assessment(
    session: Session, procurement: Procurement, actor: User | None, *, reason: str
) -> ConflictsAssessment:
    """Write a new revision of the assessment (`actor` None: made by a re-check)."""
    if actor is not None:
        _manage(actor, procurement)
    session.flush()
    session.refresh(procurement, ["people", "suppliers", "conflicts", "assessments"])
    revision = len(procurement.assessments) + 1
    missing = outstanding(procurement)
    now = utcnow()
    content = assessment.build_content(procurement, revision, now, actor, reason, missing)
    content_json = assessment.canonical_json(content)
    digest = hashlib.sha256(content_json.encode()).hexdigest()
    entry = record(
        session,
        "procurement.assessment",
        f"Conflicts assessment of {procurement.reference}, revision {revision} "
        f"({'complete' if not missing else 'incomplete'}; {reason}), digest {digest[:12]}",
        actor=actor,
        object_type="procurement",
        object_id=procurement.id,
        details={
            "revision": revision,
            "digest": digest,
            "complete": not missing,
            "outstanding": missing,
        },
    )
    revision_row = ConflictsAssessment(
        procurement=procurement,
        revision=revision,
        reason=reason[:300],
        complete=not missing,
        content=content_json,
        content_digest=digest,
        audit_seq=entry.seq,
        audit_head_hash=entry.entry_hash,
        prepared_by_id=actor.id if actor is not None else None,
        prepared_at=now,
    )
    session.add(revision_row)
    session.flush()
    return revision_row


def stage_problem(procurement: Procurement, stage: str) -> str | None:
    """Why the procurement cannot move to `stage` now, or None."""
    if stage not in STAGES:
        return "Choose a stage from the list"
    here, there = STAGE_ORDER.index(procurement.stage), STAGE_ORDER.index(stage)
    if there <= here:
        return f"The procurement is already at “{procurement.stage_label}”: stages only move on"
    if there >= STAGE_ORDER.index(AWARD) and not is_current(procurement):
        return (
            "Review the conflicts assessment before the award: it has not been confirmed since "
            "the last change (s.83)" + _why(procurement)
        )
    if there >= STAGE_ORDER.index(TENDER_NOTICE) and not is_current(procurement):
        return "Prepare the conflicts assessment before the tender notice (s.83)" + _why(
            procurement
        )
    return None


def _why(procurement: Procurement) -> str:
    missing = outstanding(procurement)
    if missing:
        return ": " + "; ".join(missing)
    if procurement.latest_assessment is None:
        return ": no revision has been prepared"
    return ": something changed after the latest revision"


def move_stage(session: Session, procurement: Procurement, actor: User, stage: str) -> None:
    _manage(actor, procurement)
    problem = stage_problem(procurement, stage)
    if problem is not None:
        raise ProcurementError(problem)
    before = procurement.stage
    procurement.stage = stage
    latest = procurement.latest_assessment
    _audit(
        session,
        "procurement.stage",
        f"{actor.full_name} moved {procurement.reference} from {STAGES[before]} to {STAGES[stage]}"
        + (f" (assessment revision {latest.revision} confirmed)" if latest else ""),
        actor,
        procurement,
        {
            "before": {"stage": before},
            "after": {"stage": stage},
            "revision": latest.revision if latest else None,
        },
    )
    session.flush()


# Awards ----------------------------------------------------------------------------------------


def link_awards(session: Session) -> list[Procurement]:
    """Link each procurement with no award yet to the award it led to: the same OCID, or an
    award by its department to one of its suppliers with the same title. Audited."""
    linked = []
    for procurement in session.scalars(
        select(Procurement).where(Procurement.award_id.is_(None)).order_by(Procurement.id)
    ):
        award = _award_for(session, procurement)
        if award is None:
            continue
        procurement.award_id = award.id
        procurement.award_linked_at = utcnow()
        _audit(
            session,
            "procurement.award_linked",
            f"Procurement {procurement.reference} linked to award {award.award_id} ({award.ocid})",
            None,
            procurement,
            {"after": {"award_id": award.id, "ocid": award.ocid}},
        )
        linked.append(procurement)
    session.flush()
    return linked


def _award_for(session: Session, procurement: Procurement) -> Award | None:
    if procurement.ocid:
        found = session.scalar(
            select(Award)
            .where(Award.ocid == procurement.ocid, Award.duplicate_of_id.is_(None))
            .order_by(Award.id)
        )
        if found is not None:
            return found
    names = [s for s in procurement.suppliers if s.excluded_at is None]
    if not names:
        return None
    candidates = session.scalars(
        select(Award)
        .where(
            Award.department_id == procurement.department_id,
            func.lower(Award.title) == procurement.title.lower(),
            Award.duplicate_of_id.is_(None),
        )
        .order_by(Award.id)
    )
    for award in candidates:
        suppliers = session.scalars(select(AwardSupplier).where(AwardSupplier.award_id == award.id))
        for supplier in suppliers:
            for listed in names:
                same_number = (
                    bool(listed.company_number) and supplier.company_number == listed.company_number
                )
                if same_number or _same_name(listed.name, supplier.name):
                    return award
    return None


def _same_name(a: str, b: str) -> bool:
    match = relate_names(a, b)
    return match is not None and match.matched


def assessment_for_award(session: Session, award_id: int) -> Procurement | None:
    """The procurement an award came from, if one was recorded."""
    return session.scalar(select(Procurement).where(Procurement.award_id == award_id))


def supplier_in_assessment(
    procurement: Procurement, supplier_name: str
) -> ProcurementSupplier | None:
    """The procurement's listed supplier that an award supplier is."""
    for listed in procurement.suppliers:
        if _same_name(listed.name, supplier_name):
            return listed
    return None


def without_current_assessment(
    session: Session, department_ids: Iterable[int] | None
) -> list[Procurement]:
    """Procurements past planning, or with anyone acting, whose assessment is not current."""
    statement = select(Procurement).where(Procurement.stage != CONTRACT).order_by(Procurement.id)
    if department_ids is not None:
        statement = statement.where(Procurement.department_id.in_(sorted(department_ids)))
    return [p for p in session.scalars(statement) if not is_current(p)]


def users_for_people(session: Session, query: str) -> list[User]:
    """Active register users whose name or email contains `query` (to add as people acting)."""
    text = query.strip()
    if len(text) < 2:
        return []
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    return list(
        session.scalars(
            select(User)
            .where(
                User.active.is_(True), or_(User.full_name.ilike(pattern), User.email.ilike(pattern))
            )
            .order_by(User.full_name)
            .limit(20)
        )
    )
