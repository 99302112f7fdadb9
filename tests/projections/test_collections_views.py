"""Collections in the views, on both backends: balances, invoices, timeline, aging, statements.

Customers have 10-day payment terms and no VAT: an invoice for a charge of X asks for X.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from commands.reallocate_payment import ReallocatePayment
from commands.record_adjustment import RecordAdjustment
from commands.record_chargeback import RecordChargeback
from commands.record_payment import RecordPayment
from commands.refund_payment import RefundPayment
from commands.write_off_debt import WriteOffDebt
from projections import queries
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

AS_OF = date(2026, 6, 30)
COLLECTIONS_TABLES = ("view_balances", "view_invoices", "view_timeline", "view_movements",
                      "view_dunning_steps")


def a_busy_customer(services: Services) -> UUID:
    """Two invoices, a payment moved between them, a chargeback, dunning, a write-off, a refund."""
    customer = register(services)
    first = invoice_due(services, customer, date(2026, 1, 25))
    second = invoice_due(services, customer, date(2026, 2, 25))
    payment = pay(services, customer, "1500.00", date(2026, 2, 20))
    send(services, ReallocatePayment(customer_id=customer, payment_id=payment,
                                     remove={first: "200.00"}, add={second: "200.00"},
                                     reason="По письму клиента"), actor="accountant:anna")
    send(services, RecordChargeback(customer_id=customer, payment_id=payment, amount="300.00",
                                    currency="RUB", reason="fraud"))
    dun(services, customer, date(2026, 3, 10))
    send(services, WriteOffDebt(customer_id=customer, invoice_id=first, amount="150.00",
                                reason="Спор урегулирован", approver="boris"),
         actor="accountant:anna")
    pay(services, customer, "1000.00")
    send(services, RefundPayment(customer_id=customer, amount="100.00", currency="RUB",
                                 reason="Возврат переплаты"))
    return customer


def test_balances_and_invoices_agree_with_the_ledger(services: Services) -> None:
    customer = a_busy_customer(services)
    services.runner.catch_up()
    book = services.ledger.customer(customer, fresh=True).state
    (balance,) = queries.balances(services.store, str(customer))
    expected = book.balances["RUB"]
    assert (balance["refunded"], balance["written_off"], balance["net"]) == (
        expected.refunded, expected.written_off, expected.net_minor)
    assert (balance["refunded"], balance["written_off"]) == (40000, 15000)
    rows = services.store.query("SELECT * FROM view_invoices WHERE customer_id = :c",
                                {"c": str(customer)})
    assert {r["invoice_id"]: (r["paid"], r["written_off"], r["open"]) for r in rows} == {
        i.invoice_id: (i.paid, i.written_off, i.open_minor) for i in book.invoices.values()}


def test_the_timeline_says_what_happened_in_plain_words(services: Services) -> None:
    customer = a_busy_customer(services)
    services.runner.catch_up()
    lines = {r["event_type"]: r["summary"]
             for r in queries.timeline(services.store, str(customer)).items}
    assert lines["PaymentReallocated"].endswith("— По письму клиента")
    assert "taken off LBX-2026-000001 200.00 RUB; put on LBX-2026-000002 200.00 RUB" in lines[
        "PaymentReallocated"]
    assert lines["RefundIssued"] == "Refund of 100.00 RUB from credit — Возврат переплаты"
    assert lines["ChargebackRecorded"].startswith(
        "Chargeback: the bank took back 300.00 RUB of payment")
    assert lines["DebtWrittenOff"] == (
        "Bad debt written off on invoice LBX-2026-000001: 150.00 RUB, approved by boris"
        " — Спор урегулирован")
    assert lines["DunningStepTaken"].startswith("Dunning step ")


def test_a_rebuild_gives_what_incremental_updates_gave(services: Services) -> None:
    a_busy_customer(services)
    services.runner.catch_up()

    def snapshot() -> dict[str, list[dict[str, object]]]:
        return {t: services.store.query(f"SELECT * FROM {t} ORDER BY 1, 2")
                for t in COLLECTIONS_TABLES}

    incremental = snapshot()
    for name in ("customers", "invoices", "timeline", "statement", "dunning"):
        services.runner.rebuild(name)
    assert snapshot() == incremental


def test_dunning_steps_are_listed_for_notification(services: Services) -> None:
    customer = register(services)
    invoice_due(services, customer, date(2026, 1, 25))
    dun(services, customer, date(2026, 2, 1))
    services.runner.catch_up()
    rows = queries.dunning_steps(services.store, customer_id=str(customer))
    assert [(r["step"], r["action"], r["days_overdue"], r["open"]) for r in rows] == [
        (1, "remind", 7, 100000), (2, "remind", 7, 100000)]


# -- aging -----------------------------------------------------------------------------------

OVERDUE_AMOUNTS = {0: "1.00", 1: "2.00", 30: "4.00", 31: "8.00", 60: "16.00", 61: "32.00",
                   90: "64.00", 91: "128.00"}
"""Days overdue on AS_OF → invoice amount (powers of two, so every sum says who is in it)."""


def test_aging_buckets_fall_on_their_exact_boundary_days(services: Services) -> None:
    customer = register(services)
    for days, amount in sorted(OVERDUE_AMOUNTS.items(), reverse=True):  # oldest issued first
        invoice_due(services, customer, AS_OF - timedelta(days=days), amount)
    services.runner.catch_up()
    found = queries.aging(services.store, AS_OF)
    (row,) = found["customers"]
    assert {b: row[b] for b in (*queries.AGING_BUCKETS, "total")} == {
        "current": 100,                       # 0 days
        "days_1_30": 200 + 400,               # 1 and 30 days
        "days_31_60": 800 + 1600,             # 31 and 60 days
        "days_61_90": 3200 + 6400,            # 61 and 90 days
        "days_over_90": 12800,                # 91 days
        "total": 25500,
    }
    (total,) = found["totals"]
    assert (total["currency"], total["total"], total["debtors"]) == ("RUB", 25500, 1)


def test_aging_leaves_out_what_is_paid_and_what_was_issued_later(services: Services) -> None:
    paid, owing = register(services, "PAID"), register(services, "OWING")
    invoice_due(services, paid, AS_OF - timedelta(days=5))
    pay(services, paid, "1000.00")
    invoice_due(services, owing, AS_OF - timedelta(days=5), "300.00")
    invoice_due(services, owing, AS_OF + timedelta(days=20), "700.00")  # issued after AS_OF
    on(services, AS_OF)
    services.runner.catch_up()
    found = queries.aging(services.store, AS_OF, currency="RUB")
    assert [(r["external_key"], r["days_1_30"], r["total"]) for r in found["customers"]] == [
        ("OWING", 30000, 30000)]
    assert queries.aging(services.store, AS_OF, currency="USD") == {"customers": [],
                                                                    "totals": []}


def aged(services: Services, as_of: date) -> list[tuple[str, int, int, int]]:
    """Per customer: key, what is open in the buckets, ``unapplied`` and ``total``."""
    services.runner.catch_up()
    found = queries.aging(services.store, as_of)
    return [(r["external_key"], sum(r[b] for b in queries.AGING_BUCKETS), r["unapplied"],
             r["total"]) for r in found["customers"]]


def test_aging_nets_a_payments_free_money_against_the_open_invoices(services: Services) -> None:
    """A payment of 2000.00 naming the younger invoice leaves 1000.00 free; the older one
    stays open, but the customer owes nothing, as the balance, debts and dunning say."""
    customer = register(services)
    invoice_due(services, customer, AS_OF - timedelta(days=40))
    younger = invoice_due(services, customer, AS_OF + timedelta(days=5))
    on(services, AS_OF - timedelta(days=10))
    send(services, RecordPayment(customer_id=customer, amount="2000.00", currency="RUB",
                                 invoice_ids=[younger]))
    assert aged(services, AS_OF) == [("C-1", 100000, -100000, 0)]
    (total,) = queries.aging(services.store, AS_OF)["totals"]
    assert (total["days_31_60"], total["unapplied"], total["total"], total["debtors"]) == (
        100000, -100000, 0, 0)
    assert queries.debts(services.store).items == []
    assert dun(services, customer, AS_OF) == []


def test_aging_totals_are_what_each_customer_owes(services: Services) -> None:
    """Part of the debt paid by money freed on purpose (an un-allocation), part raised by a
    debit adjustment no invoice carries, all of it forgiven by a credit adjustment: each
    total is what the balance says the customer owes."""
    free, debit, credit = (register(services, key) for key in ("FREE", "DEBIT", "CREDIT"))
    invoices = [invoice_due(services, c, AS_OF - timedelta(days=5)) for c in (free, debit, credit)]
    payment = pay(services, free, "300.00", AS_OF)
    send(services, ReallocatePayment(customer_id=free, payment_id=payment,
                                     remove={invoices[0]: "300.00"}, reason="Disputed"))
    send(services, RecordAdjustment(customer_id=debit, amount="50.00", currency="RUB",
                                    reason="Late fee"))
    send(services, RecordAdjustment(customer_id=credit, amount="-1200.00", currency="RUB",
                                    reason="Goodwill"))
    assert sorted(aged(services, AS_OF)) == [
        ("CREDIT", 100000, -100000, 0), ("DEBIT", 100000, 5000, 105000),
        ("FREE", 100000, -30000, 70000)]
    balances = {r["external_key"]: r["debt"] for r in queries.debts(services.store).items}
    assert balances == {"DEBIT": 105000, "FREE": 70000}


# -- statement of account --------------------------------------------------------------------


def a_quarter(services: Services) -> UUID:
    """January: invoice 1000, payment 1500. February: refund 200, invoice 1000 (300 from
    credit), adjustment −50, write-off 100. March: payment 600."""
    customer = register(services)
    invoice_due(services, customer, date(2026, 1, 25))             # issued 15 Jan
    pay(services, customer, "1500.00", date(2026, 1, 20))
    on(services, date(2026, 2, 5))
    send(services, RefundPayment(customer_id=customer, amount="200.00", currency="RUB",
                                 reason="Возврат части аванса"))
    february = invoice_due(services, customer, date(2026, 2, 20))  # issued 10 Feb
    on(services, date(2026, 2, 12))
    send(services, RecordAdjustment(customer_id=customer, amount="-50.00", currency="RUB",
                                    reason="Компенсация простоя"))
    on(services, date(2026, 2, 20))
    send(services, WriteOffDebt(customer_id=customer, invoice_id=february, amount="100.00",
                                reason="Спор урегулирован", approver="boris"))
    pay(services, customer, "600.00", date(2026, 3, 3))
    services.runner.catch_up()
    return customer


def test_a_statement_runs_from_the_opening_to_the_closing_balance(services: Services) -> None:
    customer = a_quarter(services)
    found = queries.statement(services.store, str(customer), date(2026, 2, 1),
                              date(2026, 2, 28))
    assert found is not None
    assert [(r["occurred_on"], r["kind"], r["debit"], r["credit"], r["balance"])
            for r in found["lines"]] == [
        ("2026-02-05", "refund", 20000, 0, -30000),
        ("2026-02-10", "invoice", 100000, 0, 70000),
        ("2026-02-12", "adjustment", 0, 5000, 65000),
        ("2026-02-20", "write_off", 0, 10000, 55000),
    ]
    assert found["totals"] == [{"currency": "RUB", "opening": -50000, "closing": 55000,
                                "debit": 120000, "credit": 15000}]


def test_the_closing_balance_of_the_whole_history_is_the_customers_balance(
    services: Services,
) -> None:
    customer = a_quarter(services)
    found = queries.statement(services.store, str(customer), date(2026, 1, 1),
                              date(2026, 12, 31))
    assert found is not None
    (total,) = found["totals"]
    book = services.ledger.customer(customer, fresh=True).state.balances["RUB"]
    assert total["opening"] == 0
    assert total["closing"] == book.net_minor == -5000
