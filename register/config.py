"""Configuration classes, read from the environment in every mode."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULT_SECRET = "dev-only-not-secret"  # noqa: S105 - refused in production  # nosec B105
DEFAULT_AUDIT_KEY = "dev-only-audit-key"  # noqa: S105 - refused in production  # nosec B105
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    """Settings shared by every mode; each can be overridden by an environment variable."""

    # Production refuses what only a development or test installation may do (`demo load`).
    IS_PRODUCTION = False

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET)
    # Keys the audit log's hash chain (HMAC-SHA256): without it nobody who can write to the
    # database can recompute the chain after rewriting it. Kept outside the database, and
    # separate from SECRET_KEY, which signs cookies and is rotated for other reasons.
    AUDIT_KEY = os.environ.get("AUDIT_KEY", DEFAULT_AUDIT_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: SQLite in the instance folder
    # pre_ping: a connection the database dropped (restart, failover) is replaced, not used.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_PATH = "/"
    # The cookie ends with the browser session and is not re-sent with a new expiry on every
    # request: how long a session lasts is decided on the server (register.auth.sessions).
    SESSION_REFRESH_EACH_REQUEST = False
    # Flask-Login's remember-me cookie is never issued (sign-in never asks for it), and the
    # session loader accepts only server-side session keys, so a remember cookie signs nobody in.
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # The device cookie a browser keeps after signing in (register.auth.throttle).
    DEVICE_COOKIE_NAME = "register_device"
    DEVICE_COOKIE_SECURE = False
    DEVICE_COOKIE_DAYS = _env_int("DEVICE_COOKIE_DAYS", 365)
    # Server-side sessions: ended after this long without a request, and this long after sign-in.
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    MAX_CONTENT_LENGTH = _env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    # Sign-in throttling (register.auth.throttle): failures free under each key before attempts
    # must wait, the first wait (doubling with each further failure) and the longest, and how
    # long after the last failure a key is forgotten.
    LOGIN_FREE_FAILURES = _env_int("LOGIN_FREE_FAILURES", 5)  # one account from one address
    LOGIN_ADDRESS_FREE_FAILURES = _env_int("LOGIN_ADDRESS_FREE_FAILURES", 20)  # one address
    LOGIN_ACCOUNT_FREE_FAILURES = _env_int("LOGIN_ACCOUNT_FREE_FAILURES", 10)  # one account
    LOGIN_FIRST_DELAY_SECONDS = _env_int("LOGIN_FIRST_DELAY_SECONDS", 30)
    LOGIN_MAX_DELAY_MINUTES = _env_int("LOGIN_MAX_DELAY_MINUTES", 15)
    LOGIN_FORGET_AFTER_HOURS = _env_int("LOGIN_FORGET_AFTER_HOURS", 24)
    # Two-factor authentication (TOTP): the roles that must use it (comma-separated role names;
    # empty: nobody must, anyone may turn it on), wrong codes before a pending sign-in ends, and
    # how old the last proof of identity may be before a privileged change asks for it again.
    MFA_REQUIRED_ROLES = os.environ.get("MFA_REQUIRED_ROLES", "")
    MFA_MAX_ATTEMPTS = _env_int("MFA_MAX_ATTEMPTS", 5)
    RECENT_SIGN_IN_MINUTES = _env_int("RECENT_SIGN_IN_MINUTES", 10)
    # The sign-in page says so when no role must use two-factor authentication (development).
    MFA_OFF_NOTICE = False
    # Declarations and matching.
    JOINER_DAYS = _env_int("JOINER_DAYS", 28)
    LOOKBACK_MONTHS = _env_int("LOOKBACK_MONTHS", 24)
    # Compliance cases: the target for deciding one, in working days (England and Wales bank
    # holidays excluded), counted from when it opened or last reopened.
    CASE_TARGET_WORKING_DAYS = _env_int("CASE_TARGET_WORKING_DAYS", 20)
    # Case evidence: where files are kept (a folder as file:///path; empty: `evidence/` in the
    # instance folder) and the largest file accepted.
    EVIDENCE_STORAGE_URL = os.environ.get("EVIDENCE_STORAGE_URL", "")
    EVIDENCE_MAX_BYTES = _env_int("EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
    # Procurements: who leads them besides procurement leads ("compliance", "admin"; comma-
    # separated), and the days between reminders to a person who has not declared for one.
    PROCUREMENT_LEAD_ROLES = os.environ.get("PROCUREMENT_LEAD_ROLES", "procurement")
    PROCUREMENT_REMINDER_DAYS = _env_int("PROCUREMENT_REMINDER_DAYS", 3)
    # How far back a former interest or a gift counts in a procurement's conflicts check. Longer
    # than LOOKBACK_MONTHS by default: before an award a mitigation costs little, and a former
    # director judging their old company's bid is a conflict a reasonable person would see.
    PROCUREMENT_LOOKBACK_MONTHS = _env_int("PROCUREMENT_LOOKBACK_MONTHS", 36)
    # Officials' month and year of birth (to tell namesakes apart in company records) are
    # personal data the register needs only if the organisation chooses to screen with them:
    # off unless COLLECT_BIRTH_DATES=1, and while off the fields are neither shown nor stored.
    COLLECT_BIRTH_DATES = os.environ.get("COLLECT_BIRTH_DATES", "0") == "1"
    # Dates on pages and deadlines (late filing, reminders) are counted in this zone.
    DISPLAY_TIMEZONE = os.environ.get("DISPLAY_TIMEZONE", "Europe/London")
    # Email.
    MAIL_HOST = os.environ.get("MAIL_HOST", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "register@localhost")
    COMPLIANCE_MAILBOX = os.environ.get("COMPLIANCE_MAILBOX", "compliance@localhost")
    # Audit checkpoints (`audit checkpoint --email`) go here, to be kept outside the register.
    AUDITOR_MAILBOX = os.environ.get("AUDITOR_MAILBOX", "auditors@localhost")
    # The register's address as users reach it, for the links in emails (required in production).
    BASE_URL: str | None = os.environ.get("BASE_URL", DEVELOPMENT_BASE_URL)
    # What one import file may hold (awards, officers): its size once decompressed, one line,
    # one run of digits, one JSON string. Past a limit the file is refused, naming it.
    INGEST_MAX_BYTES = _env_int("INGEST_MAX_BYTES", 200 * 1024 * 1024)
    INGEST_MAX_LINE_BYTES = _env_int("INGEST_MAX_LINE_BYTES", 16 * 1024 * 1024)
    INGEST_MAX_DIGITS = _env_int("INGEST_MAX_DIGITS", 1000)
    INGEST_MAX_STRING_CHARS = _env_int("INGEST_MAX_STRING_CHARS", 1024 * 1024)
    # Award uploads in the browser above this size must use the command line.
    WEB_IMPORT_MAX_BYTES = _env_int("WEB_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    # Requests one API token may make in a minute (counted in the database); then 429.
    API_REQUESTS_PER_MINUTE = _env_int("API_REQUESTS_PER_MINUTE", 60)
    # Serving: JSON request logs on stderr; proxies trusted for X-Forwarded-*; HSTS (0: off).
    REQUEST_LOG_STDERR = os.environ.get("REQUEST_LOG_STDERR", "1") == "1"
    TRUSTED_PROXY_HOPS = _env_int("TRUSTED_PROXY_HOPS", 0)
    HSTS_MAX_AGE = 0
    # Single sign-on with OpenID Connect (README "Single sign-on"): on when all three are set.
    # People are matched by verified email to their register accounts; roles stay here.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER") or None
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID") or None
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET") or None
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your organisation's account")
    # A claim the issuer vouches for as the person's email without `email_verified` (Entra ID:
    # `preferred_username` of a single tenant whose sign-in names are email addresses).
    OIDC_TRUSTED_EMAIL_CLAIM = os.environ.get("OIDC_TRUSTED_EMAIL_CLAIM") or None
    # 0: sign in with single sign-on only (refused at start-up unless OIDC is configured).
    PASSWORD_SIGN_IN = os.environ.get("PASSWORD_SIGN_IN", "1") == "1"


class DevelopmentConfig(Config):
    DEBUG = False
    MFA_OFF_NOTICE = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - testing configuration only  # nosec B105
    AUDIT_KEY = "testing-audit-key"  # noqa: S105 - testing configuration only  # nosec B105
    REQUEST_LOG_STDERR = False


class ProductionConfig(Config):
    """HTTPS only: secure cookies, https URLs, HSTS; a bounded connection pool per process."""

    IS_PRODUCTION = True

    SESSION_COOKIE_SECURE = True
    # `__Host-`: the browser accepts the cookie only if Secure, for Path=/ and without a
    # Domain, so no other site on the domain can set or overwrite it.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    DEVICE_COOKIE_NAME = "__Host-register_device"
    DEVICE_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    BASE_URL = os.environ.get("BASE_URL")
    HSTS_MAX_AGE = _env_int("HSTS_MAX_AGE", 31536000)
    MFA_REQUIRED_ROLES = os.environ.get(
        "MFA_REQUIRED_ROLES", "admin,compliance,auditor,procurement"
    )
    # Each gunicorn worker holds at most pool_size + max_overflow connections: keep
    # servers x workers x that under PostgreSQL's max_connections (docs/deploy.md).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": _env_int("DB_POOL_SIZE", 5),
        "max_overflow": _env_int("DB_MAX_OVERFLOW", 5),
        "pool_recycle": 1800,
    }


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def sqlite_default(instance_path: str) -> str:
    return "sqlite:///" + str(Path(instance_path) / "register.sqlite")
