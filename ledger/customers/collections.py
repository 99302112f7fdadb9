"""The Customer's collections decisions: re-allocation, refunds, chargebacks, write-offs.

Payments are allocated to invoices when they arrive (``Customer.receive_payment``); this
mixin corrects allocations afterwards and handles money that goes back out or is given up:

- a **re-allocation** moves a payment's money between invoices (or off them, leaving it as
  credit); it never changes what the customer owes, only which invoices are open;
- a **refund** pays money back: against one payment (at most its unallocated part, so
  re-allocate first) or from the customer's credit; never more than that credit;
- a **chargeback** is a payment taken back by the payer's bank: its unallocated part goes
  first, then the invoices it settled reopen, the most recently allocated first;
- a **write-off** gives up (part of) one invoice's open amount, with a reason and an
  approver who is not the person recording it.

Dunning and service status live in :mod:`ledger.customers.dunning_decisions`, mixed in here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers import collections_events as ev
from ledger.customers.dunning_decisions import DunningDecisions
from ledger.customers.payment_book import NO_PAYMENT
from ledger.errors import CurrencyMismatch, InvalidField, NotFound, ReasonRequired
from ledger.money import Money

BANK_PAYMENT_PREFIX = "bank:"
"""The payment ids of bank lines (``ledger.banking.PAYMENT_ID_PREFIX``)."""
DUPLICATE_DAYS = 3
"""How many days apart a bank line and a payment typed in of its amount may be to look alike."""

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import date

    from ledger.customers.payment_book import PaymentState
    from ledger.customers.state import CustomerState, InvoiceState
    from ledger.events import Provenance


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ReasonRequired
    return reason.strip()


def _approver(approver: str, actor: str) -> str:
    """The approver's name; refused when missing or when it is the actor (``role:name``)."""
    name = approver.strip()
    if not name:
        raise InvalidField(field="approver", why="a write-off needs an approver")
    if name.rpartition(":")[2].casefold() == actor.rpartition(":")[2].casefold():
        raise InvalidField(field="approver", why="the approver must be someone other than you")
    return name


def _ensure_not_credited_twice(invoice: InvoiceState, payment_id: str) -> None:
    """Refuse to take a payment off an invoice that a credit note already turned into credit.

    Notes recorded before they released payments (``CreditNoteIssued.released``) left such
    invoices settled beyond their total: freeing the payment would free that money twice.
    """
    if invoice.paid + invoice.credited + invoice.written_off > invoice.total:
        raise InvalidField(field="remove", why=(
            "invoice {number} was credited after payment {payment_id} settled it, so that"
            " money is already the customer's credit"), number=invoice.number,
            payment_id=payment_id)


def _minor(amount: Money, currency: str, field: str) -> int:
    if amount.currency != currency:
        raise CurrencyMismatch(expected=currency, got=amount.currency, field=field)
    if amount.minor <= 0:
        raise InvalidField(field=field, why="amounts must be positive")
    return amount.minor


