"""Who may read, decide and export what: the one access policy every door asks (no Flask here).

official      reads own declarations, and the declared-interest flags about them with their
              decisions (an undeclared-interest flag only as a released prompt, see
              register.ownership); decides and exports nothing.
compliance    reads declarations and flags of officials now in their assigned departments and
              decides those flags; reads and decides a flag escalated to them, whatever its
              department, until its final decision; exports nothing. A senior escalation
              owner is a compliance officer marked senior (`User.is_senior`). Works the cases
              of those officials (assigns, asks, notes, evidence, decides), and a case
              escalated to them.
auditor       reads every declaration, flag and case (notes and evidence too) and exports every
              kind; changes nothing.
admin         people, departments, cycles, imports, settings; reads declarations, completeness
              and the audit log; exports every kind but flags; no flag, decision or undeclared
              finding on any door.
procurement   (procurement lead) records the procurements of their own department, the people
              acting and the suppliers, runs the conflicts check, agrees mitigations and prepares
              the conflicts assessment. Compliance officers of the department read them and agree
              mitigations; auditors read every one. Where an organisation prefers,
              PROCUREMENT_LEAD_ROLES lets compliance officers (their departments) or
              administrators (every department) lead procurements too.

An API token may do what its scopes name, and only what its owner's role allows now
(API_SCOPES): a token made before its owner's role changed loses what the new role lacks.

A flag belongs to the department its official is in now (`User.department_id`), not the one
stored on the flag when it was raised: after a transfer the new department's compliance officers
review it and the old department's lose it. Administrators see no flag, decision or undeclared
finding on any door (web, export or API). Each rule is written once, as a predicate on one object
and as the SQL filter (a scope) for lists, and the two agree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, Select, false, select, true

from register.models import (
    Case,
    CaseQuestion,
    Declaration,
    Flag,
    Procurement,
    ProcurementPerson,
    User,
)
from register.models.cases import CASE_ESCALATED
from register.models.flags import DECLARED, ESCALATED_STATUS
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, OFFICIAL, PROCUREMENT_LEAD

# Exports each role may download (the web export page; the command line is the operator's).
EXPORTS: dict[str, frozenset[str]] = {
    AUDITOR: frozenset({"completeness", "declarations", "flags", "cases", "audit"}),
    ADMIN: frozenset({"completeness", "declarations", "audit"}),  # flags and cases hold decisions
}

# The API's scopes, each with the roles whose tokens may hold and use it.
API_SCOPES: dict[str, frozenset[str]] = {
    "roster:write": frozenset({ADMIN}),
    "awards:write": frozenset({ADMIN}),
    "flags:read": frozenset({COMPLIANCE, AUDITOR}),  # administrators: no flags on any door
    "completeness:read": frozenset({COMPLIANCE, AUDITOR, ADMIN}),
    "procurements:write": frozenset({PROCUREMENT_LEAD, COMPLIANCE, ADMIN}),
    "procurements:read": frozenset({PROCUREMENT_LEAD, COMPLIANCE, AUDITOR, ADMIN}),
}

# The roles that lead procurements: the procurement lead always; compliance officers and
# administrators where the deployment says so (PROCUREMENT_LEAD_ROLES, set at start-up).
_lead_roles: frozenset[str] = frozenset({PROCUREMENT_LEAD})
LEAD_ROLE_CHOICES = frozenset({PROCUREMENT_LEAD, COMPLIANCE, ADMIN})


def use_procurement_lead_roles(roles: Collection[str]) -> None:
    """Set who leads procurements (runtime.init_app, from the settings)."""
    global _lead_roles
    _lead_roles = frozenset(roles) | {PROCUREMENT_LEAD}


def api_scopes(user: User) -> list[str]:
    """The API scopes `user`'s role allows, in API_SCOPES order. Writing procurements needs a
    role that leads them (PROCUREMENT_LEAD_ROLES); so does reading them, for administrators."""
    allowed = []
    for scope, roles in API_SCOPES.items():
        if user.role not in roles:
            continue
        if scope == "procurements:write" and not leads_procurements(user):
            continue
        if scope == "procurements:read" and user.role == ADMIN and not leads_procurements(user):
            continue
        allowed.append(scope)
    return allowed


def may_use_scope(user: User, scopes: Collection[str], scope: str) -> bool:
    """Whether a token of `user` holding `scopes` may do what `scope` names."""
    return scope in scopes and scope in api_scopes(user)


# Departments -----------------------------------------------------------------------------------


def assigned_department_ids(user: User) -> set[int]:
    """The departments a compliance officer is assigned to (nobody else has any)."""
    return {d.id for d in user.assigned_departments} if user.role == COMPLIANCE else set()


def review_department_ids(user: User) -> set[int] | None:
    """Departments whose officials' flags and declarations `user` reviews: None means every one
    (auditors), compliance officers their assigned departments, anyone else none."""
    if user.role == AUDITOR:
        return None
    return assigned_department_ids(user)


def visible_department_ids(user: User) -> set[int] | None:
    """Departments whose completeness figures and people `user` sees: compliance officers their
    assigned ones, everyone else allowed on those pages (auditors, administrators) all (None)."""
    return assigned_department_ids(user) if user.role == COMPLIANCE else None


def officials_in(department_ids: Collection[int]) -> Select[Any]:
    """The ids of the users now in `department_ids` (for `Flag.official_id.in_(...)`)."""
    return select(User.id).where(User.department_id.in_(sorted(department_ids)))


def flags_in_departments(department_ids: Collection[int]) -> ColumnElement[bool]:
    """Flags whose official is now in one of `department_ids` (the flag's own department_id
    is where the official was when it was raised, which is not what access goes by)."""
    if not department_ids:
        return false()
    return Flag.official_id.in_(officials_in(department_ids))


# Flags -----------------------------------------------------------------------------------------


def flag_scope(user: User) -> ColumnElement[bool]:
    """The flags `user` may read, as a SQL filter: auditors all; compliance officers those of
    officials now in their departments and those escalated to them; officials their own
    declared-interest flags; administrators and anyone else none."""
    if user.role == AUDITOR:
        return true()
    if user.role == COMPLIANCE:
        return flags_in_departments(assigned_department_ids(user)) | escalated_to(user)
    if user.role == OFFICIAL:
        return (Flag.official_id == user.id) & (Flag.kind == DECLARED)
    return false()


def can_read_flag(user: User, flag: Flag) -> bool:
    """Whether `user` may read `flag` (and its decisions and plans); the predicate of
    `flag_scope`."""
    if user.role == AUDITOR:
        return True
    if user.role == OFFICIAL:
        # An undeclared-interest flag reaches the official only as a released prompt.
        return flag.official_id == user.id and flag.kind == DECLARED
    return can_decide_flag(user, flag)


def escalated_to(user: User) -> ColumnElement[bool]:
    """Flags waiting for `user` after an escalation named them (the final decision ends it)."""
    return (Flag.status == ESCALATED_STATUS) & (Flag.escalated_to_id == user.id)


def is_escalated_to(user: User, flag: Flag) -> bool:
    """The predicate of `escalated_to`."""
    return flag.status == ESCALATED_STATUS and flag.escalated_to_id == user.id


def can_decide_flag(user: User, flag: Flag) -> bool:
    """Only compliance officers assigned to the department the flag's official is now in decide
    it, change its plan or release its prompt; and the compliance officer an escalated flag
    waits for."""
    if user.role != COMPLIANCE:
        return False
    if is_escalated_to(user, flag):
        return True
    return flag.official is not None and flag.official.department_id in assigned_department_ids(
        user
    )


def reviews_flags(user: User) -> bool:
    """Whether `user` works the review pages (queue, dashboard, related flags)."""
    return user.role in (COMPLIANCE, AUDITOR)


# Declarations ----------------------------------------------------------------------------------


def can_read_declaration(user: User, declaration: Declaration) -> bool:
    """The owner, auditors, administrators, and compliance officers of the department the
    official is now in may read a submitted declaration."""
    if user.role == OFFICIAL:
        return declaration.official_id == user.id
    if user.role in (AUDITOR, ADMIN):
        return True
    return user.role == COMPLIANCE and (
        declaration.official.department_id in assigned_department_ids(user)
    )


def reads_official_records(user: User) -> bool:
    """Whether `user` opens officials' whole records at all (auditors, compliance officers)."""
    return user.role in (COMPLIANCE, AUDITOR)


