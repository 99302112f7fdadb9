"""Revenue by tariff and month: invoiced revenue without VAT, after discounts.

Voided invoices do not count, credit notes count negatively, and a period billed on a new
tariff is that tariff's revenue.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands.change_subscription import ChangeSubscription
from commands.grant_discount import GrantDiscount
from commands.issue_credit_note import IssueCreditNote
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from commands.void_invoice import VoidInvoice
from projections import queries
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services



def flat(price: str, **extra: Any) -> dict[str, Any]:
    return {"name": f"Plan {price}", "currency": "RUB", "vat_rate": "22", **extra,
            "components": [{"code": "base", "name": "Fee", "kind": "flat", "price": price}]}


def subscribe(services: Services, key: str, tariff: str) -> tuple[UUID, str]:
    customer = register(services, key)
    outcome = send(services, StartSubscription(customer_id=customer, tariff_code=tariff,
                                               start_date=date(2026, 1, 1)))
    return customer, str(outcome.result["subscription_id"])


def bill(services: Services, on: date) -> None:
    services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    run_billing(RunBilling(as_of=on), bill_run_context("test"), services.runtime,
                list(services.ledger.customer_ids()))
    services.runner.catch_up()


def revenue(services: Services, month: str) -> dict[str, tuple[int, int]]:
    rows = queries.revenue_by_tariff(services.store, date_from=f"{month}-01",
                                     date_to=f"{month}-31")
    return {r["tariff_code"]: (r["net"], r["vat"]) for r in rows}


def invoice_of(services: Services, customer: UUID, issued_on: str) -> str:
    row = services.store.query_one(
        "SELECT invoice_id FROM view_invoices WHERE customer_id = :cid AND issued_on = :on",
        {"cid": str(customer), "on": issued_on})
    assert row is not None
    return str(row["invoice_id"])


def test_revenue_excludes_vat_and_discounts(services: Services) -> None:
    publish(services, "net", flat("1000.00"))
    publish(services, "gross", flat("1220.00", vat_mode="inclusive"))
    discounted, _ = subscribe(services, "A", "net")
    subscribe(services, "B", "gross")
    send(services, GrantDiscount(customer_id=discounted, kind="percent", percent=Decimal(10)))
    bill(services, date(2026, 1, 1))
    assert revenue(services, "2026-01") == {"net": (90000, 19800), "gross": (100000, 22000)}


def test_a_voided_invoice_is_not_revenue(services: Services) -> None:
    publish(services, "net", flat("1000.00"))
    customer, _ = subscribe(services, "A", "net")
    bill(services, date(2026, 1, 1))
    send(services, VoidInvoice(customer_id=customer, reason="Ошибка",
                               invoice_id=invoice_of(services, customer, "2026-01-01")))
    services.runner.catch_up()
    assert revenue(services, "2026-01") == {}


def test_a_credit_note_takes_revenue_back(services: Services) -> None:
    publish(services, "net", flat("1000.00"))
    customer, _ = subscribe(services, "A", "net")
    bill(services, date(2026, 1, 1))
    send(services, IssueCreditNote(customer_id=customer, reason="Компенсация",
                                   invoice_id=invoice_of(services, customer, "2026-01-01")))
    services.runner.catch_up()
    assert revenue(services, "2026-01") == {"net": (0, 0)}


def test_a_period_on_a_new_tariff_is_revenue_of_the_new_tariff(services: Services) -> None:
    publish(services, "start", flat("1000.00"))
    publish(services, "pro", flat("3000.00"))
    customer, subscription = subscribe(services, "A", "start")
    bill(services, date(2026, 1, 1))
    send(services, ChangeSubscription(customer_id=customer, subscription_id=subscription,
                                      tariff_code="pro", effective_date=date(2026, 1, 10),
                                      when="end_of_term"))
    bill(services, date(2026, 2, 1))
    assert revenue(services, "2026-02") == {"pro": (300000, 66000)}
