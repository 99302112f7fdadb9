"""Timeline lines as messages, on both backends: declared, typed, and rebuilt the same.

Each row of ``view_timeline`` keeps the English ``summary`` and the ``message`` with its
``params`` (JSON) from which every language writes the line; written out in English, the
message is exactly the summary.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.record_payment import RecordPayment
from projections import queries
from projections.describe import describe
from projections.messages import MESSAGES, PLAIN, render
from projections.runner import ProjectionRunner
from projections.timeline import CUSTOMER_EVENTS, CustomerTimeline, params_of
from tests.projections.test_collections_views import a_busy_customer
from tests.projections.test_projections import a_small_company
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from projections.store import Row

RELEASE_1_DDL = (
    "CREATE TABLE view_timeline ("
    " customer_id TEXT NOT NULL, version BIGINT NOT NULL, position BIGINT NOT NULL,"
    " event_type TEXT NOT NULL, recorded_at TEXT NOT NULL, effective_date TEXT NOT NULL,"
    " actor TEXT NOT NULL, source TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL,"
    " correlation_id TEXT NOT NULL, idempotency_key TEXT,"
    " PRIMARY KEY (customer_id, version))"
)


def lines(services: Services) -> list[Row]:
    return services.store.query("SELECT * FROM view_timeline ORDER BY customer_id, version")


def test_every_customer_event_has_its_own_describer() -> None:
    fallback = describe.dispatch(object)
    assert [t.__name__ for t in CUSTOMER_EVENTS if describe.dispatch(t) is fallback] == []


def assert_declared_and_read_as_summaries(rows: list[Row]) -> None:
    for row in rows:
        assert row["message"] in MESSAGES, row["message"]
        assert render(row["message"], params_of(row["params"]), PLAIN) == row["summary"]


def test_a_company_s_lines_are_declared_messages_that_read_as_their_summaries(
        services: Services) -> None:
    a_small_company(services)
    services.runner.catch_up()

    rows = lines(services)

    assert {row["event_type"] for row in rows} >= {
        "CustomerRegistered", "SubscriptionStarted", "ChargeRecorded", "PaymentReceived",
        "AdjustmentRecorded", "DiscountGranted"}
    assert_declared_and_read_as_summaries(rows)


def test_collections_lines_are_declared_messages_that_read_as_their_summaries(
        services: Services) -> None:
    a_busy_customer(services)
    services.runner.catch_up()

    rows = lines(services)

    assert {row["event_type"] for row in rows} >= {
        "InvoiceIssued", "PaymentReallocated", "ChargebackRecorded", "DunningStepTaken",
        "DebtWrittenOff", "RefundIssued"}
    assert_declared_and_read_as_summaries(rows)


def test_values_are_kept_typed_money_in_minor_units_and_dates_as_iso_dates(
        services: Services) -> None:
    customer = a_busy_customer(services)
    services.runner.catch_up()

    found: dict[str, Row] = {}
    for row in queries.timeline(services.store, str(customer)).items:
        found.setdefault(row["event_type"], row)  # the first of each type

    moved = found["PaymentReallocated"]
    assert moved["message"] == ("Payment {payment_id} re-allocated: taken off {removed};"
                                " put on {added} — {reason}")
    params = params_of(moved["params"])
    assert params["reason"] == "По письму клиента"
    assert params["removed"] == {"type": "list", "items": [
        {"type": "message", "message": "{number} {amount}",
         "params": {"number": "LBX-2026-000001",
                    "amount": {"type": "money", "minor": 20000, "currency": "RUB"}}}]}
    refund = params_of(found["RefundIssued"]["params"])
    assert refund["amount"] == {"type": "money", "minor": 10000, "currency": "RUB"}
    payment = params_of(found["PaymentReceived"]["params"])
    assert payment["received_on"] == {"type": "date", "value": "2026-02-20"}


def test_a_rebuild_writes_the_same_messages_as_incremental_updates(services: Services) -> None:
    a_busy_customer(services)
    services.runner.catch_up()          # part of the history, incrementally ...
    late = register(services, "C-late")
    send(services, RecordPayment(customer_id=late, amount="7.00", currency="RUB",
                                 received_on=date(2026, 1, 10)))
    services.runner.catch_up()          # ... and the rest
    incremental = lines(services)

    services.runner.rebuild("timeline")

    assert lines(services) == incremental


def test_a_timeline_of_the_previous_release_is_replayed_with_messages(
        services: Services) -> None:
    customer = register(services)
    services.runner.catch_up()
    services.store.create(["DROP TABLE view_timeline", RELEASE_1_DDL])
    with services.store.transaction() as tx:
        tx.execute("UPDATE lbx_schema SET fingerprint = 'release 1' WHERE projection = 'timeline'")

    upgraded = ProjectionRunner(services.ledger, services.store, [CustomerTimeline()])
    upgraded.setup()
    assert upgraded.positions()["timeline"] == 0
    upgraded.catch_up()

    (row,) = queries.timeline(services.store, str(customer)).items
    assert row["message"].startswith("Customer registered: {name}")
    assert render(row["message"], params_of(row["params"]), PLAIN) == row["summary"]
