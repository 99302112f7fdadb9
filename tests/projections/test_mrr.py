"""MRR through the commands, on SQLite and PostgreSQL: normalisation, discounts, reports.

Plan changes, pauses, cancellations and special prices are tested in ``test_mrr_events.py``,
fed as events straight into the projection.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from commands.change_subscription import ChangeSubscription
from commands.close_customer import CloseCustomer
from commands.grant_discount import GrantDiscount
from commands.issue_api_key import IssueApiKey
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.set_individual_price import SetIndividualPrice
from commands.start_subscription import StartSubscription
from ledger.access import Role
from ledger.customers.billing_events import InvoiceIssued
from projections import queries
from projections.mrr import MrrMovements
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock
    from projections.store import ReadStore

Move = tuple[str, str, int, int, str]


def moves(store: ReadStore, customer_id: object) -> list[Move]:
    """(date, kind, delta, mrr after, cause) of a customer's movements, in date order."""
    rows = store.query(
        "SELECT * FROM view_mrr_movements WHERE customer_id = :cid ORDER BY effective_date",
        {"cid": str(customer_id)})
    return [(r["effective_date"], r["kind"], r["delta"], r["mrr_after"], r["cause"]) for r in rows]


def mrr_of(store: ReadStore, customer_id: object) -> int:
    row = store.query_one("SELECT mrr FROM view_mrr_customers WHERE customer_id = :cid",
                          {"cid": str(customer_id)})
    assert row is not None
    return int(row["mrr"])


def flat(price: str, unit: str = "month", count: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"{price}/{count} {unit}", "currency": "RUB", "vat_rate": "22",
            "period_unit": unit, "period_count": count, **extra,
            "components": [{"code": "base", "name": "Fee", "kind": "flat", "price": price}]}


SEATS = {"name": "Seats", "currency": "RUB", "components": [
    {"code": "base", "name": "Platform", "kind": "flat", "price": "1000.00"},
    {"code": "seat", "name": "Seat", "kind": "seat", "price": "500.00"},
    {"code": "calls", "name": "Calls", "kind": "metered",
     "pricing": {"kind": "per_unit", "unit_price": "1.00"}},
    {"code": "setup", "name": "Setup", "kind": "setup", "price": "9000.00"},
]}


# -- through the commands, on both backends ----------------------------------------------


def start(services: Services, customer: Any, tariff: str, on: date, **terms: Any) -> None:
    send(services, StartSubscription(customer_id=customer, tariff_code=tariff, start_date=on,
                                     **terms))


def test_a_first_subscription_is_new_mrr(services: Services) -> None:
    publish(services, "seats", SEATS)
    customer = register(services)
    start(services, customer, "seats", date(2026, 1, 5), quantity=3)
    services.runner.catch_up()
    # 1000.00 platform + 3 × 500.00 seats; usage and the setup fee are not recurring
    assert moves(services.store, customer) == [
        ("2026-01-05", "new", 250000, 250000, "SubscriptionStarted")]
    assert mrr_of(services.store, customer) == 250000


@pytest.mark.parametrize(("unit", "count", "price", "monthly"), [
    ("quarter", 1, "3000.00", 100000),
    ("year", 1, "12000.00", 100000),
    ("month", 2, "1000.01", 50001),      # 500.005 rounds half up
    ("half_year", 1, "100.00", 1667),    # 16.666…
])
def test_longer_periods_are_divided_into_months(
    services: Services, unit: str, count: int, price: str, monthly: int
) -> None:
    publish(services, "long", flat(price, unit, count))
    customer = register(services)
    start(services, customer, "long", date(2026, 1, 1))
    services.runner.catch_up()
    assert mrr_of(services.store, customer) == monthly
    tariff = services.store.query_one("SELECT * FROM view_mrr_tariffs WHERE code = 'long'")
    assert tariff is not None
    assert tariff["flat_monthly"] == monthly


