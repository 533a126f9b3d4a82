"""The register's settings: one typed, frozen object built once in `create_app`.

Flask's configuration is a dictionary of strings that anything can read under any key; this
object is what the register's code reads instead, so a setting has one name, one type and one
default, and a missing one fails at start-up rather than meaning "no alert" at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from register.ingest.streams import IngestLimits
from register.matching import MatchConfig
from register.notify.mail import MailSettings


@dataclass(frozen=True)
class SingleSignOn:
    """An OpenID Connect provider people sign in with (create_app has checked the values)."""

    issuer: str
    client_id: str
    client_secret: str
    provider_name: str
    # None: only the `email` claim, and only with `email_verified` true, identifies a person.
    trusted_email_claim: str | None

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def origin(self) -> str:
        """The provider's scheme, host and port: where sign-out may send the browser on to."""
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SingleSignOn | None:
        if not config.get("OIDC_ISSUER"):
            return None
        return cls(
            issuer=str(config["OIDC_ISSUER"]),
            client_id=str(config["OIDC_CLIENT_ID"]),
            client_secret=str(config["OIDC_CLIENT_SECRET"]),
            provider_name=str(config["OIDC_PROVIDER_NAME"]),
            trusted_email_claim=config.get("OIDC_TRUSTED_EMAIL_CLAIM") or None,
        )


@dataclass(frozen=True)
class Settings:
    lookback_months: int
    joiner_days: int
    compliance_mailbox: str
    auditor_mailbox: str
    audit_key: bytes
    collect_birth_dates: bool
    display_timezone: ZoneInfo
    login_max_failures: int
    login_lock_minutes: int
    web_import_max_bytes: int
    api_requests_per_minute: int
    ingest_limits: IngestLimits
    mail: MailSettings
    single_sign_on: SingleSignOn | None
    password_sign_in: bool

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        return cls(
            lookback_months=int(config["LOOKBACK_MONTHS"]),
            joiner_days=int(config["JOINER_DAYS"]),
            compliance_mailbox=str(config["COMPLIANCE_MAILBOX"]),
            auditor_mailbox=str(config["AUDITOR_MAILBOX"]),
            audit_key=str(config["AUDIT_KEY"]).encode(),
            collect_birth_dates=bool(config["COLLECT_BIRTH_DATES"]),
            display_timezone=ZoneInfo(str(config["DISPLAY_TIMEZONE"])),
            login_max_failures=int(config["LOGIN_MAX_FAILURES"]),
            login_lock_minutes=int(config["LOGIN_LOCK_MINUTES"]),
            web_import_max_bytes=int(config["WEB_IMPORT_MAX_BYTES"]),
            api_requests_per_minute=int(config["API_REQUESTS_PER_MINUTE"]),
            ingest_limits=IngestLimits(
                max_bytes=int(config["INGEST_MAX_BYTES"]),
                max_line_bytes=int(config["INGEST_MAX_LINE_BYTES"]),
                max_digits=int(config["INGEST_MAX_DIGITS"]),
                max_string_chars=int(config["INGEST_MAX_STRING_CHARS"]),
            ),
            mail=MailSettings.from_config(config),
            single_sign_on=SingleSignOn.from_config(config),
            password_sign_in=bool(config["PASSWORD_SIGN_IN"]),
        )

    @property
    def matching(self) -> MatchConfig:
        """The matching engine's configuration."""
        return MatchConfig(lookback_months=self.lookback_months)
