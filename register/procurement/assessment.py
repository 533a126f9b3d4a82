"""The conflicts assessment as a document: its content (canonical JSON, digested), and the same
revision as CSV and PDF. A revision is never changed: every rendering reads its stored content.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from register.app_files import STATIC
from register.clock import local_date
from register.exports.services import cell
from register.models import ConflictsAssessment, Procurement, User
from register.models.procurement import CONFLICT_KINDS, MITIGATIONS

CSV_COLUMNS = [
    "reference",
    "revision",
    "digest",
    "person",
    "capacity",
    "supplier",
    "company_number",
    "kind",
    "nature",
    "summary",
    "reasons",
    "found_on",
    "still_found",
    "mitigation",
    "mitigation_detail",
    "agreed_by",
    "agreed_on",
]


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _day(moment: datetime | None) -> str | None:
    return local_date(moment).isoformat() if moment is not None else None


def build_content(
    procurement: Procurement,
    revision: int,
    prepared_at: datetime,
    prepared_by: User | None,
    reason: str,
    outstanding: list[str],
) -> dict[str, Any]:
    """Everything the revision records, as plain values."""
    people = []
    for person in procurement.people:
        latest = person.latest_declaration
        people.append(
            {
                "id": person.id,
                "name": person.name,
                "email": person.email,
                "register_user": person.user_id is not None,
                "capacity": person.capacity_label,
                "added_on": _day(person.added_at),
                "removed_on": _day(person.removed_at),
                "removed_reason": person.removed_reason,
                "declaration": None
                if latest is None
                else {
                    "state": latest.state,
                    "details": latest.details,
                    "suppliers": json.loads(latest.suppliers),
                    "answered_at": latest.answered_at.isoformat() if latest.answered_at else None,
                    "attestation": latest.attestation_text,
                },
            }
        )
    suppliers = [
        {
            "id": s.id,
            "name": s.name,
            "company_number": s.company_number,
            "relation": s.relation_label,
            "added_on": _day(s.added_at),
            "excluded_on": _day(s.excluded_at),
            "excluded_reason": s.excluded_reason,
        }
        for s in procurement.suppliers
    ]
    conflicts = [
        {
            "id": c.id,
            "person": c.person.name,
            "capacity": c.person.capacity_label,
            "supplier": c.supplier.name if c.supplier else None,
            "company_number": c.supplier.company_number if c.supplier else None,
            "other_person": c.other_person.name if c.other_person else None,
            "kind": CONFLICT_KINDS.get(c.kind, c.kind),
            "nature": c.nature,
            "summary": c.summary,
            "reasons": json.loads(c.reasons),
            "found_on": _day(c.found_at),
            "still_found": c.active,
            "cleared_on": _day(c.cleared_at),
            "mitigation": MITIGATIONS.get(c.mitigation or "") if c.mitigation else None,
            "mitigation_detail": c.mitigation_detail,
            "agreed_by": c.mitigated_by.full_name if c.mitigated_by else None,
            "agreed_at": c.mitigated_at.isoformat() if c.mitigated_at else None,
        }
        for c in procurement.conflicts
    ]
    return {
        "procurement": {
            "reference": procurement.reference,
            "title": procurement.title,
            "ocid": procurement.ocid,
            "department": procurement.department.name,
            "estimated_value": str(procurement.estimated_value)
            if procurement.estimated_value is not None
            else None,
            "procedure": procurement.procedure_label,
            "stage": procurement.stage_label,
            "lead": procurement.lead.full_name,
        },
        "revision": revision,
        "prepared_at": prepared_at.isoformat(),
        "prepared_by": prepared_by.full_name
        if prepared_by is not None
        else "the register (re-check)",
        "reason": reason,
        "complete": not outstanding,
        "outstanding": outstanding,
        "people": people,
        "suppliers": suppliers,
        "conflicts": conflicts,
    }


def content_of(revision: ConflictsAssessment) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(revision.content)
    return found


def as_json(revision: ConflictsAssessment) -> dict[str, Any]:
    """The revision for a machine: its content, digest and place in the audit chain."""
    return {
        "content": content_of(revision),
        "digest": revision.content_digest,
        "audit_seq": revision.audit_seq,
        "audit_head_hash": revision.audit_head_hash,
    }


def as_csv(revision: ConflictsAssessment) -> str:
    """One row per conflict (a revision with none has one row saying so)."""
    content = content_of(revision)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    reference = content["procurement"]["reference"]
    for c in content["conflicts"]:
        row = [
            reference,
            revision.revision,
            revision.content_digest,
            c["person"],
            c["capacity"],
            c["supplier"] or c["other_person"] or "",
            c["company_number"] or "",
            c["kind"],
            c["nature"],
            c["summary"],
            "; ".join(c["reasons"]),
            c["found_on"],
            "yes" if c["still_found"] else "no",
            c["mitigation"] or "",
            c["mitigation_detail"] or "",
            c["agreed_by"] or "",
            (c["agreed_at"] or "")[:10],
        ]
        writer.writerow([cell(v) for v in row])
    if not content["conflicts"]:
        writer.writerow(
            [
                reference,
                revision.revision,
                revision.content_digest,
                "",
                "",
                "",
                "",
                "no conflicts found or declared",
            ]
            + [""] * 9
        )
    return out.getvalue()


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot load Pango on this machine."""


def pdf_from_html(html: str, base_url: str) -> bytes:
    """The printable page as PDF (WeasyPrint, with the system's fonts). Imported here: without
    Pango only this fails, not the app."""
    try:
        from weasyprint import CSS, HTML
    except OSError as exc:  # WeasyPrint's import loads Pango
        raise PdfUnavailable(
            "PDF is not available on this server: install Pango (Debian: libpango-1.0-0 "
            "libpangoft2-1.0-0). The HTML, CSV and JSON versions hold the same revision."
        ) from exc
    stylesheet = CSS(filename=str(STATIC / "css" / "assessment-print.css"))
    document: bytes = HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet])
    return document
