"""The analytics page: the figures in its tables are the API's, and every chart is an SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from api.web.i18n import Formats
from api.web.pages.analytics import ReportCache
from commands.issue_credit_note import IssueCreditNote
from commands.record_payment import RecordPayment
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from ledger.access import Role
from ledger.money import Money
from tests.scenarios.support import flat_tariff
from tests.support.collections import on
from tests.support.dsl import MONTHLY_1000, publish, register, send

if TYPE_CHECKING:
    import pytest

    from api.bootstrap import Services
    from tests.web.conftest import Workspace

RU = Formats("ru")
CHARTS = ("chart-mrr", "chart-movements", "chart-revenue", "chart-collection", "chart-days")


class Tables(HTMLParser):
    """Every table of a page by id: its rows as (row key, [cell texts])."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[str, list[str]]]] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._key = ""
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        table_id = found.get("id")
        if tag == "table" and table_id:
            self._table = table_id
            self.tables[table_id] = []
        elif tag == "tr" and self._table:
            self._row = []
            self._key = found.get("data-month") or found.get("data-tariff") or ""
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"} and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append((self._key, self._row))
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def keyed(self, table: str) -> dict[str, list[str]]:
        """The rows of ``table`` that carry a key (month or tariff), by key."""
        return {key: cells for key, cells in self.tables[table] if key}


def money(amount: str, currency: str = "RUB") -> str:
    """An API amount as the page writes it (Russian by default)."""
    return " ".join(RU.money(Money.parse(amount, currency).minor, currency).split())


def bill(services: Services, day: date) -> None:
    on(services, day)
    run_billing(RunBilling(as_of=day), bill_run_context("test"), services.runtime,
                list(services.ledger.customer_ids()))


def pay(services: Services, customer: Any, amount: str, day: date) -> None:
    on(services, day)
    send(services, RecordPayment(customer_id=customer, amount=amount, currency="RUB"))


def a_quarter_of_business(services: Services) -> None:
    """A on 1000.00 + 22 % VAT a month from November 2025, B on 3000.00 (no VAT) from December.

    A pays November's invoice after 5 days and December's after 10; B pays half of
    December's; nobody has paid January's yet. The clock ends on 15 January 2026.
    """
    publish(services, "start", MONTHLY_1000)
    publish(services, "pro", flat_tariff("3000.00", "RUB", name="Про"))
    first = register(services, "A-1", name="ООО Альфа")
    second = register(services, "B-2", name="ООО Бета")
    send(services, StartSubscription(customer_id=first, tariff_code="start",
                                     start_date=date(2025, 11, 1), anchor_day=1))
    send(services, StartSubscription(customer_id=second, tariff_code="pro",
                                     start_date=date(2025, 12, 1), anchor_day=1))
    bill(services, date(2025, 11, 1))
    pay(services, first, "1220.00", date(2025, 11, 6))
    bill(services, date(2025, 12, 1))
    pay(services, first, "1220.00", date(2025, 12, 11))
    pay(services, second, "1500.00", date(2025, 12, 20))
    bill(services, date(2026, 1, 1))
    on(services, date(2026, 1, 15))
    services.runner.catch_up()


