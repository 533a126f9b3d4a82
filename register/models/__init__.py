"""All models, imported here so Alembic and the app see every table."""

from register.models.audit import AuditEntry, AuditHead
from register.models.base import Base
from register.models.declarations import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    ImmutableRecordError,
    Interest,
    RelatedOrganisation,
)
from register.models.people import Department, User

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Declaration",
    "DeclarationCycle",
    "DeclarationVersion",
    "Department",
    "ImmutableRecordError",
    "Interest",
    "RelatedOrganisation",
    "User",
]
