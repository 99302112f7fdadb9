"""A bank statement imported first, then the same payment typed in by hand: paid once.

Given a statement line of 10 000.00 credited on 12 January 2026 and matched to ООО Ромашка
(so the book holds the payment ``bank:…``), when an accountant types in a bank transfer of
the same currency and amount received within three days of it, then the ledger refuses it
(``PossibleDuplicatePayment``, naming the bank's payment) and writes nothing, unless the
accountant says it is another payment (``not_a_duplicate``): then it is recorded, and its
event says which payment it was told apart from. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from commands.record_payment import RecordPayment
from commands.resolve_bank_payment import ResolveBankPayment
from ledger.banking import payment_reference
from ledger.errors import CurrencyMismatch, DuplicateId, PossibleDuplicatePayment
from projections import queries
from tests.support.bank import billed, paid, run_import, statement
from tests.support.dsl import event_names, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.base import Outcome

BANK_REFERENCE = payment_reference("17", date(2026, 1, 12))


def typed_in(services: Services, customer: UUID, *, on: str = "2026-01-13",
             amount: str = "10000.00", key: str | None = None, **fields: Any) -> Outcome:
    """An accountant types in the payment order п/п 17 from its scan."""
    body = {"customer_id": customer, "amount": amount, "currency": "RUB", "received_on": on,
            "reference": "п/п 17", **fields}
    return send(services, RecordPayment.model_validate(body), key, actor="accountant:olga",
                source="web")


def imported(services: Services, key: str = "romashka") -> tuple[UUID, str]:
    """Given ООО Ромашка billed 10 000.00 and its statement line of the 12th imported."""
    romashka = billed(services, key)
    (row,) = run_import(services, statement(
        paid("17", "10000.00", f"Оплата по счету {romashka.number}"))).rows
    assert row.status == "matched"
    assert row.payment_id is not None
    return romashka.customer_id, row.payment_id


def payments_of(services: Services, customer: UUID) -> list[str]:
    return list(services.ledger.customer(customer, fresh=True).state.payments)


def test_the_payment_the_statement_brought_cannot_be_typed_in_again(
    services: Services,
) -> None:
    customer, bank_payment = imported(services)
    before = event_names(services, customer)

    with pytest.raises(PossibleDuplicatePayment) as refused:
        typed_in(services, customer)

    error = refused.value
    assert error.field == "amount"
    assert error.extensions() == {
        "duplicate_of": {"payment_id": bank_payment, "received_on": "2026-01-12",
                         "reference": BANK_REFERENCE},
        "override": "not_a_duplicate"}
    assert error.detail == (
        f"this looks like payment {bank_payment} of 2026-01-12 ({BANK_REFERENCE}), already"
        " recorded from the bank statement with the same amount; if it is another payment,"
        " send it again with not_a_duplicate")
    assert event_names(services, customer) == before
    assert payments_of(services, customer) == [bank_payment]


@pytest.mark.parametrize("on", ["2026-01-09", "2026-01-15"])
def test_three_days_either_way_is_a_possible_duplicate(services: Services, on: str) -> None:
    customer, bank_payment = imported(services)

    with pytest.raises(PossibleDuplicatePayment, match=f"payment {bank_payment} of 2026-01-12"):
        typed_in(services, customer, on=on)


@pytest.mark.parametrize(("on", "amount"), [("2026-01-08", "10000.00"),
                                             ("2026-01-16", "10000.00"),
                                             ("2026-01-12", "9999.99")])
def test_a_payment_days_apart_or_of_another_amount_is_recorded(
    services: Services, on: str, amount: str,
) -> None:
    customer, bank_payment = imported(services)

    outcome = typed_in(services, customer, on=on, amount=amount)

    assert outcome.events[0] == "PaymentReceived"
    assert payments_of(services, customer) == [bank_payment, outcome.result["payment_id"]]
    assert services.ledger.history(customer)[-len(outcome.events)].meta.reason is None


def test_a_payment_in_another_currency_is_the_books_to_refuse(services: Services) -> None:
    customer, _ = imported(services)

    with pytest.raises(CurrencyMismatch):
        send(services, RecordPayment(customer_id=customer, amount="10000.00", currency="USD",
                                     received_on=date(2026, 1, 12)))


def test_a_card_payment_through_a_gateway_is_no_statement_line(services: Services) -> None:
    customer, bank_payment = imported(services)

    outcome = typed_in(services, customer, method="card", payment_id="yookassa:2f1e")

    assert payments_of(services, customer) == [bank_payment, "yookassa:2f1e"]
    assert outcome.result["payment_id"] == "yookassa:2f1e"


def test_said_to_be_another_payment_it_is_recorded_and_the_event_says_so(
    services: Services,
) -> None:
    customer, bank_payment = imported(services)
    net_before = services.ledger.customer(customer).state.balances["RUB"].net_minor

    outcome = typed_in(services, customer, not_a_duplicate=True)

    payment = services.ledger.history(customer)[-len(outcome.events)]
    assert type(payment).__name__ == "PaymentReceived"
    assert payment.meta.reason == (
        f"not_a_duplicate: another payment than {bank_payment} of 2026-01-12 from the bank"
        " statement, of the same amount")
    assert payment.meta.actor == "accountant:olga"
    assert payments_of(services, customer) == [bank_payment, outcome.result["payment_id"]]
    state = services.ledger.customer(customer, fresh=True).state
    assert state.balances["RUB"].net_minor == net_before - 1000000
    services.runner.catch_up()
    reasons = [row["reason"] for row in queries.timeline(services.store, str(customer)).items]
    assert payment.meta.reason in reasons


def test_the_override_is_needed_only_when_there_is_a_possible_duplicate(
    services: Services,
) -> None:
    customer, _ = imported(services)

    outcome = typed_in(services, customer, on="2026-01-20", not_a_duplicate=True)

    assert services.ledger.history(customer)[-len(outcome.events)].meta.reason is None


def test_a_refused_payment_leaves_its_key_unspent(services: Services) -> None:
    customer, _ = imported(services)
    with pytest.raises(PossibleDuplicatePayment):
        typed_in(services, customer, key="web-form-1")

    outcome = typed_in(services, customer, key="web-form-1", not_a_duplicate=True)

    assert not outcome.replayed
    assert outcome.events[0] == "PaymentReceived"


def test_a_retry_of_a_recorded_payment_gets_its_outcome_not_a_refusal(
    services: Services,
) -> None:
    customer, _ = imported(services)
    first = typed_in(services, customer, key="k-17", not_a_duplicate=True)
    after = event_names(services, customer)

    again = typed_in(services, customer, key="k-17", not_a_duplicate=True)

    assert again.replayed
    assert again.result == first.result
    assert event_names(services, customer) == after


def test_a_retry_after_the_statement_was_recorded_as_new_money_gets_its_outcome(
    services: Services,
) -> None:
    """Typed in first, then its line recorded as new money by the accountant: a retry of
    the first request is no new payment like the line's, it is the same request."""
    romashka = billed(services, "romashka")
    first = typed_in(services, romashka.customer_id, key="k-17")
    (row,) = run_import(services, statement(
        paid("17", "10000.00", f"Оплата по счету {romashka.number}"))).rows
    assert row.status == "unmatched"  # held as a possible duplicate of the typed-in payment
    send(services, ResolveBankPayment(bank_payment_id=row.bank_payment_id,
                                      customer_id=romashka.customer_id,
                                      reason="the customer paid twice", not_a_duplicate=True))
    after = event_names(services, romashka.customer_id)

    again = typed_in(services, romashka.customer_id, key="k-17")

    assert again.replayed
    assert again.result == first.result
    assert event_names(services, romashka.customer_id) == after