def can_read_official_record(user: User, official: User) -> bool:
    """One official's whole record (every cycle's declarations, flags, plans, reminders):
    auditors any official's, compliance officers those of officials now in their assigned
    departments; nobody else (an official reads their own on their own pages, and
    administrators see no flag or decision)."""
    if official.role != OFFICIAL:
        return False
    if user.role == AUDITOR:
        return True
    return user.role == COMPLIANCE and official.department_id in assigned_department_ids(user)


def can_edit_declaration(user: User, declaration: Declaration) -> bool:
    """Only its official files, edits or amends a declaration."""
    return user.role == OFFICIAL and declaration.official_id == user.id


def declaration_scope(user: User) -> ColumnElement[bool]:
    """The declarations `user` may read, as a SQL filter (the predicate of
    `can_read_declaration`)."""
    if user.role == OFFICIAL:
        return Declaration.official_id == user.id
    if user.role in (AUDITOR, ADMIN):
        return true()
    ids = assigned_department_ids(user)
    return Declaration.official_id.in_(officials_in(ids)) if ids else false()


# Exports ---------------------------------------------------------------------------------------


def export_kinds(user: User) -> frozenset[str]:
    """The export kinds `user` may download."""
    return EXPORTS.get(user.role, frozenset())


def can_export(user: User, kind: str) -> bool:
    return kind in export_kinds(user)


