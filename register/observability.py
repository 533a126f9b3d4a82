"""Request ids, structured JSON request logs, and a clear page when the database is unavailable.

Every request gets an id: the caller's `X-Request-ID` when it is a sane token (a load balancer
or proxy usually sets one), otherwise a new random one. The id is returned in the `X-Request-ID`
response header and appears in every log line about the request, so one request can be followed
from the load balancer's log to the application's. Request logs are one JSON object per line on
the `register.requests` logger; the query string is left out because it may hold personal data
(search terms are names).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError, PendingRollbackError
from werkzeug.middleware.proxy_fix import ProxyFix

from register.extensions import db, login_manager

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_logger = logging.getLogger("register.requests")
error_logger = logging.getLogger("register.errors")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and its `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def request_id() -> str:
    """This request's id (a new one outside a request that has none yet)."""
    if "request_id" not in g:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    return str(g.request_id)


def _user_id() -> int | None:
    """The signed-in user's id if it is already loaded; never queries the database."""
    user = g.get("_login_user")
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


def _logged_path() -> str:
    """The request's path, with a secret in it (a set-password link's token) left out."""
    token = (request.view_args or {}).get("token")
    if isinstance(token, str) and token:
        return request.path.replace(token, "[token]")
    return request.path


def _json_handler() -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def init_app(app: Flask) -> None:
    """Install request ids, request logs, proxy handling and the database-unavailable page."""
    if app.config.get("TRUSTED_PROXY_HOPS", 0) > 0:
        hops = app.config["TRUSTED_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    for logger in (request_logger, error_logger):
        logger.setLevel(logging.INFO)
        logger.disabled = False  # Alembic's fileConfig() disables loggers that already exist
    if app.config.get("REQUEST_LOG_STDERR"):
        for logger in (request_logger, error_logger):
            if not logger.handlers:
                logger.addHandler(_json_handler())
                logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def log_request(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = request_id()
        started = g.get("request_started", time.perf_counter())
        fields = {
            "request_id": request_id(),
            "method": request.method,
            "path": _logged_path(),
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            "bytes": response.content_length,
            "user_id": _user_id(),
            "remote_addr": request.remote_addr,
        }
        request_logger.info("request", extra={"fields": fields})
        return response

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PendingRollbackError)
    def database_unavailable(error: Exception) -> tuple[str | dict[str, str], int, dict[str, str]]:
        """A lost or refused database connection: 503 with a plain message, never a trace."""
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is already gone; the pool replaces it
            error_logger.debug("rollback after a database error failed", exc_info=True)
        error_logger.error(
            "database unavailable",
            exc_info=error,
            extra={"fields": {"request_id": request_id(), "path": request.path}},
        )
        headers = {"Retry-After": "30"}
        message = (
            "The register cannot reach its database just now. Nothing you had already saved "
            "has been lost. Wait a minute and try again."
        )
        if request.path.startswith("/api/"):
            return {"error": "Service Unavailable", "message": message}, 503, headers
        if g.get("_login_user") is None:  # Flask-Login's template context would load the user
            g._login_user = login_manager.anonymous_user()
        return render_template("errors/unavailable.html", message=message), 503, headers

    app.add_template_global(request_id)
