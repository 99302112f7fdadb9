"""camt.053 ``Ntry`` elements into ``BankLine`` values.

An entry is what the bank booked; its ``TxDtls`` say who paid and why. A batch entry
(one booking for several transfers) becomes one line per ``TxDtls`` when their amounts
add up to the entry, because each transfer may settle a different customer's invoice.
When they do not (a batch credited net of a charge, or without per-transfer amounts),
no share of the money can be given to any one payer: the entry becomes one line of the
entry's amount that names nobody (``transfers`` > 1; its purpose lists the transfers'),
with a warning, and matching leaves it to a person. A single ``TxDtls`` whose amount
differs is the same payer: the entry's amount is used, with a warning, except for an
entry booked at zero, which takes the ``TxDtls`` amount.

``RvslInd`` marks a reversal of an earlier entry: the line says so (``reversal``), and its
other side is the original transfer's (the debtor of a reversed credit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from defusedxml.ElementTree import tostring

from ledger.bankfiles.amounts import read_amount, read_date
from ledger.bankfiles.model import BankLine, Direction
from ledger.bankfiles.xmlnav import child, children, text
from ledger.errors import Rejected
from ledger.money import total

if TYPE_CHECKING:
    from datetime import date
    from xml.etree.ElementTree import Element

    from ledger.money import Money

_NOT_PROVIDED = "NOTPROVIDED"


@dataclass(frozen=True, slots=True)
class Booking:
    """What an entry says for all the lines made from it."""

    account: str
    direction: Direction
    booked_on: date
    kind: str
    raw: str
    reversal: bool = False


def money(element: Element | None) -> Money | None:
    """Read ``<Amt Ccy="EUR">1.00</Amt>`` as an unsigned amount; ``None`` if it is not one."""
    if element is None or not element.text:
        return None
    try:
        return read_amount(element.text, element.get("Ccy", ""))
    except Rejected:
        return None


def entry_lines(entry: Element, account: str, label: str, warnings: list[str]) -> list[BankLine]:
    """Read one ``Ntry``; skip it with a warning when it is pending or unreadable."""
    status = text(entry, "Sts", "Cd") or text(entry, "Sts")
    if status not in {None, "BOOK"}:
        warnings.append(f"{label}: status {status}, not booked; skipped")
        return []
    amount = money(child(entry, "Amt"))
    indicator = text(entry, "CdtDbtInd")
    booked_on = _date(child(entry, "BookgDt")) or _date(child(entry, "ValDt"))
    if amount is None or indicator not in {"CRDT", "DBIT"} or booked_on is None:
        warnings.append(f"{label}: no readable Amt, CdtDbtInd or BookgDt; skipped")
        return []
    reversal = text(entry, "RvslInd") in {"true", "1"}
    if reversal:
        warnings.append(f"{label}: a reversal (RvslInd) of an earlier entry")
    booking = Booking(
        account=account,
        direction="in" if indicator == "CRDT" else "out",
        booked_on=booked_on,
        kind=_bank_code(entry),
        raw=tostring(entry, encoding="unicode").strip(),
        reversal=reversal,
    )
    details = [tx for block in children(entry, "NtryDtls") for tx in children(block, "TxDtls")]
    parts = _split(amount, details, label, warnings)
    if parts is None:
        lines = [_batch_line(entry, details, amount, booking)]
    else:
        lines = [_line(entry, tx, part, booking) for tx, part in parts]
    warnings.extend(f"{label}: zero amount" for line in lines if not line.amount)
    return lines


def _split(
    amount: Money, details: list[Element], label: str, warnings: list[str]
) -> list[tuple[Element | None, Money]] | None:
    """The lines' details and amounts; ``None`` for a batch that does not add up."""
    if not details:
        return [(None, amount)]
    parts = [_detail_amount(tx) for tx in details]
    if len(details) == 1:
        part = parts[0]
        if part is None or part == amount:
            return [(details[0], amount)]
        if not amount and part:
            warnings.append(f"{label}: zero entry amount; its TxDtls amount {part} is used")
            return [(details[0], part)]
        warnings.append(
            f"{label}: TxDtls amount {part} differs from the entry amount {amount};"
            " the entry amount is used"
        )
        return [(details[0], amount)]
    known = [part for part in parts if part is not None and part.currency == amount.currency]
    if len(known) == len(parts) and total(known, amount.currency) == amount:
        return list(zip(details, known, strict=True))
    warnings.append(
        f"{label}: its {len(details)} TxDtls do not add up to the entry amount {amount};"
        " read as one line naming no payer, for a person to split"
    )
    return None


