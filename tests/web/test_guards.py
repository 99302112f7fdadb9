"""What guards every workspace answer: body limits, roles before bodies, security headers,
the sign-in redirect, login CSRF, sign-out on the server, and hand-made cursors.

Given the workspace, when a request comes that a browser of a signed-in person would not
send (too large, from another site, with a forged cursor, after signing out), then it is
refused before anything is parsed or written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.guards import DEFAULT_LIMIT, body_limit
from api.web.i18n import Formats
from api.web.session import COOKIE
from ledger.access import Role
from projections.queries import encode_cursor

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services
    from tests.web.conftest import Workspace


@pytest.fixture
def stranger(services: Services) -> Iterator[TestClient]:
    """A client that has not signed in."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        yield client


def _events(services: Services) -> int:
    return services.ledger.max_position() or 0


def test_a_large_anonymous_post_is_refused_without_being_parsed(
        services: Services, stranger: TestClient) -> None:
    before = _events(services)
    big = b"x" * (DEFAULT_LIMIT + 1)
    form = {"content-type": "application/x-www-form-urlencoded"}
    answer = stranger.post(f"/app/customers/{UUID(int=0)}/actions/payment", content=big,
                           headers=form, follow_redirects=False)
    assert answer.status_code == 413
    small = stranger.post("/app/payments/import", files={"file": ("a.txt", b"1")},
                          follow_redirects=False)
    assert small.status_code == 303  # to sign in: nobody's form is read first
    assert _events(services) == before


