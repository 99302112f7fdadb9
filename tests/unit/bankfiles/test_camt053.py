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


def _tx(amount: str | None, name: str, purpose: str, ref: str, party: str = "Dbtr") -> str:
    amt = f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    return f"""<TxDtls><Refs><EndToEndId>{ref}</EndToEndId></Refs>{amt}
      <RltdPties><{party}><Nm>{name}</Nm></{party}></RltdPties>
      <RmtInf><Ustrd>{purpose}</Ustrd></RmtInf></TxDtls>"""


def _entry(amount: str, indicator: str, *details: str, reversal: bool = False) -> str:
    mark = "<RvslInd>true</RvslInd>" if reversal else ""
    return f"""<Ntry><NtryRef>E1</NtryRef><Amt Ccy="EUR">{amount}</Amt>
      <CdtDbtInd>{indicator}</CdtDbtInd>{mark}<Sts>BOOK</Sts>
      <BookgDt><Dt>2026-01-12</Dt></BookgDt><NtryDtls>{"".join(details)}</NtryDtls></Ntry>"""


@pytest.mark.parametrize("amounts", [("100.00", "100.00"), (None, None)],
                         ids=["netted-charge", "no-transfer-amounts"])
def test_a_batch_that_does_not_add_up_is_one_line_naming_no_payer(
    amounts: tuple[str | None, str | None],
) -> None:
    first, second = amounts
    entry = _entry("199.90", "CRDT", _tx(first, "Client A", "Invoice LBX-2026-000001", "A1"),
                   _tx(second, "Client B", "Invoice LBX-2026-000002", "A2"))

    statement = parse_statement(_camt(entry))

    (line,) = statement.lines
    assert (line.amount, line.transfers) == (eur("199.90"), 2)
    assert (line.counterparty_name, line.counterparty_inn, line.counterparty_account) == (
        None, None, None)
    assert line.purpose == "Invoice LBX-2026-000001 | Invoice LBX-2026-000002"
    assert line.number == "E1"
    assert statement.warnings == (
        "statement 1, entry 1: its 2 TxDtls do not add up to the entry amount 199.90 EUR;"
        " read as one line naming no payer, for a person to split",
    )


def test_a_batch_that_adds_up_is_one_line_per_transfer_each_with_its_payer() -> None:
    entry = _entry("200.00", "CRDT", _tx("120.00", "Client A", "Invoice 1", "A1"),
                   _tx("80.00", "Client B", "Invoice 2", "A2"))

    lines = parse_statement(_camt(entry)).lines

    assert [(line.amount, line.counterparty_name, line.transfers) for line in lines] == [
        (eur("120.00"), "Client A", 1), (eur("80.00"), "Client B", 1)]


def test_a_reversal_of_a_credit_is_marked_and_names_the_original_payer() -> None:
    entry = _entry("250.00", "DBIT", _tx("250.00", "Client GmbH", "Invoice 1", "A1"),
                   reversal=True)

    statement = parse_statement(_camt(entry))

    (line,) = statement.lines
    assert (line.direction, line.reversal, line.counterparty_name) == ("out", True, "Client GmbH")
    assert statement.warnings == ("statement 1, entry 1: a reversal (RvslInd) of an earlier entry",)


def test_a_reversal_of_our_debit_is_marked_as_money_coming_back() -> None:
    entry = _entry("50.00", "CRDT", _tx("50.00", "Supplier", "Refund: wrong details", "R1",
                                        party="Cdtr"), reversal=True)

    (line,) = parse_statement(_camt(entry)).lines

    assert (line.direction, line.reversal, line.counterparty_name) == ("in", True, "Supplier")


def test_amounts_in_the_legacy_ruble_code_are_rubles() -> None:
    entry = _entry("50.00", "CRDT", _tx("50.00", "Client", "Invoice 1", "A1")).replace(
        'Ccy="EUR"', 'Ccy="RUR"')

    statement = parse_statement(_camt(entry))

    assert statement.lines[0].amount == Money(5000, "RUB")
    assert "currency RUR (a legacy code) read as RUB" in statement.warnings
