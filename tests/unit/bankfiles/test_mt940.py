"""MT940 statements read through the mt-940 library into lines and balances."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from ledger.bankfiles import UnreadableStatement, parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import MT940_ABNAMRO, MT940_SEPA

if TYPE_CHECKING:
    from collections.abc import Callable


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_abnamro_reads_ten_debits_over_two_statements(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(MT940_ABNAMRO))

    assert statement.format == "mt940"
    assert len(statement.lines) == 10
    assert {line.direction for line in statement.lines} == {"out"}
    assert {line.account for line in statement.lines} == {"517852257"}
    assert [line.amount for line in statement.lines[:2]] == [eur("9.00"), eur("11.59")]
    assert statement.lines[6].amount == eur("107.00")  # "107," with a decimal comma
    first = statement.lines[0]
    assert first.booked_on == date(2011, 5, 24)
    assert first.purpose.startswith("GIRO 428428 KPN - DIGITENNE")
    assert first.purpose.endswith("BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW")
    assert first.raw.startswith(":61:1105240524D9,N192NONREF\n:86:GIRO")


def test_abnamro_balances_report_its_gaps(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(MT940_ABNAMRO))

    first, second = statement.accounts
    assert (first.opening, first.closing) == (eur("3236.28"), eur("876.84"))
    assert (second.opening, second.closing) == (eur("2876.84"), eur("1849.75"))
    assert statement.balance_problems() == [
        (
            "account 517852257: opening 3236.28 EUR + in 0.00 EUR - out 321.44 EUR = 2914.84 EUR,"
            " but the closing balance is 876.84 EUR"
        ),
        (
            "account 517852257: opening 2876.84 EUR + in 0.00 EUR - out 24.49 EUR = 2852.35 EUR,"
            " but the closing balance is 1849.75 EUR"
        ),
        "account 517852257: opens at 2876.84 EUR but the previous statement closed at 876.84 EUR",
    ]
    assert statement.warnings == (
        "statement 2: opening balance is intermediate (:60M:): the statement is split",
        "statement 2: closing balance is intermediate (:62M:): the statement is split",
    )


def test_sepa_reads_eleven_lines_with_structured_details(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(MT940_SEPA))

    assert len(statement.lines) == 11
    assert [line.direction for line in statement.lines].count("in") == 8
    first = statement.lines[0]
    assert (first.direction, first.amount) == ("in", eur("50990.05"))
    assert (first.counterparty_name, first.counterparty_account) == (
        "KARL KAUFMANN",
        "DE14508800500194785000",
    )
    assert (first.number, first.kind, first.operation_code) == ("0724710333343453", "NTRF", "166")
    assert first.purpose == "Verw CTSc-01 BC-PPP TFNr 22 004"
    assert statement.lines[4].purpose == (
        "EREF+TFNR 40001 00005MTLG:Grund nicht spezifiziert Reject aus SEPA-Ueberweisungsauftrag"
    )


def test_sepa_first_statement_reconciles_and_the_second_is_reported(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(MT940_SEPA))

    first, second = statement.accounts
    assert first.problem() is None
    assert (first.opening, first.closing) == (eur("766656.49"), eur("1125250.40"))
    assert second.opening == eur("-1970431.87")  # :60F:D, a debit balance
    assert statement.balance_problems() == [
        (
            "account 50880050/0194791600888: opening -1970431.87 EUR + in 1070651.81 EUR"
            " - out 3572569.11 EUR = -4472349.17 EUR, but the closing balance is -4472049.09 EUR"
        )
    ]


def test_a_tag_the_library_cannot_read_makes_the_file_unreadable() -> None:
    data = b":20:REF\n:25:123\n:28C:1/1\n:60F:C260112EUR10,00\n:61:garbage\n:62F:C260112EUR10,00\n-"

    with pytest.raises(UnreadableStatement, match="MT940 tag could not be read"):
        parse_statement(data)


REVERSALS = b""":20:STMT1
:25:40702810000000074935
:28C:1/1
:60F:C260101RUB1000,00
:61:2601120112RD500,00NTRFNONREF//REF1
:86:STORNO: our payment to supplier returned
:61:2601120112RC300,00NTRFNONREF//REF2
:86:STORNO of incoming payment LBX-2026-000001
:61:2601120112C200,00NTRFNONREF//REF3
:86:Payment LBX-2026-000002
:62F:C260112RUB1400,00
-
"""


def test_reversal_marks_make_reversals_with_a_warning_each() -> None:
    statement = parse_statement(REVERSALS)

    assert [(line.direction, line.reversal) for line in statement.lines] == [
        ("in", True), ("out", True), ("in", False)]
    assert statement.warnings == (
        "statement 1, transaction 1: a reversal (RD) of an earlier debit",
        "statement 1, transaction 2: a reversal (RC) of an earlier credit",
    )


def test_the_legacy_ruble_code_is_read_as_rubles_with_one_warning() -> None:
    statement = parse_statement(REVERSALS.replace(b"RUB", b"RUR"))

    assert {line.amount.currency for line in statement.lines} == {"RUB"}
    (account,) = statement.accounts
    assert (account.currency, account.opening) == ("RUB", Money(100000, "RUB"))
    assert statement.balance_problems() == []
    assert [w for w in statement.warnings if "RUR" in w] == [
        "currency RUR (a legacy code) read as RUB"]
