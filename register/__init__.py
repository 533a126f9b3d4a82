"""The conflict-of-interest declaration register: the application factory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, redirect, request, url_for
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import select

from register.app_files import MIGRATIONS, STATIC, TEMPLATES
from register.config import CONFIGS, DEFAULT_AUDIT_KEY, DEFAULT_SECRET, sqlite_default
from register.extensions import csrf, db, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Endpoints reachable without signing in. Everything else requires a session (SecureDrop's rule).
PUBLIC_ENDPOINTS = {"auth.login", "static", "healthz"}
# A pending sign-in (password right, second step to come) is nobody signed in yet.
PUBLIC_ENDPOINTS |= {"two_factor.code", "two_factor.required_set_up"}
PUBLIC_BLUEPRINTS = {"public", "api"}


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


MIN_AUDIT_KEY_LENGTH = 32


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
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        if name == "production":
            raise ConfigurationError("DATABASE_URL must be set in production")
        app.config["SQLALCHEMY_DATABASE_URI"] = sqlite_default(app.instance_path)
    if name == "production" and app.config["SECRET_KEY"] in (DEFAULT_SECRET, "", None):
        raise ConfigurationError("SECRET_KEY must be set to a long random value in production")
    if name == "production":
        check_audit_key(app.config.get("AUDIT_KEY"), app.config["SECRET_KEY"])
    check_base_url(app.config.get("BASE_URL"))

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

    @login_manager.user_loader
    def load_user(session_token: str) -> models.User | None:
        """The session's user by their current session token; an inactive user is signed out."""
        user = db.session.scalar(
            select(models.User).where(models.User.session_token == session_token)
        )
        return user if user is not None and user.active else None

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
        if endpoint in PUBLIC_ENDPOINTS or endpoint.split(".")[0] in PUBLIC_BLUEPRINTS:
            return None
        if request.endpoint is None:  # unknown URL: let Flask answer 404
            return None
        if not current_user.is_authenticated:
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
