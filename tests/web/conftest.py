"""The workspace under test: a signed-in HTTP client, and a real browser on a live server.

Browser tests drive Debian's Chromium (``/usr/bin/chromium``) through Playwright; no browser
is ever downloaded. Where Chromium is missing the browser tests skip, except in CI, where
they must run. Screenshots go to ``test-artifacts/screenshots`` (kept by CI, not by git).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from commands.issue_api_key import IssueApiKey
from ledger.access import Role
from tests.support.dsl import send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from playwright.sync_api import Browser, Page

    from api.bootstrap import Services

ARTIFACTS = Path(os.environ.get("LBX_TEST_ARTIFACTS", "test-artifacts"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_FORM_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@pytest.fixture
def web_keys(services: Services) -> dict[Role, str]:
    """A live access key for each role."""
    return {
        role: send(services, IssueApiKey(name=f"web {role.value}", role=role)).result["token"]
        for role in Role
    }


class Workspace:
    """An HTTP client signed in to the workspace, with helpers to post its forms."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def sign_in(self, token: str) -> None:
        """Sign in with ``token`` (the session cookie stays on the client)."""
        response = self.client.post("/app/sign-in", data={"key": token, "next": "/app/"},
                                    follow_redirects=False)
        assert response.status_code == 303, response.text

    def get(self, url: str, **kwargs: Any) -> Any:
        """GET a page."""
        return self.client.get(url, **kwargs)

    def submit(self, page_url: str, action: str, data: dict[str, str],
               files: dict[str, Any] | None = None) -> Any:
        """Open ``page_url``, take its CSRF token and form key, and post ``data`` to ``action``.

        The form key is taken from the page, as a browser would send it, so a re-submit of
        the same drawn form is a retry.
        """
        html = self.client.get(page_url).text
        csrf = _CSRF.search(html)
        assert csrf, f"no CSRF token on {page_url}"
        fields = {"csrf_token": csrf.group(1)}
        key = _FORM_KEY.search(html)
        if key:
            fields["idempotency_key"] = key.group(1)
        return self.client.post(action, data={**fields, **data}, files=files,
                                follow_redirects=False)


@pytest.fixture
def workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace signed in as an accountant."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        ws.sign_in(web_keys[Role.ACCOUNTANT])
        yield ws


@pytest.fixture
def auditor_workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace signed in as an auditor."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        ws.sign_in(web_keys[Role.AUDITOR])
        yield ws


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_url(services: Services) -> Iterator[str]:
    """The workspace served by uvicorn on 127.0.0.1 for a real browser."""
    port = _free_port()
    config = uvicorn.Config(create_app(services), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI, but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser tab (its own cookies) at a desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ru-RU")
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, live_url: str, token: str) -> None:
    """Sign in through the form, as a person would."""
    page.goto(f"{live_url}/app/sign-in")
    page.get_by_label(re.compile("Ключ доступа|Access key")).fill(token)
    page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
    page.wait_for_url(re.compile(r"/app/$"))


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    target = ARTIFACTS / "screenshots" / f"{name}.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    return target