def _detail_amount(tx: Element) -> Money | None:
    found = money(child(tx, "AmtDtls", "TxAmt", "Amt"))
    return found if found is not None else money(child(tx, "Amt"))


def _batch_line(entry: Element, details: list[Element], amount: Money,
                booking: Booking) -> BankLine:
    """One line for a whole batch that does not add up: its amount, nobody's identity."""
    purposes = [found for tx in details if (found := _purpose(entry, tx))]
    return BankLine(
        account=booking.account, booked_on=booking.booked_on,
        number=_reference(entry, None), amount=amount, direction=booking.direction,
        counterparty_name=None, counterparty_inn=None, counterparty_kpp=None,
        counterparty_account=None, counterparty_bik=None,
        purpose=" | ".join(purposes), kind=booking.kind, raw=booking.raw,
        reversal=booking.reversal, transfers=len(details),
    )


def _line(entry: Element, tx: Element | None, amount: Money, booking: Booking) -> BankLine:
    side = _other_side(tx, booking)
    party = child(tx, "RltdPties", side)
    agent = child(tx, "RltdAgts", f"{side}Agt")
    return BankLine(
        account=booking.account,
        booked_on=booking.booked_on,
        number=_reference(entry, tx),
        amount=amount,
        direction=booking.direction,
        counterparty_name=text(party, "Nm") or text(party, "Pty", "Nm"),
        counterparty_inn=_tax_id(party),
        counterparty_kpp=None,
        counterparty_account=account_id(child(tx, "RltdPties", f"{side}Acct")),
        counterparty_bik=text(agent, "FinInstnId", "ClrSysMmbId", "MmbId"),
        purpose=_purpose(entry, tx),
        kind=booking.kind,
        raw=booking.raw,
        reversal=booking.reversal,
    )


def _other_side(tx: Element | None, booking: Booking) -> str:
    """``Dbtr`` or ``Cdtr``: the payer of a credit, the payee of a debit.

    A reversal repeats the original transfer, so its other side is the original's (the
    debtor of a reversed credit), unless the bank named only the usual one.
    """
    usual = "Dbtr" if booking.direction == "in" else "Cdtr"
    original = "Cdtr" if usual == "Dbtr" else "Dbtr"
    if booking.reversal and child(tx, "RltdPties", original) is not None:
        return original
    return usual


def account_id(account: Element | None) -> str | None:
    """An ``Acct`` element's identifier: the IBAN, else ``Othr/Id``."""
    return text(account, "Id", "IBAN") or text(account, "Id", "Othr", "Id")


def _reference(entry: Element, tx: Element | None) -> str:
    end_to_end = text(tx, "Refs", "EndToEndId")
    candidates = (
        text(tx, "Refs", "AcctSvcrRef"),
        text(entry, "AcctSvcrRef"),
        None if end_to_end == _NOT_PROVIDED else end_to_end,
        text(tx, "Refs", "InstrId"),
        text(tx, "Refs", "TxId"),
        text(entry, "NtryRef"),
    )
    return next((found for found in candidates if found), "")


def _purpose(entry: Element, tx: Element | None) -> str:
    remittance = child(tx, "RmtInf")
    unstructured = [item.text.strip() for item in children(remittance, "Ustrd") if item.text]
    if unstructured:
        return " ".join(unstructured)
    structured = [
        ref for block in children(remittance, "Strd") if (ref := text(block, "CdtrRefInf", "Ref"))
    ]
    if structured:
        return " ".join(structured)
    return text(tx, "AddtlTxInf") or text(entry, "AddtlNtryInf") or ""


def _tax_id(party: Element | None) -> str | None:
    """A party's tax id (``OrgId/Othr`` with scheme ``TXID``): the INN for Russian payers."""
    organisation = child(party, "Id", "OrgId")
    if organisation is None:
        organisation = child(party, "Pty", "Id", "OrgId")
    for other in children(organisation, "Othr"):
        if text(other, "SchmeNm", "Cd") == "TXID":
            return text(other, "Id")
    return None


def _bank_code(entry: Element) -> str:
    domain = child(entry, "BkTxCd", "Domn")
    codes = (text(domain, "Cd"), text(domain, "Fmly", "Cd"), text(domain, "Fmly", "SubFmlyCd"))
    if all(codes):
        return "/".join(code for code in codes if code)
    return text(entry, "BkTxCd", "Prtry", "Cd") or ""


def _date(element: Element | None) -> date | None:
    found = text(element, "Dt") or text(element, "DtTm")
    return read_date(found) if found else None
