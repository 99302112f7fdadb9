"""The unmatched queue: an accountant resolves a bank line to a customer, or dismisses it.

Who decided and why is recorded on the line's history; a resolution and the payment it
makes are saved together. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from commands.dismiss_bank_payment import DismissBankPayment
from commands.resolve_bank_payment import ResolveBankPayment
from ledger.banking import BankPaymentNotFound, BankPaymentNotQueued
from ledger.errors import CurrencyMismatch
from projections import queries
from tests.support.bank import billed, invoice, paid, run_import, sample, statement
from tests.support.dsl import event_names, register, send
from tests.unit.bankfiles.samples import KL_TO_1C

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services


def ambiguous_line(services: Services) -> tuple[UUID, UUID, UUID]:
    """Two customers under one ИНН and a 10 000.00 payment from it: (line, first, second)."""
    first = billed(services, "branch-1")
    second = billed(services, "branch-2")
    (row,) = run_import(services, statement(paid("7", "10000.00", "Оплата услуг"))).rows
    assert row.status == "ambiguous"
    return row.bank_payment_id, first.customer_id, second.customer_id


def resolve(services: Services, line: UUID, customer: UUID, **fields: object) -> object:
    command = ResolveBankPayment.model_validate({
        "bank_payment_id": line, "customer_id": customer,
        "reason": "the payer's letter names branch 2", **fields})
    return send(services, command, actor="accountant:anna")


def test_a_resolution_records_who_and_why_and_pays_the_customer(services: Services) -> None:
    line, first, second = ambiguous_line(services)

    resolve(services, line, second)

    assert event_names(services, line) == ["BankPaymentImported", "BankPaymentResolved"]
    resolved = services.ledger.history(line)[-1]
    assert (resolved.meta.actor, resolved.meta.reason) == (
        "accountant:anna", "the payer's letter names branch 2")
    book = services.ledger.customer(second, fresh=True)
    (payment,) = book.state.payments.values()
    assert (payment.amount, payment.received_on.isoformat()) == (1000000, "2026-01-12")
    assert book.state.balances["RUB"].net_minor == 0
    assert services.ledger.customer(first, fresh=True).state.payments == {}
    services.runner.catch_up()
    (row,) = queries.bank_payments(services.store).items
    assert (row["status"], row["customer_id"], row["actor"]) == (
        "resolved", str(second), "accountant:anna")


def test_a_resolution_may_name_the_invoices_to_settle(services: Services) -> None:
    line, _, second = ambiguous_line(services)
    later = invoice(services, second, "10000.00")

    resolve(services, line, second, invoice_ids=[later.invoice_id])

    book = services.ledger.customer(second, fresh=True)
    (payment,) = book.state.payments.values()
    assert payment.allocations == {later.invoice_id: 1000000}


def test_a_line_is_resolved_only_once(services: Services) -> None:
    line, first, second = ambiguous_line(services)
    resolve(services, line, second)

    with pytest.raises(BankPaymentNotQueued, match="is resolved"):
        resolve(services, line, first)


def test_a_skipped_or_matched_line_cannot_be_resolved(services: Services) -> None:
    romashka = billed(services, "romashka")
    (matched,) = run_import(services, statement(paid("7", "100.00", "Оплата"))).rows
    fee = run_import(services, sample(KL_TO_1C), own_accounts=[]).rows[0]

    for line in (matched.bank_payment_id, fee.bank_payment_id):
        with pytest.raises(BankPaymentNotQueued):
            resolve(services, line, romashka.customer_id)


def test_a_refused_payment_leaves_the_line_in_the_queue(services: Services) -> None:
    line, _, _ = ambiguous_line(services)
    euro = register(services, "euro-client", currency="EUR")

    with pytest.raises(CurrencyMismatch):
        resolve(services, line, euro)

    assert event_names(services, line) == ["BankPaymentImported"]


def test_dismissal_takes_the_line_off_the_queue_with_its_reason(services: Services) -> None:
    line, first, _ = ambiguous_line(services)

    send(services, DismissBankPayment(bank_payment_id=line, reason="a refund from a supplier"),
         actor="accountant:anna")

    dismissed = services.ledger.history(line)[-1]
    assert type(dismissed).__name__ == "BankPaymentDismissed"
    assert dismissed.meta.reason == "a refund from a supplier"
    with pytest.raises(BankPaymentNotQueued, match="is dismissed"):
        resolve(services, line, first)
    services.runner.catch_up()
    assert queries.bank_payments(services.store, statuses=("unmatched", "ambiguous")).items == []


def test_an_unknown_line_is_not_found(services: Services) -> None:
    _, first, _ = ambiguous_line(services)

    with pytest.raises(BankPaymentNotFound):
        resolve(services, first, first)  # a customer's id is no bank line's


def test_the_bank_view_rebuilt_from_the_log_equals_the_one_kept_up_to_date(
    services: Services,
) -> None:
    line, _, second = ambiguous_line(services)
    run_import(services, sample(KL_TO_1C), own_accounts=[])
    resolve(services, line, second)
    services.runner.catch_up()
    incremental = services.store.query("SELECT * FROM view_bank_payments ORDER BY 1")

    services.runner.rebuild("bank_payments")

    assert services.store.query("SELECT * FROM view_bank_payments ORDER BY 1") == incremental
    assert {row["status"] for row in incremental} == {"resolved", "skipped"}
