"""Bill runs: batches, exactly once when run twice or restarted after a crash, dry runs."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from commands import run_billing as billing
from commands.record_payment import RecordPayment
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from tests.scenarios.support import flat_tariff
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def a_company(services: Services, customers: int = 7) -> None:
    publish(services, "plan", flat_tariff("100.00"))
    for n in range(customers):
        customer = register(services, f"C-{n}", currency="USD")
        send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                         start_date=date(2026, 1, 1)))


def invoices_per_customer(services: Services) -> list[int]:
    return [len(services.ledger.customer(c).state.invoices)
            for c in services.ledger.customer_ids()]


def bill(services: Services, on: date, **options: object) -> billing.BillRunReport:
    return run_billing(RunBilling(as_of=on, **options), bill_run_context("test"),
                       services.runtime, list(services.ledger.customer_ids()))


def test_running_the_same_date_twice_bills_each_period_once(services: Services) -> None:
    a_company(services)
    first = bill(services, date(2026, 1, 1), batch_size=3)
    second = bill(services, date(2026, 1, 1), batch_size=3)
    assert len(first.invoices) == 7
    assert second.invoices == []
    assert invoices_per_customer(services) == [1] * 7
    assert first.totals() == {"USD": "700.00"}


def test_a_run_killed_half_way_bills_everything_exactly_once_when_restarted(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    a_company(services)
    real = billing._bill_batch
    calls = {"n": 0}

    def crash_after_two_batches(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed mid-run
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(billing, "_bill_batch", crash_after_two_batches)
    with pytest.raises(KeyboardInterrupt):
        bill(services, date(2026, 1, 1), batch_size=3)
    assert sorted(invoices_per_customer(services)) == [0, 1, 1, 1, 1, 1, 1]
    monkeypatch.setattr(billing, "_bill_batch", real)
    bill(services, date(2026, 1, 1), batch_size=3)
    assert invoices_per_customer(services) == [1] * 7


def test_a_dry_run_reports_without_writing(services: Services) -> None:
    a_company(services, customers=3)
    report = bill(services, date(2026, 1, 1), dry_run=True)
    assert report.totals() == {"USD": "300.00"}
    assert invoices_per_customer(services) == [0, 0, 0]
    assert len(bill(services, date(2026, 1, 1)).invoices) == 3


def test_a_year_of_monthly_billing_adds_up(services: Services) -> None:
    a_company(services, customers=2)
    for month in range(1, 13):
        bill(services, date(2026, month, 1))
    customer = next(iter(services.ledger.customer_ids()))
    send(services, RecordPayment(customer_id=customer, amount="1000.00", currency="USD"))
    state = services.ledger.customer(customer).state
    assert len(state.invoices) == 12
    assert state.balances["USD"].receivable.to_decimal_string() == "200.00"
    assert [i.status for i in sorted(state.invoices.values(), key=lambda i: i.number)] == (
        ["paid"] * 10 + ["issued"] * 2)
