"""Signing in to the workspace: an API key once, then a signed session cookie.

The workspace uses the roles of the API keys: a person signs in with the access key an
admin issued them (``lbx_<key id>_<secret>``), and the cookie then carries only the key id
and a CSRF token, signed with a key derived from the installation secret. Every request
re-reads the key ring, so revoking a key signs its holder out of the workspace at once.
Forms carry the CSRF token; a POST without the right one is refused before anything runs.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from api.auth import ACCOUNTANT, ADMIN, AUDITOR, SERVICE, Principal
from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves it at runtime)
from api.web.sign_outs import now_ns, record_sign_out, signed_out_after
from ledger.access import KEY_RING_ID, KeyRing, Role
from ledger.errors import NotFound

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.bootstrap import Services

COOKIE = "lbx_session"
SESSION_HOURS = 12
WRITERS = frozenset({ACCOUNTANT, ADMIN})
"""Roles that may act in the workspace (an auditor and a service key only read)."""
MAX_FIELDS = 300
"""The most fields a workspace form may post (the tariff form is the largest)."""
MAX_PART = 64 * 1024
"""The largest text field a workspace form may post."""


class SignInRequired(Exception):
    """Raised when a page is opened without a live session (answered with a redirect)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.next_path = path


@dataclass(frozen=True)
class WebUser:
    """The signed-in person: their key's principal and the session's CSRF token."""

    principal: Principal
    csrf: str

    @property
    def role(self) -> Role:
        """The key's role."""
        return self.principal.role

    @property
    def can_write(self) -> bool:
        """Whether the workspace shows (and accepts) actions for this person."""
        return self.role in WRITERS

    @property
    def actor(self) -> str:
        """How the events this person causes record them."""
        return self.principal.actor


def _serializer(services: Services) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services.settings.derived_key("web-session"), salt="lbx")


def session_cookie(services: Services, key_id: str) -> str:
    """A new signed session for ``key_id`` with a fresh CSRF token and its issue time."""
    return _serializer(services).dumps(
        {"k": key_id, "c": secrets.token_urlsafe(24), "t": now_ns()})


def secure_cookies(request: Request, services: Services) -> bool:
    """Whether cookies are marked Secure: over HTTPS, or always when the settings say so."""
    return services.settings.secure_cookies or request.url.scheme == "https"


def end_session(services: Services, key_id: str) -> None:
    """Sign ``key_id`` out on the server: every session it holds now is refused."""
    record_sign_out(services.store, key_id, now_ns())


def live_principal(services: Services, key_id: str) -> Principal | None:
    """The key's principal if it still exists and is not revoked."""
    try:
        services.ledger.forget(KEY_RING_ID)
        ring = services.ledger.load(KEY_RING_ID, KeyRing)
    except NotFound:
        return None
    key = ring.state.keys.get(key_id)
    if key is None or key.revoked:
        return None
    return Principal(key.key_id, key.name, key.role)


def current_user(request: Request, services: ServicesDep) -> WebUser:
    """The signed-in person, or a redirect to the sign-in page."""
    token = request.cookies.get(COOKIE)
    if token:
        try:
            data = _serializer(services).loads(token, max_age=SESSION_HOURS * 3600)
        except BadSignature:
            data = None
        if isinstance(data, dict):
            principal = _live_session(services, data)
            if principal is not None:
                return WebUser(principal, str(data.get("c", "")))
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInRequired(quote(path, safe="/"))


def _live_session(services: Services, data: dict[str, object]) -> Principal | None:
    principal = live_principal(services, str(data.get("k", "")))
    if principal is None or principal.role is SERVICE:
        return None
    issued = data.get("t")
    issued_ns = issued if isinstance(issued, int) else 0
    if signed_out_after(services.store, principal.key_id, issued_ns):
        return None
    return principal


User = Annotated[WebUser, Depends(current_user)]


def requires(*roles: Role) -> Callable[..., WebUser]:
    """A dependency admitting signed-in people with one of ``roles`` (admins always)."""
    admitted = {*roles, ADMIN}

    def check(user: User) -> WebUser:
        if user.role not in admitted:
            raise HTTPException(403, "Your role may not open this page.")
        return user

    return check


def csrf_matches(sent: str, expected: str) -> bool:
    """Whether a form's CSRF token is the session's, compared in constant time.

    Compared as UTF-8 bytes: ``hmac.compare_digest`` refuses a non-ASCII ``str`` with a
    TypeError, and a forged token must answer 403, not 500.
    """
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


async def checked_form(request: Request, user: User) -> dict[str, str]:
    """The posted form of a signed-in writer, after the CSRF check.

    Raises:
        HTTPException: 403 when the role only reads (before the body is read), or when
            the CSRF token is missing or wrong.
    """
    if not user.can_write:
        raise HTTPException(403, "Your role may look but not change anything.")
    form = await request.form(max_files=1, max_fields=MAX_FIELDS, max_part_size=MAX_PART)
    if not csrf_matches(str(form.get("csrf_token", "")), user.csrf):
        raise HTTPException(403, "The form has expired; reload the page and try again.")
    return {k: str(v) for k, v in form.items() if isinstance(v, str)}


Reader = Annotated[WebUser, Depends(requires(ACCOUNTANT, AUDITOR))]
Writer = Annotated[WebUser, Depends(requires(ACCOUNTANT))]
Form = Annotated[dict[str, str], Depends(checked_form)]
