"""Signing in to the workspace: keys, roles, sessions, CSRF and languages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from api.app import create_app
from commands.issue_api_key import RevokeApiKey
from ledger.access import Role
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace


def test_a_page_sends_a_stranger_to_sign_in_and_back(services: Services,
                                                      web_keys: dict[Role, str]) -> None:
    with TestClient(create_app(services)) as client:
        first = client.get("/app/customers?status=active", follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"].startswith("/app/sign-in?next=/app/customers")
        form = client.get(first.headers["location"])
        assert 'name="next" value="/app/customers?status=active"' in form.text
        signed = client.post("/app/sign-in", follow_redirects=False, data={
            "key": web_keys[Role.ACCOUNTANT], "next": "/app/customers?status=active"})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/app/customers?status=active"
        assert "httponly" in signed.headers["set-cookie"].lower()


def test_a_wrong_or_service_key_is_refused(services: Services,
                                           web_keys: dict[Role, str]) -> None:
    with TestClient(create_app(services)) as client:
        for key in ("nonsense", "lbx_x_y", web_keys[Role.SERVICE]):
            answer = client.post("/app/sign-in", data={"key": key}, follow_redirects=False)
            assert answer.status_code == 401
            assert "lbx_session" not in answer.headers.get("set-cookie", "")
            assert 'aria-invalid="true"' in answer.text


def test_sign_in_never_redirects_to_another_site(services: Services,
                                                 web_keys: dict[Role, str]) -> None:
    with TestClient(create_app(services)) as client:
        answer = client.post("/app/sign-in", follow_redirects=False, data={
            "key": web_keys[Role.AUDITOR], "next": "https://evil.example/app/"})
        assert answer.headers["location"] == "/app/"


def test_a_revoked_key_ends_its_session_at_once(services: Services, workspace: Workspace,
                                                web_keys: dict[Role, str]) -> None:
    assert workspace.get("/app/sign-in", follow_redirects=False).status_code == 303
    key_id = web_keys[Role.ACCOUNTANT].split("_")[1]
    send(services, RevokeApiKey(key_id=key_id, reason="left the company"))
    after = workspace.get("/app/customers", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/app/sign-in")


def test_a_forged_cookie_is_not_a_session(services: Services) -> None:
    with TestClient(create_app(services)) as client:
        client.cookies.set("lbx_session", "eyJrIjoiYWJjIn0.forged.sig")
        assert client.get("/app/", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_forms_csrf_token(workspace: Workspace) -> None:
    refused = workspace.client.post("/app/sign-out", data={"csrf_token": "guess"},
                                    follow_redirects=False)
    assert refused.status_code == 403
    done = workspace.submit("/app/", "/app/sign-out", {})
    assert done.status_code == 303
    assert workspace.get("/app/", follow_redirects=False).status_code == 303


def test_pages_speak_russian_by_default_and_english_on_request(workspace: Workspace) -> None:
    russian = workspace.get("/app/sign-in", follow_redirects=True)
    assert '<html lang="ru">' in russian.text
    assert "Клиенты" in russian.text
    workspace.get("/app/language/en?next=/app/customers")
    english = workspace.get("/app/customers")
    assert '<html lang="en">' in english.text
    assert ">Customers<" in english.text


def test_an_unknown_page_answers_in_html_and_the_api_keeps_problems(
        workspace: Workspace) -> None:
    page = workspace.get("/app/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Такой страницы нет" in page.text
    api = workspace.get("/v1/no-such-thing")
    assert api.headers["content-type"] == "application/problem+json"


def test_a_non_ascii_csrf_token_is_refused_like_any_wrong_token(workspace: Workspace) -> None:
    """``hmac.compare_digest`` raises on a non-ASCII ``str``: tokens compare as bytes."""
    for url in ("/app/sign-out", "/app/payments/import"):
        refused = workspace.client.post(url, data={"csrf_token": "ключ"},
                                        follow_redirects=False)
        assert refused.status_code == 403, url
