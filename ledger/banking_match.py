"""Which customer a bank payment is from, and how sure we are: pure, given a directory.

The evidence, strongest first, as an accountant weighs it:

- the payer's ИНН (and КПП, which tells branches of one company apart) names customers;
- an invoice number of ours in the purpose («по сч. № LBX-2026-000012») names an invoice,
  and so its customer (the purpose parser tolerates «№», «сч.», look-alike letters);
- the amount equal to what is open on that invoice (or on one of the customer's open
  invoices) says the payer meant exactly that.

Each piece adds points (``INN_POINTS`` ...) to a score out of 100 and a clause to a reason
an accountant can read (written from the templates of ``banking_reasons.py``, which the
workspace reads back to show it in the reader's language). A single customer with a score
of at least ``THRESHOLD`` is a match. No candidate, a score below the threshold, or pieces
of evidence that point at different customers send the line to the queue for a person to
decide; so does a payment in a currency other than the customer's, which the book would
refuse anyway, and a camt batch that could not be split into its transfers (``transfers``
> 1), whose money belongs to several payers in shares nobody stated.

The lookups come through :class:`Directory`, which the caller implements (the API reads
its views), so that this module stays free of I/O and the command layer free of views.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol

from ledger import banking_reasons as said
from ledger.bankfiles.invoice_refs import DEFAULT_PREFIXES, find_invoice_numbers

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import date
    from uuid import UUID

    from ledger.bankfiles.model import BankLine
    from ledger.money import Money

INN_POINTS = 50
KPP_POINTS = 10
INVOICE_POINTS = 40
AMOUNT_POINTS = 20
THRESHOLD = 50
"""ИНН alone is enough (a company's ИНН is unique); an invoice number needs the amount too."""

MatchStatus = Literal["matched", "unmatched", "ambiguous"]


@dataclass(frozen=True)
class CustomerCandidate:
    """A customer the directory knows under an ИНН."""

    customer_id: UUID
    name: str
    currency: str
    kpp: str | None = None


@dataclass(frozen=True)
class InvoiceCandidate:
    """An invoice the directory knows, with what is still open on it (minor units)."""

    customer_id: UUID
    customer_name: str
    invoice_id: str
    number: str
    open_minor: int
    currency: str


class Directory(Protocol):
    """The lookups matching needs; the caller answers them from wherever it keeps them."""

    def customers_by_inn(self, inn: str, kpp: str | None) -> list[CustomerCandidate]:
        """Customers registered under ``inn`` (``kpp`` is a hint; filtering is ours)."""
        ...

    def invoice_by_number(self, number: str) -> InvoiceCandidate | None:
        """The invoice with this number, or None."""
        ...

    def open_invoices(self, customer_id: UUID) -> list[InvoiceCandidate]:
        """The customer's invoices with something left to pay, oldest due first."""
        ...


@dataclass(frozen=True)
class Match:
    """What matching concluded: the customer (if one), invoices, score and reason."""

    status: MatchStatus
    customer_id: UUID | None
    invoice_ids: tuple[str, ...]
    score: int
    reason: str
    duplicate_of: str | None = None
    """A payment typed in by hand that the line may be (the line then waits in the queue)."""

    def refused(self, why: str) -> Match:
        """The same evidence, sent to the queue because the book refused the payment."""
        return replace(self, status="unmatched", reason=said.SEPARATOR.join((self.reason, why)))

    def held_as_duplicate(self, payment_id: str, received_on: date) -> Match:
        """The same evidence, sent to the queue: the book has a payment typed in like it."""
        why = said.POSSIBLE_DUPLICATE.write(payment_id=payment_id,
                                            received_on=received_on.isoformat())
        return replace(self.refused(why), duplicate_of=payment_id)


@dataclass
class _Evidence:
    customer_id: UUID | None = None
    name: str = ""
    currency: str = ""
    score: int = 0
    clauses: tuple[str, ...] = ()
    invoices: tuple[InvoiceCandidate, ...] = ()

    def add(self, points: int, clause: str) -> None:
        self.score += points
        self.clauses += (clause,)

    def conclude(self, status: MatchStatus, extra: str | None = None) -> Match:
        reason = said.SEPARATOR.join((*self.clauses, *((extra,) if extra else ())))
        customer = self.customer_id if status == "matched" else None
        ids = tuple(i.invoice_id for i in self.invoices) if status == "matched" else ()
        return Match(status, customer, ids, min(self.score, 100), reason)


def match_line(
    line: BankLine, directory: Directory, known_prefixes: Iterable[str] = DEFAULT_PREFIXES,
    threshold: int = THRESHOLD,
) -> Match:
    """Find the customer (and invoices) an incoming bank line pays.

    Returns:
        ``matched`` with the customer, the invoices to allocate to (empty: oldest first),
        the score and the reason; or ``unmatched``/``ambiguous`` with the reason why not.
    """
    if line.transfers > 1:
        return Match("unmatched", None, (), 0, said.UNSPLIT_BATCH.write(count=line.transfers))
    invoices = _invoices_in_purpose(line.purpose, directory, known_prefixes)
    evidence = _Evidence()
    ambiguity = _identify(line, directory, invoices, evidence)
    if ambiguity is not None:
        return evidence.conclude("ambiguous", ambiguity)
    if evidence.customer_id is None:
        return evidence.conclude("unmatched", _why_nobody(line, invoices))
    if evidence.currency != line.amount.currency:
        return evidence.conclude("unmatched", said.OTHER_CURRENCY.write(
            currency=line.amount.currency, name=evidence.name, billed=evidence.currency))
    _weigh_amount(line.amount, directory, evidence)
    if evidence.score < threshold:
        return evidence.conclude("unmatched", said.LOW_SCORE.write(score=evidence.score,
                                                                   threshold=threshold))
    return evidence.conclude("matched")


def _invoices_in_purpose(
    purpose: str, directory: Directory, prefixes: Iterable[str]
) -> list[InvoiceCandidate]:
    found = (directory.invoice_by_number(n) for n in find_invoice_numbers(purpose, prefixes))
    return [invoice for invoice in found if invoice is not None]


def _identify(
    line: BankLine, directory: Directory, invoices: Sequence[InvoiceCandidate],
    evidence: _Evidence,
) -> str | None:
    """Pick the customer from ИНН/КПП and the invoices; return why it is ambiguous, if it is."""
    inn = (line.counterparty_inn or "").strip()
    kpp = (line.counterparty_kpp or "").strip() or None
    by_inn = directory.customers_by_inn(inn, kpp) if inn else []
    invoiced = {i.customer_id for i in invoices}
    if len(by_inn) > 1 and kpp:
        by_inn = [c for c in by_inn if c.kpp == kpp] or by_inn
    if len(by_inn) > 1 and invoiced:
        by_inn = [c for c in by_inn if c.customer_id in invoiced] or by_inn
    if len(by_inn) > 1:
        names = ", ".join(sorted(c.name for c in by_inn))
        return said.INN_SHARED.write(inn=inn, count=len(by_inn), names=names)
    if by_inn:
        return _by_inn(by_inn[0], inn, kpp, invoices, evidence)
    if len(invoiced) > 1:
        return said.INVOICES_OF_SEVERAL.write()
    if invoices:
        first = invoices[0]
        evidence.customer_id, evidence.name = first.customer_id, first.customer_name
        evidence.currency = first.currency
        _credit_invoices(invoices, evidence, first.customer_name)
    return None


def _by_inn(
    customer: CustomerCandidate, inn: str, kpp: str | None,
    invoices: Sequence[InvoiceCandidate], evidence: _Evidence,
) -> str | None:
    evidence.customer_id, evidence.name = customer.customer_id, customer.name
    evidence.currency = customer.currency
    evidence.add(INN_POINTS, said.INN_MATCHES.write(inn=inn, name=customer.name))
    if kpp and customer.kpp == kpp:
        evidence.add(KPP_POINTS, said.KPP_MATCHES.write(kpp=kpp))
    others = [i.number for i in invoices if i.customer_id != customer.customer_id]
    if others:
        return said.INVOICE_OF_ANOTHER.write(numbers=", ".join(others))
    _credit_invoices(invoices, evidence)
    return None


def _credit_invoices(
    invoices: Sequence[InvoiceCandidate], evidence: _Evidence, owner: str | None = None
) -> None:
    if invoices:
        evidence.invoices = tuple(invoices)
        numbers = ", ".join(i.number for i in invoices)
        evidence.add(INVOICE_POINTS, said.INVOICE_FOUND_FOR.write(numbers=numbers, name=owner)
                     if owner else said.INVOICE_FOUND.write(numbers=numbers))


def _weigh_amount(amount: Money, directory: Directory, evidence: _Evidence) -> None:
    """Add the amount's points if it settles the named invoices, or one open invoice, exactly."""
    if evidence.invoices:
        named = sum(i.open_minor for i in evidence.invoices)
        if named == amount.minor:
            evidence.add(AMOUNT_POINTS, said.AMOUNT_EQUALS.write(amount=grouped(amount)))
        return
    assert evidence.customer_id is not None  # noqa: S101  (identified before weighing)
    for invoice in directory.open_invoices(evidence.customer_id):
        if invoice.open_minor == amount.minor and invoice.currency == amount.currency:
            evidence.invoices = (invoice,)
            evidence.add(AMOUNT_POINTS, said.AMOUNT_EQUALS_OF.write(amount=grouped(amount),
                                                                    number=invoice.number))
            return


def _why_nobody(line: BankLine, invoices: Sequence[InvoiceCandidate]) -> str:
    inn = (line.counterparty_inn or "").strip()
    who = said.NO_CUSTOMER_WITH_INN.write(inn=inn) if inn else said.NO_INN.write()
    what = () if invoices else (said.NO_INVOICE_NUMBER.write(),)
    return said.SEPARATOR.join((who, *what))


def grouped(amount: Money) -> str:
    """An amount as accountants write it: ``12 200.00`` (space-grouped thousands)."""
    return format(amount.amount, ",").replace(",", " ")
