"""The register's settings: one typed, frozen object built once in `create_app`.

Flask's configuration is a dictionary of strings that anything can read under any key; this
object is what the register's code reads instead, so a setting has one name, one type and one
default, and a missing one fails at start-up rather than meaning "no alert" at run time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from register.auth.sessions import SessionPolicy
from register.auth.single_sign_on import SingleSignOn
from register.auth.throttle import ThrottlePolicy
from register.ingest.streams import IngestLimits
from register.matching import MatchConfig
from register.models.people import ROLES
from register.notify.mail import MailSettings


def _roles(names: str) -> frozenset[str]:
    """Role names from a comma-separated setting; an unknown name fails at start-up, since a
    typo would otherwise quietly leave a role without two-factor authentication."""
    roles = frozenset(name.strip() for name in names.split(",") if name.strip())
    unknown = sorted(roles - set(ROLES))
    if unknown:
        raise ValueError(f"MFA_REQUIRED_ROLES names unknown roles {unknown}; use {sorted(ROLES)}")
    return roles


def _lead_roles(names: str) -> frozenset[str]:
    """PROCUREMENT_LEAD_ROLES: procurement leads, and compliance officers or administrators."""
    roles = frozenset(name.strip() for name in names.split(",") if name.strip())
    allowed = {"procurement", "compliance", "admin"}
    if roles - allowed:
        raise ValueError(
            f"PROCUREMENT_LEAD_ROLES names {sorted(roles - allowed)}; use {sorted(allowed)}"
        )
    return roles | {"procurement"}


@dataclass(frozen=True)
class Settings:
    lookback_months: int
    joiner_days: int
    compliance_mailbox: str
    auditor_mailbox: str
    audit_key: bytes
    collect_birth_dates: bool
    display_timezone: ZoneInfo
    sign_in_throttle: ThrottlePolicy
    sessions: SessionPolicy
    mfa_required_roles: frozenset[str]
    mfa_max_attempts: int
    recent_sign_in_minutes: int
    mfa_off_notice: bool
    web_import_max_bytes: int
    api_requests_per_minute: int
    ingest_limits: IngestLimits
    mail: MailSettings
    single_sign_on: SingleSignOn | None
    password_sign_in: bool
    production: bool
    case_target_working_days: int
    evidence_storage_url: str
    evidence_max_bytes: int
    procurement_lead_roles: frozenset[str]
    procurement_reminder_days: int
    procurement_lookback_months: int

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
            sign_in_throttle=ThrottlePolicy(
                free_per_account_address=int(config["LOGIN_FREE_FAILURES"]),
                free_per_address=int(config["LOGIN_ADDRESS_FREE_FAILURES"]),
                free_per_account=int(config["LOGIN_ACCOUNT_FREE_FAILURES"]),
                first_delay=timedelta(seconds=int(config["LOGIN_FIRST_DELAY_SECONDS"])),
                max_delay=timedelta(minutes=int(config["LOGIN_MAX_DELAY_MINUTES"])),
                forget_after=timedelta(hours=int(config["LOGIN_FORGET_AFTER_HOURS"])),
            ),
            sessions=SessionPolicy(
                idle=timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])),
                lifetime=timedelta(hours=int(config["SESSION_MAX_HOURS"])),
            ),
            mfa_required_roles=_roles(str(config["MFA_REQUIRED_ROLES"])),
            mfa_max_attempts=max(1, int(config["MFA_MAX_ATTEMPTS"])),
            recent_sign_in_minutes=int(config["RECENT_SIGN_IN_MINUTES"]),
            mfa_off_notice=bool(config["MFA_OFF_NOTICE"]),
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
            production=bool(config["IS_PRODUCTION"]),
            case_target_working_days=max(1, int(config["CASE_TARGET_WORKING_DAYS"])),
            evidence_storage_url=str(config["EVIDENCE_STORAGE_URL"]),
            evidence_max_bytes=int(config["EVIDENCE_MAX_BYTES"]),
            procurement_lead_roles=_lead_roles(str(config["PROCUREMENT_LEAD_ROLES"])),
            procurement_reminder_days=max(1, int(config["PROCUREMENT_REMINDER_DAYS"])),
            procurement_lookback_months=max(1, int(config["PROCUREMENT_LOOKBACK_MONTHS"])),
        )

    @property
    def matching(self) -> MatchConfig:
        """The matching engine's configuration."""
        return MatchConfig(lookback_months=self.lookback_months)
