"""Every route, every method, every role: checked against the table in tests/security_rules.py.

The API is checked with a token of each role as well as with session cookies, and the export
endpoint with every kind of export for each role.

The URLs name real objects owned by one official (the "owner"). Each request runs against the
same starting database (the SQLite file is restored after every request), so a POST that changes
something cannot affect the next check.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from register import access
from register.admin.services import create_cycle, create_department
from register.clock import today as uk_today
from register.declarations import services
from register.exports.services import KINDS
from register.extensions import db
from register.models import Declaration, DeclarationCycle, Department, Flag, Interest, User
from tests import security_rules
from tests.api.helpers import make_token
from tests.conftest import sign_in
from tests.security_rules import (
    API_QUERY,
    API_ROLES,
    API_SCOPE,
    EXPECTED,
    EXPORT_KINDS,
    PARAMS,
    PUBLIC,
)

# Token-authenticated endpoints: no session cookie is accepted, so every client here gets 401.
API_TOKEN = getattr(security_rules, "API_TOKEN", "api-token")

ROLES = ("official", "compliance", "auditor", "admin", "procurement")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes(app: Flask) -> list[tuple[Rule, str]]:
    return sorted(
        ((rule, method) for rule in app.url_map.iter_rules()
         for method in sorted((rule.methods or set()) - IGNORED_METHODS)),
        key=lambda pair: (pair[0].endpoint, pair[0].rule, pair[1]),
    )  # fmt: skip


def rule_for(endpoint: str, method: str) -> Any:
    spec = EXPECTED[endpoint]
    if isinstance(spec, dict):
        return spec[method]
    return spec


def test_every_endpoint_has_a_rule(app: Flask) -> None:
    """A new endpoint must be added to tests/security_rules.py before it can ship."""
    endpoints = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    missing = sorted(set(endpoints) - set(EXPECTED))
    stale = sorted(set(EXPECTED) - set(endpoints))

    def methods(name: str) -> list[str]:
        return sorted((endpoints[name].methods or set()) - IGNORED_METHODS)

    problems = [
        f"{name} ({endpoints[name].rule} {methods(name)})"
        " has no rule: add a line to EXPECTED in tests/security_rules.py, for example "
        f'"{name}": {{"auditor"}}'
        for name in missing
    ] + [
        f"{name} is in EXPECTED but no such endpoint exists: remove or rename it" for name in stale
    ]
    problems += [
        f"{name} is token-authenticated but has no entry in API_ROLES in tests/security_rules.py"
        for name in sorted(endpoints)
        if EXPECTED.get(name) == API_TOKEN and name not in API_ROLES
    ] + [f"export kind {kind!r} has no entry in EXPORT_KINDS" for kind in KINDS
         if kind not in EXPORT_KINDS]  # fmt: skip
    problems += [
        f"{name} requires scope {getattr(app.view_functions[name], 'required_scope', None)!r} "
        f"but API_SCOPE in tests/security_rules.py says {API_SCOPE.get(name)!r}"
        for name in sorted(endpoints)
        if EXPECTED.get(name) == API_TOKEN
        and getattr(app.view_functions[name], "required_scope", None) != API_SCOPE.get(name)
    ]
    for name, rule in endpoints.items():
        spec = EXPECTED.get(name)
        if isinstance(spec, dict):
            methods = (rule.methods or set()) - IGNORED_METHODS
            problems += [f"{name}: no rule for method {m}" for m in sorted(methods - set(spec))]
        for argument in sorted(rule.arguments):
            if argument not in PARAMS:
                problems.append(
                    f"{name}: URL parameter <{argument}> has no entry in PARAMS in "
                    "tests/security_rules.py"
                )
    assert not problems, "\n".join(problems)


def test_rules_table_can_fail(app: Flask) -> None:
    """The check above notices an unlisted endpoint (guards against a vacuous table)."""
    app.add_url_rule("/unlisted-for-test", "unlisted_for_test", lambda: "x")
    with pytest.raises(AssertionError, match="unlisted_for_test .* add a line to EXPECTED"):
        test_every_endpoint_has_a_rule(app)


@dataclass
class World:
    session: Session
    owner: User
    other_official: User
    compliance: User
    other_compliance: User
    auditor: User
    admin: User
    procurement_lead: User
    other_procurement_lead: User
    department: Department
    other_department: Department
    cycle: DeclarationCycle
    declaration: Declaration
    interest: Interest


def build_world(make_user: Any, department: Department) -> World:
    session = db.session
    other_department = create_department(session, "DFT", "Department for Transport", None)
    owner = make_user("official")
    other_official = make_user("official")
    compliance = make_user("compliance")
    other_compliance = make_user("compliance")
    other_compliance.assigned_departments = [other_department]
    auditor = make_user("auditor")
    admin = make_user("admin")
    procurement_lead = make_user("procurement", department=department)
    other_procurement_lead = make_user("procurement", department=other_department)
    today = uk_today()
    cycle = create_cycle(
        session, "2026/27", today - timedelta(days=10), today + timedelta(days=30),
        [department, other_department], None,
    )  # fmt: skip
    declaration = services.start_declaration(session, owner, cycle, lookback_months=24)
    interest = Interest(category="directorship", organisation_name="Acme Widgets Ltd",
                        role="trustee", paid=False, whose="self")  # fmt: skip
    declaration.interests.append(interest)
    session.flush()
    services.submit(session, declaration, owner, nil_return=False, amendment_reason=None,
                    ip_address=None)  # fmt: skip
    services.reopen_for_amendment(session, declaration, owner)  # editable, with a version 1
    session.commit()
    return World(session, owner, other_official, compliance, other_compliance, auditor, admin,
                 procurement_lead, other_procurement_lead, department, other_department, cycle,
                 declaration, interest)  # fmt: skip


class Restorer:
    """Put the SQLite file and each client's session cookie back after every request."""

    def __init__(self, app: Flask, clients: dict[str, FlaskClient]) -> None:
        self.path = Path(db.engine.url.database or "")
        self.snapshot = self.path.with_suffix(".snapshot")
        db.session.remove()
        db.engine.dispose()
        shutil.copy(self.path, self.snapshot)
        self.clients = clients
        self.cookies = {
            name: (c.get_cookie("session").value if c.get_cookie("session") else None)
            for name, c in clients.items()
        }

    def restore(self) -> None:
        db.session.remove()
        db.engine.dispose()
        shutil.copy(self.snapshot, self.path)
        for name, client in self.clients.items():
            client.delete_cookie("session")
            if self.cookies[name]:
                client.set_cookie("session", self.cookies[name])


