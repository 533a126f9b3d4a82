"""All models, imported here so Alembic and the app see every table."""

from register.models.access_requests import AccessRequest
from register.models.api_tokens import ApiToken
from register.models.audit import AuditEntry, AuditHead
from register.models.awards import Award, AwardSupplier, BuyerMapping, ImportRejection, ImportRun
from register.models.base import Base
from register.models.candidate_index import (
    DeclaredIdentifierKey,
    DeclaredOrganisation,
    OfficerNameKey,
    ScreeningName,
    ScreeningNameKey,
    ScreeningWordKey,
    SupplierIdentifierKey,
)
from register.models.cases import Case, CaseEvidence, CaseNote, CaseQuestion
from register.models.declarations import (
    Declaration,
    DeclarationCycle,
    DeclarationVersion,
    ImmutableRecordError,
    Interest,
    RelatedOrganisation,
)
from register.models.email import OutboundEmail
from register.models.flags import Decision, Flag
from register.models.ownership import CompanyOfficer, UndeclaredFinding
from register.models.password_links import PasswordLink
from register.models.people import Department, RosterUpload, User
from register.models.procurement import (
    ConflictsAssessment,
    Procurement,
    ProcurementConflict,
    ProcurementDeclaration,
    ProcurementPerson,
    ProcurementSupplier,
)
from register.models.publication import PublishedEdition, Redaction
from register.models.reminders import Reminder
from register.models.review import ManagementPlan
from register.models.sign_in import SignInThrottle, UserSession
from register.models.two_factor import RecoveryCode, TwoFactor

__all__ = [
    "AccessRequest",
    "ApiToken",
    "ConflictsAssessment",
    "Procurement",
    "ProcurementConflict",
    "ProcurementDeclaration",
    "ProcurementPerson",
    "ProcurementSupplier",
    "PublishedEdition",
    "Redaction",
    "Reminder",
    "RosterUpload",
    "AuditEntry",
    "AuditHead",
    "Award",
    "AwardSupplier",
    "BuyerMapping",
    "Case",
    "CaseEvidence",
    "CaseNote",
    "CaseQuestion",
    "Decision",
    "Flag",
    "ImportRejection",
    "ImportRun",
    "Base",
    "DeclaredIdentifierKey",
    "DeclaredOrganisation",
    "OfficerNameKey",
    "ScreeningName",
    "ScreeningNameKey",
    "ScreeningWordKey",
    "SupplierIdentifierKey",
    "CompanyOfficer",
    "Declaration",
    "DeclarationCycle",
    "DeclarationVersion",
    "Department",
    "ImmutableRecordError",
    "Interest",
    "ManagementPlan",
    "OutboundEmail",
    "PasswordLink",
    "RelatedOrganisation",
    "UndeclaredFinding",
    "SignInThrottle",
    "User",
    "UserSession",
    "RecoveryCode",
    "TwoFactor",
]
