"""The balance identity and the never-negative amount of a bank line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ledger.bankfiles import AccountBalance, BankLine, Statement
from ledger.errors import InvalidAmount
from ledger.money import Money


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


BALANCED = AccountBalance(
    account="40702810000000074935",
    currency="RUB",
    opening=rub("100.00"),
    closing=rub("120.00"),
    total_in=rub("50.00"),
    total_out=rub("30.00"),
)


def test_a_balance_that_adds_up_has_no_problem() -> None:
    assert BALANCED.problem() is None


def test_a_balance_that_does_not_add_up_says_by_how_much() -> None:
    assert replace(BALANCED, closing=rub("119.99")).problem() == (
        "account 40702810000000074935: opening 100.00 RUB + in 50.00 RUB - out 30.00 RUB"
        " = 120.00 RUB, but the closing balance is 119.99 RUB"
    )


def test_a_balance_is_only_checked_when_all_four_figures_are_stated() -> None:
    assert replace(BALANCED, total_in=None).problem() is None
    assert replace(BALANCED, closing=None).problem() is None


def test_consecutive_statements_must_connect() -> None:
    second = replace(BALANCED, opening=rub("120.01"), closing=rub("140.01"))
    statement = Statement(format="1c", accounts=(BALANCED, second), lines=())

    assert statement.balance_problems() == [
        (
            "account 40702810000000074935: opens at 120.01 RUB"
            " but the previous statement closed at 120.00 RUB"
        )
    ]


def test_a_bank_line_refuses_a_negative_amount() -> None:
    with pytest.raises(InvalidAmount):
        BankLine(
            account="40702810000000074935",
            booked_on=date(2026, 1, 12),
            number="1",
            amount=rub("-1.00"),
            direction="in",
            counterparty_name=None,
            counterparty_inn=None,
            counterparty_kpp=None,
            counterparty_account=None,
            counterparty_bik=None,
            purpose="",
            kind="",
            raw="",
        )
