"""The three real 1C samples read with the expected documents, balances and warnings."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ledger.bankfiles import parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import KL_TO_1C, OCA_1C, TO_BANK_1C

if TYPE_CHECKING:
    from collections.abc import Callable


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


def test_kl_to_1c_is_a_cp1251_statement_of_three_outgoing_documents(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(KL_TO_1C))

    assert (statement.format, statement.encoding) == ("1c", "cp1251")
    assert [line.kind for line in statement.lines] == [
        "Банковский ордер",
        "Платежное поручение",
        "Платежное поручение",
    ]
    assert [line.direction for line in statement.lines] == ["out", "out", "out"]
    assert [line.amount for line in statement.lines] == [
        rub("6936.00"),
        rub("13056.00"),
        rub("150000.00"),
    ]
    assert [line.booked_on for line in statement.lines] == [
        date(2024, 1, 1),
        date(2024, 1, 9),
        date(2024, 1, 10),
    ]


def test_kl_to_1c_balances_add_up(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(KL_TO_1C))

    (account,) = statement.accounts
    assert account.account == "40702810000000074935"
    assert (account.opening, account.total_in, account.total_out, account.closing) == (
        rub("252842.49"),
        rub("616050.00"),
        rub("789647.44"),
        rub("79245.05"),
    )
    assert rub("252842.49") + rub("616050.00") - rub("789647.44") == rub("79245.05")
    assert account.problem() is None
    assert statement.balance_problems() == []


def test_kl_to_1c_warns_about_its_quirks(sample: Callable[[str], bytes]) -> None:
    warnings = parse_statement(sample(KL_TO_1C)).warnings

    assert "line 57: trailing spaces stripped" in warnings
    assert any(
        w.startswith("line 86: neither the payer account 40702810000000077777") for w in warnings
    )
    assert any("documents may be missing" in w for w in warnings)


def test_kl_to_1c_keeps_the_bank_fee_order_and_its_raw_text(sample: Callable[[str], bytes]) -> None:
    fee = parse_statement(sample(KL_TO_1C)).lines[0]

    assert (fee.number, fee.operation_code) == ("69147", "17")
    assert fee.counterparty_inn == "7702070139"
    assert fee.counterparty_account == "47422810119484000074"
    assert fee.raw.startswith("СекцияДокумент=Банковский ордер\nНомер=69147\nДата=01.01.2024\n")
    assert fee.raw.endswith("\nКонецДокумента")


def test_configuring_the_recipient_account_turns_its_payment_incoming(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(KL_TO_1C), own_accounts=frozenset({"40702810267020000630"}))

    second = statement.lines[1]
    assert (second.direction, second.account) == ("in", "40702810267020000630")
    assert second.counterparty_inn == "7123456789"
    assert second.booked_on == date(2024, 1, 9)  # ДатаПоступило is empty: falls back to Дата
    assert "line 86: no ДатаПоступило; booked on the document date (Дата)" in statement.warnings


def test_oca_sample_reads_five_documents_despite_its_dirt(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(OCA_1C))

    assert len(statement.lines) == 5
    assert {line.direction for line in statement.lines} == {"out"}
    assert {line.account for line in statement.lines} == {"40702810000000000041"}
    assert statement.lines[0].counterparty_inn == "7736654321"  # the TAB is gone
    assert "\nПолучательИНН=7736654321\t\n" in statement.lines[0].raw  # but kept for audit
    assert "Cумма" in statement.lines[0].purpose  # kept as written, Latin C and all
    assert statement.balance_problems() == []


def test_oca_sample_warns_about_each_quirk(sample: Callable[[str], bytes]) -> None:
    warnings = parse_statement(sample(OCA_1C)).warnings

    assert "line 2: ВерсияФормата=1.01, not one of 1.02, 1.03" in warnings
    assert (
        "line 3: unknown Кодировка 'Wirdows' (expected Windows or DOS); the text reads as cp1251"
        in warnings
    )
    assert "line 53: КонецДокумента outside a section ignored (a duplicate?)" in warnings
    assert "line 36: trailing TABs stripped" in warnings
    assert "lines 42, 47, 88, 90, 124, 128, 162: trailing spaces stripped" in warnings
    assert "line 48: НазначениеПлатежа mixes Latin and Cyrillic letters in 'Cумма'" in warnings
    assert "lines 16, 17: whole-number amounts without kopecks" in warnings


def test_oca_account_section_balances_hold_with_whole_number_amounts(
    sample: Callable[[str], bytes],
) -> None:
    section = parse_statement(sample(OCA_1C)).accounts[0]

    assert section.account == "40702810435100027397"
    assert (section.opening, section.total_in, section.total_out, section.closing) == (
        rub("51562.78"),
        rub("0"),
        rub("25560"),
        rub("26002.78"),
    )
    assert (section.period_start, section.period_end) == (date(2015, 10, 1), date(2015, 10, 8))


def test_to_bank_reads_its_utf8_end_line_and_missing_kinds(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(TO_BANK_1C))

    assert [line.number for line in statement.lines] == ["1", "2"]
    assert {line.kind for line in statement.lines} == {"Платежное поручение"}
    assert statement.lines[1].purpose == "За товары, по счету №777 на сумму 375-25 Plus NDS 111-16"
    warnings = statement.warnings
    assert "line 75: UTF-8 text inside a cp1251 file, read as UTF-8" in warnings
    assert "mixed line endings: lines 1, 75 end in LF, the other 73 in CRLF" in warnings
    assert (
        "line 10: СекцияДокумент names no document kind;"
        " assumed 'Платежное поручение' from the header's Документ="
    ) in warnings
    assert not any("without КонецФайла" in w for w in warnings)


def test_to_bank_payment_orders_are_outgoing_from_our_configured_account(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(TO_BANK_1C))

    assert {line.direction for line in statement.lines} == {"out"}
    assert statement.lines[0].counterparty_inn == "111122223344"
    assert statement.lines[0].counterparty_name == "ИП Иванов А.А."
    assert any("taken as outgoing" in w for w in statement.warnings)
