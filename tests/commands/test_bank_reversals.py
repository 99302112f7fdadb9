"""Reversals: the bank takes a credit back, or gives our own payment back.

A reversal is never a customer's payment. One that returns our payment is skipped; one
that takes back a customer's credit waits in the queue, naming the line it reverses when
the import finds it, for the accountant to record a chargeback on that payment and dismiss
the line (it cannot be resolved into a payment). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from commands.dismiss_bank_payment import DismissBankPayment
from commands.resolve_bank_payment import ResolveBankPayment
from ledger.banking import BankPayment, BankReversalIsNoPayment
from tests.support.bank import ROMASHKA_INN, billed, camt, entry, run_import, transfer
from tests.support.dsl import event_names, send

if TYPE_CHECKING:
    from api.bootstrap import Services

SUPPLIER_INN = "7701000001"


def test_a_reversal_of_a_matched_credit_waits_in_the_queue_naming_the_payment(
    services: Services,
) -> None:
    romashka = billed(services, "romashka")
    credit = transfer("10000.00", "ООО Ромашка", ROMASHKA_INN,
                      f"Оплата по счету {romashka.number}", "A1")
    (paid,) = run_import(services, camt(entry("10000.00", "CRDT", credit))).rows
    assert paid.status == "matched"

    (row,) = run_import(services, camt(entry("10000.00", "DBIT", credit, reversal=True,
                                             ref="E2", on="2026-01-13"))).rows

    assert (row.status, row.direction, row.customer_id) == ("unmatched", "out", None)
    assert row.reason == (f"reversal of bank line №A1 of 2026-01-12: the bank took back payment"
                          f" {paid.payment_id}; record a chargeback on it, then dismiss this line")
    line = services.ledger.load(row.bank_payment_id, BankPayment).state
    assert (line.reverses, line.accepted, line.line.reversal) == (
        paid.bank_payment_id, False, True)
    assert len(services.ledger.customer(romashka.customer_id, fresh=True).state.payments) == 1


def test_a_reversal_whose_credit_is_not_found_still_reaches_the_queue(
    services: Services,
) -> None:
    credit = transfer("10000.00", "ООО Ромашка", ROMASHKA_INN, "Оплата", "A9")

    (row,) = run_import(services, camt(entry("10000.00", "DBIT", credit, reversal=True))).rows

    assert row.status == "unmatched"
    assert row.reason.startswith("reversal of an earlier credit: the bank took a customer's"
                                 " payment back")


def test_a_reversal_is_dismissed_not_resolved(services: Services) -> None:
    romashka = billed(services, "romashka")
    credit = transfer("10000.00", "ООО Ромашка", ROMASHKA_INN, "Оплата", "A1")
    (row,) = run_import(services, camt(entry("10000.00", "DBIT", credit, reversal=True))).rows

    with pytest.raises(BankReversalIsNoPayment):
        send(services, ResolveBankPayment.model_validate({
            "bank_payment_id": row.bank_payment_id, "customer_id": romashka.customer_id,
            "reason": "the customer's payment"}))
    send(services, DismissBankPayment(bank_payment_id=row.bank_payment_id,
                                      reason="chargeback recorded on the payment"))

    assert event_names(services, row.bank_payment_id) == [
        "BankPaymentImported", "BankPaymentDismissed"]
    assert services.ledger.customer(romashka.customer_id, fresh=True).state.payments == {}


def test_our_payment_coming_back_is_skipped_even_from_a_customers_inn(
    services: Services,
) -> None:
    romashka = billed(services, "romashka", inn=SUPPLIER_INN)
    returned = transfer("500.00", "ООО Поставщик", SUPPLIER_INN,
                        "Возврат платежа: неверные реквизиты", "R1")

    (row,) = run_import(services, camt(entry("500.00", "CRDT", returned, reversal=True))).rows

    assert (row.status, row.reason) == ("skipped", "reversal of our own payment")
    assert services.ledger.customer(romashka.customer_id, fresh=True).state.payments == {}
