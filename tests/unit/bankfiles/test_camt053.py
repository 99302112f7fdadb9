"""camt.053 statements, versions .001.02 and .001.08, read into lines and balances."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from ledger.bankfiles import UnreadableStatement, parse_statement
from ledger.money import Money
from tests.unit.bankfiles.samples import CAMT_V02, CAMT_V08

if TYPE_CHECKING:
    from collections.abc import Callable


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def test_v02_splits_its_batch_entry_into_four_lines(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(CAMT_V02))

    assert statement.format == "camt.053"
    assert [(line.direction, line.amount) for line in statement.lines] == [
        ("out", eur("754.25")),
        ("out", eur("564.05")),
        ("out", eur("100.00")),
        ("in", eur("1405.31")),
    ]
    assert {line.account for line in statement.lines} == {"NL77ABNA0574908765"}
    assert {line.booked_on for line in statement.lines} == {date(2014, 1, 5)}


def test_v02_lines_carry_references_parties_and_purposes(sample: Callable[[str], bytes]) -> None:
    first, second, _, credit = parse_statement(sample(CAMT_V02)).lines

    assert first.number == "435005714488-ABNO33052620"
    assert first.kind == "PMNT/RDDT/ESDD"
    assert (first.counterparty_name, first.counterparty_account) == (
        "INSURANCE COMPANY TESTX",
        "NL46ABNA0499998748",
    )
    assert first.purpose == "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014"
    assert second.number == "TESTBANK/NL/20141229/01206408"
    assert (credit.number, credit.kind) == ("115", "PMNT/RCDT/ESCT")
    assert (credit.counterparty_name, credit.counterparty_account) == (
        "3rd party Media",
        "NL69ABNA0522123643",
    )
    assert credit.purpose == "#RD PARTY MEDIA CUSNO 90782 4210773"  # no RmtInf: AddtlTxInf
    assert "<ns0:Ntry" in credit.raw
    assert "1405.31" in credit.raw


def test_v02_balances_do_not_reconcile_with_its_sample_entries(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(CAMT_V02))

    (account,) = statement.accounts
    assert (account.opening, account.closing) == (eur("15568.27"), eur("15121.12"))
    assert (account.total_in, account.total_out) == (eur("1405.31"), eur("1418.30"))
    assert statement.balance_problems() == [
        (
            "account NL77ABNA0574908765: opening 15568.27 EUR + in 1405.31 EUR"
            " - out 1418.30 EUR = 15555.28 EUR, but the closing balance is 15121.12 EUR"
        )
    ]
    assert statement.warnings == ("statement 1, entry 2: a reversal (RvslInd) of an earlier entry",)


def test_v08_reads_its_othr_account_and_its_one_entry(sample: Callable[[str], bytes]) -> None:
    statement = parse_statement(sample(CAMT_V08))

    (line,) = statement.lines
    assert line.account == "NL26VAYB8060476890"
    assert (line.direction, line.amount) == ("in", eur("8.85"))
    assert line.booked_on == date(2014, 12, 31)
    assert line.number == "AAAASESS-FP-CN_98765/01"
    assert (line.counterparty_name, line.counterparty_account) == (
        "NAME NAME",
        "NL56AGDH9619008421",
    )
    assert line.purpose == "4654654654654654"  # the structured creditor reference
    assert line.kind == "PMNT/RCDT/BOOK"


def test_v08_warns_about_its_page_and_its_zero_detail_amount(
    sample: Callable[[str], bytes],
) -> None:
    statement = parse_statement(sample(CAMT_V08))

    assert statement.warnings == (
        "statement 1 is page 2; earlier pages are in another file",
        (
            "statement 1, entry 1: TxDtls amount 0.00 SEK differs from the entry amount 8.85 EUR;"
            " the entry amount is used"
        ),
    )
    assert statement.balance_problems() == [
        "account NL26VAYB8060476890: balances mix currencies (EUR, SEK)"
    ]
    (account,) = statement.accounts
    assert (account.opening, account.closing) == (eur("18.15"), Money(-2700, "SEK"))


def _camt(entry: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.04">
  <BkToCstmrStmt><Stmt>
    <Acct><Id><IBAN>DE02100100100006820101</IBAN></Id><Ccy>EUR</Ccy></Acct>
    {entry}
  </Stmt></BkToCstmrStmt>
</Document>""".encode()


def test_a_zero_entry_takes_the_amount_of_its_only_transaction_details() -> None:
    entry = """<Ntry><Amt Ccy="EUR">0.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>2026-01-12</Dt></BookgDt>
      <NtryDtls><TxDtls><Amt Ccy="EUR">250.00</Amt>
        <RltdPties><Dbtr><Nm>Client GmbH</Nm></Dbtr></RltdPties>
        <RmtInf><Ustrd>Invoice LBX-2026-000123</Ustrd></RmtInf>
      </TxDtls></NtryDtls></Ntry>"""

    statement = parse_statement(_camt(entry))

    (line,) = statement.lines
    assert (line.amount, line.counterparty_name) == (eur("250.00"), "Client GmbH")
    assert statement.warnings == (
        "statement 1, entry 1: zero entry amount; its TxDtls amount 250.00 EUR is used",
    )


def test_a_pending_entry_is_skipped_with_a_warning() -> None:
    entry = """<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>PDNG</Sts>
      <BookgDt><Dt>2026-01-12</Dt></BookgDt></Ntry>"""

    statement = parse_statement(_camt(entry))

    assert statement.lines == ()
    assert statement.warnings == ("statement 1, entry 1: status PDNG, not booked; skipped",)


def test_truncated_xml_is_unreadable(sample: Callable[[str], bytes]) -> None:
    data = sample(CAMT_V02)

    with pytest.raises(UnreadableStatement, match="broken or cut off"):
        parse_statement(data[: len(data) // 2])


def test_xml_with_entity_declarations_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<Document><BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>"""

    with pytest.raises(UnreadableStatement, match="entities or a DTD"):
        parse_statement(bomb)


def test_xml_that_is_not_a_statement_is_unreadable() -> None:
    with pytest.raises(UnreadableStatement, match=r"not an ISO 20022 camt\.053"):
        parse_statement(b"<html><body>Bank login</body></html>")