def test_an_open_ended_percent_discount_contracts_a_limited_one_does_not(
    services: Services,
) -> None:
    publish(services)
    customer = register(services)
    start(services, customer, "start", date(2026, 1, 5))
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10),
                                 periods=3))
    send(services, GrantDiscount(customer_id=customer, kind="fixed", amount="100.00"))
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal("12.5")))
    services.runner.catch_up()
    assert moves(services.store, customer) == [
        ("2026-01-05", "new", 100000, 100000, "SubscriptionStarted"),
        ("2026-01-15", "contraction", -12500, 87500, "DiscountGranted"),
    ]


def test_a_trial_counts_from_its_end(services: Services) -> None:
    publish(services, "trial", flat("1000.00", trial_days=14))
    customer = register(services)
    start(services, customer, "trial", date(2026, 1, 25))
    # recorded after the start, dated before it: no MRR yet to contract, so none goes negative
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent=Decimal(10)))
    services.runner.catch_up()
    assert moves(services.store, customer) == [
        ("2026-02-08", "new", 90000, 90000, "SubscriptionStarted")]
    by_month = queries.mrr_by_month(services.store, ["2026-01", "2026-02"])
    assert [(r["month"], r["mrr"]) for r in by_month] == [("2026-01", 0), ("2026-02", 90000)]


def test_closing_a_customer_churns_and_the_report_adds_up(
    services: Services, clock: SimulatedClock
) -> None:
    publish(services)
    publish(services, "pro", flat("3000.00"))
    first, second = register(services, "C-1"), register(services, "C-2")
    start(services, first, "start", date(2025, 12, 1))
    start(services, second, "pro", date(2026, 1, 10), quantity=2)
    clock.move_to(date(2026, 2, 20))
    send(services, CloseCustomer(customer_id=first, reason="Ушёл к конкурентам"))
    services.runner.catch_up()
    assert moves(services.store, first)[-1] == (
        "2026-02-20", "churn", -100000, 0, "SubscriptionCancelled")  # closing ends them
    report = queries.mrr_movements(services.store, "2026-01", "2026-03")
    assert [(r["month"], r["opening"], r["new"], r["churn"], r["closing"]) for r in report] == [
        ("2026-01", 100000, 300000, 0, 400000),   # a flat fee ignores the quantity
        ("2026-02", 400000, 0, -100000, 300000),
        ("2026-03", 300000, 0, 0, 300000),
    ]
    for row in report:
        moved = sum(row[kind] for kind in queries.MRR_KINDS)
        assert row["closing"] == row["opening"] + moved
        assert row["closing_arr"] == 12 * row["closing"]
    assert report[1]["customers_churn"] == 1


def test_a_backdated_change_drops_the_later_dated_change_it_replaces(
    services: Services, clock: SimulatedClock
) -> None:
    publish(services)
    publish(services, "pro", flat("3000.00"))
    publish(services, "mid", flat("2000.00"))
    customer = register(services)
    outcome = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                               start_date=date(2026, 1, 1), anchor_day=1))
    sub = outcome.result["subscription_id"]
    run_billing(RunBilling(as_of=date(2026, 1, 1)), bill_run_context("test"), services.runtime,
                [customer])  # January billed in advance
    clock.move_to(date(2026, 1, 10))
    for code, day in (("pro", date(2026, 1, 20)), ("mid", date(2026, 1, 15))):
        send(services, ChangeSubscription(customer_id=customer, subscription_id=sub,
                                          tariff_code=code, effective_date=day))
    services.runner.catch_up()
    # the ledger bills "mid" from the 15th on, "pro" never: so does the MRR
    assert moves(services.store, customer) == [
        ("2026-01-01", "new", 100000, 100000, "SubscriptionStarted"),
        ("2026-01-15", "expansion", 100000, 200000, "SubscriptionChanged"),
    ]
    assert mrr_of(services.store, customer) == 200000
    services.runner.rebuild("mrr")
    assert mrr_of(services.store, customer) == 200000
    clock.move_to(date(2026, 2, 1))
    run_billing(RunBilling(as_of=date(2026, 2, 1)), bill_run_context("test"), services.runtime,
                [customer])
    february = [e for e in services.ledger.history(customer) if isinstance(e, InvoiceIssued)][-1]
    assert [line.amount.to_decimal_string() for line in february.lines
            if line.kind == "recurring"] == ["2000.00"]  # the ledger bills "mid" on


