"""Debts (aging, the debtors in each bucket, the register as a file) and the renewal calendar.

The company is the dashboard's (``tests/web/test_dashboard.py``), plus Delta, who is billed
in dollars and owes 100,00 $ due on 5 January (10 days overdue).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest

from tests.support.collections import invoice_due, on
from tests.support.dsl import register
from tests.web.test_dashboard import TODAY, links_to, small_company, table_rows, text_of

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace


def with_dollars(services: Services) -> None:
    """The small company and Delta, a customer billed in dollars."""
    small_company(services)
    delta = register(services, "D-1", name="Delta", currency="USD")
    invoice_due(services, delta, date(2026, 1, 5), "100.00")
    on(services, TODAY)
    services.await_position(services.ledger.max_position())


def test_the_aging_table_sums_each_bucket_per_currency(
        services: Services, workspace: Workspace) -> None:
    with_dollars(services)
    page = workspace.get("/app/debts").text
    assert table_rows(page, "aging") == [
        "RUB 500,00 ₽ 0,00 ₽ 1 000,00 ₽ 0,00 ₽ 250,00 ₽ 1 750,00 ₽ 2",
        "USD 0,00 $ 100,00 $ 0,00 $ 0,00 $ 0,00 $ 100,00 $ 1",
    ]
    assert links_to(page, "1 000,00 ₽") == ["/app/debts?bucket=31-60&currency=RUB"]
    assert links_to(page, "100,00 $") == ["/app/debts?bucket=1-30&currency=USD",
                                          "/app/debts?currency=USD"]


def test_a_bucket_drills_down_to_its_debtors_with_dunning_stage_and_oldest_debt(
        services: Services, workspace: Workspace) -> None:
    with_dollars(services)
    overdue = workspace.get("/app/debts?bucket=31-60&currency=RUB").text
    assert table_rows(overdue, "debtors") == [
        "Alpha A-1 приостановлен Обслуживание приостановлено 15 янв. 2026 г."
        " 1 000,00 ₽ 1 000,00 ₽ 1 000,00 ₽ 1 1 дек. 2025 г. 45",
    ]
    oldest = workspace.get("/app/debts?bucket=90%2B").text
    assert table_rows(oldest, "debtors") == [
        "Bravo B-1 активен — 250,00 ₽ 750,00 ₽ 750,00 ₽ 2 1 окт. 2025 г. 106",
    ]
    assert '<option value="90+" selected>' in oldest


def test_the_currency_filter_keeps_one_currency(services: Services,
                                                workspace: Workspace) -> None:
    with_dollars(services)
    dollars = workspace.get("/app/debts?currency=USD").text
    assert [row.split(" ")[0] for row in table_rows(dollars, "debtors")] == ["Delta"]
    everyone = workspace.get("/app/debts").text
    assert [row.split(" ")[0] for row in table_rows(everyone, "debtors")] == [
        "Alpha", "Bravo", "Delta"]


def test_the_debt_register_downloads_as_csv_and_xlsx(services: Services,
                                                     workspace: Workspace) -> None:
    with_dollars(services)
    page = workspace.get("/app/debts?currency=RUB").text
    assert links_to(page, "CSV") == ["/app/debts/export.csv?currency=RUB"]
    csv = workspace.get("/app/debts/export.csv?currency=RUB")
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    lines = csv.text.splitlines()
    assert lines[0].startswith("as_of,customer_id,external_key,customer,status,currency")
    assert any(",A-1,Alpha,suspended,RUB,0.00,0.00,1000.00,0.00,0.00,0.00,1000.00" in x
               for x in lines)
    assert not any("Delta" in x for x in lines)
    xlsx = workspace.get("/app/debts/export.xlsx")
    assert xlsx.content.startswith(b"PK")


def test_a_bucket_the_page_does_not_know_answers_422(workspace: Workspace) -> None:
    assert workspace.get("/app/debts?bucket=forever").status_code == 422
    assert workspace.get("/app/debts?currency=roubles").status_code == 422


def test_the_calendar_groups_renewals_and_contract_ends_by_day(
        services: Services, workspace: Workspace) -> None:
    company = small_company(services)
    page = workspace.get("/app/renewals").text
    assert "вторник, 20 января 2026 г." in text_of(page)
    assert table_rows(page, "calendar") == [
        "Продление Bravo B-1 start 1 да —",
        "Окончание договора Charlie C-1 start 1 нет 20 янв. 2026 г.",
    ]
    assert set(links_to(page, "Charlie")) == {f"/app/customers/{company.charlie}"}


def test_the_calendar_filters_by_auto_renewal_tariff_and_dates(
        services: Services, workspace: Workspace) -> None:
    small_company(services)

    def whom(query: str) -> list[str]:
        page = workspace.get(f"/app/renewals?{query}").text
        return re.findall(r'<th scope="row"><a href="/app/customers/[^"]+">(\w+)</a>', page)

    assert whom("auto=no") == ["Charlie"]
    assert whom("auto=yes") == ["Bravo"]
    assert whom("tariff=pro") == []
    assert whom("from=2026-01-01&to=2026-01-19") == []
    assert whom("within=7") == ["Bravo", "Charlie"]
    assert whom("from=2026-01-20&to=2026-01-20") == ["Bravo", "Charlie"]


def test_a_date_typed_wrong_is_shown_at_its_field(workspace: Workspace) -> None:
    answer = workspace.get("/app/renewals?from=2026-02-30")
    assert answer.status_code == 422
    assert 'id="f-from"' in answer.text
    assert 'aria-invalid="true" aria-describedby="e-from"' in answer.text
    assert "Укажите дату в виде ГГГГ-ММ-ДД." in answer.text
    backwards = workspace.get("/app/renewals?from=2026-03-01&to=2026-02-01")
    assert backwards.status_code == 422
    assert "Конец периода раньше начала." in backwards.text


def test_an_auditor_reads_debts_renewals_and_the_register(
        services: Services, auditor_workspace: Workspace) -> None:
    small_company(services)
    assert "Alpha" in auditor_workspace.get("/app/debts").text
    assert "Bravo" in auditor_workspace.get("/app/renewals").text
    assert auditor_workspace.get("/app/debts/export.csv").status_code == 200


def test_debtors_come_fifty_to_a_page_largest_first(services: Services,
                                                    workspace: Workspace) -> None:
    for n in range(52):
        debtor = register(services, f"P-{n:02d}", name=f"Debtor{n:02d}")
        invoice_due(services, debtor, date(2026, 1, 5), f"{100 + n}.00")
    on(services, TODAY)
    services.await_position(services.ledger.max_position())
    first = workspace.get("/app/debts").text
    assert "Найдено: 52" in first
    assert len(table_rows(first, "debtors")) == 50
    assert table_rows(first, "debtors")[0].startswith("Debtor51 P-51")
    assert links_to(first, "Вперёд") == ["/app/debts?page=2"]
    second = workspace.get("/app/debts?page=2").text
    assert [row.split(" ")[0] for row in table_rows(second, "debtors")] == [
        "Debtor01", "Debtor00"]


@pytest.mark.parametrize("query", ["from=9999-12-31", "within=3660&from=9999-01-01"])
def test_a_window_past_the_last_date_ends_on_the_last_date(
        workspace: Workspace, query: str) -> None:
    answer = workspace.get(f"/app/renewals?{query}")
    assert answer.status_code == 200
    assert "9999" in answer.text
