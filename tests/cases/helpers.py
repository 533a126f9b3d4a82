"""Objects the security matrix and the case tests need."""

from __future__ import annotations

import io

from register import runtime
from register.cases.filing import file_flags
from register.evidence import EvidenceStore
from register.models import CaseEvidence, CaseQuestion, Flag
from tests.review.helpers import matrix_flag

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def matrix_case(world) -> int:
    """The case of the matrix flag (about the owner official, in the owner's department)."""
    flag = world.session.get(Flag, matrix_flag(world))
    file_flags(world.session, [flag])
    world.session.commit()
    return int(flag.case_id)


def matrix_question(world) -> int:
    question = CaseQuestion(
        case_id=matrix_case(world), asked_by_id=world.compliance.id, question="When did you resign?"
    )
    world.session.add(question)
    world.session.commit()
    return int(question.id)


def matrix_evidence(world) -> int:
    """A real file in the evidence store, attached to the matrix case."""
    case_id = matrix_case(world)
    stored = EvidenceStore.from_url(runtime.settings().evidence_storage_url).save(
        io.BytesIO(MINIMAL_PDF), "letter.pdf", 1024 * 1024
    )
    evidence = CaseEvidence(
        case_id=case_id, filename=stored.filename, content_type=stored.content_type,
        size=stored.size, sha256=stored.sha256, storage_key=stored.key,
        uploaded_by_id=world.compliance.id, description="",
    )  # fmt: skip
    world.session.add(evidence)
    world.session.commit()
    return int(evidence.id)
