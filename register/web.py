"""Web plumbing shared by every blueprint: role checks, errors, filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from register import clock, formatting, runtime
from register.declarations.queries import declared_identifier
from register.evidence import size_text
from register.extensions import login_manager
from register.models import User
from register.models.people import ADMIN, AUDITOR, COMPLIANCE, OFFICIAL, PROCUREMENT_LEAD

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[F], F]:
    """Allow only signed-in users with one of `roles`; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from register.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def guard_blueprint(bp: Blueprint, *roles: str) -> None:
    """Let only signed-in users with one of `roles` reach any view of `bp`, and only views that
    name their own roles with `roles_required`: a route added without the decorator answers 403
    to everyone instead of being open (fails closed)."""

    @bp.before_request
    def check_role() -> Any:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        view = current_app.view_functions.get(request.endpoint or "")
        if current_user.role not in roles or not hasattr(view, "allowed_roles"):
            abort(403)
        return None

    bp.allowed_roles = roles  # type: ignore[attr-defined]


def home_endpoint(user: User) -> str:
    if not user.is_authenticated:
        return "auth.login"
    return {
        OFFICIAL: "declarations.mine",
        COMPLIANCE: "review.queue",
        AUDITOR: "completeness.dashboard",
        ADMIN: "admin.people",
        PROCUREMENT_LEAD: "procurement.procurements",
    }.get(user.role, "auth.login")


# Navigation entries other blueprints register: (roles, endpoint, text).
NAV_ITEMS: list[tuple[tuple[str, ...], str, str]] = []


def decimal_arg(name: str) -> Decimal | None:
    """A query-string number (a filter's minimum value), or None when absent or not a number."""
    try:
        return Decimal(request.args[name]) if request.args.get(name) else None
    except InvalidOperation:
        return None


def nav_item(roles: tuple[str, ...], endpoint: str, text: str) -> None:
    NAV_ITEMS.append((roles, endpoint, text))


def extra_nav_items(user: User) -> list[dict[str, Any]]:
    return [
        {"href": url_for(endpoint), "text": text}
        for roles, endpoint, text in NAV_ITEMS
        if user.role in roles
    ]


# Named page hooks (Indico's template_hook): a capability adds what it shows on another
# capability's page; the page's view asks them for data, so templates never query the database.
PAGE_HOOKS: dict[str, list[Callable[..., dict[str, Any]]]] = {}


def page_hook(name: str) -> Callable[[F], F]:
    """Register a function that returns extra template context for page `name`."""

    def register(function: F) -> F:
        PAGE_HOOKS.setdefault(name, []).append(function)
        return function

    return register


def page_context(name: str, **objects: Any) -> dict[str, Any]:
    """The context every hook of page `name` adds, given the page's objects."""
    context: dict[str, Any] = {}
    for hook in PAGE_HOOKS.get(name, ()):
        context.update(hook(**objects))
    return context


def uk_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(clock.display_zone()).strftime("%-d %B %Y, %H:%M")


def uk_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local_date(value)
    return value.strftime("%-d %B %Y")


# GOV.UK Design System wording for pages people reach by a wrong or forbidden address.
ERROR_PAGES: dict[int, tuple[str, list[str]]] = {
    404: (
        "Page not found",
        [
            "If you typed the web address, check it is correct.",
            "If you pasted the web address, check you copied the entire address.",
            "If the web address is correct or you selected a link or button, the page may have "
            "been removed, or you may not have permission to see it.",
        ],
    ),
    403: (
        "You do not have permission to view this page",
        [
            "Your role in the register does not allow it.",
            "If you think you should have access, contact the register team.",
        ],
    ),
}


def _error_title(code: int, name: str) -> str:
    """Titles of other error pages: a problem with what was sent, or with the service."""
    if code == 413:
        return "The file is too large"
    if code >= 500:
        return "Sorry, there is a problem with the service"
    return f"There is a problem: {name.lower()}" if name else "There is a problem"