def test_a_streamed_body_is_counted_not_trusted(stranger: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"y" * (DEFAULT_LIMIT // 2)

    answer = stranger.post("/app/sign-in", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"},
                           follow_redirects=False)
    assert answer.status_code == 413


def test_file_paths_take_larger_bodies_than_forms() -> None:
    assert body_limit("/app/payments/import") > 20 * 1024 * 1024
    assert body_limit("/app/integrations/customer-import/preview") > 5 * 1024 * 1024
    assert body_limit("/app/customers/x/actions/payment") == DEFAULT_LIMIT


def test_an_auditor_upload_is_refused_before_the_file_is_read(
        services: Services, auditor_workspace: Workspace) -> None:
    before = _events(services)
    for page_url, action in (("/app/payments", "/app/payments/import"),
                             ("/app/integrations", "/app/integrations/customer-import/preview")):
        answer = auditor_workspace.submit(page_url, action, {},
                                          files={"file": ("s.csv", b"a,b\n1,2\n")})
        assert answer.status_code == 403, (action, answer.text)
    assert _events(services) == before


def test_pages_carry_security_headers_and_static_files_may_be_cached(
        workspace: Workspace) -> None:
    answer = workspace.get("/app/")
    assert answer.headers["x-frame-options"] == "DENY"
    policy = answer.headers["content-security-policy"]
    for part in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'",
                 "base-uri 'none'", "form-action 'self'"):
        assert part in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["cache-control"] == "no-store"
    static = workspace.get("/app/static/lbx.css")
    assert static.headers["x-content-type-options"] == "nosniff"
    assert static.headers.get("cache-control") != "no-store"


def test_no_page_draws_an_inline_script(workspace: Workspace) -> None:
    for url in ("/app/", "/app/customers", "/app/tariffs", "/app/tariffs/new", "/app/payments",
                "/app/operations", "/app/integrations"):
        html = workspace.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_sign_in_brings_back_every_parameter_of_the_address(
        services: Services, stranger: TestClient, web_keys: dict[Role, str]) -> None:
    wanted = "/app/customers?status=active&owes=1&sort=debt"
    first = stranger.get(wanted, follow_redirects=False)
    assert first.status_code == 303
    location = first.headers["location"]
    assert location.startswith("/app/sign-in?next=")
    assert unquote(location.removeprefix("/app/sign-in?next=")) == wanted
    form = stranger.get(location)
    assert f'name="next" value="{wanted.replace("&", "&amp;")}"' in form.text
    signed = stranger.post("/app/sign-in", data={"key": web_keys[Role.ACCOUNTANT],
                                                  "next": wanted}, follow_redirects=False)
    assert signed.headers["location"] == wanted


def test_a_sign_in_posted_from_another_site_is_refused(
        stranger: TestClient, web_keys: dict[Role, str]) -> None:
    key = web_keys[Role.ACCOUNTANT]
    for origin in ("https://evil.example", "null"):
        answer = stranger.post("/app/sign-in", data={"key": key}, headers={"origin": origin},
                               follow_redirects=False)
        assert answer.status_code == 403, origin
        assert COOKIE not in answer.headers.get("set-cookie", "")
    own = stranger.post("/app/sign-in", data={"key": key},
                        headers={"origin": "http://testserver"}, follow_redirects=False)
    assert own.status_code == 303


def test_signing_out_ends_the_session_on_the_server(
        services: Services, workspace: Workspace, web_keys: dict[Role, str]) -> None:
    html = workspace.get("/app/").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    copied = workspace.client.cookies.get(COOKIE)
    assert copied
    out = workspace.client.post("/app/sign-out", data={"csrf_token": csrf.group(1)},
                                follow_redirects=False)
    assert out.status_code == 303
    with TestClient(create_app(services), raise_server_exceptions=False) as other:
        other.cookies.set(COOKIE, copied)
        replayed = other.get("/app/", follow_redirects=False)
        assert replayed.status_code == 303
        assert replayed.headers["location"].startswith("/app/sign-in")
        other.cookies.clear()
        assert other.post("/app/sign-in", data={"key": web_keys[Role.ACCOUNTANT]},
                          follow_redirects=False).status_code == 303
        assert other.get("/app/", follow_redirects=False).status_code == 200


def test_secure_cookies_can_be_forced_behind_a_tls_proxy(
        services: Services, web_keys: dict[Role, str]) -> None:
    from dataclasses import replace

    services.settings = replace(services.settings, secure_cookies=True)
    with TestClient(create_app(services)) as client:
        signed = client.post("/app/sign-in", data={"key": web_keys[Role.ACCOUNTANT]},
                             follow_redirects=False)
        assert "secure" in signed.headers["set-cookie"].lower()


@pytest.mark.parametrize("url", ["/app/payments", "/app/payments/queue"])
def test_a_hand_made_cursor_is_answered_at_the_cursor(workspace: Workspace, url: str) -> None:
    for cursor in (encode_cursor(["x", "y"]), "%%%", encode_cursor([1])):
        answer = workspace.get(url, params={"cursor": cursor})
        assert answer.status_code == 422, (cursor, answer.text)
        assert "cursor" in answer.text


@pytest.mark.parametrize(("currency", "minor", "shown"), [
    ("RUB", 123456, "RUB 1,234.56"), ("KWD", 1234567, "KWD 1,234.567"),
    ("JPY", 1234, "JPY 1,234")])
def test_english_money_has_the_currencys_own_decimals(currency: str, minor: int,
                                                      shown: str) -> None:
    assert Formats("en").money(minor, currency) == shown


def test_the_workspace_lists_are_indexed(services: Services) -> None:
    wanted = {"view_payments_position", "view_bank_payments_position",
              "view_customers_manager", "view_customers_status"}
    if services.store.dialect == "sqlite":
        rows = services.store.query("SELECT name FROM sqlite_master WHERE type = 'index'")
        names = {r["name"] for r in rows}
    else:
        rows = services.store.query("SELECT indexname FROM pg_indexes")
        names = {r["indexname"] for r in rows}
    assert wanted <= names


def test_a_change_preview_amount_is_money_in_its_currency() -> None:
    assert Formats("en").money(Formats.minor("-123.4", "KWD"), "KWD") == "KWD -123.400"
    assert Formats("ru").money(Formats.minor("1500.00", "RUB"), "RUB") == "1\xa0500,00\xa0₽"
