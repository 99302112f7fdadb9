"""Projections: exactly once, rebuilt equals incremental, lag visible — on both backends."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

import pytest

from api.bootstrap import bootstrap
from commands.grant_discount import GrantDiscount
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from projections import queries
from projections.runner import ProjectionRunner, TrackingConflict
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

TABLES = {
    "customers": ("view_customers", "view_balances"),
    "renewals": ("view_renewals",),
    "timeline": ("view_timeline",),
    "payments": ("view_payments",),
    "invoices": ("view_invoices", "view_invoice_lines"),
    "tariffs": ("view_tariffs",),
}


def a_small_company(services: Services) -> list[str]:
    publish(services)
    ids = []
    for n in range(3):
        customer = register(services, f"C-{n}", vat_rate="22")
        send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                         start_date=date(2026, 1, 5 + n)))
        send(services, RecordCharge(customer_id=customer, amount="1000.00", description="Январь"))
        if n:
            send(services, RecordPayment(customer_id=customer, amount=f"{500 * n}.00",
                                         currency="RUB"))
        ids.append(str(customer))
    send(services, RecordAdjustment(customer_id=UUID(ids[0]), amount="-20.00", currency="RUB",
                                    reason="Компенсация"))
    send(services, GrantDiscount(customer_id=UUID(ids[1]), kind="percent", percent=Decimal(5)))
    return ids


def snapshot(services: Services) -> dict[str, list[dict[str, object]]]:
    return {
        table: services.store.query(f"SELECT * FROM {table} ORDER BY 1, 2")
        for tables in TABLES.values() for table in tables
    }


def test_balances_follow_the_ledger(services: Services) -> None:
    ids = a_small_company(services)
    services.runner.catch_up()
    rows = {r["customer_id"]: r for r in services.store.query("SELECT * FROM view_balances")}
    # each invoice: the first month in advance (1000.00) and the one-off (1000.00), +22 % VAT
    assert rows[ids[0]]["net"] == 244000 - 2000
    assert rows[ids[1]]["net"] == 244000 - 50000
    assert rows[ids[2]]["net"] == 244000 - 100000
    debts = queries.debts(services.store).items
    assert [d["customer_id"] for d in debts] == [ids[0], ids[1], ids[2]]


def test_catching_up_twice_applies_nothing_twice(services: Services) -> None:
    a_small_company(services)
    services.runner.catch_up()
    before = snapshot(services)
    assert services.runner.catch_up() == 0
    assert snapshot(services) == before


def test_a_rebuild_gives_exactly_what_incremental_updates_gave(services: Services) -> None:
    a_small_company(services)
    services.runner.catch_up()          # part of the history, incrementally ...
    customer = register(services, "C-late")
    send(services, RecordPayment(customer_id=customer, amount="7.00", currency="RUB"))
    services.runner.catch_up()          # ... and the rest
    incremental = snapshot(services)
    for name in TABLES:
        services.runner.rebuild(name)
    assert snapshot(services) == incremental


def test_lag_shows_unapplied_events(services: Services) -> None:
    register(services)
    assert all(s.lag > 0 for s in services.runner.status())
    services.runner.catch_up()
    assert all(s.lag == 0 for s in services.runner.status())


def test_a_second_runner_cannot_apply_the_same_batch(services: Services) -> None:
    register(services)
    projections = list(services.runner.projections.values())
    stale = ProjectionRunner(services.ledger, services.store, projections)
    positions = stale.positions()
    services.runner.catch_up()
    batch = services.ledger.read_log(0, 100)
    projection = services.runner.projections["customers"]
    with pytest.raises(TrackingConflict), services.store.transaction() as tx:
        stale._apply(tx, projection, positions["customers"], batch)
    assert len(services.store.query("SELECT * FROM view_customers")) == 1


def test_the_timeline_speaks_plain_language(services: Services) -> None:
    customer = register(services)
    send(services, RecordAdjustment(customer_id=customer, amount="-150.00", currency="RUB",
                                    reason="Компенсация простоя"), actor="accountant:anna")
    services.runner.catch_up()
    lines = queries.timeline(services.store, str(customer)).items
    assert [line["event_type"] for line in lines] == ["CustomerRegistered", "AdjustmentRecorded"]
    assert lines[1]["summary"] == "Adjustment: debt lowered by 150.00 RUB — Компенсация простоя"
    assert lines[1]["actor"] == "accountant:anna"


def test_the_renewal_calendar_lists_next_renewals_in_order(services: Services) -> None:
    a_small_company(services)
    services.runner.catch_up()
    page = queries.renewals(services.store, date_from="2026-02-01", date_to="2026-02-28")
    assert [r["next_renewal"] for r in page.items] == ["2026-02-05", "2026-02-06", "2026-02-07"]


def test_pages_follow_each_other_without_gaps(services: Services) -> None:
    for n in range(7):
        register(services, f"K-{n}")
    services.runner.catch_up()
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = queries.customers(services.store, limit=3, cursor=cursor)
        seen.extend(r["external_key"] for r in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"K-{n}" for n in range(7)]


def test_the_calendar_moves_with_billing_and_drops_cancelled_subscriptions(
    services: Services,
) -> None:
    from commands.cancel_subscription import CancelSubscription
    from commands.run_billing import RunBilling, bill_run_context, run_billing

    publish(services)
    customer = register(services)
    sub = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=date(2026, 1, 1))).result["subscription_id"]
    run_billing(RunBilling(as_of=date(2026, 1, 1)), bill_run_context("test"), services.runtime,
                [customer])
    services.runner.catch_up()
    (row,) = queries.renewals(services.store).items
    assert row["next_renewal"] == "2026-02-01"
    send(services, CancelSubscription(customer_id=customer, subscription_id=sub,
                                      effective_date=date(2026, 1, 20)))
    services.runner.catch_up()
    assert queries.renewals(services.store).items == []
    (ended,) = services.store.query("SELECT * FROM view_renewals")
    assert (ended["status"], ended["term_end"]) == ("cancelled", "2026-02-01")


def test_a_rebuild_waits_for_another_process_applying_a_batch(
    services: Services, backend_env: dict[str, str],
) -> None:
    """Another process (the service's worker) is applying a batch when the CLI rebuilds.

    The rebuild waits for it instead of deadlocking or colliding with its rows, and the view
    ends up as a rebuild from the whole log gives it.
    """
    register(services, "C-0")
    services.runner.catch_up()
    register(services, "C-1")
    worker = bootstrap(backend_env, clock=services.runtime.clock)
    try:
        positions = worker.runner.positions()
        batch = worker.ledger.read_log(positions["customers"], 100)
        done: list[int] = []
        with worker.store.transaction() as tx:
            worker.runner._apply(tx, worker.runner.projections["customers"],
                                 positions["customers"], batch)
            rebuilding = threading.Thread(
                target=lambda: done.append(services.runner.rebuild("customers")))
            rebuilding.start()
            rebuilding.join(0.5)
            assert rebuilding.is_alive(), "the rebuild waits for the worker's transaction"
        rebuilding.join(30)
        assert done == [services.ledger.max_position()]
    finally:
        worker.close()
    keys = [r["external_key"] for r in services.store.query(
        "SELECT external_key FROM view_customers ORDER BY external_key")]
    assert keys == ["C-0", "C-1"]
