"""A newcomer's first minute on the demo company, in a real browser.

Sign in, read the dashboard, follow the oldest debt to its debtors, find a customer by
name, look at the renewal calendar; a screenshot of each page is kept as a test artifact.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from api.demo import demo_token, load_demo
from ledger.access import Role
from tests.web.conftest import screenshot, sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from api.bootstrap import Services

TODAY = date(2026, 1, 15)


def test_a_newcomer_finds_who_owes_and_who_renews(services: Services, live_url: str,
                                                  page: Page) -> None:
    assert load_demo(services, TODAY)
    services.await_position(services.ledger.max_position())
    sign_in(page, live_url, demo_token(Role.ACCOUNTANT))

    assert page.get_by_role("heading", name="Кто нам должен").is_visible()
    assert page.locator("table.top-debtors tbody tr").count() == 10
    screenshot(page, "overview-dashboard")

    page.get_by_role("link", name=re.compile("Более 90 дней")).first.click()
    page.wait_for_url(re.compile(r"/app/debts\?bucket=90%2B&currency=RUB$"))
    debtors = page.locator("table.debtors tbody tr")
    assert debtors.count() > 0
    assert page.get_by_label("Дней просрочки").input_value() == "90+"
    screenshot(page, "overview-debts")

    page.get_by_role("link", name="Клиенты", exact=True).click()
    page.get_by_label("Название, ИНН или внешний ключ").fill("ромашка")
    page.get_by_label("Название, ИНН или внешний ключ").press("Enter")
    page.wait_for_url(re.compile(r"search=%D1%80"))
    rows = page.locator("table.customers tbody tr")
    assert rows.count() == 1
    assert 'ООО "Ромашка"' in rows.first.inner_text()
    page.get_by_role("link", name="Сбросить отбор").click()
    assert page.locator("table.customers tbody tr").count() == 50
    screenshot(page, "overview-customers")

    page.get_by_role("link", name="Продления", exact=True).click()
    page.wait_for_url(re.compile(r"/app/renewals$"))
    assert page.locator("table.calendar tbody tr").count() > 0
    screenshot(page, "overview-renewals")


UNLABELLED = """() => [...document.querySelectorAll('main input:not([type=hidden]), main select')]
    .filter(control => control.labels.length === 0).map(control => control.name)"""


def test_every_filter_field_has_a_label(services: Services, live_url: str, page: Page) -> None:
    assert load_demo(services, TODAY)
    services.await_position(services.ledger.max_position())
    sign_in(page, live_url, demo_token(Role.AUDITOR))
    for path in ("/app/", "/app/customers", "/app/debts", "/app/renewals"):
        page.goto(f"{live_url}{path}")
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("main table th:not([scope])").count() == 0, path


def test_the_dashboard_is_usable_from_the_keyboard(services: Services, live_url: str,
                                                   page: Page) -> None:
    assert load_demo(services, TODAY)
    services.await_position(services.ledger.max_position())
    sign_in(page, live_url, demo_token(Role.AUDITOR))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    target = None
    for _ in range(40):
        page.keyboard.press("Tab")
        href = page.evaluate("document.activeElement.getAttribute('href') || ''")
        if href.startswith("/app/debts?bucket="):
            target = href
            break
    assert target == "/app/debts?bucket=current&currency=RUB"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/app/debts\?bucket=current"))
