"""Objects the security matrix and the procurement tests need."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from register import runtime
from register.models import (
    OutboundEmail,
    Procurement,
    ProcurementConflict,
    ProcurementPerson,
)
from register.models.procurement import ADVISER, EVALUATOR
from register.procurement import services

REFERENCE = "MATRIX-1"


def matrix_procurement(world: Any) -> int:
    """A procurement of the owner's department, led by the matrix's procurement lead: the owner
    official advises (and conflicts with a bidder through their declared directorship), an
    external evaluator is asked to declare by link, and one revision is prepared."""
    session = world.session
    found = session.scalar(select(Procurement.id).where(Procurement.reference == REFERENCE))
    if found is not None:
        return int(found)
    settings = runtime.settings()
    lead = world.procurement_lead
    procurement = services.create_procurement(
        session,
        services.ProcurementFields("Matrix procurement", REFERENCE, world.department.id, "open"),
        lead,
    )
    services.add_supplier(session, procurement, lead, settings, name="Acme Widgets Ltd",
                          company_number=None, relation="bidder")  # fmt: skip
    services.add_person(session, procurement, lead, settings, capacity=ADVISER, user=world.owner)
    services.add_person(session, procurement, lead, settings, capacity=EVALUATOR,
                        name="External Evaluator", email="external@example.org")  # fmt: skip
    services.prepare_assessment(session, procurement, lead, reason="Matrix revision")
    session.commit()
    return int(procurement.id)


def matrix_person(world: Any) -> int:
    procurement_id = matrix_procurement(world)
    return int(
        world.session.scalar(
            select(ProcurementPerson.id).where(
                ProcurementPerson.procurement_id == procurement_id,
                ProcurementPerson.user_id == world.owner.id,
            )
        )
    )


def matrix_conflict(world: Any) -> int:
    procurement_id = matrix_procurement(world)
    return int(
        world.session.scalar(
            select(ProcurementConflict.id).where(
                ProcurementConflict.procurement_id == procurement_id
            )
        )
    )


def matrix_declaration(world: Any) -> int:
    """The owner's pending declaration request (theirs to answer, nobody else's)."""
    person = world.session.get(ProcurementPerson, matrix_person(world))
    return int(person.latest_declaration.id)


def link_from_outbox(session: Any, email: str) -> str:
    """The declaration link last emailed to an external person (only its digest is stored)."""
    body = session.scalars(
        select(OutboundEmail.body)
        .where(OutboundEmail.to == email)
        .order_by(OutboundEmail.id.desc())
    ).first()
    found = re.search(r"/procurement-declaration/([A-Za-z0-9_-]+)", body or "")
    if found is None:
        raise LookupError(f"no declaration link emailed to {email}")
    return found.group(1)


def matrix_link(world: Any) -> str:
    matrix_procurement(world)
    return link_from_outbox(world.session, "external@example.org")
