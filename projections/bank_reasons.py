"""Why a bank line stands where it does, as a line a reader of any language can read.

A line's reason is what the ledger wrote into its event: the classifier's word for a
skipped line (``ledger/bankfiles/classify.py``), the matcher's clauses joined by ``"; "``
(``ledger/banking_reasons.py``), or, once a person resolved or dismissed the line, their
own reason. :func:`bank_reason` reads the clauses back with the ledger's templates; when
any part is not one of them (a person's reason), the whole text comes back as it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from ledger import banking_reasons as br
from ledger.bankfiles.classify import (
    ACCEPTED,
    BANK_FEE,
    INTERNAL_TRANSFER,
    OUTGOING,
    REVERSED_CREDIT,
    REVERSED_DEBIT,
    ZERO_AMOUNT,
)
from ledger.banking import NOT_OUR_ACCOUNT
from ledger.errors import CurrencyMismatch, CustomerClosedError
from ledger.money import Money
from ledger.system_texts import SystemText
from projections.messages import Line, declare
from projections.system_lines import enumeration, reader

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from projections.messages import Value

DECISIONS = {word: Line(declare(word)) for word in (
    ACCEPTED, OUTGOING, BANK_FEE, INTERNAL_TRANSFER, ZERO_AMOUNT, NOT_OUR_ACCOUNT,
    REVERSED_DEBIT, REVERSED_CREDIT)}
"""The classifier's words, each its own message."""

REFUSALS = tuple((SystemText(template), declare(template))
                 for template in (CustomerClosedError.template, CurrencyMismatch.template))
"""Why a book refuses a payment, as the ledger's errors write it (translated with them)."""

Reader: TypeAlias = "Callable[[Mapping[str, str], str], Value]"
"""Reads a clause's fields, given the line's currency."""
BOOK_REFUSED = declare(br.BOOK_REFUSED.template)


def _plain(template: SystemText, *, dates: tuple[str, ...] = ()) -> Reader:
    """A clause whose fields are text (and ``dates``): the currency is not needed."""
    read = reader(declare(template.template), dates=dates)
    return lambda fields, _currency: read(fields)


def _amount(template: SystemText) -> Reader:
    """A clause with an amount written ``12 200.00``: the amount becomes money."""
    message = declare(template.template)

    def read(fields: Mapping[str, str], currency: str) -> Value:
        amount = Money.of(Decimal(fields["amount"].replace(" ", "")), currency)
        return Line(message, {**fields, "amount": amount})

    return read


def _refused(fields: Mapping[str, str], _currency: str) -> Value:
    detail: Value = fields["detail"]
    for template, message in REFUSALS:
        facts = template.read(fields["detail"])
        if facts is not None:
            detail = Line(message, facts)
            break
    return Line(BOOK_REFUSED, {"detail": detail})


CLAUSES: tuple[tuple[SystemText, Reader], ...] = (
    *((clause, _plain(clause)) for clause in (
        br.INN_MATCHES, br.KPP_MATCHES, br.INVOICE_FOUND, br.INVOICE_FOUND_FOR, br.INN_SHARED,
        br.INVOICES_OF_SEVERAL, br.INVOICE_OF_ANOTHER, br.NO_CUSTOMER_WITH_INN, br.NO_INN,
        br.NO_INVOICE_NUMBER, br.OTHER_CURRENCY, br.LOW_SCORE)),
    (br.POSSIBLE_DUPLICATE, _plain(br.POSSIBLE_DUPLICATE, dates=("received_on",))),
    (br.UNSPLIT_BATCH, _plain(br.UNSPLIT_BATCH)),
    *((clause, _plain(clause, dates=("booked_on",)))
      for clause in (br.REVERSAL_OF_PAYMENT, br.REVERSAL_OF_UNPAID_LINE)),
    (br.AMOUNT_EQUALS, _amount(br.AMOUNT_EQUALS)),
    (br.AMOUNT_EQUALS_OF, _amount(br.AMOUNT_EQUALS_OF)),
    (br.BOOK_REFUSED, _refused),
)
"""Every clause the matcher and the import write, with how to read its fields."""


def bank_reason(text: str | None, currency: str) -> Value:
    """A bank line's reason as a line (``currency`` is the line's), else the text as it is."""
    if not text:
        return ""
    if text in DECISIONS:
        return DECISIONS[text]
    clauses = _clauses(text.split(br.SEPARATOR), currency)
    return enumeration(clauses) if clauses else text


def _clauses(pieces: list[str], currency: str) -> tuple[Value, ...] | None:
    """The pieces read as clauses, shortest first (a clause may hold ``"; "`` itself)."""
    for end in range(1, len(pieces) + 1):
        first = _clause(br.SEPARATOR.join(pieces[:end]), currency)
        if first is None:
            continue
        if end == len(pieces):
            return (first,)
        rest = _clauses(pieces[end:], currency)
        if rest is not None:
            return (first, *rest)
    return None


def _clause(text: str, currency: str) -> Value | None:
    for template, read in CLAUSES:
        fields = template.read(text)
        if fields is not None:
            return read(fields, currency)
    return None
