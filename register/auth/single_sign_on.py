"""Who an OpenID provider's validated ID token names: the register account with its verified email.

The provider proves who signed in; the register alone decides what they may do (roles stay here).
An account is found only by an email the provider vouches for: the `email` claim with
`email_verified` true, or a claim the configuration names as trusted for its single issuer.
The first sign-in links the provider's identity (issuer and subject) to the account; from then
on that email signs in only under that identity, so an address the provider gives to someone
else later does not open the account (`users unlink-sso` lets the next identity link again).
No Flask here: the views validate the token (Authlib) and pass its claims in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from register.audit.log import record
from register.models import User

UNVERIFIED = "unverified"
UNKNOWN = "unknown"
DEACTIVATED = "deactivated"
ANOTHER_IDENTITY = "another identity"  # the account is linked to another subject


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
class SingleSignOnResult:
    """The account to sign in, or why none: UNVERIFIED, UNKNOWN, DEACTIVATED or
    ANOTHER_IDENTITY, and the email the provider gave (None when it gave no email it vouches
    for)."""

    user: User | None
    refusal: str | None
    email: str | None


def vouched_email(claims: Mapping[str, Any], trusted_email_claim: str | None) -> str | None:
    """The email address the provider vouches for in `claims`, or None.

    With `trusted_email_claim` set, that claim is taken as the issuer's word (the issuer was
    checked to be the one configured tenant); otherwise only `email` with `email_verified` true
    (the boolean, not a string that merely looks true)."""
    if trusted_email_claim:
        value = claims.get(trusted_email_claim)
    elif claims.get("email_verified") is True:
        value = claims.get("email")
    else:
        value = None
    if not isinstance(value, str) or "@" not in value:
        return None
    return value.strip()


def sign_in_with_single_sign_on(
    session: Session,
    claims: Mapping[str, Any],
    *,
    trusted_email_claim: str | None,
    ip_address: str | None,
) -> SingleSignOnResult:
    """Find the active account whose email (any case) the provider vouches for; audit the sign-in
    or the refusal with the issuer and subject that the provider gave."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    provider = {"method": "oidc", "issuer": issuer, "subject": subject}
    email = vouched_email(claims, trusted_email_claim)
    user = None
    if email is not None:
        user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    refusal = None
    if email is None:
        refusal = UNVERIFIED
    elif user is None:
        refusal = UNKNOWN
    elif not user.is_active:  # deactivated, or a service account (no web sign-in)
        refusal = DEACTIVATED
    elif _linked_elsewhere(session, user, issuer, subject):
        refusal = ANOTHER_IDENTITY
    if refusal is not None or user is None:
        record(
            session,
            "auth.sso_refused",
            f"Single sign-on refused ({refusal} email): {email or 'no verified email'} "
            f"from {issuer}",
            actor_label=(email or subject)[:254],
            object_type="user" if user is not None else None,
            object_id=user.id if user is not None else None,
            ip_address=ip_address,
            details={**provider, "email": email, "reason": refusal},
        )
        return SingleSignOnResult(None, refusal, email)
    linked = user.sso_subject is None
    if linked:
        user.sso_issuer, user.sso_subject = issuer, subject
    record(
        session,
        "auth.sign_in",
        f"{user.email} signed in with single sign-on",
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={**provider, "linked": True} if linked else provider,
    )
    return SingleSignOnResult(user, None, email)


def _linked_elsewhere(session: Session, user: User, issuer: str, subject: str) -> bool:
    """Whether `user` is linked to another identity, or this identity to another account."""
    if user.sso_subject is not None:
        return (user.sso_issuer, user.sso_subject) != (issuer, subject)
    holder = session.scalar(
        select(User.id).where(User.sso_issuer == issuer, User.sso_subject == subject)
    )
    return holder is not None and holder != user.id


def unlink(session: Session, user: User, *, actor_label: str) -> bool:
    """Forget the identity linked to `user` (audited), so that the next single sign-on with the
    account's email links again; False if none was linked."""
    if user.sso_subject is None:
        return False
    record(
        session,
        "auth.sso_unlinked",
        f"Single sign-on identity unlinked from {user.email}",
        actor_label=actor_label,
        object_type="user",
        object_id=user.id,
        details={
            "before": {"issuer": user.sso_issuer, "subject": user.sso_subject},
            "after": None,
        },
    )
    user.sso_issuer = user.sso_subject = None
    return True


# How long before the ID token was issued the person may have signed in at the provider for a
# re-authentication to count (the provider was asked for a new sign-in: `prompt=login`).
FRESH_SIGN_IN_SECONDS = 120


def confirm_identity_with_single_sign_on(
    session: Session,
    user: User,
    claims: Mapping[str, Any],
    *,
    trusted_email_claim: str | None,
    ip_address: str | None = None,
) -> bool:
    """Whether the provider's new answer proves that the signed-in `user` is at the keyboard:
    the same provider identity (issuer and subject) linked to the account, the same vouched
    email, and a sign-in at the provider just now (`auth_time` close to the token's `iat`).
    Audited either way."""
    issuer, subject = str(claims.get("iss", "")), str(claims.get("sub", ""))
    email = vouched_email(claims, trusted_email_claim)
    auth_time, issued = claims.get("auth_time"), claims.get("iat")
    just_now = (
        isinstance(auth_time, int | float)
        and isinstance(issued, int | float)
        and issued - auth_time <= FRESH_SIGN_IN_SECONDS
    )
    same = (
        email is not None
        and email.lower() == user.email.lower()
        and (user.sso_issuer, user.sso_subject) == (issuer, subject)
    )
    record(
        session,
        "auth.identity_confirmed" if same and just_now else "auth.identity_check_failed",
        f"{user.email} "
        + (
            "confirmed it is them by signing in again with single sign-on"
            if same and just_now
            else "did not confirm it is them with single sign-on"
        ),
        actor=user,
        object_type="user",
        object_id=user.id,
        ip_address=ip_address,
        details={
            "method": "oidc",
            "issuer": issuer,
            "subject": subject,
            "same_identity": same,
            "fresh_sign_in": just_now,
        },
    )
    return same and just_now
