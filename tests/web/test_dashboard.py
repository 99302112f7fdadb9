"""The dashboard: who owes us, how much, since when, who renews next, and where each figure leads.

A small company is built through commands as of 15 January 2026: Alpha owes 1 000,00 ₽
due on 1 December (45 days overdue, suspended by dunning), Bravo owes 250,00 ₽ due on
1 October (106 days) and 500,00 ₽ not yet due, Charlie paid 300,00 ₽ in January and has a
contract ending on 20 January; Bravo's subscription renews on 20 January.
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from commands.start_subscription import StartSubscription
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from tests.web.conftest import Workspace

TODAY = date(2026, 1, 15)


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, every run of spaces (no-break ones too) as one."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def links_to(page: str, text: str, *, exact: bool = False) -> list[str]:
    """The targets of every link whose visible text contains (or is) ``text``."""
    anchors = re.findall(r'<a\b[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', page, flags=re.DOTALL)
    return [html.unescape(href) for href, inner in anchors
            if (text_of(inner) == text if exact else text in text_of(inner))]


def table_rows(page: str, table_class: str) -> list[str]:
    """The text of each body row of the table with ``table_class``."""
    found = re.search(rf'<table class="{table_class}".*?</table>', page, flags=re.DOTALL)
    assert found, f"no table {table_class}"
    body = found.group(0).split("<tbody>", 1)[1]
    return [text_of(row) for row in re.findall(r"<tr.*?</tr>", body, flags=re.DOTALL)]


class Company(NamedTuple):
    """The customers of the small company."""

    alpha: UUID
    bravo: UUID
    charlie: UUID


def small_company(services: Services) -> Company:
    """Build the company of this module's docstring and bring the views up to date."""
    publish(services)
    alpha = register(services, "A-1", name="Alpha", manager="Anna", inn="7707083893")
    bravo = register(services, "B-1", name="Bravo", manager="Boris")
    charlie = register(services, "C-1", name="Charlie")
    invoice_due(services, bravo, date(2025, 10, 1), "250.00")  # issued in date order
    invoice_due(services, alpha, date(2025, 12, 1), "1000.00")
    invoice_due(services, charlie, date(2026, 1, 10), "300.00")
    invoice_due(services, bravo, date(2026, 1, 20), "500.00")
    pay(services, charlie, "300.00", date(2026, 1, 12))
    dun(services, alpha, TODAY)
    send(services, StartSubscription(customer_id=bravo, tariff_code="start",
                                     start_date=date(2025, 12, 20)))
    send(services, StartSubscription(customer_id=charlie, tariff_code="start",
                                     start_date=date(2026, 1, 2), term_end=date(2026, 1, 20),
                                     auto_renew=False))
    on(services, TODAY)
    services.await_position(services.ledger.max_position())
    return Company(alpha, bravo, charlie)


def test_debt_is_shown_by_aging_bucket_each_linking_to_its_debtors(
        services: Services, workspace: Workspace) -> None:
    small_company(services)
    page = workspace.get("/app/").text
    assert links_to(page, "1 750,00 ₽") == ["/app/debts?currency=RUB"]
    assert "/app/debts?bucket=current&currency=RUB" in links_to(page, "500,00 ₽")
    assert links_to(page, "1 000,00 ₽")[0] == "/app/debts?bucket=31-60&currency=RUB"
    assert links_to(page, "250,00 ₽") == ["/app/debts?bucket=90%2B&currency=RUB"]
    assert "/app/debts?bucket=1-30&currency=RUB" in links_to(page, "0,00 ₽")


def test_top_debtors_say_who_owes_how_much_and_since_when(
        services: Services, workspace: Workspace) -> None:
    company = small_company(services)
    page = workspace.get("/app/").text
    assert table_rows(page, "top-debtors") == [
        "Alpha 1 000,00 ₽ 1 дек. 2025 г. 45 приостановлен",
        "Bravo 750,00 ₽ 1 окт. 2025 г. 106 активен",
    ]
    assert links_to(page, "Alpha") == [f"/app/customers/{company.alpha}"]


def test_renewals_of_the_week_are_listed_and_counted_with_links(
        services: Services, workspace: Workspace) -> None:
    company = small_company(services)
    page = workspace.get("/app/").text
    assert table_rows(page, "renewing") == ["20 янв. 2026 г. Bravo start 1 да"]
    assert set(links_to(page, "Bravo")) == {f"/app/customers/{company.bravo}"}
    assert "/app/renewals?within=7" in links_to(page, "Продлений в ближайшие 7 дн.")
    assert "/app/renewals?within=30" in links_to(page, "Продлений в ближайшие 30 дн.")


