"""Only incoming payments from others are accepted; everything else says why it is skipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest

from ledger.bankfiles import BankLine, Decision, classify, parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import (
    CAMT_V02,
    KL_TO_1C,
    OUR_ACCOUNT,
    onec_document,
    onec_file,
)

if TYPE_CHECKING:
    from collections.abc import Callable

OURS = frozenset({OUR_ACCOUNT})
OUR_INN = "7123456777"


def payment() -> BankLine:
    return parse_statement(onec_file(onec_document())).lines[0]


def test_an_incoming_payment_from_a_customer_is_accepted() -> None:
    assert classify(payment(), OURS, OUR_INN) == Decision(accept=True, reason="incoming payment")


def test_the_kl_to_1c_documents_are_a_bank_fee_and_two_outgoing_payments(
    sample: Callable[[str], bytes],
) -> None:
    lines = parse_statement(sample(KL_TO_1C)).lines

    assert [classify(line, OURS, OUR_INN).reason for line in lines] == [
        "bank fee",
        "outgoing",
        "outgoing",
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount": Money(0, "RUB")}, "zero amount"),
        ({"direction": "out"}, "outgoing"),
        ({"operation_code": "17"}, "bank fee"),
        ({"kind": "Мемориальный ордер"}, "bank fee"),
        ({"kind": "ACMT/MDOP/CHRG"}, "bank fee"),
        ({"kind": "NCHG"}, "bank fee"),
        ({"counterparty_account": "40702 810 000 000 074 935"}, "internal transfer"),
        ({"counterparty_inn": OUR_INN}, "internal transfer"),
    ],
)
def test_other_lines_are_skipped_with_a_reason(change: dict[str, object], reason: str) -> None:
    line = replace(payment(), **change)  # type: ignore[arg-type]

    assert classify(line, OURS, OUR_INN) == Decision(accept=False, reason=reason)


def test_a_camt_credit_transfer_is_accepted_and_direct_debits_are_outgoing(
    sample: Callable[[str], bytes],
) -> None:
    lines = parse_statement(sample(CAMT_V02)).lines

    assert [classify(line, frozenset({"NL77ABNA0574908765"}), None).accept for line in lines] == [
        False,
        False,
        False,
        True,
    ]


def test_without_our_inn_a_matching_empty_inn_is_not_internal() -> None:
    line = replace(payment(), counterparty_inn=None, booked_on=date(2026, 1, 13))

    assert classify(line, OURS, None).accept


def test_a_reversal_of_our_own_payment_is_money_back_not_a_customer_payment() -> None:
    line = replace(payment(), reversal=True)  # direction "in": our debit comes back

    assert classify(line, OURS, OUR_INN) == Decision(
        accept=False, reason="reversal of our own payment")


def test_a_reversal_of_a_credit_is_no_payment_but_goes_to_the_queue() -> None:
    line = replace(payment(), direction="out", reversal=True)  # the bank takes money back

    decision = classify(line, OURS, OUR_INN)

    assert (decision.accept, decision.queue) == (False, True)
    assert decision.reason.startswith("reversal of an earlier credit: the bank took a"
                                      " customer's payment back")