def api(workspace: Workspace, token: str, url: str) -> list[dict[str, Any]]:
    answer = workspace.get(url, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_mrr_tables_show_the_reports_figures(services: Services, workspace: Workspace,
                                             web_keys: dict[Role, str]) -> None:
    a_quarter_of_business(services)
    page = workspace.get("/app/analytics?from=2025-10&to=2026-01&currency=RUB")
    assert page.status_code == 200
    tables = Tables(page.text)
    token = web_keys[Role.ACCOUNTANT]
    series = api(workspace, token, "/v1/reports/mrr/series?from=2025-10&to=2026-01")
    mrr = tables.keyed("t-mrr")
    assert sorted(mrr) == ["2025-10", "2025-11", "2025-12", "2026-01"]
    for row in series:
        assert mrr[row["month"]][1:] == [money(row["mrr"]), money(row["arr"])]
    assert mrr["2026-01"][1] == money("4000.00")  # 1000.00 + 3000.00, VAT excluded
    movements = tables.keyed("t-movements")
    for row in api(workspace, token, "/v1/reports/mrr?from=2025-10&to=2026-01"):
        cells = movements[row["month"]]
        assert cells[1].startswith(money(row["opening"]))
        assert cells[2].startswith(money(row["new"]))
        assert cells[-1] == money(row["closing"])
    assert movements["2025-12"][2] == f"{money('3000.00')} (1)"  # one new customer


def test_revenue_by_tariff_adds_up_the_reports_months(services: Services,
                                                      workspace: Workspace,
                                                      web_keys: dict[Role, str]) -> None:
    a_quarter_of_business(services)
    page = workspace.get("/app/analytics?from=2025-11&to=2026-01")
    rows = api(workspace, web_keys[Role.ACCOUNTANT],
               "/v1/reports/revenue-by-tariff?from=2025-11-01&to=2026-01-31")
    expected: dict[str, int] = {}
    for row in rows:
        expected[row["tariff_code"]] = (expected.get(row["tariff_code"], 0)
                                        + Money.parse(row["net"], "RUB").minor)
    revenue = Tables(page.text).keyed("t-revenue")
    assert {code: cells[1] for code, cells in revenue.items()} == {
        code: " ".join(RU.money(minor, "RUB").split()) for code, minor in expected.items()}
    assert revenue["start"][1] == money("3000.00")  # three months of 1000.00
    assert revenue["pro"][1] == money("6000.00")  # December and January


def test_collection_rate_and_days_to_pay_follow_the_payments(services: Services,
                                                             workspace: Workspace) -> None:
    a_quarter_of_business(services)
    tables = Tables(workspace.get("/app/analytics?from=2025-11&to=2026-01").text)
    collection = tables.keyed("t-collection")
    assert collection["2025-11"][1:] == [money("1220.00"), money("1220.00"), "100 %"]
    # December: 1220.00 + 3000.00 (no VAT) invoiced, 1220.00 + 1500.00 paid
    assert collection["2025-12"][1:] == [money("4220.00"), money("2720.00"), "64 %"]
    assert collection["2026-01"][1:] == [money("4220.00"), money("0.00"), "0 %"]
    days = tables.keyed("t-days")
    assert days["2025-11"][1:] == ["1", "5"]  # issued 1 November, paid 6 November
    assert days["2025-12"][1:] == ["1", "10"]  # only A's is fully paid, after 10 days
    assert days["2026-01"][1:] == ["0", "—"]


def test_every_chart_is_a_well_formed_svg_with_a_title_and_description(
        services: Services, workspace: Workspace) -> None:
    a_quarter_of_business(services)
    page = workspace.get("/app/analytics?from=2025-11&to=2026-01").text
    for chart_id in CHARTS:
        start = page.index(f'<title id="{chart_id}-title">')
        svg_start = page.rindex("<svg", 0, start)
        svg = page[svg_start:page.index("</svg>", start) + len("</svg>")]
        root = ET.fromstring(svg)  # noqa: S314  (our own markup)
        assert root.tag.endswith("svg")
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert root[0].tag.endswith("title")
        assert root[0].text
        assert root[1].tag.endswith("desc")
        assert "RUB" in (root[1].text or "")


def test_the_same_figures_draw_the_same_markup(services: Services,
                                               workspace: Workspace) -> None:
    a_quarter_of_business(services)
    first = workspace.get("/app/analytics?from=2025-11&to=2026-01").text
    second = workspace.get("/app/analytics?from=2025-11&to=2026-01").text
    assert first == second
    assert "<dc:date>" not in first


def test_the_default_range_is_the_last_twelve_months(services: Services,
                                                     workspace: Workspace) -> None:
    a_quarter_of_business(services)
    mrr = Tables(workspace.get("/app/analytics").text).keyed("t-mrr")
    assert next(iter(mrr)) == "2025-02"
    assert list(mrr)[-1] == "2026-01"
    assert len(mrr) == 12


def test_a_bad_month_is_named_next_to_its_field(services: Services,
                                                workspace: Workspace) -> None:
    a_quarter_of_business(services)
    wrong = workspace.get("/app/analytics?from=2025-13&to=2026-01")
    assert wrong.status_code == 422
    assert 'id="e-from"' in wrong.text
    backwards = workspace.get("/app/analytics?from=2026-01&to=2025-01")
    assert backwards.status_code == 422
    assert 'id="e-to"' in backwards.text


def test_an_auditor_reads_analytics_in_english_on_request(
        services: Services, auditor_workspace: Workspace) -> None:
    a_quarter_of_business(services)
    auditor_workspace.get("/app/language/en?next=/app/analytics")
    page = auditor_workspace.get("/app/analytics?from=2025-11&to=2026-01")
    assert page.status_code == 200
    assert "Collection rate" in page.text
    assert "RUB 4,000.00" in page.text


def test_a_new_company_sees_that_there_is_nothing_to_chart(workspace: Workspace) -> None:
    page = workspace.get("/app/analytics")
    assert page.status_code == 200
    assert "<svg" not in page.text
    assert "Пока нечего" in page.text


def test_one_payment_for_two_invoices_pays_both_on_its_day(services: Services,
                                                          workspace: Workspace) -> None:
    publish(services, "start", MONTHLY_1000)
    late = register(services, "L-1", name="ООО Поздний")
    send(services, StartSubscription(customer_id=late, tariff_code="start",
                                     start_date=date(2025, 11, 1), anchor_day=1))
    bill(services, date(2025, 11, 1))
    bill(services, date(2025, 12, 1))
    pay(services, late, "2440.00", date(2025, 12, 21))  # both invoices at once
    on(services, date(2026, 1, 15))
    services.runner.catch_up()
    days = Tables(workspace.get("/app/analytics?from=2025-11&to=2025-12").text).keyed("t-days")
    assert days["2025-11"][1:] == ["1", "50"]  # 1 November → 21 December
    assert days["2025-12"][1:] == ["1", "20"]  # 1 December → 21 December


def late_customer_with_two_invoices(services: Services) -> tuple[Any, str, str]:
    """L-1 on 1000.00 + 22 % VAT a month, billed on 1 November and 1 December 2025."""
    publish(services, "start", MONTHLY_1000)
    late = register(services, "L-1", name="ООО Поздний")
    send(services, StartSubscription(customer_id=late, tariff_code="start",
                                     start_date=date(2025, 11, 1), anchor_day=1))
    bill(services, date(2025, 11, 1))
    bill(services, date(2025, 12, 1))
    services.runner.catch_up()
    november, december = (str(row["invoice_id"]) for row in services.store.query(
        "SELECT invoice_id FROM view_invoices ORDER BY issued_on"))
    return late, november, december


def test_a_payment_named_to_the_later_invoice_pays_that_one(services: Services,
                                                           workspace: Workspace) -> None:
    late, _, december = late_customer_with_two_invoices(services)
    on(services, date(2025, 12, 5))
    send(services, RecordPayment(customer_id=late, amount="1220.00", currency="RUB",
                                 invoice_ids=[december]))
    pay(services, late, "1220.00", date(2025, 12, 21))  # then November's, oldest open
    on(services, date(2026, 1, 15))
    services.runner.catch_up()
    days = Tables(workspace.get("/app/analytics?from=2025-11&to=2025-12").text).keyed("t-days")
    assert days["2025-11"][1:] == ["1", "50"]  # 1 November → 21 December
    assert days["2025-12"][1:] == ["1", "4"]  # 1 December → 5 December


def test_an_invoice_settled_by_credit_counts_as_paid_on_that_day(
        services: Services, workspace: Workspace) -> None:
    late, november, _ = late_customer_with_two_invoices(services)
    pay(services, late, "1220.00", date(2025, 11, 11))  # November, after 10 days
    on(services, date(2025, 12, 8))  # November not served: its money pays December
    send(services, IssueCreditNote(customer_id=late, invoice_id=november,
                                   reason="Услуги не оказаны"))
    on(services, date(2026, 1, 15))
    services.runner.catch_up()
    days = Tables(workspace.get("/app/analytics?from=2025-11&to=2025-12").text).keyed("t-days")
    # the note released the payment from November (credited, nothing paid on it): the
    # money counts once, for December, which the note's credit settled on 8 December
    assert days["2025-11"][1:] == ["0", "—"]
    assert days["2025-12"][1:] == ["1", "7"]


def test_a_drawn_report_is_reused_until_the_views_move_and_a_minute_passes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    cache = ReportCache()
    clock = [1000.0]
    monkeypatch.setattr("api.web.pages.analytics.time.monotonic", lambda: clock[0])
    drawn: list[int] = []

    def draw() -> dict[str, Any]:
        drawn.append(1)
        return {"n": len(drawn)}

    assert cache.get("k", 7, draw) == {"n": 1}
    assert cache.get("k", 7, draw) == {"n": 1}  # nothing new in the views
    clock[0] += 30
    assert cache.get("k", 8, draw) == {"n": 1}  # new events, but drawn half a minute ago
    clock[0] += 31
    assert cache.get("k", 8, draw) == {"n": 2}  # new events and over a minute old
    assert cache.get("other", 8, draw) == {"n": 3}


def test_a_month_outside_the_calendar_is_named_at_its_field(services: Services,
                                                            workspace: Workspace) -> None:
    """Year 0 passes the YYYY-MM shape, but no date has it: refused, not drawn."""
    a_quarter_of_business(services)
    page = workspace.get("/app/analytics?from=0000-01&to=0000-02")
    assert page.status_code == 422
    assert 'id="e-from"' in page.text
    assert "Выберите месяц от 0001-01 до 9998-12." in page.text
