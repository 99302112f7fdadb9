"""Formats are recognised by content; anything that is not a statement is refused."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest

from ledger.bankfiles import UnreadableStatement, parse_statement
from tests.unit.bankfiles.samples import (
    CAMT_V02,
    CAMT_V08,
    KL_TO_1C,
    MT940_ABNAMRO,
    MT940_SEPA,
    OCA_1C,
    TO_BANK_1C,
    onec_document,
    onec_file,
)

if TYPE_CHECKING:
    from collections.abc import Callable


@pytest.mark.parametrize(
    ("name", "expected_format", "expected_lines"),
    [
        (KL_TO_1C, "1c", 3),
        (OCA_1C, "1c", 5),
        (TO_BANK_1C, "1c", 2),
        (MT940_ABNAMRO, "mt940", 10),
        (MT940_SEPA, "mt940", 11),
        (CAMT_V02, "camt.053", 4),
        (CAMT_V08, "camt.053", 1),
    ],
)
def test_every_sample_is_recognised(
    name: str, expected_format: str, expected_lines: int, sample: Callable[[str], bytes]
) -> None:
    statement = parse_statement(sample(name))

    assert statement.format == expected_format
    assert len(statement.lines) == expected_lines


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b" \r\n\t\n", "empty"),
        (b"".join(hashlib.sha256(bytes([n])).digest() for n in range(64)), "binary"),
        (b"%PDF-1.7\n" + bytes(range(1, 9)) * 20, "binary"),
        (b"Dear customer,\nyour statement is attached.\n", "not a bank statement format"),
        (b"<?xml version='1.0'?><Document><BkToCstmrStmt><Stmt>", "broken or cut off"),
    ],
    ids=["empty", "whitespace", "random bytes", "control bytes", "a letter", "truncated xml"],
)
def test_what_is_not_a_statement_is_unreadable(data: bytes, why: str) -> None:
    with pytest.raises(UnreadableStatement, match=why) as raised:
        parse_statement(data)

    assert raised.value.field == "file"
    assert raised.value.title == "Unreadable bank statement"


def test_a_utf16_file_is_re_encoded_with_a_warning() -> None:
    data = onec_file(onec_document(), encoding="utf-8").decode().encode("utf-16")

    statement = parse_statement(data)

    assert len(statement.lines) == 1
    assert statement.warnings[0] == "the file is UTF-16; read as UTF-8"


def test_a_statement_for_an_account_we_do_not_own_is_flagged(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(CAMT_V02), own_accounts=frozenset({"NL00TEST0000000000"}))

    assert (
        statement.warnings[0]
        == "account NL77ABNA0574908765 is not one of the configured own accounts"
    )


def test_a_configured_account_is_matched_whatever_its_spacing(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(
        sample(CAMT_V02), own_accounts=frozenset({"nl77 abna 0574 9087 65"})
    )

    assert not any("not one of the configured" in w for w in statement.warnings)
