"""Credit allocated to open invoices, in the views, on both backends.

A customer with two invoices of 1000.00 RUB (no VAT, due 25 January and 25 February) pays
400.00 of the first, then gets a credit note of 1000.00 on it (on 20 February): 600.00
closes the first, and the 400.00 the payment had settled is released (the first is
credited, with nothing paid on it) and the same command allocates it to the second
(``CreditAllocated``), as the payment's money. When the payer's bank then takes the
payment back, the second reopens: every view agrees with the aggregate.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.issue_credit_note import IssueCreditNote
from commands.record_chargeback import RecordChargeback
from commands.write_off_debt import WriteOffDebt
from projections import queries
from tests.support.collections import invoice_due, on, pay
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

VIEWS = {"customers": "view_balances", "invoices": "view_invoices",
         "timeline": "view_timeline", "statement": "view_movements"}


def credited_customer(services: Services) -> tuple[UUID, str, str]:
    """The story above; returns the customer and its two invoices, oldest first."""
    customer, first, second, _ = credited_with_payment(services)
    return customer, first, second


def credited_with_payment(services: Services) -> tuple[UUID, str, str, str]:
    """The story above; returns the customer, its two invoices and the payment."""
    customer = register(services)
    first = invoice_due(services, customer, date(2026, 1, 25))
    payment = pay(services, customer, "400.00", date(2026, 1, 20))
    second = invoice_due(services, customer, date(2026, 2, 25))
    on(services, date(2026, 2, 20))
    send(services, IssueCreditNote(customer_id=customer, invoice_id=first,
                                   reason="Услуги не оказаны"), actor="accountant:anna")
    return customer, first, second, payment


def test_the_register_aging_and_timeline_follow_the_allocation(services: Services) -> None:
    customer, first, second = credited_customer(services)
    services.runner.catch_up()
    rows = {r["invoice_id"]: r for r in queries.invoices(
        services.store, today="2026-02-20", customer_id=str(customer)).items}
    assert [(rows[i]["paid"], rows[i]["credited"], rows[i]["open"], rows[i]["status"])
            for i in (first, second)] == [(0, 100000, 0, "credited"),
                                          (40000, 0, 60000, "partially_paid")]
    (balance,) = queries.balances(services.store, str(customer))
    assert balance["net"] == 60000  # 2000.00 − 400.00 − 1000.00: open and net agree
    (aged,) = queries.aging(services.store, date(2026, 2, 20))["customers"]
    assert (aged["current"], aged["total"]) == (60000, 60000)
    timeline = queries.timeline(services.store, str(customer)).items
    assert [r["event_type"] for r in timeline[-2:]] == ["CreditNoteIssued", "CreditAllocated"]
    assert timeline[-1]["summary"] == (
        "Credit of 400.00 RUB from credit note LBX-CN-2026-000001 settled"
        " LBX-2026-000002 400.00 RUB (oldest due first)")
    assert timeline[-1]["actor"] == "accountant:anna"


def test_the_statement_lists_the_credit_note_once_and_the_allocation_not_at_all(
    services: Services,
) -> None:
    customer, _, _ = credited_customer(services)
    services.runner.catch_up()
    statement = queries.statement(services.store, str(customer), date(2026, 1, 1),
                                  date(2026, 12, 31))
    assert statement is not None
    assert [line["kind"] for line in statement["lines"]] == [
        "invoice", "payment", "invoice", "credit_note"]
    assert statement["totals"][0]["closing"] == 60000


def test_a_rebuild_gives_what_incremental_updates_gave(services: Services) -> None:
    credited_customer(services)
    services.runner.catch_up()

    def snapshot() -> dict[str, list[dict[str, object]]]:
        return {t: services.store.query(f"SELECT * FROM {t} ORDER BY 1, 2")
                for t in VIEWS.values()}

    incremental = snapshot()
    for name in VIEWS:
        services.runner.rebuild(name)
    assert snapshot() == incremental


def test_after_a_chargeback_the_views_reopen_what_the_payment_settled(
    services: Services,
) -> None:
    customer, first, second, payment = credited_with_payment(services)
    on(services, date(2026, 3, 1))
    send(services, RecordChargeback(customer_id=customer, payment_id=payment, amount="400.00",
                                    currency="RUB"), actor="service:gateway")
    services.runner.catch_up()

    book = services.ledger.customer(customer, fresh=True).state
    rows = {r["invoice_id"]: r for r in queries.invoices(
        services.store, today="2026-03-01", customer_id=str(customer)).items}
    for invoice_id in (first, second):
        held = book.invoices[invoice_id]
        assert (rows[invoice_id]["paid"], rows[invoice_id]["credited"],
                rows[invoice_id]["open"]) == (held.paid, held.credited, held.open_minor)
    assert [rows[i]["status"] for i in (first, second)] == ["credited", "overdue"]
    (balance,) = queries.balances(services.store, str(customer))
    assert balance["net"] == book.balances["RUB"].net_minor == 100000
    (aged,) = queries.aging(services.store, date(2026, 3, 1))["customers"]
    assert (aged["days_1_30"], aged["total"]) == (100000, 100000)
    statement = queries.statement(services.store, str(customer), date(2026, 1, 1),
                                  date(2026, 12, 31))
    assert statement is not None
    assert statement["totals"][0]["closing"] == 100000


def test_the_register_filters_credited_and_written_off_apart_from_paid(
    services: Services,
) -> None:
    customer, first, second = credited_customer(services)
    send(services, WriteOffDebt(customer_id=customer, invoice_id=second, reason="Банкротство",
                                approver="cfo:olga"), actor="accountant:anna")
    services.runner.catch_up()

    def numbers(status: str) -> list[str]:
        return [r["invoice_id"] for r in queries.invoices(
            services.store, today="2026-02-20", status=status, customer_id=str(customer)).items]

    assert (numbers("credited"), numbers("written_off"), numbers("paid")) == (
        [first], [second], [])
    book = services.ledger.customer(customer, fresh=True).state
    assert [book.invoices[i].status for i in (first, second)] == ["credited", "written_off"]
