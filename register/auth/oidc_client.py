"""The register's OpenID Connect client: Authlib's Flask client, one per app, made on first use.

Authlib does the protocol: the authorization code flow with PKCE (S256), `state` and `nonce`
kept in the session, the provider's discovery document, and the ID token's validation (signature
against the provider's JWKS, issuer, audience, expiry, nonce). This module adds what the
register requires besides: the discovery document must name the configured issuer, and an
authorization response that names its issuer (RFC 9207) must name that one.
"""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app, request, url_for
from joserfc.errors import JoseError
from requests import RequestException

from register import runtime
from register.auth.single_sign_on import SingleSignOn

CLIENT_KEY = "register.oidc_client"
SCOPES = "openid email profile"
PROVIDER_TIMEOUT_SECONDS = 10


class SingleSignOnFailed(Exception):
    """The provider's answer was not a valid sign-in (tampered, expired or refused)."""


# What Authlib and its HTTP client raise when an answer is not a valid sign-in.
PROTOCOL_ERRORS = (OAuthError, JoseError, RequestException, KeyError, ValueError)


def configured() -> SingleSignOn | None:
    return runtime.settings().single_sign_on


def _client() -> Any:
    """The app's Authlib client for its provider (discovery is fetched on first use), made
    again if the settings were built again with another provider."""
    sso = configured()
    if sso is None:
        raise LookupError("single sign-on is not configured")
    made_for, client = current_app.extensions.get(CLIENT_KEY, (None, None))
    if made_for != sso:
        oauth = OAuth(current_app)
        client = oauth.register(
            "register_sso",
            client_id=sso.client_id,
            client_secret=sso.client_secret,
            server_metadata_url=sso.discovery_url,
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
        current_app.extensions[CLIENT_KEY] = (sso, client)
    return client


def _metadata() -> dict[str, Any]:
    """The provider's discovery document, refused if it names another issuer."""
    sso = configured()
    metadata: dict[str, Any] = _client().load_server_metadata()
    if sso is None or metadata.get("issuer") != sso.issuer:
        raise SingleSignOnFailed(
            f"the discovery document names issuer {metadata.get('issuer')!r}, "
            f"not the configured {sso.issuer if sso else None!r}"
        )
    return metadata


def _absolute(endpoint: str) -> str:
    """The address of `endpoint` on the register's site, from BASE_URL (never the Host header)."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + url_for(endpoint)


def authorization_redirect(*, fresh_login: bool = False) -> Any:
    """Send the browser to the provider's sign-in, with new state, nonce and PKCE verifier.
    `fresh_login`: the provider must ask the person to sign in again, whatever session it holds
    (`prompt=login`, `max_age=0`): the register's re-authentication before a privileged change."""
    _metadata()
    extra = {"prompt": "login", "max_age": 0} if fresh_login else {}
    return _client().authorize_redirect(_absolute("auth.sso_callback"), **extra)


def validated_sign_in() -> tuple[dict[str, Any], str]:
    """The ID token's validated claims and the raw ID token, from the provider's answer on the
    callback. Raises SingleSignOnFailed when the answer is not a valid sign-in."""
    try:
        metadata = _metadata()
        named_issuer = request.args.get("iss")
        if named_issuer is not None and named_issuer != metadata["issuer"]:
            raise SingleSignOnFailed(f"the answer came from issuer {named_issuer!r}")
        token = _client().authorize_access_token()
    except PROTOCOL_ERRORS as exc:
        raise SingleSignOnFailed(str(exc) or type(exc).__name__) from exc
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SingleSignOnFailed("the provider returned no ID token")
    return dict(claims), str(token["id_token"])


def logout_url(id_token: str) -> str | None:
    """The provider's end-session address (RP-initiated logout) that returns to the sign-in page,
    or None when the provider advertises none or cannot be reached."""
    try:
        if not _metadata().get("end_session_endpoint"):
            return None
        created = _client().create_logout_url(
            post_logout_redirect_uri=_absolute("auth.login"), id_token_hint=id_token
        )
    except (SingleSignOnFailed, *PROTOCOL_ERRORS):
        return None
    return str(created["url"])