class CollectionsDecisions(DunningDecisions):
    """Collections methods of the Customer aggregate (mixed into ``Customer``)."""

    state: CustomerState
    record: Callable[..., None]

    # -- lookups ---------------------------------------------------------------------------

    def payment(self, payment_id: str) -> PaymentState:
        """One payment, or NotFound naming ``payment_id``."""
        found = self.state.payments.get(payment_id)
        if found is None:
            raise NotFound("no payment {payment_id}", field="payment_id", payment_id=payment_id)
        return found

    def invoice(self, invoice_id: str, field: str = "invoice_id") -> InvoiceState:
        """One invoice that is not void, or NotFound naming ``field``."""
        found = self.state.invoices.get(invoice_id)
        if found is None or found.void:
            raise NotFound("no invoice {invoice_id}", field=field, invoice_id=invoice_id)
        return found

    # -- bank lines ------------------------------------------------------------------------

    def possible_duplicate(
        self, amount: Money, received_on: date, *, from_bank_line: bool,
    ) -> PaymentState | None:
        """A payment on the book that a new one of ``amount`` may be the same money as, or None.

        One payment can reach the book twice: typed in by hand (or sent by a service) and
        read from the bank statement, in either order. The new one (from a bank line, or
        not: ``from_bank_line``) looks like a payment of the other kind of the same currency
        and amount, received within ``DUPLICATE_DAYS`` of ``received_on`` either way, that
        is not linked: a payment typed in that a line was linked to is that line's money
        already (and a linked line put no payment of its own on the book). The first such.
        """
        payments, linked = self.state.payments, self.state.bank_links
        other_kind = (p for p in payments
                      if p.startswith(BANK_PAYMENT_PREFIX) != from_bank_line and p not in linked)
        for payment in payments.of_amount(amount.minor, amount.currency, other_kind):
            if abs((payment.received_on - received_on).days) <= DUPLICATE_DAYS:
                return payment
        return None

    def link_bank_line(
        self, provenance: Provenance, effective_date: date, *, payment_id: str,
        bank_payment_id: str, amount: Money,
    ) -> None:
        """Record that a bank line of ``amount`` is the payment ``payment_id`` (no new money).

        Raises:
            NotFound: no such payment.
            InvalidField: the payment is from a bank line, is already claimed by another
                line, or differs in amount or currency.
        """
        payment = self.payment(payment_id)
        field = "existing_payment_id"
        if payment_id.startswith(BANK_PAYMENT_PREFIX):
            raise InvalidField(field=field, why="payment {payment_id} is a bank line's own",
                               payment_id=payment_id)
        if (claimed := self.state.bank_links.get(payment_id)) is not None:
            raise InvalidField(field=field,
                               why="payment {payment_id} is already linked to bank line {line}",
                               payment_id=payment_id, line=claimed)
        if (payment.currency, payment.amount) != (amount.currency, amount.minor):
            raise InvalidField(field=field,
                               why="payment {payment_id} is not of the bank line's amount",
                               payment_id=payment_id)
        self.record(ev.PaymentLinkedToBankLine, provenance, effective_date,
                    payment_id=payment_id, bank_payment_id=bank_payment_id)

    # -- allocation ------------------------------------------------------------------------

    def reallocate_payment(
        self, provenance: Provenance, effective_date: date, *, payment_id: str,
        removed: Mapping[str, Money], added: Mapping[str, Money], reason: str | None,
        today: date | None = None,
    ) -> None:
        """Take a payment's money off some invoices and/or put it on others, saying why.

        Raises:
            InvalidField: nothing to do, an invoice both removed and added, more removed
                than the payment settles on an invoice, more added than an invoice has
                open, or more added than the payment has free.
        """
        why = _reason(reason)
        payment = self.payment(payment_id)
        if not removed and not added:
            raise InvalidField(field="add", why="say which allocations to remove or add")
        if both := sorted(set(removed) & set(added)):
            raise InvalidField(field="add", why="invoice {invoice_id} is both removed and added",
                               invoice_id=both[0])
        take = {i: _minor(m, payment.currency, "remove") for i, m in removed.items()}
        put = {i: _minor(m, payment.currency, "add") for i, m in added.items()}
        numbers = {i: self.invoice(i, "remove").number for i in take}
        for invoice_id, minor in take.items():
            settled = payment.allocations.get(invoice_id, 0)
            if minor > settled:
                raise InvalidField(field="remove", why=(
                    "payment {payment_id} settles only {settled} of invoice {number}"),
                    payment_id=payment_id, settled=Money(settled, payment.currency),
                    number=numbers[invoice_id])
            _ensure_not_credited_twice(self.state.invoices[invoice_id], payment_id)
        for invoice_id, minor in put.items():
            invoice = self.invoice(invoice_id, "add")
            numbers[invoice_id] = invoice.number
            self._fits_invoice(invoice, minor, payment.currency, "add")
        free = payment.unallocated + sum(take.values())
        if sum(put.values()) > free:
            raise InvalidField(field="add", why="payment {payment_id} has only {free} to allocate",
                               payment_id=payment_id, free=Money(free, payment.currency))
        self.record(ev.PaymentReallocated, provenance, effective_date, why,
                    payment_id=payment_id, currency=payment.currency, removed=take,
                    added=put, numbers=numbers)
        # judged as of today: a back-dated re-allocation must not hide what is overdue now
        self.reactivate_if_settled(provenance, max(effective_date,
                                                    today or provenance.recorded_at.date()))

    @staticmethod
    def _fits_invoice(invoice: InvoiceState, minor: int, currency: str, field: str) -> None:
        if invoice.currency != currency:
            raise CurrencyMismatch(expected=invoice.currency, got=currency, field=field)
        if minor > invoice.open_minor:
            raise InvalidField(field=field, why="invoice {number} has only {open} open",
                               number=invoice.number, open=Money(invoice.open_minor, currency))

    # -- money going back ------------------------------------------------------------------

    def refund(
        self, provenance: Provenance, effective_date: date, *, refund_id: str, amount: Money,
        payment_id: str | None, reason: str | None,
    ) -> dict[str, int]:
        """Pay money back against one payment, or (``payment_id`` None) from credit.

        Returns:
            Where the money came from (payment id → minor units; ``"credit"`` for credit
            no payment holds).

        Raises:
            InvalidField: more than the payment's unallocated part, or than the credit.
        """
        why = _reason(reason)
        if payment_id is not None:
            payment = self.payment(payment_id)
            minor = _minor(amount, payment.currency, "amount")
            if minor > payment.unallocated:
                raise InvalidField(field="amount", why=(
                    "payment {payment_id} has only {free} not allocated to invoices;"
                    " re-allocate it first"), payment_id=payment_id,
                    free=Money(payment.unallocated, amount.currency))
            self._ensure_credit_covers(amount)
            sources = {payment_id: minor}
        else:
            minor = _minor(amount, self.state.profile.currency, "amount")
            self._ensure_credit_covers(amount)
            sources = self._refund_sources(minor)
        self.record(ev.RefundIssued, provenance, effective_date, why, refund_id=refund_id,
                    amount=amount, payment_id=payment_id, sources=sources)
        return sources

    def _ensure_credit_covers(self, amount: Money) -> None:
        """Refuse a refund beyond the customer's credit, whatever a payment seems to hold.

        A payment's free money is credit only while nothing else is owed (a debit adjustment
        is owed on no invoice): paying back more would leave a debt that nothing carries.
        """
        balance = self.state.balances.get(amount.currency)
        credit = balance.credit if balance else Money.zero(amount.currency)
        if amount > credit:
            raise InvalidField(field="amount", why="the customer's credit is only {credit}",
                               credit=credit)

    def _refund_sources(self, minor: int) -> dict[str, int]:
        """Take a refund of credit from the most recent payments with money unallocated."""
        sources: dict[str, int] = {}
        for payment in reversed(list(self.state.payments.values())):
            take = min(max(payment.unallocated, 0), minor - sum(sources.values()))
            if take > 0:
                sources[payment.payment_id] = take
        if (rest := minor - sum(sources.values())) > 0:
            sources[NO_PAYMENT] = sources.get(NO_PAYMENT, 0) + rest
        return sources

    def record_chargeback(
        self, provenance: Provenance, effective_date: date, *, chargeback_id: str,
        payment_id: str, amount: Money, reason: str | None,
    ) -> dict[str, int]:
        """Record a payment taken back by the bank; return what it reopened.

        Returns:
            Invoice id → how much more is open on it now (minor units): what the undone
            allocations really reopened.

        Raises:
            InvalidField: more than is left of the payment after earlier refunds.
        """
        payment = self.payment(payment_id)
        minor = _minor(amount, payment.currency, "amount")
        left = payment.amount - payment.refunded
        if minor > left:
            raise InvalidField(field="amount", why=(
                "only {left} of payment {payment_id} can be taken back"),
                left=Money(left, amount.currency), payment_id=payment_id)
        to_undo, removed = minor - max(payment.unallocated, 0), {}
        for invoice_id, settled in reversed(list(payment.allocations.items())):
            if to_undo <= 0:
                break
            removed[invoice_id] = min(settled, to_undo)
            to_undo -= removed[invoice_id]
        numbers = {i: self.state.invoices[i].number for i in removed}
        was_open = {i: self.state.invoices[i].open_minor for i in removed}
        self.record(ev.ChargebackRecorded, provenance, effective_date,
                    reason.strip() if reason and reason.strip() else None,
                    chargeback_id=chargeback_id, payment_id=payment_id, amount=amount,
                    removed=removed, numbers=numbers)
        reopened = {i: self.state.invoices[i].open_minor - was_open[i] for i in removed}
        return {i: minor for i, minor in reopened.items() if minor > 0}

    def write_off(
        self, provenance: Provenance, effective_date: date, *, write_off_id: str,
        invoice_id: str, amount: Money | None, reason: str | None, approver: str,
        today: date | None = None,
    ) -> Money:
        """Write off bad debt on one invoice (its whole open amount when ``amount`` is None).

        Raises:
            ReasonRequired: no reason.
            InvalidField: no approver, the approver is the actor, or more than is open.
        """
        why = _reason(reason)
        who = _approver(approver, provenance.actor)
        invoice = self.invoice(invoice_id)
        if invoice.open_minor == 0:
            raise InvalidField(field="invoice_id", why="invoice {number} is settled",
                               number=invoice.number)
        if amount is None:
            amount = Money(invoice.open_minor, invoice.currency)
        self._fits_invoice(invoice, _minor(amount, invoice.currency, "amount"),
                           amount.currency, "amount")
        self.record(ev.DebtWrittenOff, provenance, effective_date, why,
                    write_off_id=write_off_id, invoice_id=invoice_id,
                    invoice_number=invoice.number, amount=amount, approver=who)
        # judged as of today: a back-dated write-off must not hide what is overdue now
        self.reactivate_if_settled(provenance, max(effective_date,
                                                    today or provenance.recorded_at.date()))
        return amount
