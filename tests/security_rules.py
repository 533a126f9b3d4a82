"""Who may reach each endpoint: the table tests/test_security_matrix.py checks every route against.

ADD ONE LINE HERE FOR EVERY NEW ENDPOINT. The matrix test fails, naming the endpoint, until you do.

EXPECTED maps an endpoint (as in `app.url_map`) to the roles allowed to use it:

    "review.queue": {"compliance", "auditor"},

Roles: "official", "compliance", "auditor", "admin", "procurement". Anyone else gets 403 or 404,
and anonymous visitors are sent to the sign-in page. Qualifiers for pages about one object:

    "official:own"           officials, but only for their own object; another official gets 404
    "compliance:department"  compliance officers assigned to the object's department; others 404
    "procurement:department" procurement leads of the object's department; others 404

PUBLIC means anyone, signed in or not (no redirect to sign-in); SIGNED_IN means every role.
API_TOKEN means a token-authenticated API endpoint: every session-cookie client gets 401; API_ROLES
says which roles' tokens may use it. EXPORT_KINDS says who may download each kind of export.
A value may also be a dict keyed by HTTP method when methods differ: {"GET": ..., "POST": ...}.

PARAMS fills URL parameters from the objects the matrix creates (see `World` in
tests/test_security_matrix.py): the URL names the owner official's object, so a check as the
owner must succeed and a check as another official must get 404. Add a line for a new parameter
name; a function may create the object it needs through `world.session`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from register.auth.invitations import hash_link_token
from register.clock import utcnow
from register.models import (
    AccessRequest,
    ApiToken,
    BuyerMapping,
    Flag,
    ImportRun,
    PasswordLink,
    PublishedEdition,
    RosterUpload,
    User,
)
from register.models.password_links import RESET
from tests.cases.helpers import matrix_case, matrix_evidence, matrix_question
from tests.procurement.helpers import (
    matrix_conflict,
    matrix_declaration,
    matrix_link,
    matrix_person,
    matrix_procurement,
)
from tests.review.helpers import matrix_flag, matrix_plan

PUBLIC = "public"
SIGNED_IN = frozenset({"official", "compliance", "auditor", "admin", "procurement"})
OWN = "official:own"
DEPARTMENT = "compliance:department"
LEAD_DEPARTMENT = "procurement:department"  # procurement leads of the object's department
API_TOKEN = "api-token"  # token-authenticated API: every cookie client (and anonymous) gets 401

EXPECTED: dict[str, Any] = {
    # Application and static files.
    "static": PUBLIC,
    "healthz": PUBLIC,
    "index": SIGNED_IN,
    # Sign-in, sign-out, password.
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.my_data": SIGNED_IN,
    "auth.sessions_page": SIGNED_IN,
    "auth.end_sessions": SIGNED_IN,
    # Single sign-on (OpenID Connect): anyone may start it; 404 while it is not configured.
    "auth.sso_start": PUBLIC,
    "auth.sso_callback": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.password_link": PUBLIC,  # the link itself is the credential
    # Two-factor authentication. The code step and the required set-up belong to a pending
    # sign-in (no one signed in yet): without one they send the visitor to sign in again.
    "two_factor.code": PUBLIC,
    "two_factor.required_set_up": PUBLIC,
    "two_factor.account": SIGNED_IN,
    "two_factor.set_up": SIGNED_IN,
    "two_factor.new_recovery_codes": SIGNED_IN,
    "two_factor.turn_off": SIGNED_IN,
    "two_factor.confirm_identity": SIGNED_IN,
    "two_factor_admin.reset": {"admin"},
    # Officials' own declarations.
    "declarations.mine": {"official"},
    "declarations.start": {"official"},
    "declarations.show": {OWN, DEPARTMENT, "auditor", "admin"},  # others read it read-only
    "declarations.add_interest": {OWN},
    "declarations.edit_interest": {OWN},
    "declarations.end_interest": {OWN},
    "declarations.remove_interest": {OWN},
    "declarations.review": {OWN},
    "declarations.amend": {OWN},
    "declarations.version": {OWN, DEPARTMENT, "auditor", "admin"},
    # Administration.
    "admin.departments": {"admin"},
    "admin.people": {"admin"},
    "admin.new_user": {"admin"},
    "admin.edit_user": {"admin"},
    "admin.set_active": {"admin"},
    "admin.resend_invitation": {"admin"},
    "admin.unlock": {"admin"},
    "admin.roster": {"admin"},
    "admin.confirm_roster": {"admin"},
    "admin.cycles": {"admin"},
    "admin.cycle": {"admin"},
    "admin.add_cycle_departments": {"admin"},
    "admin.extend_cycle": {"admin"},
    "admin.close_cycle": {"admin"},
    # Contract awards.
    "awards.imports": {"admin"},
    "awards.import_run": {"admin"},
    "awards.buyers": {"admin"},
    "awards.set_buyer_department": {"admin"},
    "awards.search": {"admin", "compliance", "auditor"},
    "awards.award": {"admin", "compliance", "auditor"},
    "review.queue": {"compliance", "auditor"},
    "review.bulk_dismiss": {"compliance"},
    "review.flag": {OWN, DEPARTMENT, "auditor"},
    "review.decide": {DEPARTMENT},
    "review.edit_plan": {DEPARTMENT},
    "review.due": {"compliance", "auditor"},
    "review.dashboard": {"compliance", "auditor"},
    "review.search": {"compliance", "auditor"},
    "review.search_export": {"compliance", "auditor"},
    "review.my_plans": {"official"},
    "review.acknowledge": {OWN},
    # Cases (issue 17).
    "cases.queue": {"compliance", "auditor"},
    "cases.bulk_dismiss": {"compliance"},
    "cases.case": {DEPARTMENT, "auditor"},
    "cases.assign": {DEPARTMENT},
    "cases.ask": {DEPARTMENT},
    "cases.add_note": {DEPARTMENT},
    "cases.attach": {DEPARTMENT},
    "cases.decide": {DEPARTMENT},
    "cases.reopen": {DEPARTMENT},
    "cases.evidence": {DEPARTMENT, "auditor"},
    "cases.my_questions": {"official"},
    "cases.answer": {OWN},
    "audit.log": {"auditor", "admin"},
    # Completeness, reminders, exports (issue 6).
    "completeness.dashboard": {"compliance", "auditor", "admin"},
    "completeness.department": {DEPARTMENT, "auditor", "admin"},
    "completeness.remind": {"compliance", "admin"},
    "completeness.confirm_remind_overdue": {DEPARTMENT, "admin"},
    "exports.index": {"auditor", "admin"},
    "exports.download": {"auditor", "admin"},
    # Public register: editions are public; publishing is for administrators.
    "public.editions": PUBLIC,
    "public.edition": PUBLIC,
    "public.edition_json": PUBLIC,
    "public.edition_csv": PUBLIC,
    "publishing.new_edition": {"admin"},
    # JSON API: token auth only (a session cookie gets 401); roles per token in tests/api.
    "api.openapi": PUBLIC,
    "api.roster": API_TOKEN,
    "api.awards": API_TOKEN,
    "api.flags": API_TOKEN,
    "api.cases": API_TOKEN,
    "api.completeness": API_TOKEN,
    # Service accounts' tokens (administrators); each person's own tokens (roles with a scope).
    "api_tokens.index": {"admin"},
    "api_tokens.create": {"admin"},
    "api_tokens.revoke": {"admin"},
    "account_tokens.index": {"compliance", "auditor", "admin", "procurement"},
    "account_tokens.create": {"compliance", "auditor", "admin", "procurement"},
    "account_tokens.revoke": {"compliance", "auditor", "admin", "procurement"},
    # Access requests: a second administrator approves a grant of a privileged role.
    "approvals.index": {"admin"},
    "approvals.approve": {"admin"},
    "approvals.reject": {"admin"},
    # Undeclared interests (issue 8): releasing the question to the official.
    "ownership.release": {DEPARTMENT},
    # One page per official (issue 17): their departments' compliance officers and auditors.
    "officials.record": {DEPARTMENT, "auditor"},
    # Procurements and conflicts assessments (issue 18): leads of the department change them,
    # its compliance officers read them and agree mitigations, auditors read every one.
    "procurement.procurements": {"procurement", "compliance", "auditor"},
    "procurement.new": {"procurement"},
    "procurement.procurement": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
    "procurement.add_person": {LEAD_DEPARTMENT},
    "procurement.remove_person": {LEAD_DEPARTMENT},
    "procurement.add_supplier": {LEAD_DEPARTMENT},
    "procurement.check": {LEAD_DEPARTMENT},
    "procurement.prepare": {LEAD_DEPARTMENT},
    "procurement.move_stage": {LEAD_DEPARTMENT},
    "procurement.mitigate": {LEAD_DEPARTMENT, DEPARTMENT},
    "procurement.assessment_page": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
    "procurement.assessment_pdf": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
    "procurement.assessment_csv": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
    "procurement.assessment_json": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
    # Declaring for a procurement: whoever is asked (signed in), or by the emailed link.
    "procurement.my_declarations": SIGNED_IN,
    "procurement.declare": {OWN},
    "procurement_link.declare": PUBLIC,  # the link is the credential
    "api.create_procurement": API_TOKEN,
    "api.add_procurement_person": API_TOKEN,
    "api.add_procurement_supplier": API_TOKEN,
    "api.procurement_assessment": API_TOKEN,
}

# Token-authenticated endpoints, checked with a token of each role: the roles whose token may use
# each (others get 403). DEPARTMENT: compliance officers get only the flags of officials now in
# their departments (the matrix checks the items); administrators get no flags on any door.
API_ROLES: dict[str, Any] = {
    "api.roster": {"admin"},
    "api.awards": {"admin"},
    "api.flags": {DEPARTMENT, "auditor"},
    "api.cases": {DEPARTMENT, "auditor"},
    "api.completeness": {"compliance", "auditor", "admin"},
    "api.create_procurement": {"procurement"},
    "api.add_procurement_person": {LEAD_DEPARTMENT},
    "api.add_procurement_supplier": {LEAD_DEPARTMENT},
    "api.procurement_assessment": {LEAD_DEPARTMENT, DEPARTMENT, "auditor"},
}
# The scope each token-authenticated endpoint requires: a token without it gets 403, whatever
# its owner's role (the matrix checks it with a token of every allowed role lacking just that).
API_SCOPE: dict[str, str] = {
    "api.roster": "roster:write",
    "api.awards": "awards:write",
    "api.flags": "flags:read",
    "api.cases": "flags:read",
    "api.completeness": "completeness:read",
    "api.create_procurement": "procurements:write",
    "api.add_procurement_person": "procurements:write",
    "api.add_procurement_supplier": "procurements:write",
    "api.procurement_assessment": "procurements:read",
}
# The query string an API endpoint needs to answer 200 rather than 422.
API_QUERY: dict[str, str] = {"api.completeness": "cycle=2026/27"}

# What each role may download from exports.download (?kind=...); others get 403, and the flags
# export must hold every flag for an auditor.
EXPORT_KINDS: dict[str, set[str]] = {
    "completeness": {"auditor", "admin"},
    "declarations": {"auditor", "admin"},
    "flags": {"auditor"},  # flags hold decisions and undeclared findings: never administrators
    "cases": {"auditor"},  # as flags
    "audit": {"auditor", "admin"},
}

# URL parameter name -> value, from the matrix's World (owner, declaration, interest, cycle...).
PARAMS: dict[str, Callable[[Any], Any]] = {
    "filename": lambda world: "css/register.css",
    "upload_id": lambda world: _saved(
        world,
        RosterUpload(uploaded_by_id=world.owner.id, filename="r.csv", content="", digest="0" * 64),
    ),
    "cycle_id": lambda world: world.cycle.id,
    "declaration_id": lambda world: world.declaration.id,
    "interest_id": lambda world: world.interest.id,
    "category": lambda world: "directorship",
    "number": lambda world: 1,
    "user_id": lambda world: world.owner.id,
    "department_id": lambda world: world.department.id,  # the owner's department
    "run_id": lambda world: _saved(world, ImportRun(filename="matrix.json", status="completed")),
    "flag_id": lambda world: matrix_flag(world),
    "award_id": lambda world: world.session.get(Flag, matrix_flag(world)).award_id,
    "plan_id": lambda world: matrix_plan(world),
    "case_id": lambda world: matrix_case(world),
    "evidence_id": lambda world: matrix_evidence(world),
    "question_id": lambda world: matrix_question(world),
    "procurement_id": lambda world: matrix_procurement(world),
    "person_id": lambda world: matrix_person(world),
    "conflict_id": lambda world: matrix_conflict(world),
    "revision": lambda world: 1,
    "procurement_declaration_id": lambda world: matrix_declaration(world),
    "link": lambda world: matrix_link(world),
    "mapping_id": lambda world: _saved(world, BuyerMapping(buyer_key="bfi", buyer_name="BFI")),
    "edition_id": lambda world: _saved(
        world,
        PublishedEdition(
            cycle_id=world.cycle.id,
            number=1,
            snapshot_digest="0" * 64,
            snapshot='{"cycle": "2026/27", "edition": 1, "redactions": [], "entries": []}',
        ),
    ),
    "token": lambda world: _live_link(world),
    "token_id": lambda world: _saved(
        world,
        ApiToken(
            user_id=_service_account(world).id,
            name="matrix",
            token_hash="0" * 64,
            prefix="rgi_matrix",
            scopes="completeness:read",
            expires_at=utcnow() + timedelta(days=30),
        ),
    ),
    "request_id": lambda world: _saved(
        world,
        AccessRequest(
            kind="change",
            user_id=world.other_official.id,
            before='{"assigned_departments": [], "role": "official"}',
            after='{"assigned_departments": [], "role": "auditor"}',
            requested_by_id=world.auditor.id,  # not the admin, who may then approve it
        ),
    ),
}


def _service_account(world: Any) -> User:
    """A service account (administrators see and mint only service accounts' tokens)."""
    account = User(
        email="feed@example.gov.uk",
        full_name="HR feed",
        role="admin",
        password_hash="!",
        is_service_account=True,
    )
    world.session.add(account)
    world.session.flush()
    return account


def _live_link(world: Any) -> str:
    """A usable reset link of the owner's (showing its page and an empty form use nothing)."""
    token = "matrix-password-link-token"
    world.session.add(
        PasswordLink(
            user_id=world.owner.id,
            purpose=RESET,
            token_hash=hash_link_token(token),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    world.session.commit()
    return token


def _saved(world: Any, obj: Any) -> int:
    """Commit an object a URL parameter needs (the matrix snapshots the database after PARAMS)."""
    world.session.add(obj)
    world.session.commit()
    return int(obj.id)
