"""In a real browser, on the demo company: an accountant records a payment from the card and
sees the debt fall; an auditor sees the same card without a single write control, and a
forged POST from their session is refused. Screenshots of the card and the audit trail.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from uuid import UUID

from api.demo import DemoCompany
from ledger.access import Role
from projections import queries
from tests.web.conftest import screenshot, sign_in
from tests.web.test_customer_card import caught_up

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from api.bootstrap import Services



def demo_debtor(services: Services) -> tuple[UUID, str]:
    """The demo customer who owes the most, and their name."""
    DemoCompany.for_services(services, services.runtime.clock.today()).load()
    caught_up(services)
    debtor = queries.debts(services.store, currency="RUB", limit=1).items[0]
    return UUID(debtor["customer_id"]), debtor["name"]


def demo_customer_with_conditions(services: Services) -> UUID:
    """A demo customer with an individual price (the demo agrees one)."""
    for customer_id in services.ledger.customer_ids():
        state = services.ledger.customer(customer_id).state
        if any(sub.overrides for sub in state.subscriptions.values()):
            return customer_id
    raise AssertionError("the demo agrees an individual price with one customer")


def debt_on_card(page: Page) -> str:
    return page.locator("#balance-title + .table-wrap td.debt").first.inner_text()


def test_an_accountant_records_a_payment_and_the_debt_falls(
        services: Services, live_url: str, page: Page, web_keys: dict[Role, str]) -> None:
    customer_id, name = demo_debtor(services)
    sign_in(page, live_url, web_keys[Role.ACCOUNTANT])

    page.goto(f"{live_url}/app/audit")
    page.get_by_label(re.compile("Наименование клиента")).fill(name)
    page.get_by_role("button", name="Найти").click()
    page.get_by_role("link", name=re.compile(f"Открыть карточку\\s+{re.escape(name)}")).click()
    page.wait_for_url(f"**/app/customers/{customer_id}")
    debt_before = debt_on_card(page)
    screenshot(page, "customer-card")

    page.get_by_text("Записать платёж", exact=True).first.click()  # opens the form
    page.locator("#payment-amount").fill("100.00")
    page.locator("#payment-reference").fill("п/п 501")
    page.get_by_role("button", name="Записать платёж").click()

    page.wait_for_url(f"**/app/customers/{customer_id}")
    assert page.get_by_role("status").filter(has_text="Платёж записан.").is_visible()
    assert debt_on_card(page) != debt_before
    assert page.get_by_text("п/п 501").first.is_visible()

    page.goto(f"{live_url}/app/audit/{customer_id}")
    screenshot(page, "audit-trail")


def test_an_auditor_sees_no_write_controls_and_a_forged_post_is_refused(
        services: Services, live_url: str, browser: Browser, web_keys: dict[Role, str]) -> None:
    customer_id, _ = demo_debtor(services)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="ru-RU")
    page = context.new_page()
    try:
        sign_in(page, live_url, web_keys[Role.AUDITOR])
        page.goto(f"{live_url}/app/customers/{customer_id}")

        assert page.locator("details.action").count() == 0
        assert page.locator("form[method=post]").count() == 1  # signing out, nothing else
        screenshot(page, "customer-card-auditor")

        version = services.ledger.customer(customer_id, fresh=True).version
        csrf = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        forged = page.request.post(
            f"{live_url}/app/customers/{customer_id}/actions/payment",
            form={"csrf_token": csrf, "idempotency_key": "forged-1", "amount": "1.00",
                  "currency": "RUB"}, max_redirects=0)
        assert forged.status == 403
        assert services.ledger.customer(customer_id, fresh=True).version == version

        special = demo_customer_with_conditions(services)
        page.goto(f"{live_url}/app/customers/{special}")
        assert page.locator("td .condition").count() >= 1
        screenshot(page, "customer-card-conditions")

        page.goto(f"{live_url}/app/customers/{customer_id}?as_of=2025-10-01")
        assert page.locator(".as-of-banner").is_visible()
        screenshot(page, "customer-card-as-of")
    finally:
        context.close()
