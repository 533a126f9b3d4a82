"""XSS and SQL-injection probes through every form field, query parameter and import field.

The forms are found by crawling every page of the app (every GET route, with real URL
parameters, as every role), so a new form is probed without editing this file; a check
against the WTForms classes makes sure every free-text field of every form class was reached.
Each text field gets `<script>` and SQL payloads tagged with the field's name. Afterwards:

- the payloads are stored as text, byte for byte (not escaped into the database, not lost and
  not interpreted as SQL: a query built by string concatenation would have failed or matched
  everything);
- no page, for any role, contains the raw `<script>` payload; the escaped form appears.
"""

from __future__ import annotations

import inspect
import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import String, Text, select
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField, TextAreaField
from wtforms.validators import Email, Regexp

from register.declarations.forms import FORMS as INTEREST_FORMS
from register.extensions import db
from register.models.base import Base
from tests.conftest import sign_in
from tests.security_rules import PARAMS
from tests.test_security_matrix import build_world

SCRIPT = "<script>x</script>"
SQL = "' OR 1=1--"
ESCAPED = "&lt;script&gt;x&lt;/script&gt;"
QUERY_ARGS = (
    "q",
    "status",
    "risk",
    "department",
    "min_score",
    "min_value",
    "after",
    "action",
    "actor",
    "object_type",
    "before",
    "from",
    "to",
    "kind",
    "format",
    "cycle",
    "page",
)
# Would end the session the crawl needs (setting a password by link signs the browser out).
SKIP_ACTIONS = ("/auth/sign-out", "/auth/set-password/")
# Text inputs that keep only a whole number: given valid values so their forms save; that
# what was typed in them is shown escaped is tested in tests/admin/test_person_details.py.
NUMBERS = {"birth_month": "3", "birth_year": "1970"}
FORM_MODULES = (
    "register.admin.forms",
    "register.auth.forms",
    "register.awards.forms",
    "register.declarations.forms",
    "register.review.forms",
)


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Every optional field on: the birth date fields are shown only when collected."""
    return {"COLLECT_BIRTH_DATES": True}


def payload(tag: str) -> str:
    return f"{SCRIPT}{SQL}{tag}"


class FormParser(HTMLParser):
    """Every form on a page: its method, action and fields as (kind, name, value, extra)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.select: str | None = None
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = True
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action", ""),
                    "fields": [],
                    "multipart": "multipart" in a.get("enctype", ""),
                }
            )
        elif not self.inside:
            return
        elif tag == "input" and a.get("name"):
            self.forms[-1]["fields"].append(
                (a.get("type", "text"), a["name"], a.get("value", ""), a)
            )
        elif tag == "textarea" and a.get("name"):
            self.forms[-1]["fields"].append(("textarea", a["name"], "", a))
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
            self.forms[-1]["fields"].append(("select", a["name"], "", a))
        elif tag == "option" and self.select and a.get("value") not in (None, "", "0"):
            kind, name, value, extra = self.forms[-1]["fields"][-1]
            if not value:  # the first real choice, not a "choose one" placeholder
                self.forms[-1]["fields"][-1] = (kind, name, a["value"], extra)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def fill(
    fields: list[tuple[str, str, str, dict[str, str]]], n: int, existing_email: str
) -> tuple[list[Any], set[str]]:
    """Form data: payloads in free-text fields, valid values elsewhere; and the probed names."""
    data: list[tuple[str, Any]] = []
    probed: set[str] = set()
    chosen: set[str] = set()
    date_parts: dict[str, int] = {}
    for kind, name, value, extra in fields:
        if name == "csrf_token" or kind in ("submit", "file"):
            continue
        if kind in ("radio", "checkbox"):
            if name not in chosen:
                chosen.add(name)
                data.append((name, value))
        elif kind == "select":
            data.append((name, value))
        elif kind == "password":
            data.append((name, "wrong-password-0"))
        elif name == "email":  # a new person's address, or the person a token is for
            data.append((name, existing_email if n % 2 else f"probe{n}@example.gov.uk"))
        elif name in NUMBERS:
            data.append((name, NUMBERS[name]))
        elif "govuk-date-input__input" in extra.get("class", ""):
            part = date_parts[name] = date_parts.get(name, 0) + 1
            data.append((name, {1: "1", 2: "2"}.get(part, "2027")))
        elif name in ("percentage", "hours_per_month", "value_pounds"):
            data.append((name, "1"))
        elif name.endswith("organisation_identifier"):
            data.append((name, "AB123"))
        elif name == "code":
            data.append((name, f"P{n}"))
        elif kind == "hidden" and name == "next":
            data.append((name, value))
        else:
            data.append((name, payload(f"#{name}")))
            probed.add(name.split("-")[-1])
    return data, probed