def is_sign_in_redirect(response: Any) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.location)
    return location.path == "/auth/sign-in" and "next=" in location.query


def allowed(response: Any, method: str) -> str | None:
    """None if the response shows the request was let through, else what was wrong."""
    code = response.status_code
    if code == 200 or (code == 400 and method != "GET"):
        return None
    if code == 302 and not is_sign_in_redirect(response):
        return None
    return f"expected it to be allowed (200/302, or 400 for an empty form) but got {code}" + (
        f" to {response.location}" if code == 302 else ""
    )


@pytest.mark.sqlite_only  # it snapshots and restores the SQLite file around every request
def test_role_and_owner_matrix(app: Flask, make_user: Any, department: Department) -> None:
    world = build_world(make_user, department)
    users = {
        "official": world.owner, "official:other": world.other_official,
        "compliance": world.compliance, "compliance:other": world.other_compliance,
        "auditor": world.auditor, "admin": world.admin,
        "procurement": world.procurement_lead, "procurement:other": world.other_procurement_lead,
    }  # fmt: skip
    clients: dict[str, FlaskClient] = {"anonymous": app.test_client()}
    for name, user in users.items():
        clients[name] = app.test_client()
        assert sign_in(clients[name], user).status_code == 302, f"{name} could not sign in"
    params = {name: make(world) for name, make in PARAMS.items()}
    tokens = {name: make_token(db.session, user, name)[1] for name, user in users.items()}
    # For each endpoint, a token of every role that may use it, holding all its other scopes.
    lacking = {
        (endpoint, name): make_token(
            db.session, user, f"{name} without {scope}",
            scopes=[s for s in access.api_scopes(user) if s != scope],
        )[1]
        for endpoint, scope in API_SCOPE.items()
        for name, user in users.items()
        if scope in access.api_scopes(user) and len(access.api_scopes(user)) > 1
    }  # fmt: skip
    db.session.commit()
    # Every flag the matrix made is about the owner, now in the owner's department.
    flag_ids = set(db.session.scalars(select(Flag.id)))
    assert flag_ids and world.owner.department_id == world.department.id
    cycle_id = world.cycle.id  # the restorer detaches the world's objects
    restorer = Restorer(app, clients)
    failures: list[str] = []
    checked = 0

    def check(who: str, rule: Rule, method: str, expectation: str) -> None:
        nonlocal checked
        url = rule.build({k: params[k] for k in rule.arguments}, append_unknown=False)[1]
        checked += 1
        try:
            response = clients[who].open(url, method=method)
        except Exception as exc:  # noqa: BLE001 - report every broken route, not just the first
            failures.append(f"{method} {url} [{rule.endpoint}] as {who}: raised {exc!r}")
            restorer.restore()
            return
        code = response.status_code
        if expectation == "allowed":
            problem = allowed(response, method)
        elif expectation == "sign-in":
            problem = (
                None
                if is_sign_in_redirect(response)
                else (f"expected a redirect to the sign-in page, got {code}")
            )
        elif expectation == "token":
            problem = None if code == 401 else f"expected 401 (API token required), got {code}"
        elif expectation == "forbidden":
            problem = None if code in (403, 404) else f"expected 403 or 404, got {code}"
        else:  # "not found": someone else's object
            problem = None if code == 404 else f"expected 404 (not theirs), got {code}"
        if problem:
            failures.append(f"{method} {url} [{rule.endpoint}] as {who}: {problem}")
        restorer.restore()

    for rule, method in routes(app):
        if rule.endpoint not in EXPECTED:
            continue  # test_every_endpoint_has_a_rule reports it
        spec = rule_for(rule.endpoint, method)
        if spec in (PUBLIC, API_TOKEN):
            for who in clients:
                check(who, rule, method, "allowed" if spec == PUBLIC else "token")
            continue
        check("anonymous", rule, method, "sign-in")
        for role in ROLES:
            if role in spec:
                check(role, rule, method, "allowed")
                if f"{role}:other" in users:
                    check(f"{role}:other", rule, method, "allowed")
            elif role == "official" and f"{role}:own" in spec:
                check("official", rule, method, "allowed")
                check("official:other", rule, method, "not found")
            elif f"{role}:department" in spec:
                check(role, rule, method, "allowed")
                check(f"{role}:other", rule, method, "not found")
            else:
                check(role, rule, method, "forbidden")

    def check_token(who: str, rule: Rule, method: str) -> None:
        """The API endpoint with `who`'s token: allowed roles get 200 (or 422 for the empty body
        the matrix sends), others 403; department-scoped lists hold only what they may read."""
        nonlocal checked
        roles = API_ROLES[rule.endpoint]
        role = who.split(":")[0]
        departmental = f"{role}:department" in roles
        may = role in roles or departmental
        url = rule.build({k: params[k] for k in rule.arguments}, append_unknown=False)[1]
        if rule.endpoint in API_QUERY:
            url += "?" + API_QUERY[rule.endpoint]
        checked += 1
        client = app.test_client()
        response = client.open(
            url, method=method, json={}, headers={"Authorization": f"Bearer {tokens[who]}"}
        )
        code = response.status_code
        where = f"{method} {url} [{rule.endpoint}] with {who}'s token"
        if not may:
            if code != 403:
                failures.append(f"{where}: expected 403, got {code}")
        elif (
            departmental
            and who.endswith(":other")
            and rule.endpoint != "api.flags"
            and (rule.endpoint != "api.cases")
        ):
            if code != 404:  # another department's object: not theirs to know of
                failures.append(f"{where}: expected 404 (not theirs), got {code}")
        elif code not in (200, 422):
            failures.append(f"{where}: expected it to be allowed (200 or 422), got {code}")
        elif rule.endpoint == "api.flags":
            seen = {item["id"] for item in response.json["items"]}
            wanted = set() if who == "compliance:other" else flag_ids
            if seen != wanted:
                failures.append(f"{where}: expected flags {sorted(wanted)}, got {sorted(seen)}")
        restorer.restore()

    def check_lacking_scope(endpoint: str, who: str, rule: Rule, method: str) -> None:
        """A token of a role that may use the endpoint, without the endpoint's scope: 403."""
        nonlocal checked
        url = rule.build({k: params[k] for k in rule.arguments}, append_unknown=False)[1]
        url += "?" + API_QUERY[endpoint] if endpoint in API_QUERY else ""
        checked += 1
        token = lacking[(endpoint, who)]
        response = app.test_client().open(
            url, method=method, json={}, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code != 403:
            failures.append(
                f"{method} {url} [{endpoint}] with {who}'s token lacking {API_SCOPE[endpoint]}: "
                f"expected 403, got {response.status_code}"
            )
        restorer.restore()

    for rule, method in routes(app):
        if rule.endpoint in EXPECTED and rule_for(rule.endpoint, method) == API_TOKEN:
            for who in users:
                check_token(who, rule, method)
                if (rule.endpoint, who) in lacking:
                    check_lacking_scope(rule.endpoint, who, rule, method)
    assert {endpoint for endpoint, _ in lacking} == set(API_SCOPE)

    def check_export(who: str, kind: str) -> None:
        nonlocal checked
        checked += 1
        url = f"/exports/download?kind={kind}&format=csv&cycle={cycle_id}"
        response = clients[who].get(url)
        code = response.status_code
        role = who.split(":")[0]
        where = f"export {kind} as {who}"
        if who == "anonymous":
            if not is_sign_in_redirect(response):
                failures.append(f"{where}: expected a redirect to the sign-in page, got {code}")
        elif role not in EXPORT_KINDS[kind]:
            if code not in (403, 404):
                failures.append(f"{where}: expected 403 or 404, got {code}")
        elif code != 200:
            failures.append(f"{where}: expected the download, got {code}")
        elif kind == "flags":
            rows = csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig")))
            seen = {int(row["flag_id"]) for row in rows}
            if seen != flag_ids:
                failures.append(f"{where}: expected flags {sorted(flag_ids)}, got {sorted(seen)}")
        restorer.restore()

    for kind in KINDS:
        for who in clients:
            check_export(who, kind)
    assert checked > 100
    assert not failures, "\n".join(failures)


def test_every_role_lands_on_a_page_it_may_see(app: Flask, make_user: Any) -> None:
    """After signing in, `/` sends each role somewhere that answers 200, never a 403."""
    for role in ROLES:
        client = app.test_client()
        sign_in(client, make_user(role))
        response = client.get("/", follow_redirects=True)
        assert response.status_code == 200, f"{role} lands on {response.request.path}"