# Cases -----------------------------------------------------------------------------------------


def case_scope(user: User) -> ColumnElement[bool]:
    """The cases `user` may read, as a SQL filter: auditors all; compliance officers those of
    officials now in their departments and those escalated to them; nobody else any (an
    official sees the questions put to them, never the case file)."""
    if user.role == AUDITOR:
        return true()
    if user.role == COMPLIANCE:
        ids = assigned_department_ids(user)
        mine = Case.official_id.in_(officials_in(ids)) if ids else false()
        return mine | ((Case.state == CASE_ESCALATED) & (Case.escalated_to_id == user.id))
    return false()


def can_read_case(user: User, case: Case) -> bool:
    """The predicate of `case_scope`: internal notes and evidence included."""
    return user.role == AUDITOR or can_work_case(user, case)


def can_work_case(user: User, case: Case) -> bool:
    """Compliance officers of the department the case's official is now in assign it, ask
    questions, add notes and evidence and decide it; so does the one it is escalated to."""
    if user.role != COMPLIANCE:
        return False
    if case.state == CASE_ESCALATED and case.escalated_to_id == user.id:
        return True
    return case.official.department_id in assigned_department_ids(user)


def can_answer_question(user: User, question: CaseQuestion) -> bool:
    """Only the official a question was put to answers it."""
    return user.role == OFFICIAL and question.case.official_id == user.id


# Procurements ----------------------------------------------------------------------------------


def leads_procurements(user: User) -> bool:
    """Whether `user`'s role records procurements at all."""
    return user.role in _lead_roles


def _procurement_departments(user: User) -> set[int] | None:
    """Departments whose procurements `user` may manage: None means every one."""
    if user.role == ADMIN:
        return None
    if user.role == COMPLIANCE:
        return assigned_department_ids(user)
    return {user.department_id} if user.department_id is not None else set()


def procurement_department_ids(user: User) -> set[int] | None:
    """Departments for which `user` may create a procurement (None: every one)."""
    if not leads_procurements(user):
        return set()
    return _procurement_departments(user)


def can_manage_procurement(user: User, procurement: Procurement) -> bool:
    """Record people, suppliers and stages, run the check and prepare the assessment: the
    procurement's lead roles, for their department (administrators, when allowed, any)."""
    if not leads_procurements(user):
        return False
    departments = _procurement_departments(user)
    return departments is None or procurement.department_id in departments


def can_mitigate_procurement(user: User, procurement: Procurement) -> bool:
    """Agree a conflict's mitigation: whoever manages the procurement, and the compliance
    officers of its department."""
    if can_manage_procurement(user, procurement):
        return True
    return user.role == COMPLIANCE and procurement.department_id in assigned_department_ids(user)


def can_read_procurement(user: User, procurement: Procurement) -> bool:
    """Auditors every procurement; those who manage or mitigate it theirs."""
    return user.role == AUDITOR or can_mitigate_procurement(user, procurement)


def procurement_scope(user: User) -> ColumnElement[bool]:
    """The procurements `user` may read, as a SQL filter (the predicate of
    `can_read_procurement`)."""
    if user.role == AUDITOR:
        return true()
    departments: set[int] = set()
    if leads_procurements(user):
        managed = _procurement_departments(user)
        if managed is None:
            return true()
        departments |= managed
    if user.role == COMPLIANCE:
        departments |= assigned_department_ids(user)
    return Procurement.department_id.in_(sorted(departments)) if departments else false()


def can_declare_for_procurement(user: User, acting: ProcurementPerson) -> bool:
    """Only the register user acting answers their own declaration request (external people
    answer through the emailed link)."""
    return acting.user_id is not None and acting.user_id == user.id
