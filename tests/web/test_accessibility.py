"""Accessibility basics, checked by axe-core in Chromium on every main page of the demo.

axe-core (bundled by ``axe-playwright-python``, nothing downloaded) checks labels on form
fields, contrast, headings, landmarks, link names, table headers and ARIA use. A page passes
when axe finds no violation it rates serious or critical.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from axe_playwright_python.sync_playwright import Axe

from api.demo import demo_token, load_demo
from ledger.access import Role
from projections import queries
from tests.web.conftest import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from api.bootstrap import Services

TODAY = date(2026, 1, 15)
PAGES = ("/app/", "/app/customers", "/app/debts", "/app/renewals", "/app/tariffs",
         "/app/tariffs/new", "/app/payments", "/app/analytics", "/app/audit",
         "/app/operations", "/app/integrations", "/app/invoices")
BLOCKING = {"serious", "critical"}


def _blocking(result: Any) -> list[str]:
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            f"{[node['target'] for node in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in BLOCKING]


def test_every_main_page_passes_axe(services: Services, live_url: str, page: Page) -> None:
    assert load_demo(services, TODAY)
    services.await_position(services.ledger.max_position())
    customer = queries.customers(services.store, search="Ромашка").items[0]["customer_id"]
    axe = Axe()
    page.goto(f"{live_url}/app/sign-in")
    problems = {"/app/sign-in": _blocking(axe.run(page))}
    sign_in(page, live_url, demo_token(Role.ACCOUNTANT))
    for path in (*PAGES, f"/app/customers/{customer}", f"/app/audit/{customer}"):
        page.goto(f"{live_url}{path}")
        problems[path] = _blocking(axe.run(page))
    assert not {path: found for path, found in problems.items() if found}
