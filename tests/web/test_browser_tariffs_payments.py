"""Tariffs and payments in a real browser: publishing a version, working the bank queue.

Each test drives Debian's Chromium through the pages as a person would, and leaves
screenshots of the main pages (on the demo company) in ``test-artifacts/screenshots``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from api.demo import load_demo
from ledger.access import Role
from ledger.tariffs import Tariff, tariff_id_for
from tests.support.bank import paid, statement
from tests.unit.bankfiles.samples import OUR_ACCOUNT
from tests.web.conftest import screenshot, sign_in

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from api.bootstrap import Services


@pytest.fixture
def demo(services: Services) -> Services:
    """The demo company a newcomer sees, with the views caught up."""
    assert load_demo(services, services.runtime.clock.today())
    services.settings = replace(services.settings, own_accounts=(OUR_ACCOUNT,))
    services.await_position(services.ledger.max_position())
    return services


def _english(page: Page, live_url: str) -> None:
    page.goto(f"{live_url}/app/language/en?next=/app/tariffs")


def test_an_admin_publishes_a_new_version_with_the_live_calculator(
        demo: Services, web_keys: dict[Role, str], live_url: str, page: Page) -> None:
    sign_in(page, live_url, web_keys[Role.ADMIN])
    page.goto(f"{live_url}/app/tariffs")
    page.get_by_role("heading", name="Тарифы").wait_for()  # Russian: what a newcomer sees
    screenshot(page, "tariffs-catalog")
    _english(page, live_url)
    page.get_by_role("link", name="business", exact=True).click()
    page.wait_for_url(re.compile(r"/app/tariffs/business$"))
    page.get_by_label("Units of usage (or amount for a percentage)").fill("150000")
    page.get_by_label("Seats").fill("5")
    total = page.locator('[data-total="1"]')
    total.filter(has_text="RUB 13,359.00").wait_for()  # updated by the script, no reload
    screenshot(page, "tariffs-business")
    page.get_by_role("link", name="New version").click()
    page.wait_for_url(re.compile(r"/new-version$"))
    page.locator("#f-c0_price").fill("1090.00")  # the seats component
    page.get_by_label("Units of usage (or amount for a percentage)").fill("150000")
    page.get_by_label("Seats", exact=True).fill("5")
    page.locator('[data-code="seats"]').filter(has_text="RUB 5,450.00").wait_for()
    gross = page.locator('[data-total="gross"]')
    assert gross.inner_text() == "RUB 13,969.00"  # (5,450 + 6,000) × 1.22
    assert page.locator("[data-models='package']").first.is_hidden()  # script hides the rest
    screenshot(page, "tariffs-form-with-calculator")
    page.get_by_role("button", name="Publish the new version").click()
    page.wait_for_url(re.compile(r"/app/tariffs/business$"))
    assert "business: version 2 is published." in page.locator("p.notice").inner_text()
    versions = demo.ledger.load(tariff_id_for("business"), Tariff).state.versions
    assert versions[2].components[0].price == Decimal("1090.00")
    assert versions[1].components[0].price == Decimal("990.00")


def test_an_accountant_uploads_a_statement_and_resolves_a_queued_payment(
        demo: Services, web_keys: dict[Role, str], live_url: str, page: Page,
        tmp_path: Path) -> None:
    file = tmp_path / "kl_to_1c.txt"
    file.write_bytes(statement(paid("41", "19900.00", "Оплата по договору 12",
                                    inn="5000000000")))
    sign_in(page, live_url, web_keys[Role.ACCOUNTANT])
    page.goto(f"{live_url}/app/payments")
    page.get_by_role("heading", name="Платежи").wait_for()  # Russian: what a newcomer sees
    screenshot(page, "payments-register")
    page.goto(f"{live_url}/app/language/en?next=/app/payments")
    page.get_by_role("link", name="Bank statements").click()
    page.get_by_label("Statement file").set_input_files(str(file))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/app/operations/jobs/[0-9a-f]+$"))  # the import's job
    page.get_by_role("heading", name=re.compile("Import report")).wait_for()
    assert page.locator('[data-count="unmatched"]').inner_text() == "1"
    screenshot(page, "payments-import-report")
    page.get_by_role("link", name="This file's lines as they stand now").click()
    page.get_by_role("link", name=re.compile("Unmatched queue")).click()
    screenshot(page, "payments-unmatched-queue")
    page.get_by_role("link", name=re.compile("Resolve or dismiss")).click()
    screenshot(page, "payments-bank-line")
    page.get_by_label("Customer's external key").fill("CRM-1002")
    page.get_by_label("Reason").first.fill("Оплата за ООО «Василёк» по письму от 14.01")
    page.get_by_role("button", name="Record the payment").click()
    page.wait_for_url(re.compile(r"/app/payments/queue$"))
    assert "The payment is recorded" in page.locator("p.notice").inner_text()
    assert "The queue is empty" in page.content()
    page.goto(f"{live_url}/app/payments?customer=CRM-1002")
    assert page.get_by_text("RUB 19,900.00").count() == 1


def test_the_calculator_never_pastes_the_sign_in_page_after_the_session_ends(
        demo: Services, web_keys: dict[Role, str], live_url: str, page: Page) -> None:
    sign_in(page, live_url, web_keys[Role.ACCOUNTANT])
    _english(page, live_url)
    page.goto(f"{live_url}/app/tariffs/business")
    page.get_by_label("Units of usage (or amount for a percentage)").fill("150000")
    page.get_by_label("Seats").fill("5")
    total = page.locator('[data-total="1"]')
    total.filter(has_text="RUB 13,359.00").wait_for()
    page.context.clear_cookies()  # the session has ended; the page is still open
    page.get_by_label("Seats").fill("6")
    page.wait_for_timeout(1500)
    assert page.locator('input[name="key"]').count() == 0  # no sign-in form pasted in
    assert "RUB 13,359.00" in total.first.inner_text()
