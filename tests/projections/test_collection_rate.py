"""The collection rate: what was billed in a month, and how much of it is settled.

A credit invoice (a cancellation's or downgrade's credit for days already paid) bills
nothing: its credit settles the next invoices. Counted as "invoiced" it lowered the month's
total while the invoices it settled counted as paid, so a month could be "207 % collected".
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.cancel_subscription import CancelSubscription
from commands.record_charge import RecordCharge
from projections.analytics import collection_by_month
from tests.support.collections import on, pay
from tests.support.dsl import publish, send
from tests.support.subscriptions import bill, subscribe

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_a_credit_invoice_is_not_billing_and_the_rate_never_passes_100(
    services: Services,
) -> None:
    publish(services)
    customer, sid = subscribe(services)
    bill(services, date(2026, 1, 1))                        # January in advance: 1,220.00
    pay(services, customer, "1220.00", date(2026, 1, 2))
    on(services, date(2026, 1, 17))
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 1, 17), when="immediate"))
    bill(services, date(2026, 2, 1))                        # the unused days: a credit invoice
    on(services, date(2026, 2, 2))
    send(services, RecordCharge(customer_id=customer, amount="1000.00", description="Настройка"))
    invoices = services.ledger.customer(customer, fresh=True).state.invoices.values()
    assert sorted(i.total for i in invoices) == [-59032, 100000, 122000]  # 1,220.00 × 15/31
    pay(services, customer, "409.68")                      # the setup fee less the credit
    services.runner.catch_up()

    rows = {row["month"]: row for row in collection_by_month(services.store, "2026-01",
                                                            "2026-02", "RUB")}
    assert (rows["2026-01"]["invoiced"], rows["2026-01"]["paid"]) == (122000, 122000)
    assert (rows["2026-02"]["invoices"], rows["2026-02"]["invoiced"]) == (1, 100000)
    assert rows["2026-02"]["paid"] == 100000
    assert rows["2026-02"]["rate"] == 1.0
