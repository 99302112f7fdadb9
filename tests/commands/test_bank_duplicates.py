"""A payment typed in by hand, then the bank statement with the same money: paid once.

The import holds such a line in the queue as a possible duplicate (same currency and
amount, within three days, a payment not from a bank line and not yet claimed by one);
the accountant links it to that payment, records it as a new one, or dismisses it.
Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from commands.record_payment import RecordPayment
from commands.resolve_bank_payment import ResolveBankPayment
from ledger.banking import PAYMENT_ID_PREFIX, BankPayment, BankPaymentResolved
from ledger.customers.collections import BANK_PAYMENT_PREFIX
from ledger.errors import InvalidField, PossibleDuplicatePayment
from projections import queries
from tests.support.bank import billed, paid, run_import, statement
from tests.support.dsl import event_names, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.base import Outcome

HELD = ("possible duplicate of payment pp-17 of 2026-01-10 recorded by hand;"
        " link it or record it")


def typed_in(services: Services, customer: UUID, *, on: str = "2026-01-10",
             amount: str = "10000.00", payment_id: str = "pp-17") -> None:
    """An accountant types in a payment order from its scan."""
    send(services, RecordPayment.model_validate({
        "customer_id": customer, "amount": amount, "currency": "RUB", "received_on": on,
        "payment_id": payment_id, "reference": "п/п 17"}), actor="accountant:olga",
        source="web")


def bank_line(number: str, invoice_number: str, amount: str = "10000.00") -> list[str]:
    """The statement's line of the same money (credited on 12 January 2026)."""
    return paid(number, amount, f"Оплата по счету {invoice_number}")


def payments_of(services: Services, customer: UUID) -> list[str]:
    return list(services.ledger.customer(customer, fresh=True).state.payments)


def net(services: Services, customer: UUID) -> int:
    return services.ledger.customer(customer, fresh=True).state.balances["RUB"].net_minor


def resolve(services: Services, line: UUID, customer: UUID, **fields: object) -> Outcome:
    return send(services, ResolveBankPayment.model_validate({
        "bank_payment_id": line, "customer_id": customer,
        "reason": "the scan and the statement are one payment", **fields}),
        actor="accountant:anna")


def held_line(services: Services) -> tuple[UUID, UUID]:
    """Given a payment typed in on 10 January, when the statement of the 12th is imported."""
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id)
    (row,) = run_import(services, statement(bank_line("17", romashka.number))).rows
    return row.bank_payment_id, romashka.customer_id


def test_the_statement_line_of_a_typed_in_payment_waits_in_the_queue(
    services: Services,
) -> None:
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id)
    before = net(services, romashka.customer_id)

    report = run_import(services, statement(bank_line("17", romashka.number)))

    (row,) = report.rows
    assert (row.status, row.customer_id, row.payment_id) == (
        "unmatched", romashka.customer_id, None)
    assert row.reason.endswith(HELD)
    line = services.ledger.load(row.bank_payment_id, BankPayment).state
    assert line.duplicate_of == "pp-17"
    assert payments_of(services, romashka.customer_id) == ["pp-17"]
    assert net(services, romashka.customer_id) == before == 0
    services.runner.catch_up()
    (queued,) = queries.bank_payments(services.store, statuses=("unmatched",)).items
    assert queued["reason"].endswith(HELD)


def test_linking_resolves_the_line_and_moves_no_money(services: Services) -> None:
    line, customer = held_line(services)

    outcome = resolve(services, line, customer, existing_payment_id="pp-17")

    assert outcome.result["payment_id"] == "pp-17"
    assert event_names(services, line) == ["BankPaymentImported", "BankPaymentLinked"]
    assert event_names(services, customer)[-1] == "PaymentLinkedToBankLine"
    assert payments_of(services, customer) == ["pp-17"]
    assert net(services, customer) == 0
    services.runner.catch_up()
    (row,) = queries.bank_payments(services.store).items
    assert (row["status"], row["payment_id"], row["actor"], row["reason"]) == (
        "resolved", "pp-17", "accountant:anna", "the scan and the statement are one payment")
    last = queries.timeline(services.store, str(customer)).items[-1]["summary"]
    assert last.startswith("Payment pp-17 found on the bank statement")


def test_a_linked_payment_is_claimed_by_its_line(services: Services) -> None:
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id)
    first, second = run_import(services, statement(
        bank_line("17", romashka.number), bank_line("18", romashka.number))).rows
    assert first.reason.endswith(HELD)
    assert second.reason.endswith(HELD)
    resolve(services, first.bank_payment_id, romashka.customer_id, existing_payment_id="pp-17")

    with pytest.raises(InvalidField, match="already linked to bank line"):
        resolve(services, second.bank_payment_id, romashka.customer_id,
                existing_payment_id="pp-17")

    assert event_names(services, second.bank_payment_id) == ["BankPaymentImported"]
    (third,) = run_import(services, statement(bank_line("19", romashka.number))).rows
    assert third.status == "matched"  # the claimed payment is no candidate any more


