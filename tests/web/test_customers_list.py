"""The customer list: search, filters, sorting and pages, all done by the server."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from api.demo import inn_for
from commands.close_customer import CloseCustomer
from commands.start_subscription import StartSubscription
from tests.scenarios.support import flat_tariff
from tests.support.collections import invoice_due, on, pay
from tests.support.dsl import publish, register, send
from tests.web.test_dashboard import TODAY, links_to, table_rows

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from tests.web.conftest import Workspace


def names(page: str) -> list[str]:
    """The customer names in list order."""
    return [row.split(" ")[0] for row in table_rows(page, "customers")]


def caught_up(services: Services) -> None:
    """Bring the views up to the last event (no worker runs in tests)."""
    on(services, TODAY)
    services.await_position(services.ledger.max_position())


def three_customers(services: Services) -> dict[str, UUID]:
    """Romashka (vip) on «start» owing 1 098,00 ₽ (a 900.00 charge and its tariff's 22 % VAT),
    Vasilek on «pro», Lotos closed."""
    publish(services, "start")
    publish(services, "pro", flat_tariff("5000.00", "RUB", name="Про"))
    ids = {
        "Ромашка": register(services, "CRM-7", name="Ромашка", inn=inn_for(10), manager="Анна",
                            tags=["vip"]),
        "Василёк": register(services, "CRM-8", name="Василёк", inn=inn_for(100), manager="Борис"),
        "Лотос": register(services, "CRM-9", name="Лотос", inn=inn_for(1000), manager="Анна"),
    }
    send(services, StartSubscription(customer_id=ids["Ромашка"], tariff_code="start",
                                     start_date=date(2026, 1, 25)))
    send(services, StartSubscription(customer_id=ids["Василёк"], tariff_code="pro",
                                     start_date=date(2026, 1, 20)))
    invoice_due(services, ids["Ромашка"], date(2026, 1, 10), "900.00")
    send(services, CloseCustomer(customer_id=ids["Лотос"], reason="Договор расторгнут"))
    caught_up(services)
    return ids


def test_each_row_shows_the_customer_and_links_to_their_card(
        services: Services, workspace: Workspace) -> None:
    ids = three_customers(services)
    page = workspace.get("/app/customers").text
    assert table_rows(page, "customers") == [
        f"Василёк CRM-8 {inn_for(100)} активен pro Борис 0,00 ₽ 20 февр. 2026 г.",
        f"Лотос CRM-9 {inn_for(1000)} закрыт — Анна 0,00 ₽ —",
        f"Ромашка CRM-7 {inn_for(10)} активен start Анна 1 098,00 ₽ 25 февр. 2026 г.",
    ]
    assert links_to(page, "Ромашка") == [f"/app/customers/{ids['Ромашка']}"]


def test_a_customer_who_paid_ahead_shows_their_credit(services: Services,
                                                     workspace: Workspace) -> None:
    ahead = register(services, "CRM-1", name="Аванс")
    pay(services, ahead, "5000.00", TODAY)
    caught_up(services)
    row = table_rows(workspace.get("/app/customers").text, "customers")[0]
    assert "аванс 5 000,00 ₽" in row


def test_search_finds_by_name_in_any_case_by_inn_and_by_external_key(
        services: Services, workspace: Workspace) -> None:
    three_customers(services)
    assert names(workspace.get("/app/customers?search=ромашка").text) == ["Ромашка"]
    assert names(workspace.get("/app/customers?search=ВАСИЛЁК").text) == ["Василёк"]
    assert names(workspace.get(f"/app/customers?search={inn_for(1000)}").text) == ["Лотос"]
    assert names(workspace.get("/app/customers?search=CRM-8").text) == ["Василёк"]
    nothing = workspace.get("/app/customers?search=Кактус").text
    assert "Под эти условия не подходит ни один клиент." in nothing


def test_filters_by_status_tariff_manager_and_debt_combine(
        services: Services, workspace: Workspace) -> None:
    three_customers(services)
    assert names(workspace.get("/app/customers?status=closed").text) == ["Лотос"]
    assert names(workspace.get("/app/customers?tariff=pro").text) == ["Василёк"]
    assert names(workspace.get("/app/customers?manager=Анна").text) == ["Лотос", "Ромашка"]
    assert names(workspace.get("/app/customers?debt=1").text) == ["Ромашка"]
    assert names(workspace.get("/app/customers?tag=vip").text) == ["Ромашка"]
    assert names(workspace.get("/app/customers?manager=Анна&status=active").text) == [
        "Ромашка"]
    form = workspace.get("/app/customers?manager=Борис").text
    assert '<option value="Борис" selected>' in form
    assert '<label for="f-search">' in form


def test_sorting_by_debt_next_renewal_tariff_status_and_manager_both_ways(
        services: Services, workspace: Workspace) -> None:
    three_customers(services)
    assert names(workspace.get("/app/customers?sort=manager").text) == [
        "Лотос", "Ромашка", "Василёк"]
    assert names(workspace.get("/app/customers?sort=-manager").text)[0] == "Василёк"
    assert names(workspace.get("/app/customers?sort=-debt").text)[0] == "Ромашка"
    assert names(workspace.get("/app/customers?sort=renewal").text) == [
        "Василёк", "Ромашка", "Лотос"]
    assert names(workspace.get("/app/customers?sort=-renewal").text) == [
        "Ромашка", "Василёк", "Лотос"]
    assert names(workspace.get("/app/customers?sort=tariff").text) == [
        "Василёк", "Ромашка", "Лотос"]
    assert names(workspace.get("/app/customers?sort=-status").text)[0] == "Лотос"
    page = workspace.get("/app/customers?sort=debt&debt=1").text
    assert links_to(page, "Долг", exact=True) == ["/app/customers?sort=-debt&debt=1&page=1"]


def test_pages_hold_fifty_customers_and_link_to_the_next(
        services: Services, workspace: Workspace) -> None:
    for n in range(53):
        register(services, f"K-{n:03d}", name=f"Client {n:03d}")
    caught_up(services)
    first = workspace.get("/app/customers").text
    assert len(names(first)) == 50
    assert "Найдено: 53" in first
    assert links_to(first, "Вперёд") == ["/app/customers?page=2"]
    second = workspace.get("/app/customers?page=2").text
    assert [row.split(" ")[1] for row in table_rows(second, "customers")] == [
        "050", "051", "052"]
    assert not links_to(second, "Вперёд")
    assert links_to(second, "Назад") == ["/app/customers?page=1"]


def test_a_value_the_list_does_not_know_answers_422_in_html(workspace: Workspace) -> None:
    answer = workspace.get("/app/customers?sort=favourite")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert workspace.get("/app/customers?page=0").status_code == 422


def test_an_auditor_reads_the_list(services: Services, auditor_workspace: Workspace) -> None:
    three_customers(services)
    page = auditor_workspace.get("/app/customers?debt=1").text
    assert names(page) == ["Ромашка"]
    assert not re.search(r"<form[^>]*method=\"post\"[^>]*action=\"/app/customers", page)
