"""Quirks seen in real 1C files, reproduced in small synthetic files, one per test."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.bankfiles import UnreadableStatement, parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import CUSTOMER_ACCOUNT, OUR_ACCOUNT, onec_document, onec_file


def test_an_incoming_payment_to_our_account_is_read_in_full() -> None:
    statement = parse_statement(onec_file(onec_document()))

    (line,) = statement.lines
    assert (line.direction, line.account, line.number) == ("in", OUR_ACCOUNT, "7")
    assert line.amount == Money(150000, "RUB")
    assert line.booked_on == date(2026, 1, 12)
    assert (line.counterparty_name, line.counterparty_inn, line.counterparty_kpp) == (
        'ООО "Ромашка"',
        "7707049388",
        "770701001",
    )
    assert (line.counterparty_account, line.counterparty_bik) == (CUSTOMER_ACCOUNT, "044525225")
    assert line.purpose == "Оплата по счету №42 за услуги. Без НДС"
    assert (line.kind, line.operation_code, line.occurrence) == ("Платежное поручение", "01", 1)
    assert statement.warnings == ()


def test_latin_look_alike_letters_in_a_key_are_folded_and_reported() -> None:
    document = ["Cумма=99.00" if line.startswith("Сумма=") else line for line in onec_document()]

    statement = parse_statement(onec_file(document))

    assert statement.lines[0].amount == Money(9900, "RUB")
    assert (
        "line 10: key 'Cумма' has Latin look-alike letters, read as 'Сумма'" in statement.warnings
    )


def test_a_cp866_file_is_recognised_without_a_warning() -> None:
    statement = parse_statement(onec_file(onec_document(), encoding="cp866", declared="DOS"))

    assert statement.encoding == "cp866"
    assert statement.lines[0].counterparty_name == 'ООО "Ромашка"'
    assert statement.warnings == ()


def test_a_utf8_file_that_claims_windows_is_read_as_utf8_with_a_warning() -> None:
    statement = parse_statement(onec_file(onec_document(), encoding="utf-8"))

    assert statement.encoding == "utf-8"
    assert statement.lines[0].purpose.startswith("Оплата по счету")
    assert "line 3: Кодировка=Windows declares cp1251, but the text is utf-8" in statement.warnings


def test_lf_line_endings_are_accepted_with_a_warning() -> None:
    statement = parse_statement(onec_file(onec_document(), newline="\n"))

    assert len(statement.lines) == 1
    assert "line endings are LF, not CRLF as the standard says" in statement.warnings


def test_a_file_cut_off_inside_a_document_is_refused() -> None:
    cut = onec_file(onec_document(), end=False)[:-40]

    with pytest.raises(UnreadableStatement, match="cut off inside the СекцияДокумент"):
        parse_statement(cut)


def test_a_file_without_its_end_marker_after_a_whole_document_is_read() -> None:
    statement = parse_statement(onec_file(onec_document(), end=False))

    assert len(statement.lines) == 1
    assert "the file ends at line 21 without КонецФайла" in statement.warnings


def test_empty_and_zero_values_mean_absent() -> None:
    document = [line.replace("=7707049388", "=0") for line in onec_document()]
    document.insert(-1, "ПлательщикКПП=")

    line = parse_statement(onec_file(document)).lines[0]

    assert (line.counterparty_inn, line.counterparty_kpp) == (None, "770701001")


def test_a_whole_number_amount_is_read_as_rubles_with_a_warning() -> None:
    statement = parse_statement(onec_file(onec_document(amount="1500")))

    assert statement.lines[0].amount == Money(150000, "RUB")
    assert "line 10: whole-number amounts without kopecks" in statement.warnings


def test_the_account_number_decides_the_currency() -> None:
    usd_account = "40702840000000000001"
    document = onec_document(recipient_account=usd_account)

    line = parse_statement(onec_file(document), own_accounts=frozenset({usd_account})).lines[0]

    assert (line.account, line.amount) == (usd_account, Money(150000, "USD"))


def test_an_unknown_currency_code_in_our_account_reads_as_rubles_with_a_warning() -> None:
    odd_account = "40702999000000000001"
    document = onec_document(recipient_account=odd_account)

    statement = parse_statement(onec_file(document), own_accounts=frozenset({odd_account}))

    assert statement.lines[0].amount.currency == "RUB"
    assert any("names no currency we know" in w for w in statement.warnings)


def test_a_document_without_an_amount_is_skipped_with_a_warning() -> None:
    document = [line for line in onec_document() if not line.startswith("Сумма=")]

    statement = parse_statement(onec_file(document, onec_document(number="8")))

    assert [line.number for line in statement.lines] == ["8"]
    assert "line 7: document skipped: no valid Сумма or Дата" in statement.warnings


def test_a_payment_between_strangers_follows_its_credit_date() -> None:
    document = onec_document(recipient_account="40702810500000000002")

    statement = parse_statement(onec_file(document))

    assert statement.lines[0].direction == "in"
    assert any("taken as incoming from ДатаПоступило" in w for w in statement.warnings)


def test_a_purpose_split_into_numbered_lines_is_joined() -> None:
    document = [line for line in onec_document() if not line.startswith("НазначениеПлатежа=")]
    document[-1:-1] = ["НазначениеПлатежа1=Оплата по счету", "НазначениеПлатежа2=№42"]

    assert parse_statement(onec_file(document)).lines[0].purpose == "Оплата по счету №42"


def test_a_document_kind_missing_everywhere_comes_from_the_payment_code() -> None:
    statement = parse_statement(onec_file(onec_document(kind="")))

    assert statement.lines[0].kind == "Платежное поручение"
    assert (
        "line 7: СекцияДокумент names no document kind;"
        " assumed 'Платежное поручение' from ВидОплаты=01"
    ) in statement.warnings


def test_blank_lines_before_the_magic_line_are_tolerated() -> None:
    statement = parse_statement(b"\r\n" + onec_file(onec_document()))

    assert len(statement.lines) == 1
    assert statement.warnings[0] == "line 1: blank before 1CClientBankExchange"