def test_resolving_as_new_records_the_payment_once_told_it_is_another_one(
    services: Services,
) -> None:
    line, customer = held_line(services)

    outcome = resolve(services, line, customer, not_a_duplicate=True)

    payment_id = outcome.result["payment_id"]
    assert payments_of(services, customer) == ["pp-17", payment_id]
    assert net(services, customer) == -1000000
    assert event_names(services, line) == ["BankPaymentImported", "BankPaymentResolved"]
    resolved = services.ledger.history(line)[-1]
    assert isinstance(resolved, BankPaymentResolved)
    assert resolved.distinct_from == "pp-17"


def test_a_queued_line_is_not_resolved_into_a_second_payment_of_a_typed_in_one(
    services: Services,
) -> None:
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id, on="2026-01-11")
    # The director paid personally: no customer has the ИНН, so the line is not held.
    (row,) = run_import(services, statement(paid("17", "10000.00", "Оплата услуг",
                                                 inn="500100732259"))).rows
    assert (row.status, row.reason) == (
        "unmatched", "no customer has ИНН 500100732259; no invoice number of ours in the purpose")

    with pytest.raises(PossibleDuplicatePayment) as refused:
        resolve(services, row.bank_payment_id, romashka.customer_id)

    assert refused.value.extensions() == {
        "duplicate_of": {"payment_id": "pp-17", "received_on": "2026-01-11",
                         "reference": "п/п 17"},
        "override": "not_a_duplicate"}
    assert refused.value.detail == (
        "this bank line looks like payment pp-17 of 2026-01-11 (п/п 17), already recorded by"
        " hand with the same amount; link the line to it (existing_payment_id), or if it is"
        " another payment, send it again with not_a_duplicate")
    assert event_names(services, row.bank_payment_id) == ["BankPaymentImported"]
    assert payments_of(services, romashka.customer_id) == ["pp-17"]


def test_a_line_cannot_link_to_another_amount_or_to_a_bank_payment(
    services: Services,
) -> None:
    line, customer = held_line(services)
    typed_in(services, customer, amount="500.00", payment_id="pp-18")

    with pytest.raises(InvalidField, match="not of the bank line's amount"):
        resolve(services, line, customer, existing_payment_id="pp-18")
    with pytest.raises(ValueError, match="invoice_ids"):
        resolve(services, line, customer, existing_payment_id="pp-17", invoice_ids=["x"])

    assert event_names(services, line) == ["BankPaymentImported"]


@pytest.mark.parametrize(("on", "amount"), [("2026-01-07", "10000.00"),
                                             ("2026-01-17", "10000.00"),
                                             ("2026-01-12", "9999.99")])
def test_a_payment_days_apart_or_of_another_amount_is_no_duplicate(
    services: Services, on: str, amount: str,
) -> None:
    romashka = billed(services, "romashka", amount="20000.00")
    typed_in(services, romashka.customer_id, on=on, amount=amount)

    (row,) = run_import(services, statement(bank_line("17", romashka.number))).rows

    assert row.status == "matched"
    assert payments_of(services, romashka.customer_id) == ["pp-17", row.payment_id]


@pytest.mark.parametrize("on", ["2026-01-09", "2026-01-15"])
def test_three_days_either_way_is_a_possible_duplicate(services: Services, on: str) -> None:
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id, on=on)

    (row,) = run_import(services, statement(bank_line("17", romashka.number))).rows

    assert (row.status, row.payment_id) == ("unmatched", None)
    assert f"possible duplicate of payment pp-17 of {on} recorded by hand" in row.reason


def test_a_payment_from_another_bank_line_is_no_duplicate(services: Services) -> None:
    romashka = billed(services, "romashka", amount="20000.00")
    (first,) = run_import(services, statement(bank_line("17", romashka.number))).rows

    (second,) = run_import(services, statement(bank_line("18", romashka.number))).rows

    assert (first.status, second.status) == ("matched", "matched")
    assert PAYMENT_ID_PREFIX == BANK_PAYMENT_PREFIX


def test_the_same_statement_twice_is_still_held_once(services: Services) -> None:
    romashka = billed(services, "romashka")
    typed_in(services, romashka.customer_id)
    data = statement(bank_line("17", romashka.number))
    (first,) = run_import(services, data).rows

    (again,) = run_import(services, data).rows

    assert (first.status, again.status) == ("unmatched", "duplicate")
    assert again.bank_payment_id == first.bank_payment_id
    assert payments_of(services, romashka.customer_id) == ["pp-17"]
    services.runner.catch_up()
    assert len(queries.bank_payments(services.store, statuses=("unmatched",)).items) == 1