def text_fields_of_form_classes() -> set[str]:
    """Every free-text field name declared on the app's WTForms classes."""
    names: set[str] = set()
    for module_name in FORM_MODULES:
        for _, cls in inspect.getmembers(import_module(module_name), inspect.isclass):
            if not issubclass(cls, Form | FlaskForm) or cls.__module__ != module_name:
                continue
            for name, unbound in inspect.getmembers(cls):
                field_class = getattr(unbound, "field_class", None)
                validators = unbound.kwargs.get("validators", []) if field_class else []
                if field_class in (StringField, TextAreaField) and not any(
                    isinstance(v, Email | Regexp) for v in validators
                ):
                    names.add(name)
    return names


def get_urls(app: Flask, params: dict[str, Any]) -> Iterator[str]:
    """Every GET page, with each interest category's form (the matrix uses only one)."""
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()) and rule.endpoint != "static":
            for category in INTEREST_FORMS if "category" in rule.arguments else [None]:
                values = {k: params[k] for k in rule.arguments} | (
                    {"category": category} if category else {}
                )
                yield rule.build(values, append_unknown=False)[1]


def stored_payloads() -> list[str]:
    """Every text value in the database that holds the script payload."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                query = select(column).where(column.contains(SCRIPT, autoescape=True))
                found += [str(v) for v in db.session.scalars(query)]
    return found


def pages_as_everyone(app: Flask, clients: dict[str, FlaskClient], params: dict[str, Any]) -> str:
    """Fetch every GET page as every client, asserting no raw payload; return all the HTML."""
    seen = []
    for who, client in clients.items():
        for url in get_urls(app, params):
            response = client.get(url)
            body = response.get_data().decode("utf-8", "replace")  # a PDF is not text
            assert response.status_code < 500, f"{url} as {who}: {response.status_code}"
            if response.mimetype == "text/html":
                assert SCRIPT not in body, f"raw <script> payload on {url} as {who}"
                seen.append(body)
    return "\n".join(seen)


@pytest.fixture
def world(app: Flask, make_user: Any, department: Any) -> tuple[Any, dict[str, FlaskClient]]:
    world = build_world(make_user, department)
    users = {
        "official": world.owner,
        "compliance": world.compliance,
        "auditor": world.auditor,
        "admin": world.admin,
        "procurement": world.procurement_lead,
    }
    clients = {}
    for role, user in users.items():
        clients[role] = app.test_client()
        assert sign_in(clients[role], user).status_code == 302
    return world, clients


def test_every_form_field_stores_payloads_as_text_and_renders_them_escaped(
    app: Flask, world: tuple[Any, dict[str, FlaskClient]]
) -> None:
    state, clients = world
    params = {name: make(state) for name, make in PARAMS.items()}
    probed: set[str] = set()
    saved: list[str] = []
    n = 0
    for role, client in clients.items():
        forms: dict[tuple[str, str], list[Any]] = {}
        for url in get_urls(app, params):
            parser = FormParser()
            parser.feed(client.get(url).get_data().decode("utf-8", "replace"))
            for form in parser.forms:
                action = urlsplit(form["action"] or url).path
                if not action.startswith(SKIP_ACTIONS) and not form["multipart"]:
                    forms.setdefault((form["method"], action), form["fields"])
        for (method, action), fields in sorted(forms.items()):
            n += 1
            existing = state.auditor.email if "api-tokens" in action else ""
            data, names = fill(fields, 2 * n + bool(existing), existing)
            if not names and not any(kind == "hidden" for kind, *_ in fields):
                continue
            if method == "get":  # search forms: the payloads go in the query string
                response = client.get(action, query_string=MultiDict(data))
            else:
                response = client.post(action, data=MultiDict(data))
            body = response.get_data(as_text=True)
            assert response.status_code < 500, f"POST {action} as {role}: {body[:300]}"
            assert SCRIPT not in body, f"raw payload echoed by POST {action} as {role}"
            if names and response.status_code in (200, 400):
                assert ESCAPED in body or "&lt;script" in body or SQL not in body
            if response.status_code == 302:
                saved.append(f"{role} {action}")
            probed |= names
    missing = text_fields_of_form_classes() - probed - set(NUMBERS)
    assert not missing, f"free-text fields no crawled form offered: {sorted(missing)}"
    assert len(saved) >= 10, saved

    stored = stored_payloads()
    assert stored, "no payload was stored"
    assert all(SCRIPT in value and SQL in value for value in stored if "#" in value)
    tags = {value.split(SQL, 1)[1].split()[0].strip('",\\') for value in stored if SQL in value}
    for expected in ("#organisation_name", "#details", "#reason", "#full_name", "#name"):
        assert any(tag.startswith(expected) for tag in tags), (expected, sorted(tags))
    html = pages_as_everyone(app, clients, params)
    assert ESCAPED in html
    assert "&lt;script&gt;x&lt;/script&gt;&#39; OR 1=1--#organisation_name" in html


def test_query_parameters_are_not_injectable_or_reflected(
    app: Flask, world: tuple[Any, dict[str, FlaskClient]]
) -> None:
    state, clients = world
    params = {name: make(state) for name, make in PARAMS.items()}
    query = {name: payload(f"?{name}") for name in QUERY_ARGS}
    for role, client in clients.items():
        for url in get_urls(app, params):
            response = client.get(url, query_string=query)
            body = response.get_data().decode("utf-8", "replace")
            assert response.status_code < 500, f"{url} as {role}: {response.status_code}"
            assert SCRIPT not in body, f"raw payload reflected on {url} as {role}"
    search = clients["admin"].get("/awards/", query_string={"q": SQL}).get_data(as_text=True)
    assert "Acme" not in search  # the SQL text matched nothing, it did not widen the query


def ocds_package(tag: str) -> bytes:
    def org(role: str) -> dict[str, Any]:
        return {
            "id": f"{role}-1",
            "name": payload(f"@{role}"),
            "roles": [role],
            "identifier": {"scheme": "GB-COH", "id": "01234567"},
        }

    release = {
        "ocid": f"ocds-probe-{tag}",
        "id": "r1",
        "date": "2026-05-01T00:00:00Z",
        "tag": ["award"],
        "buyer": {"id": "buyer-1", "name": payload("@buyer")},
        "parties": [org("buyer"), org("supplier")],
        "awards": [
            {
                "id": "a1",
                "title": payload("@title"),
                "description": payload("@desc"),
                "date": "2026-05-01",
                "value": {"amount": 1000, "currency": "GBP"},
                "suppliers": [{"id": "supplier-1", "name": payload("@supplier")}],
            },
            {
                "id": "a2",
                "value": {"amount": 5, "currency": payload("@currency")},
                "suppliers": [{"name": "X"}],
            },
        ],
    }
    return json.dumps({"uri": "x", "releases": [release]}).encode()


def test_import_fields_are_stored_as_text_and_rendered_escaped(
    app: Flask, world: tuple[Any, dict[str, FlaskClient]]
) -> None:
    state, clients = world
    admin = clients["admin"]
    response = admin.post(
        "/awards/imports",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(ocds_package("1")), f"{SCRIPT}.json")},
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
    roster = (
        "email,full_name,role,department_code,job_title\n"
        f'probe.roster@example.gov.uk,"{payload("@roster_name")}",official,DCS,'
        f'"{payload("@job")}"\n'
        f'"{payload("@bad_email")}",Someone,official,DCS,x\n'
    )
    response = admin.post(
        "/admin/people/roster",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(roster.encode()), "roster.csv")},
    )
    assert response.status_code in (200, 302)
    assert SCRIPT not in response.get_data(as_text=True)
    stored = "\n".join(stored_payloads())
    for tag in ("@supplier", "@title", "@buyer", "@roster_name", "@job"):
        assert payload(tag) in stored, f"{tag} not stored as text"
    params = {name: make(state) for name, make in PARAMS.items()}
    html = pages_as_everyone(app, clients, params)
    for path in ("/awards/imports", "/admin/people"):
        html += admin.get(path).get_data(as_text=True)
    html += admin.get("/awards/", query_string={"q": "supplier"}).get_data(as_text=True)
    assert ESCAPED in html
    assert SCRIPT not in html
