"""Production serving: security headers, request ids and JSON request logs, gunicorn settings."""

from __future__ import annotations

import importlib
import json
import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from register import PUBLIC_ENDPOINTS, create_app
from register.observability import JsonFormatter
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parent.parent.parent


def test_security_headers_on_every_kind_of_response(client: FlaskClient, make_user: Any) -> None:
    sign_in(client, make_user("official"))
    for path in ("/auth/sign-in", "/declarations/", "/no-such-page", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "script-src 'self';" in csp and "nonce-" not in csp, csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert "Strict-Transport-Security" not in headers  # plain HTTP in development
        assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])


def test_pages_have_no_inline_script(client: FlaskClient) -> None:
    """Every script comes from this origin: the CSP allows nothing else."""
    page = client.get("/auth/sign-in").get_data(as_text=True)
    assert re.findall(r"<script\b[^>]*>", page)  # the components' scripts are there
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)


def test_templates_have_no_inline_script_style_or_handlers() -> None:
    """CSP allows no inline script, style or handler."""
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern, what in (
            (r"\sstyle\s*=", "style attribute"),
            (r"<style", "style element"),
            (r"\son[a-z]+\s*=", "event handler attribute"),
            (r"javascript:", "javascript: URL"),
            (r"<script(?![^>]*\bsrc=)", "inline script"),
        ):
            problems += [f"{path.relative_to(ROOT)}: {what}" for _ in re.finditer(pattern, text)]
    assert not problems, "\n".join(problems)


@pytest.fixture
def production_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    monkeypatch.setenv("REGISTER_INSTANCE", str(tmp_path))
    return create_app(
        "production",
        {"SECRET_KEY": "x" * 64, "AUDIT_KEY": "k" * 64,
         "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite",
         "BASE_URL": "https://register.example.gov.uk", "REQUEST_LOG_STDERR": False},
    )  # fmt: skip


def test_production_sends_hsts_and_secure_cookies(production_app: Flask) -> None:
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["PREFERRED_URL_SCHEME"] == "https"
    response = production_app.test_client().get("/auth/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers.get("Set-Cookie", "")
    assert not cookie or "Secure" in cookie


def test_behind_a_trusted_proxy_the_client_address_and_scheme_are_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite", "TRUSTED_PROXY_HOPS": 1},
    )

    def probe() -> dict[str, Any]:
        return {"addr": request.remote_addr, "secure": request.is_secure}

    app.add_url_rule("/probe", "probe", probe)
    monkeypatch.setattr("register.PUBLIC_ENDPOINTS", {*PUBLIC_ENDPOINTS, "probe"})
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    assert app.test_client().get("/probe", headers=headers).json == {
        "addr": "203.0.113.9", "secure": True
    }  # fmt: skip


def test_request_id_is_honoured_or_replaced(client: FlaskClient) -> None:
    given = "lb-7f3a.91:req_2"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    for hostile in ("a" * 200, "x y;Set-Cookie=a", "<script>", ""):
        returned = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", returned), hostile


def test_request_log_is_one_json_object_without_the_query_string(
    client: FlaskClient, make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user("official")
    sign_in(client, user)
    with caplog.at_level(logging.INFO, logger="register.requests"):
        client.get("/declarations/?q=Secret+Name", headers={"X-Request-ID": "trace-1"})
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records
             if r.name == "register.requests"]  # fmt: skip
    line = lines[-1]
    assert line["message"] == "request" and line["level"] == "info"
    assert line["request_id"] == "trace-1"
    assert line["method"] == "GET" and line["path"] == "/declarations/"
    assert line["status"] == 200 and line["endpoint"] == "declarations.mine"
    assert line["user_id"] == user.id and line["duration_ms"] >= 0
    assert "Secret" not in json.dumps(line)


def test_gunicorn_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    module = importlib.reload(importlib.import_module("register.gunicorn_conf"))
    assert module.workers == 9 and module.worker_class == "gthread"
    assert module.preload_app is False and module.accesslog is None
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    module = importlib.reload(module)
    assert module.workers == 3 and module.bind == "0.0.0.0:9000"


def test_gunicorn_master_loads_the_name_data_before_forking() -> None:
    """After the master's on_starting, a person-name comparison (rigour's person tagger takes
    seconds to build) is immediate: forked workers inherit it. A fresh process, so nothing else
    has built it."""
    code = (
        "import time, register.gunicorn_conf as conf; conf.on_starting(None); "
        "from register.matching.people import compare_person_name_text as compare; "
        "began = time.perf_counter(); assert compare('Bob Smith', 'Robert Smith'); "
        "print(time.perf_counter() - began)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert float(result.stdout) < 0.5
