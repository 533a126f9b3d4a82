"""The conflict-of-interest declaration register: the application factory."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, redirect, request, url_for
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from register.app_files import MIGRATIONS, STATIC, TEMPLATES
from register.config import CONFIGS, DEFAULT_AUDIT_KEY, DEFAULT_SECRET, sqlite_default
from register.extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Endpoints reachable without signing in. Everything else requires a session (SecureDrop's rule).
PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.sso_start",
    "auth.sso_callback",
    "auth.forgot_password",
    "auth.password_link",  # the single-use link in its address is the credential
    "static",
    "healthz",
}
# A pending sign-in (password right, second step to come) is nobody signed in yet.
PUBLIC_ENDPOINTS |= {"two_factor.code", "two_factor.required_set_up"}
PUBLIC_BLUEPRINTS = {"public", "api", "procurement_link"}


class ConfigurationError(RuntimeError):
    """The app refuses to start with unsafe or missing settings."""


def check_base_url(value: str | None) -> None:
    """Refuse a BASE_URL that is missing or not an http or https address."""
    if not value:
        raise ConfigurationError(
            "BASE_URL must be set to the register's address, e.g. https://register.example.gov.uk"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigurationError(
            f"BASE_URL {value!r} must be an http or https address such as "
            "https://register.example.gov.uk"
        )


# Microsoft Entra ID's multi-tenant endpoints: any organisation's accounts could sign in.
_ENTRA_MULTI_TENANT = {"common", "organizations", "consumers"}


def check_single_sign_on(config: Mapping[str, Any], *, production: bool) -> None:
    """Refuse a half-configured OpenID provider, an issuer not on https (loopback http is allowed
    outside production, for the tests' provider), an Entra ID multi-tenant issuer, and password
    sign-in switched off with no single sign-on to take its place."""
    names = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    given = [name for name in names if config.get(name)]
    if given and len(given) < len(names):
        missing = ", ".join(name for name in names if name not in given)
        raise ConfigurationError(f"single sign-on needs {', '.join(names)}: {missing} not set")
    if not given:
        if not config.get("PASSWORD_SIGN_IN", True):
            raise ConfigurationError(
                "PASSWORD_SIGN_IN=0 needs single sign-on (OIDC_ISSUER, OIDC_CLIENT_ID, "
                "OIDC_CLIENT_SECRET): nobody could sign in"
            )
        return
    issuer = str(config["OIDC_ISSUER"])
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if (
        not parts.netloc
        or parts.query
        or parts.fragment
        or not (parts.scheme == "https" or (parts.scheme == "http" and loopback and not production))
    ):
        raise ConfigurationError(
            f"OIDC_ISSUER {issuer!r} must be the provider's https address, e.g. "
            "https://login.microsoftonline.com/<tenant-id>/v2.0"
        )
    first_segment = parts.path.strip("/").split("/")[0].lower()
    if parts.hostname == "login.microsoftonline.com" and (
        first_segment in _ENTRA_MULTI_TENANT or "{" in first_segment
    ):
        raise ConfigurationError(
            "OIDC_ISSUER must name your Entra ID tenant "
            "(https://login.microsoftonline.com/<tenant-id>/v2.0), not a multi-tenant endpoint"
        )


MIN_AUDIT_KEY_LENGTH = 32
MIN_SECRET_KEY_BYTES = 32


def check_secret_key(value: str | bytes | None) -> None:
    """Refuse a production SECRET_KEY (which signs the session cookies) that is missing, the
    development default or shorter than MIN_SECRET_KEY_BYTES."""
    raw = value.encode() if isinstance(value, str) else (value or b"")
    if not raw or raw == DEFAULT_SECRET.encode() or len(raw) < MIN_SECRET_KEY_BYTES:
        raise ConfigurationError(
            f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_KEY_BYTES} bytes "
            'in production, e.g. python -c "import secrets; print(secrets.token_hex(32))"'
        )


def check_audit_key(value: str | None, secret_key: str) -> None:
    """Refuse a production audit key that is missing, short, the default or the SECRET_KEY."""
    if not value or value == DEFAULT_AUDIT_KEY or len(value) < MIN_AUDIT_KEY_LENGTH:
        raise ConfigurationError(
            f"AUDIT_KEY must be set to a random value of at least {MIN_AUDIT_KEY_LENGTH} "
            "characters in production, e.g. "
            'python -c "import secrets; print(secrets.token_hex(32))"'
        )
    if value == secret_key:
        raise ConfigurationError("AUDIT_KEY must differ from SECRET_KEY")


def create_app(config_name: str | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; `config_name` defaults to $REGISTER_CONFIG or development."""
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        # Unset: Flask's default, `instance/` beside the package in a checkout, and
        # `<venv>/var/register-instance` when installed.
        instance_path=os.environ.get("REGISTER_INSTANCE"),
    )
    name = config_name or os.environ.get("REGISTER_CONFIG", "development")
    if name not in CONFIGS:
        raise ConfigurationError(f"unknown configuration {name!r}; use one of {sorted(CONFIGS)}")
    app.config.from_object(CONFIGS[name])
    if test_config:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("EVIDENCE_STORAGE_URL"):
        app.config["EVIDENCE_STORAGE_URL"] = (Path(app.instance_path) / "evidence").as_uri()
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if name == "production":
            raise ConfigurationError("DATABASE_URL must be set in production")
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_default(app.instance_path)
    if name == "production":
        check_secret_key(app.config.get("SECRET_KEY"))
        check_audit_key(app.config.get("AUDIT_KEY"), app.config["SECRET_KEY"])
    check_base_url(app.config.get("BASE_URL"))
    check_single_sign_on(app.config, production=name == "production")

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(TEMPLATES)),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )

    from register import runtime
    from register.json_provider import BoundedJSONProvider

    app.json = BoundedJSONProvider(app)
    runtime.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"  # a notice, not a success (templates/base.html)
    login_manager.session_protection = "strong"

    from register import models
    from register.auth.sessions import session_user

    @login_manager.user_loader
    def load_user(session_key: str) -> models.User | None:
        """The user of the live server-side session whose key the cookie holds (checked on the
        server: ended, idle, too old, another credential generation or inactive: nobody)."""
        user = session_user(db.session, session_key, runtime.settings().sessions)
        db.session.commit()  # a session ended or seen just now; loaded before any view's work
        return user

    from govuk_frontend_wtf.main import WTFormsHelpers

    WTFormsHelpers(app)

    from register import observability, web

    observability.init_app(app)
    web.init_app(app)

    from importlib import import_module

    from register.blueprints import BLUEPRINT_MODULES, CLI_MODULES

    for module in BLUEPRINT_MODULES:
        app.register_blueprint(import_module(module).bp)
    for module in CLI_MODULES:
        import_module(module).init_app(app)

    @app.before_request
    def require_sign_in() -> Any:
        endpoint = request.endpoint or ""
        if endpoint in ("static", "healthz"):  # no user needed (nor a query for every image)
            return None
        # The session's user is loaded first, on every other request, so the loader's write
        # (last seen, a session ended) never lands in the middle of a view's transaction.
        signed_in = current_user.is_authenticated
        if endpoint in PUBLIC_ENDPOINTS or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            return None
        if request.endpoint is None:  # unknown URL: let Flask answer 404
            return None
        if not signed_in:
            return login_manager.unauthorized()
        return None

    @app.get("/healthz")
    def healthz() -> tuple[dict[str, str], int]:
        from sqlalchemy import text

        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means unhealthy
            return {"status": "database unavailable"}, 503
        return {"status": "ok"}, 200

    @app.get("/")
    def index() -> Any:
        return redirect(url_for(web.home_endpoint(current_user)))

    return app
