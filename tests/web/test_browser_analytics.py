"""In a real browser, on the demo company: analytics draws, a bill run is followed to its end."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import FilePayload

from api.demo import demo_token, load_demo
from ledger.access import Role
from tests.web.conftest import screenshot, sign_in

CUSTOMERS = """\
Наименование;ИНН;Внешний ключ
ООО Новый клиент;7707049388;NEW-1
ООО Ошибка;7707049389;NEW-2
"""

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from api.bootstrap import Services


def test_a_newcomer_reads_analytics_and_follows_a_bill_run(
        services: Services, live_url: str, page: Page) -> None:
    assert load_demo(services, services.runtime.clock.today())
    services.runner.catch_up()
    sign_in(page, live_url, demo_token(Role.ACCOUNTANT))

    page.get_by_role("link", name="Аналитика").click()
    page.wait_for_url(re.compile(r"/app/analytics$"))
    assert page.get_by_role("heading", name="Аналитика", level=1).is_visible()
    charts = page.locator("svg[role=img]")
    assert charts.count() == 5
    assert page.get_by_role("img", name="MRR и ARR").is_visible()
    assert page.locator("#t-mrr tbody tr").count() == 12
    screenshot(page, "analytics")

    page.get_by_role("link", name="Операции").click()
    page.wait_for_url(re.compile(r"/app/operations$"))
    screenshot(page, "operations")
    page.get_by_label("Выставить всё, что наступило к").fill("2026-01-15")
    page.get_by_role("button", name="Запустить выставление").click()
    page.wait_for_url(re.compile(r"/app/operations/jobs/\w+$"))
    page.get_by_role("heading", name="Результат").wait_for(timeout=60_000)
    assert page.locator("#job-status").inner_text().strip() == "завершена"
    customers = int(page.locator("#r-customers").inner_text())
    assert customers > 0
    assert page.locator("#job-count").inner_text().strip() == f"{customers} / {customers}"
    screenshot(page, "operations-bill-run")

    page.get_by_role("link", name="Интеграции").click()
    page.wait_for_url(re.compile(r"/app/integrations$"))
    assert page.get_by_label("Список клиентов").is_visible()
    screenshot(page, "integrations")
    page.get_by_label("Список клиентов").set_input_files(files=FilePayload(
        name="clients.csv", mimeType="text/csv", buffer=CUSTOMERS.encode()))
    page.get_by_role("button", name="Проверить файл").click()
    assert page.locator("#c-create").inner_text() == "1"
    assert page.locator("#c-error").inner_text() == "1"
    screenshot(page, "integrations-import-preview")
    page.get_by_role("button", name="Подтвердить загрузку").click()
    page.get_by_role("heading", name="Результат").wait_for(timeout=60_000)
    assert page.locator("#r-created").inner_text() == "1"

    page.get_by_role("button", name="Выйти").click()
    sign_in(page, live_url, demo_token(Role.ADMIN))
    page.goto(f"{live_url}/app/integrations")
    assert page.get_by_role("heading", name="Адреса вебхуков", exact=True).is_visible()
    screenshot(page, "integrations-admin")
