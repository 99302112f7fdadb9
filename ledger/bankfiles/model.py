"""What every statement format is read into: lines, account balances, and a statement.

The rest of the ledger never sees 1C keys, camt elements or MT940 tags. It sees a
``BankLine`` per payment, with the amount always positive and the sign carried by
``direction``, because "money came in" versus "money went out" is the question the
importer asks first, and a signed amount invites the wrong answer to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ledger.errors import InvalidAmount

if TYPE_CHECKING:
    from datetime import date

    from ledger.money import Money

Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class BankLine:
    """One booked movement on one of our accounts, as the bank reported it.

    Attributes:
        account: our account (Russian account number or IBAN) the money moved on.
        booked_on: the day the bank booked it (credited or debited), not the document date
            unless the bank gave nothing better (the parser then warns).
        number: the document number or bank reference; not unique on its own.
        amount: never negative; ``direction`` says which way it went.
        direction: ``"in"`` for money received, ``"out"`` for money paid.
        counterparty_name: the other side: the payer of an incoming line, the recipient of
            an outgoing one. The same holds for the other ``counterparty_*`` fields.
        counterparty_inn: taken from its own field, never parsed out of a name.
        counterparty_kpp: the other side's KPP, when it has one.
        counterparty_account: the other side's account number or IBAN.
        counterparty_bik: the other side's bank BIK (Russian banks only).
        purpose: the payment purpose text (НазначениеПлатежа, Ustrd, :86:).
        kind: the document kind («Платежное поручение») or the bank transaction code.
        raw: the document as it stood in the file (its decoded lines, trailing spaces
            kept, joined with newlines), kept for the audit trail.
        occurrence: 1-based count among lines of the same file that look identical, so
            that two genuinely equal payments on one day get different dedup keys.
        operation_code: the 1C ВидОплаты («01», «17») or the MT940 GVC code, when given.
        reversal: the bank reverses an earlier booking (camt ``RvslInd``, MT940 ``RC``/``RD``):
            ``"out"`` takes back a credit (a customer's payment), ``"in"`` returns our debit.
            Never a customer's payment, whichever way the money moves.
        transfers: how many transfers the bank booked as this one line. More than one only
            for a camt batch whose ``TxDtls`` do not add up to the entry: then no single
            payer can be named, the counterparty fields are empty and nobody may be matched.
        document_date: the date on the payment document itself (1C ``Дата``), which, unlike
            the booking date, every export of the document agrees on; ``None`` when the
            format has none.
    """

    account: str
    booked_on: date
    number: str
    amount: Money
    direction: Direction
    counterparty_name: str | None
    counterparty_inn: str | None
    counterparty_kpp: str | None
    counterparty_account: str | None
    counterparty_bik: str | None
    purpose: str
    kind: str
    raw: str
    occurrence: int = 1
    operation_code: str | None = None
    reversal: bool = False
    transfers: int = 1
    document_date: date | None = None

    def __post_init__(self) -> None:
        if self.amount.is_negative:
            raise InvalidAmount(value=str(self.amount), why="a bank line amount is never negative")


@dataclass(frozen=True, slots=True)
class AccountBalance:
    """The balances a statement states for one account over one period.

    ``total_in``/``total_out`` are the bank's own turnover figures where the format has
    them (1C ВсегоПоступило/ВсегоСписано, camt TxsSummry, MT940 :90C:/:90D:), otherwise
    the sum of that statement's own lines. Balances are signed: a debit (overdraft)
    balance is negative.
    """

    account: str
    currency: str
    opening: Money | None = None
    closing: Money | None = None
    total_in: Money | None = None
    total_out: Money | None = None
    period_start: date | None = None
    period_end: date | None = None

    def problem(self) -> str | None:
        """Say what is wrong with opening + in − out = closing, or ``None`` if it holds.

        Nothing is checked unless all four figures are stated.
        """
        figures = (self.opening, self.total_in, self.total_out, self.closing)
        if self.opening is None or self.closing is None:
            return None
        if self.total_in is None or self.total_out is None:
            return None
        currencies = sorted({figure.currency for figure in figures if figure is not None})
        if len(currencies) > 1:
            return f"account {self.account}: balances mix currencies ({', '.join(currencies)})"
        expected = self.opening + self.total_in - self.total_out
        if expected == self.closing:
            return None
        return (
            f"account {self.account}: opening {self.opening} + in {self.total_in}"
            f" - out {self.total_out} = {expected}, but the closing balance is {self.closing}"
        )


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything read from one file: balances, lines, and what looked wrong on the way.

    Attributes:
        format: ``"1c"``, ``"camt.053"``, ``"mt940"`` or ``"csv"``.
        accounts: one entry per account and period the file states balances for.
        lines: the payments, in file order.
        warnings: English sentences for every quirk met, naming the line or entry.
        encoding: the text encoding the file turned out to be in, where that was a choice.
    """

    format: str
    accounts: tuple[AccountBalance, ...]
    lines: tuple[BankLine, ...]
    warnings: tuple[str, ...] = ()
    encoding: str | None = None

    def balance_problems(self) -> list[str]:
        """List every broken balance identity; an empty list means the file adds up.

        Checks opening + in − out = closing per account, and that a statement opens
        where the previous statement of the same account in this file closed.
        """
        problems = [p for account in self.accounts if (p := account.problem()) is not None]
        last_closing: dict[str, Money] = {}
        for account in self.accounts:
            previous = last_closing.get(account.account)
            if previous is not None and account.opening is not None and previous != account.opening:
                problems.append(
                    f"account {account.account}: opens at {account.opening}"
                    f" but the previous statement closed at {previous}"
                )
            if account.closing is not None:
                last_closing[account.account] = account.closing
        return problems