def test_this_months_mrr_movements_and_money_in_and_out(
        services: Services, workspace: Workspace) -> None:
    small_company(services)
    text = text_of(workspace.get("/app/").text)
    assert "MRR, RUB 1 000,00 ₽ на начало месяца: 1 000,00 ₽" in text
    assert "Новые 1 000,00 ₽ Клиентов: 1" in text
    assert "Отток -1 000,00 ₽ Клиентов: 1" in text
    assert "Выставлено, RUB 500,00 ₽ Счетов: 1" in text
    assert "Оплачено, RUB 300,00 ₽ Платежей: 1" in text
    page = workspace.get("/app/").text
    assert links_to(page, "Оплачено, RUB") == [
        "/app/payments?date_from=2026-01-01&date_to=2026-01-31"]
    assert links_to(page, "Выставлено, RUB") == [
        "/app/analytics?currency=RUB&from=2026-01&to=2026-01"]


def test_customers_are_counted_by_status_each_linking_to_the_filtered_list(
        services: Services, workspace: Workspace) -> None:
    small_company(services)
    page = workspace.get("/app/").text
    text = text_of(page)
    assert "Все клиенты 3" in text
    assert "Активен 2" in text
    assert "Приостановлен 1" in text
    assert links_to(page, "Приостановлен 1") == ["/app/customers?status=suspended"]
    assert links_to(page, "Все клиенты") == ["/app/customers"]


def test_an_empty_ledger_says_so_instead_of_showing_zeros(workspace: Workspace) -> None:
    text = text_of(workspace.get("/app/").text)
    assert "Никто нам ничего не должен." in text
    assert "В ближайшие 7 дн. продлений нет." in text


def test_an_auditor_reads_the_dashboard(services: Services,
                                        auditor_workspace: Workspace) -> None:
    small_company(services)
    answer = auditor_workspace.get("/app/")
    assert answer.status_code == 200
    assert "Alpha" in answer.text


def test_the_dashboard_speaks_english_on_request(services: Services,
                                                 workspace: Workspace) -> None:
    small_company(services)
    workspace.get("/app/language/en?next=/app/")
    text = text_of(workspace.get("/app/").text)
    assert "Who owes us" in text
    assert "Total debt, RUB RUB 1,750.00 Debtors: 2" in text
    assert "Alpha RUB 1,000.00 Dec 1, 2025 45 suspended" in text


def test_the_headline_debt_is_the_net_debt_and_ties_to_the_customer_list(
        services: Services, workspace: Workspace) -> None:
    """A credit not applied to an invoice lowers what Alpha owes; the headline says so and
    the aging of open invoices beside it says why the two differ."""
    from commands.record_adjustment import RecordAdjustment
    from projections import queries

    company = small_company(services)
    send(services, RecordAdjustment(customer_id=company.alpha, amount="-200.00",
                                    currency="RUB", reason="Goodwill credit for an outage"))
    services.await_position(services.ledger.max_position())
    page = workspace.get("/app/").text
    (net,) = [r["debt"] for r in queries.debt_totals(services.store) if r["currency"] == "RUB"]
    assert net == 155000
    assert links_to(page, "1 550,00 ₽") == ["/app/debts?currency=RUB"]
    text = text_of(page)
    assert "Открытые счета по дням просрочки: 1 750,00 ₽" in text
    assert "кредиты и корректировки, не зачтённые в счета: -200,00 ₽" in text


def test_a_contract_that_ends_without_renewing_is_not_a_renewal(
        services: Services, workspace: Workspace) -> None:
    """Delta's fixed term ends on 20 January, the day its next period would start: it is a
    contract end, listed once, and not counted among the week's renewals."""
    small_company(services)
    on(services, date(2025, 12, 20))
    delta = register(services, "D-1", name="Delta")
    send(services, StartSubscription(customer_id=delta, tariff_code="start",
                                     start_date=date(2025, 12, 20), term_end=date(2026, 1, 20),
                                     auto_renew=False))
    on(services, TODAY)
    services.await_position(services.ledger.max_position())
    page = workspace.get("/app/").text
    assert table_rows(page, "renewing") == ["20 янв. 2026 г. Bravo start 1 да"]
    assert links_to(page, "Продлений в ближайшие 7 дн.") == ["/app/renewals?within=7"]
    assert "Продлений в ближайшие 7 дн. 1" in text_of(page)
    calendar = text_of(workspace.get("/app/renewals?within=7").text)
    assert calendar.count("Delta") == 1