def test_an_individual_price_counts_from_its_start_and_survives_a_new_version(
    services: Services, clock: SimulatedClock
) -> None:
    """800.00 from 1 February, agreed on 10 January; on 1 March the tariff's v2 (1200.00)."""
    publish(services)
    customer = register(services)
    outcome = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                               start_date=date(2026, 1, 1), anchor_day=1))
    sub = outcome.result["subscription_id"]
    clock.move_to(date(2026, 1, 10))
    send(services, SetIndividualPrice(
        customer_id=customer, subscription_id=sub, component="base", price=Decimal(800),
        effective_from=date(2026, 2, 1), note="annual deal", agreed_by="sales",
        agreed_on=date(2026, 1, 10)))
    publish(services, "start", flat("1200.00"))  # version 2 of the same tariff
    send(services, ChangeSubscription(customer_id=customer, subscription_id=sub,
                                      tariff_code="start", tariff_version=2,
                                      effective_date=date(2026, 3, 1), when="end_of_term"))
    services.runner.catch_up()
    # the price lowers the MRR from its start, not from the day it was agreed, and the
    # new version keeps it (as the invoices will): no movement on 1 March
    assert moves(services.store, customer) == [
        ("2026-01-01", "new", 100000, 100000, "SubscriptionStarted"),
        ("2026-02-01", "contraction", -20000, 80000, "IndividualPriceSet"),
    ]


def test_a_rebuild_gives_exactly_what_incremental_updates_gave(
    services: Services, clock: SimulatedClock
) -> None:
    publish(services)
    publish(services, "seats", SEATS)
    customers = [register(services, f"C-{n}") for n in range(3)]
    for n, customer in enumerate(customers):
        start(services, customer, "seats" if n else "start", date(2026, 1, 1 + n), quantity=n + 1)
    services.runner.catch_up()
    send(services, GrantDiscount(customer_id=customers[1], kind="percent", percent=Decimal(5)))
    clock.move_to(date(2026, 3, 1))
    send(services, CloseCustomer(customer_id=customers[2], reason="Закрыт"))
    services.runner.catch_up()
    tables = MrrMovements.tables
    incremental = {t: services.store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}
    services.runner.rebuild("mrr")
    assert {t: services.store.query(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables} == (
        incremental)
    assert len(incremental["view_mrr_movements"]) == 5


def test_the_report_over_http(services: Services) -> None:
    publish(services, "long", flat("3000.00", "quarter"))
    customer = register(services)
    start(services, customer, "long", date(2026, 1, 5))
    services.runner.catch_up()
    tokens = {role: send(services, IssueApiKey(name=f"k-{role.value}", role=role))
              .result["token"] for role in (Role.AUDITOR, Role.SERVICE)}
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        answer = client.get("/v1/reports/mrr", params={"from": "2026-01", "to": "2026-02"},
                            headers={"Authorization": f"Bearer {tokens[Role.AUDITOR]}"})
        assert answer.status_code == 200, answer.text
        january = answer.json()["items"][0]
        assert (january["month"], january["opening"], january["new"], january["closing"]) == (
            "2026-01", "0.00", "1000.00", "1000.00")
        assert january["closing_arr"] == "12000.00"
        backwards = client.get("/v1/reports/mrr", params={"from": "2026-03", "to": "2026-01"},
                               headers={"Authorization": f"Bearer {tokens[Role.AUDITOR]}"})
        assert backwards.status_code == 422
        assert backwards.json()["field"] == "to"
        refused = client.get("/v1/reports/mrr/series", params={"from": "2026-01", "to": "2026-01"},
                             headers={"Authorization": f"Bearer {tokens[Role.SERVICE]}"})
        assert refused.status_code == 403