def _declared_identifier(item: dict[str, Any] | None, source_key: str) -> str:
    """The scheme and number of the organisation a flag is about, as declared ("GB-CHC
    1099999"): a related organisation's own, never the main organisation's. Empty if none."""
    found = declared_identifier(item or {}, source_key or "org")
    return f"{found[0]} {found[1]}" if found else ""


def _has_nul_character() -> bool:
    fields = [*request.args.items(multi=True), *request.form.items(multi=True)]
    if any("\x00" in f"{key}{value}" for key, value in fields):
        return True
    return request.is_json and b"\\u0000" in request.get_data(cache=True).lower()


def _must_not_be_stored(response: Any) -> bool:
    """Whether no cache (browser or proxy) may keep this response: anything a signed-in person
    sees, every download and every API answer. Static files hold nothing personal."""
    if request.endpoint == "static":
        return False
    user = g.get("_login_user")  # loaded for every request (create_app's require_sign_in)
    return (
        (user is not None and user.is_authenticated)
        or request.blueprint == "api"
        or "attachment" in response.headers.get("Content-Disposition", "")
    )


def init_app(app: Flask) -> None:
    app.add_template_filter(uk_datetime)
    app.add_template_filter(uk_date)
    # One rule for numbers on every page (register.formatting): never "5E+1" or "1.8E+2".
    app.add_template_filter(formatting.money, "money")
    app.add_template_filter(formatting.percentage, "percentage")
    app.add_template_filter(formatting.plain_number, "number")
    app.add_template_filter(formatting.field_value, "field_value")
    app.add_template_filter(_declared_identifier, "declared_identifier")
    app.add_template_filter(size_text, "filesize")
    app.add_template_global(extra_nav_items)

    @app.context_processor
    def inject_roles() -> dict[str, Any]:
        return {
            "OFFICIAL": OFFICIAL,
            "COMPLIANCE": COMPLIANCE,
            "AUDITOR": AUDITOR,
            "ADMIN": ADMIN,
            "assetPath": "/static/govuk/assets",
        }

    @app.before_request
    def refuse_nul_characters() -> Any:
        """No honest form, query or JSON body holds a NUL character, and PostgreSQL text cannot
        store one: refuse it before any view passes it on (the API: 422, pages: 400)."""
        if not _has_nul_character():
            return None
        message = "Text cannot contain NUL characters"
        if request.blueprint == "api":
            return jsonify({"error": "invalid_parameter", "message": message}), 422
        abort(400, message)

    @app.after_request
    def security_headers(response: Any) -> Any:
        # The sign-out form is redirected on to the OpenID provider (RP-initiated logout), and
        # form-action governs a form's redirects too.
        sso = runtime.settings().single_sign_on
        form_action = "'self'" + (f" {sso.origin}" if sso else "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
            f"form-action {form_action}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), usb=()")
        if _must_not_be_stored(response):
            response.headers["Cache-Control"] = "no-store"
        if current_app.config.get("HSTS_MAX_AGE"):
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={current_app.config['HSTS_MAX_AGE']}; includeSubDomains",
            )
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return (
            render_template(
                "errors/error.html",
                code=400,
                title="Your form expired",
                paragraphs=[
                    "The form was missing its security token or it had expired. Go back, "
                    "reload the page and try again; nothing was saved."
                ],
            ),
            400,
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        if request.path.startswith("/api/"):
            return {"error": error.name, "message": error.description}, code  # type: ignore[return-value]
        page = ERROR_PAGES.get(code)
        if page is None:
            return (
                render_template(
                    "errors/error.html",
                    code=code,
                    title=_error_title(code, error.name),
                    paragraphs=[error.description or ""],
                ),
                code,
            )
        title, paragraphs = page
        return (
            render_template("errors/error.html", code=code, title=title, paragraphs=paragraphs),
            code,
        )
