"""API keys by role: each endpoint names the roles it admits; admins are admitted everywhere.

A key is presented as ``Authorization: Bearer lbx_<key id>_<secret>`` (or ``X-API-Key``);
the scheme's name is matched in any case, as RFC 9110 says. The key ring is loaded from the
ledger on each request (a cached aggregate brought up to date with one small query), so a
revoked key stops working at once, in every process. ``api/key_check.py`` checks the key
before the body is read and leaves the principal it found in the request's scope;
:func:`require` takes it from there and checks the role.

A key issued over the API gets a secret derived from the installation secret and the key's
id (:func:`key_secret`), as webhook secrets are: a retried ``POST /v1/keys`` shows the same
token again, and the ledger still keeps only its SHA-256. Whoever holds the installation
secret could derive these tokens, as they could already sign sessions and webhooks.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Header, HTTPException, Request

from api.deps import ServicesDep  # noqa: TC001  (FastAPI reads it at runtime)
from ledger.access import KEY_RING_ID, KeyRing, Role
from ledger.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.bootstrap import Services
    from api.settings import Settings

SERVICE, ACCOUNTANT, AUDITOR, ADMIN = Role.SERVICE, Role.ACCOUNTANT, Role.AUDITOR, Role.ADMIN
READERS = (ACCOUNTANT, AUDITOR)
PRINCIPAL_SCOPE_KEY = "lbx.principal"
"""Where in the request's ASGI scope the key check leaves the caller it authenticated (the
scope, not its ``state``, which a server may build from state shared with the lifespan)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role."""

    key_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """How events record this caller."""
        return f"{self.role.value}:{self.name}"


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, {"detail": detail, "field": "Authorization"},
                         headers={"WWW-Authenticate": "Bearer"})


def authenticate(services: Services, token: str) -> Principal:
    """Resolve a presented token to its live key.

    Raises:
        HTTPException: 401 when the token is malformed, unknown or revoked.
    """
    if not token.startswith("lbx_") or token.count("_") < 2:  # noqa: PLR2004
        raise _unauthorized("malformed API key")
    _, key_id, secret = token.split("_", 2)
    try:
        services.ledger.forget(KEY_RING_ID)  # a key revoked by another process stops at once
        ring = services.ledger.load(KEY_RING_ID, KeyRing)
    except NotFound:
        raise _unauthorized("no API keys have been issued") from None
    key = ring.authenticate(key_id, secret)
    if key is None:
        raise _unauthorized("unknown or revoked API key")
    return Principal(key.key_id, key.name, key.role)


def presented_token(authorization: str | None, x_api_key: str | None) -> str:
    """The token a request presents: ``X-API-Key``, or the credentials after ``Bearer``.

    RFC 9110 makes an authentication scheme's name case-insensitive, so ``bearer`` and
    ``BEARER`` are the same scheme. Another scheme's value is returned whole, so that it is
    refused as a malformed key rather than as a missing one.
    """
    if x_api_key:
        return x_api_key.strip()
    value = (authorization or "").strip()
    scheme, _, credentials = value.partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else value


def caller(services: Services, authorization: str | None, x_api_key: str | None) -> Principal:
    """The live key a request presents in its headers.

    Raises:
        HTTPException: 401 when no key is presented, or it is malformed, unknown or revoked.
    """
    token = presented_token(authorization, x_api_key)
    if not token:
        raise _unauthorized("send an API key: Authorization: Bearer lbx_...")
    return authenticate(services, token)


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency that admits callers with one of ``roles`` (or admin)."""
    admitted = {*roles, ADMIN}

    def check(
        services: ServicesDep,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Principal:
        principal = request.scope.get(PRINCIPAL_SCOPE_KEY)
        if not isinstance(principal, Principal):  # served without the key check
            principal = caller(services, authorization, x_api_key)
        if principal.role not in admitted:
            allowed = ", ".join(sorted(r.value for r in admitted))
            raise HTTPException(403, f"role {principal.role.value} may not do this ({allowed} may)")
        return principal

    return check


def roles_extra(*roles: Role) -> dict[str, list[str]]:
    """OpenAPI extension listing the roles a route admits (read by clients and the role test)."""
    return {"x-roles": sorted({*(r.value for r in roles), ADMIN.value})}


def key_secret(settings: Settings, key_id: str) -> str:
    """The secret of the API key ``key_id``: 32 bytes derived for it alone, URL-safe text."""
    derived = settings.derived_key(f"api-key:{key_id}")
    return base64.urlsafe_b64encode(derived).decode().rstrip("=")
