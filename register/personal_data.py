"""Everything the register holds about one person, for them to download (PRODUCT.md, "Personal
data"). No Flask here.

Left out, on purpose: password hashes and session tokens (secrets, not information about the
person), and possible undeclared interests a compliance officer has not released to the official
(an investigation may be under way; the register never tips it off).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.declarations.services import interest_content, live_interests, plain_value
from register.formatting import plain_content, plain_interest, plain_number
from register.models import (
    AuditEntry,
    Case,
    CaseEvidence,
    CaseQuestion,
    Declaration,
    DeclarationCycle,
    Flag,
    ManagementPlan,
    ProcurementConflict,
    ProcurementPerson,
    Reminder,
    UndeclaredFinding,
    User,
)
from register.models.flags import DECLARED
from register.models.procurement import UNDECLARED_INTEREST


def _person(user: User) -> dict[str, Any]:
    fields = (
        "email",
        "full_name",
        "role",
        "job_title",
        "is_senior",
        "joined_on",
        "left_on",
        "other_names",
        "birth_month",
        "birth_year",
        "active",
        "created_at",
        "sso_issuer",
        "sso_subject",
    )
    person = {name: plain_value(getattr(user, name)) for name in fields}
    person["department"] = user.department.name if user.department else None
    return person


def _declarations(session: Session, user: User) -> list[dict[str, Any]]:
    found = []
    for declaration, cycle in session.execute(
        select(Declaration, DeclarationCycle.name)
        .join(DeclarationCycle, DeclarationCycle.id == Declaration.cycle_id)
        .where(Declaration.official_id == user.id)
        .order_by(DeclarationCycle.opens_on)
    ):
        found.append(
            {
                "cycle": cycle,
                "state": declaration.state,
                "versions": [
                    {
                        "number": v.number,
                        "attested_at": plain_value(v.attested_at),
                        "attestation": v.attestation_text,
                        "amendment_reason": v.amendment_reason,
                        "nil_return": v.is_nil,
                        "content_digest": v.content_digest,
                        # Numbers as people read them; the digest is of the stored content.
                        "content": plain_content(json.loads(v.content)),
                    }
                    for v in declaration.versions
                ],
                "working_copy": [
                    plain_interest(interest_content(i)) for i in live_interests(declaration)
                ],
            }
        )
    return found


def _flags(session: Session, user: User) -> list[dict[str, Any]]:
    released = {
        finding.flag_id: finding
        for finding in session.scalars(
            select(UndeclaredFinding)
            .join(Flag, Flag.id == UndeclaredFinding.flag_id)
            .where(Flag.official_id == user.id, UndeclaredFinding.released_at.is_not(None))
        )
    }
    found = []
    for flag in session.scalars(select(Flag).where(Flag.official_id == user.id).order_by(Flag.id)):
        if flag.kind != DECLARED and flag.id not in released:
            continue
        entry: dict[str, Any] = {
            "kind": flag.kind,
            "organisation": flag.organisation_name,
            "supplier": flag.supplier_name,
            "award_value": plain_number(flag.award_value) or None,
            "score": flag.score,
            "risk_level": flag.risk_level,
            "explanation": flag.explanation,
            "status": flag.status,
            "active": flag.active,
            "decisions": [
                {
                    "outcome": d.outcome_label,
                    "reason": d.reason,
                    "decided_at": plain_value(d.decided_at),
                    "current": d.superseded_by_id is None,
                }
                for d in flag.decisions
            ],
        }
        finding = released.get(flag.id)
        if finding is not None:
            entry["company_records"] = {
                "company": finding.company_name,
                "company_number": finding.company_number,
                "name": finding.officer_name,
                "role": finding.role,
                "appointed_on": plain_value(finding.appointed_on),
                "resigned_on": plain_value(finding.resigned_on),
            }
        found.append(entry)
    return found


def _acting(session: Session, person: ProcurementPerson) -> dict[str, Any]:
    """One procurement the person acts on: their capacity, their declarations for it, and the
    conflicts recorded about them with the mitigations agreed."""
    # Conflicts found in company records are left out, as possible undeclared interests are
    # elsewhere until released: one may be under investigation.
    conflicts = session.scalars(
        select(ProcurementConflict)
        .where(
            ProcurementConflict.person_id == person.id,
            ProcurementConflict.kind != UNDECLARED_INTEREST,
        )
        .order_by(ProcurementConflict.id)
    )
    return {
        "procurement": f"{person.procurement.title} ({person.procurement.reference})",
        "acts_as": person.capacity_label,
        "added_at": plain_value(person.added_at),
        "removed_at": plain_value(person.removed_at),
        "removed_reason": person.removed_reason,
        "declarations": [
            {
                "requested_at": plain_value(d.requested_at),
                "suppliers": json.loads(d.suppliers),
                "answer": d.state,
                "details": d.details,
                "answered_at": plain_value(d.answered_at),
            }
            for d in person.declarations
        ],
        "conflicts": [
            {
                "summary": c.summary,
                "nature": c.nature,
                "found_at": plain_value(c.found_at),
                "still_found": c.active,
                "mitigation": c.mitigation_label or None,
                "mitigation_detail": c.mitigation_detail,
            }
            for c in conflicts
        ],
    }


def everything_about(session: Session, user: User) -> dict[str, Any]:
    """The person's record, declarations (every version), flags about them with decisions,
    management plans, reminders sent to them, and every audit entry of their own actions."""
    plans = session.scalars(
        select(ManagementPlan)
        .where(ManagementPlan.official_id == user.id)
        .order_by(ManagementPlan.id)
    )
    reminders = session.execute(
        select(Reminder, DeclarationCycle.name)
        .join(DeclarationCycle, DeclarationCycle.id == Reminder.cycle_id)
        .where(Reminder.official_id == user.id)
        .order_by(Reminder.sent_at)
    )
    actions = session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == user.id).order_by(AuditEntry.seq)
    )
    questions = session.scalars(
        select(CaseQuestion)
        .join(Case, Case.id == CaseQuestion.case_id)
        .where(Case.official_id == user.id)
        .order_by(CaseQuestion.id)
    )
    # Evidence about the person (never internal notes, nor files marked as not about them).
    evidence = session.execute(
        select(CaseEvidence, Case.organisation_name)
        .join(Case, Case.id == CaseEvidence.case_id)
        .where(Case.official_id == user.id, CaseEvidence.concerns_official.is_(True))
        .order_by(CaseEvidence.id)
    )
    acting = session.scalars(
        select(ProcurementPerson)
        .where(ProcurementPerson.user_id == user.id)
        .order_by(ProcurementPerson.id)
    ).all()
    return {
        "person": _person(user),
        "declarations": _declarations(session, user),
        "procurements_you_act_on": [_acting(session, person) for person in acting],
        "flags": _flags(session, user),
        "management_plans": [
            {
                "organisation": p.flag.organisation_name,
                "constraints": p.constraint_labels,
                "details": p.details,
                "divest_by": plain_value(p.divest_by),
                "review_on": plain_value(p.review_on),
                "status": p.status,
                "acknowledged_at": plain_value(p.acknowledged_at),
            }
            for p in plans
        ],
        "questions_from_compliance": [
            {
                "about": q.case.organisation_name,
                "question": q.question,
                "asked_at": plain_value(q.asked_at),
                "answer": q.answer,
                "answered_at": plain_value(q.answered_at),
            }
            for q in questions
        ],
        "evidence_about_you": [
            {
                "about": organisation,
                "filename": e.filename,
                "description": e.description,
                "content_type": e.content_type,
                "size_bytes": e.size,
                "sha256": e.sha256,
                "attached_at": plain_value(e.uploaded_at),
            }
            for e, organisation in evidence
        ],
        "reminders": [
            {
                "cycle": cycle,
                "kind": r.kind,
                "sent_to": r.email_to,
                "sent_at": plain_value(r.sent_at),
            }
            for r, cycle in reminders
        ],
        "own_actions": [
            {
                "at": plain_value(e.occurred_at),
                "action": e.action,
                "summary": e.summary,
                "ip_address": e.ip_address,
            }
            for e in actions
        ],
    }


def download_personal_data(
    session: Session, user: User, *, ip_address: str | None = None
) -> dict[str, Any]:
    """Everything the register holds about the person, for their download (audited)."""
    held = everything_about(session, user)
    record(
        session,
        "personal_data.downloaded",
        f"{user.email} downloaded their personal data",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
    )
    return held
