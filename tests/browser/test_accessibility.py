"""Every page type passes axe-core with no serious or critical violations, for its own role.

The pages come from the URL map (every GET route that answers HTML), with real objects from the
demo plus a draft, a management plan, a published edition and an API token, and each is visited
by a role allowed to see it (tests/security_rules.py). Error states are checked too. axe-core is
vendored in tests/browser/vendor (MPL-2.0) and injected by the test only; the app never loads it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from register.admin import approvals
from register.admin.services import UserFields, create_user
from register.auth import invitations
from register.cases import services as case_services
from register.clock import today as uk_today
from register.declarations import services as declarations
from register.demo.build import DEMO_PASSWORD
from register.extensions import db
from register.models import (
    BuyerMapping,
    Case,
    Declaration,
    DeclarationCycle,
    Department,
    Flag,
    ImportRun,
    Procurement,
    PublishedEdition,
    User,
)
from register.models.flags import MANAGED
from register.procurement import services as procurement_services
from register.review import services as review
from tests.api.helpers import make_token
from tests.browser.conftest import violations
from tests.conftest import make_app
from tests.procurement.helpers import link_from_outbox
from tests.security_rules import API_TOKEN, DEPARTMENT, EXPECTED, OWN, PUBLIC

LOGINS = {
    "official": "isabelle.trowe@example.gov.uk",
    "compliance": "compliance@example.gov.uk",
    "auditor": "auditor@example.gov.uk",
    "admin": "admin@example.gov.uk",
    "procurement": "procurement@example.gov.uk",
}
NOT_HTML = {"static", "healthz", "exports.download", "public.edition_json", "public.edition_csv",
            "auth.my_data", "cases.evidence", "procurement.assessment_pdf",
            "procurement.assessment_csv", "procurement.assessment_json",
            "api.openapi"}  # fmt: skip

pytestmark = pytest.mark.browser


def prepare(path: Path) -> dict[str, Any]:
    """Add the objects the demo lacks to the live database; return URL parameters."""
    app = make_app(f"sqlite:///{path}", path.parent)
    with app.app_context():
        session = db.session
        official = session.scalar(select(User).where(User.email == LOGINS["official"]))
        officer = session.scalar(select(User).where(User.email == LOGINS["compliance"]))
        admin = session.scalar(select(User).where(User.email == LOGINS["admin"]))
        current = session.scalar(select(DeclarationCycle).where(DeclarationCycle.name == "2026/27"))
        assert official and officer and admin and current
        old = session.scalar(select(Declaration).where(Declaration.official_id == official.id))
        draft = declarations.start_declaration(session, official, current, lookback_months=24)
        session.flush()
        flag = session.scalar(select(Flag).where(Flag.official_id == official.id).limit(1))
        assert old and flag, "the demo should have the Morning Lane declaration and flag"
        case = session.get(Case, session.get(Flag, flag.id).case_id)
        case_services.add_note(session, case, officer, "Checked the share transfer form.")
        case_services.ask_official(session, case, officer, "When did you sell your shares?")
        review.decide(
            session, flag.id, officer, MANAGED, "Agreed recusal from this procurement.",
            plan=review.PlanFields(constraints=["recusal"], details="", owner_id=officer.id,
                                   review_on=uk_today() + timedelta(days=60)),
            ip_address=None,
        )  # fmt: skip
        plan = session.scalar(select(review.ManagementPlan).limit(1))
        edition = PublishedEdition(
            cycle_id=current.id, number=1, snapshot_digest="0" * 64,
            snapshot='{"cycle": "2026/27", "edition": 1, "redactions": [], "entries": []}',
        )  # fmt: skip
        session.add(edition)
        token, _ = make_token(session, admin, "accessibility")
        make_token(session, officer, "weekly flags report")
        # A service account with a token, and a grant waiting for a second administrator.
        feed = create_user(
            session,
            UserFields("feed@example.gov.uk", "HR feed", "admin", is_service_account=True),
            None,
        )
        make_token(session, feed, "nightly roster", scopes=["roster:write"], actor=admin)
        approvals.request_access(
            session, official, "change", {"role": "official", "assigned_departments": []},
            {"role": "auditor", "assigned_departments": []}, actor=admin,
        )  # fmt: skip
        # The demo procurement, with a revision of its assessment.
        procurement = session.scalar(select(Procurement))
        lead = session.scalar(select(User).where(User.email == LOGINS["procurement"]))
        procurement_services.prepare_assessment(session, procurement, lead, reason="Axe")
        trowe_request = next(
            p for p in procurement.people if p.user_id == official.id
        ).latest_declaration
        invited = session.scalar(select(User).where(User.email == LOGINS["auditor"]))
        link = invitations.print_invitation_link(session, invited)
        session.commit()
        params = {
            "cycle_id": current.id, "declaration_id": draft.id,
            "interest_id": draft.interests[0].id, "category": "directorship", "number": 1,
            "user_id": official.id,
            "department_id": official.department_id, "flag_id": flag.id, "plan_id": plan.id,
            "case_id": case.id,
            "award_id": flag.award_id,
            "run_id": session.scalar(select(ImportRun.id).limit(1)),
            "mapping_id": session.scalar(select(BuyerMapping.id).limit(1)),
            "edition_id": edition.id, "token_id": token.id, "old_declaration_id": old.id,
            "token": link.rsplit("/", 1)[1],
            "department": session.scalar(select(Department.id).limit(1)),
            "procurement_id": procurement.id, "revision": 1,
            "person_id": procurement.people[0].id, "conflict_id": procurement.conflicts[0].id,
            "procurement_declaration_id": trowe_request.id,
            "link": link_from_outbox(session, "helen.ward@example.org"),
        }  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return params


def role_for(spec: Any) -> str | None:
    """Who visits a page: anonymous for public pages, else the first role allowed."""
    if spec == PUBLIC:
        return "anonymous"
    if spec == API_TOKEN or isinstance(spec, dict):
        return None
    for role, marker in (("official", OWN), ("compliance", DEPARTMENT)):
        if role in spec or marker in spec:
            return role
    return next((role for role in ("auditor", "admin", "procurement") if role in spec), None)


def pages(app_rules: list[Any], params: dict[str, Any]) -> dict[str, list[str]]:
    by_role: dict[str, list[str]] = {}
    for rule in app_rules:
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_HTML:
            continue
        spec = EXPECTED[rule.endpoint]
        if isinstance(spec, dict):
            spec = spec.get("GET")
        role = role_for(spec)
        if role is None:
            continue
        values = {k: params[k] for k in rule.arguments}
        if rule.endpoint == "declarations.version":
            values["declaration_id"] = params["old_declaration_id"]
        by_role.setdefault(role, []).append(rule.build(values, append_unknown=False)[1])
    return by_role


def test_every_page_type_passes_axe(browser: Any, live_server: str, tmp_path: Path) -> None:
    params = prepare(tmp_path / "live.sqlite")
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path)
    by_role = pages(list(app.url_map.iter_rules()), params)
    assert sum(len(urls) for urls in by_role.values()) >= 30, by_role
    problems: list[str] = []
    checked = 0
    for role, urls in sorted(by_role.items()):
        context = browser.new_context()
        page = context.new_page()
        if role != "anonymous":
            page.goto(live_server + "/auth/sign-in")
            page.get_by_label("Email address").fill(LOGINS[role])
            page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            assert "/auth/sign-in" not in page.url, f"{role} could not sign in"
        for url in urls + (["/no-such-page"] if role == "official" else []):
            response = page.goto(live_server + url)
            assert response is not None
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            assert response.status in (200, 404), f"{url} as {role}: {response.status}"
            problems += [f"{url} as {role}: {v}" for v in violations(page)]
            checked += 1
        if role == "anonymous":  # a form with errors
            page.goto(live_server + "/auth/sign-in")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            problems += [f"sign-in errors: {v}" for v in violations(page)]
        if role == "anonymous":  # a visitor's first sight: the "Sign in to continue" notice
            page.goto(live_server + "/")
            assert page.locator(".govuk-notification-banner").count() == 1
            problems += [f"sign-in notice: {v}" for v in violations(page)]
        if role == "admin":  # a refusal flashed into the error summary, then a success banner
            page.goto(live_server + "/admin/people")
            page.locator("form[enctype] button, form[enctype] input[type=submit]").last.click()
            page.wait_for_load_state()
            assert page.locator(".govuk-error-summary").count() == 1
            problems += [f"flashed error: {v}" for v in violations(page)]
            page.goto(live_server + "/admin/departments")
            page.get_by_label("Code").fill("AXE")
            page.get_by_label("Name").fill("Accessibility Office")
            page.locator("form button, form input[type=submit]").last.click()
            page.wait_for_load_state()
            assert page.locator(".govuk-notification-banner--success").count() == 1
            problems += [f"flashed success: {v}" for v in violations(page)]
        if role == "compliance":  # the token form with errors (nothing filled in)
            page.goto(live_server + "/account/api-tokens/")
            page.get_by_role("button", name="Create token").click()
            page.wait_for_load_state()
            assert page.locator(".govuk-error-summary").count() == 1
            problems += [f"token form errors: {v}" for v in violations(page)]
        if role == "official":
            page.goto(live_server + url_for_new_interest(params))
            page.get_by_role("button", name="Save interest").click()
            page.wait_for_load_state()
            problems += [f"interest form errors: {v}" for v in violations(page)]
        context.close()
    assert checked >= 30
    assert not problems, "\n".join(problems)


def url_for_new_interest(params: dict[str, Any]) -> str:
    return f"/declarations/{params['declaration_id']}/interests/new/membership"