def test_a_statement_line_linked_to_a_typed_in_payment_blocks_nothing(
    services: Services,
) -> None:
    romashka = billed(services, "romashka", amount="20000.00")
    typed_in(services, romashka.customer_id, payment_id="pp-17")
    (row,) = run_import(services, statement(
        paid("17", "10000.00", f"Оплата по счету {romashka.number}"))).rows
    send(services, ResolveBankPayment(bank_payment_id=row.bank_payment_id,
                                      customer_id=romashka.customer_id,
                                      existing_payment_id="pp-17", reason="one payment"))

    outcome = typed_in(services, romashka.customer_id, payment_id="pp-18",
                       reference="п/п 18")

    assert outcome.events[0] == "PaymentReceived"
    assert payments_of(services, romashka.customer_id) == ["pp-17", "pp-18"]


def test_a_payment_id_already_recorded_is_refused_as_such(services: Services) -> None:
    customer, bank_payment = imported(services)
    typed_in(services, customer, payment_id="pp-17", not_a_duplicate=True)

    with pytest.raises(DuplicateId):
        typed_in(services, customer, payment_id="pp-17")

    assert payments_of(services, customer) == [bank_payment, "pp-17"]


def test_a_request_sent_before_the_override_existed_keeps_its_fingerprint() -> None:
    """A retry across the upgrade still matches the key it was first recorded under."""
    command = RecordPayment(customer_id=uuid4(), amount="10.00", currency="RUB")
    before = command.model_dump_json(exclude={"not_a_duplicate"}).encode()

    assert command.fingerprint() == hashlib.sha256(b"RecordPayment\n" + before).hexdigest()
    assert command.model_copy(update={"not_a_duplicate": True}).fingerprint() != (
        command.fingerprint())
