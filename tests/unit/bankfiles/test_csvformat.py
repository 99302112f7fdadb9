"""Our own CSV format: sniffed delimiter and encoding, bad rows skipped with a warning."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.bankfiles import UnreadableStatement, parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import OUR_ACCOUNT

HEADER = (
    "date,number,amount,currency,direction,payer_name,payer_inn,payer_kpp,payer_account,purpose"
)
OURS = frozenset({OUR_ACCOUNT})


def test_a_comma_separated_utf8_file_is_read() -> None:
    data = (
        f"{HEADER}\n"
        '2026-01-12,15,1500.00,RUB,in,"ООО ""Ромашка""",7707049388,770701001,'
        "40702810900000012345,Оплата по счету №42\n"
    ).encode()

    statement = parse_statement(data, own_accounts=OURS)

    (line,) = statement.lines
    assert (statement.format, statement.encoding) == ("csv", "utf-8")
    assert (line.account, line.booked_on, line.number) == (OUR_ACCOUNT, date(2026, 1, 12), "15")
    assert (line.amount, line.direction) == (Money(150000, "RUB"), "in")
    assert (line.counterparty_name, line.counterparty_inn) == ('ООО "Ромашка"', "7707049388")
    assert line.purpose == "Оплата по счету №42"
    assert statement.warnings == ()


def test_a_semicolon_cp1251_file_from_excel_is_read() -> None:
    header = HEADER.replace(",", ";")
    data = (f"{header}\r\n12.01.2026;16;1 234,56;;out;ИП Иванов;;;;Возврат аванса\r\n").encode(
        "cp1251"
    )

    statement = parse_statement(data, own_accounts=OURS)

    (line,) = statement.lines
    assert statement.encoding == "cp1251"
    assert (line.amount, line.direction) == (Money(123456, "RUB"), "out")
    assert line.counterparty_inn is None


def test_a_bom_marks_utf8_sig() -> None:
    data = f"{HEADER},account\n2026-01-12,1,10,EUR,in,A,,,,x,DE02100100100006820101\n"

    statement = parse_statement(b"\xef\xbb\xbf" + data.encode())

    assert statement.encoding == "utf-8-sig"
    assert statement.lines[0].amount == Money(1000, "EUR")
    assert statement.lines[0].account == "DE02100100100006820101"


def test_bad_rows_are_skipped_with_a_warning_naming_their_line() -> None:
    data = (
        f"{HEADER},colour\n"
        "2026-01-12,1,10.00,RUB,in,A,,,,ok,red\n"
        "2026-13-45,2,10.00,RUB,in,B,,,,bad date,red\n"
        "2026-01-12,3,10.001,RUB,in,C,,,,bad amount,red\n"
        "2026-01-12,4,10.00,RUB,sideways,D,,,,bad direction,red\n"
    ).encode()

    statement = parse_statement(data, own_accounts=OURS)

    assert [line.number for line in statement.lines] == ["1"]
    assert statement.warnings[0] == "line 1: unknown columns ignored: colour"
    assert statement.warnings[1] == "line 3: date '2026-13-45' is not a date; row skipped"
    assert statement.warnings[2].startswith("line 4: amount '10.001': ")
    assert statement.warnings[3] == (
        "line 5: direction 'sideways' is neither in nor out; row skipped"
    )


def test_a_header_without_required_columns_is_unreadable() -> None:
    with pytest.raises(UnreadableStatement, match="lacks number, currency"):
        parse_statement(b"date,amount,direction\n2026-01-12,1.00,in\n")


@pytest.mark.parametrize(("row", "cells"), [
    ("2026-01-12,7,1500.00,RUB,in,ООО Ромашка, филиал,7707049388,770701001,"
     "40702810900000012345,Оплата по счету LBX-2026-000001", 11),
    ("2026-01-12,7,1500.00,RUB,in,ООО Ромашка,7707049388", 7),
], ids=["unquoted comma in a name", "row cut short"])
def test_a_row_with_another_number_of_cells_than_the_header_is_skipped(
    row: str, cells: int,
) -> None:
    data = f"{HEADER}\n{row}\n2026-01-12,8,10.00,RUB,in,B,,,,ok\n".encode()

    statement = parse_statement(data, own_accounts=OURS)

    assert [line.number for line in statement.lines] == ["8"]
    assert statement.warnings == (
        f"line 2: {cells} cells, but the header has 10 columns (an unquoted ',' in a value?);"
        " row skipped",
    )
