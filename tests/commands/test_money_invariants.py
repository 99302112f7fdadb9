"""Any sequence of collections commands keeps the money whole (hypothesis, SQLite only).

A walk over charges (single and multi-line invoices), payments (to the oldest or to named
invoices), refunds against a payment or from credit, chargebacks, re-allocations, credit
notes (in full or by line), voids, write-offs, adjustments and days passing. After every
command the aggregate must hold:

- no invoice is settled beyond its total (``paid + credited + written_off <= total``);
- no payment allocates or refunds more than it brought, and what payments allocate to an
  invoice is part of what the invoice counts as paid;
- the debt is carried: open invoices cover what the customer owes beyond the payments' free
  money, allowing for what debit adjustments put on no invoice;

and at the end the views (invoice register with statuses, balances, statement) agree with
it. Refused commands are part of the walk: they must write nothing that breaks the above.
Derandomized, with a fixed number of examples, so that CI cannot flake; SQLite only, to
stay within seconds.
"""

from __future__ import annotations

import contextlib
import tempfile
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.bootstrap import bootstrap
from commands.issue_credit_note import IssueCreditNote
from commands.reallocate_payment import ReallocatePayment
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_chargeback import RecordChargeback
from commands.record_payment import RecordPayment
from commands.refund_payment import RefundPayment
from commands.void_invoice import VoidInvoice
from commands.write_off_debt import WriteOffDebt
from ledger.clock import SimulatedClock
from ledger.customers.billing_events import InvoiceIssued
from ledger.customers.events import AdjustmentRecorded
from ledger.errors import LedgerError
from projections import queries
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from collections.abc import Sequence
    from uuid import UUID

    from api.bootstrap import Services
    from commands.base import Command
    from ledger.customers.state import CustomerState, InvoiceState

T = TypeVar("T")

STEPS = 40
KINDS = ("pay", "credit_note", "charge", "refund_credit", "chargeback", "reallocate",
         "refund_payment", "charge_lines", "pay_named", "credit_line", "write_off", "void",
         "adjust", "tick", "charge", "pay", "reallocate", "credit_note")
"""What a step may do (some twice, to be drawn more often; hypothesis favours the first)."""
AMOUNTS = (100000, 50000, 33333, 12345, 7777, 150000)


def text(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


class Walk:
    """One customer's book, driven by the draws of one example."""

    def __init__(self, services: Services, data: st.DataObject) -> None:
        self.services, self.data = services, data
        self.customer: UUID = register(services)
        self.day = date(2026, 1, 15)

    def state(self) -> CustomerState:
        return self.services.ledger.customer(self.customer, fresh=True).state

    def pick(self, values: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(values))

    def command(self, kind: str, book: CustomerState) -> Command | None:
        """The command of ``kind`` on the book as it stands (None: nothing to do)."""
        return getattr(self, f"_{kind}")(book)  # type: ignore[no-any-return]

    def _charge(self, _: CustomerState) -> Command:
        return RecordCharge(customer_id=self.customer, amount=text(self.pick(AMOUNTS)),
                            description="Услуги")

    def _charge_lines(self, book: CustomerState) -> Command:
        """An invoice of two lines: a pending one-off charge, then the charge that bills it."""
        send(self.services, RecordCharge(customer_id=self.customer, amount="100.00",
                                         description="Подключение", invoice_now=False))
        return self._charge(book)

    def _pay(self, _: CustomerState, named: Sequence[str] = ()) -> Command:
        return RecordPayment(customer_id=self.customer, amount=text(self.pick(AMOUNTS)),
                             currency="RUB", method="card",
                             invoice_ids=[self.pick(named)] if named else [])

    def _pay_named(self, book: CustomerState) -> Command:
        return self._pay(book, [i.invoice_id for i in self._live(book) if i.total > 0])

    def _refund_payment(self, book: CustomerState) -> Command | None:
        if not book.payments:
            return None
        payment = book.payments[self.pick(list(book.payments))]
        minor = self.pick([max(payment.unallocated, 1), payment.amount])
        return RefundPayment(customer_id=self.customer, amount=text(minor), currency="RUB",
                             payment_id=payment.payment_id, reason="Возврат")

    def _refund_credit(self, book: CustomerState) -> Command | None:
        credit = book.balance("RUB").credit.minor
        if credit <= 0:
            return None
        return RefundPayment(customer_id=self.customer, amount=text(self.pick(
            [credit, credit // 2 or 1])), currency="RUB", reason="Возврат кредита")

    def _chargeback(self, book: CustomerState) -> Command | None:
        if not book.payments:
            return None
        payment = book.payments[self.pick(list(book.payments))]
        left = payment.amount - payment.refunded
        if left <= 0:
            return None
        return RecordChargeback(customer_id=self.customer, payment_id=payment.payment_id,
                                amount=text(self.pick([left, left // 2 or 1])), currency="RUB")

    def _reallocate(self, book: CustomerState) -> Command | None:
        if not book.payments:
            return None
        payment = book.payments[self.pick(list(book.payments))]
        remove: dict[str, str] = {}
        if payment.allocations:
            invoice_id = self.pick(list(payment.allocations))
            remove[invoice_id] = text(payment.allocations[invoice_id])
        free = payment.unallocated + sum(payment.allocations.get(i, 0) for i in remove)
        targets = [i.invoice_id for i in book.invoices.values()
                   if i.open_minor > 0 and i.invoice_id not in remove]
        add = {}
        if targets and free > 0:
            target = self.pick(targets)
            add[target] = text(min(book.invoices[target].open_minor, free))
        if not remove and not add:
            return None
        return ReallocatePayment(customer_id=self.customer, payment_id=payment.payment_id,
                                 remove=remove, add=add, reason="Перенос оплаты")

    def _credit_note(self, book: CustomerState, *, by_line: bool = False) -> Command | None:
        live = self._live(book)
        if not live:
            return None
        invoice_id = self.pick([i.invoice_id for i in live])
        lines = self._lines_of(invoice_id) if by_line else []
        return IssueCreditNote(customer_id=self.customer, invoice_id=invoice_id,
                               line_ids=[self.pick(lines)] if lines else [],
                               reason="Услуги не оказаны")

    def _credit_line(self, book: CustomerState) -> Command | None:
        return self._credit_note(book, by_line=True)

    def _void(self, book: CustomerState) -> Command | None:
        live = self._live(book)
        return VoidInvoice(customer_id=self.customer, invoice_id=self.pick(
            [i.invoice_id for i in live]), reason="Ошибочный счёт") if live else None

    def _write_off(self, book: CustomerState) -> Command | None:
        live = self._live(book)
        return WriteOffDebt(customer_id=self.customer, invoice_id=self.pick(
            [i.invoice_id for i in live]), reason="Безнадёжный долг",
            approver="cfo:olga") if live else None

    def _adjust(self, _: CustomerState) -> Command:
        return RecordAdjustment(customer_id=self.customer, amount=self.pick(
            ["100.00", "-100.00", "-1000.00"]), currency="RUB", reason="Корректировка")

    def _tick(self, _: CustomerState) -> None:
        self.day += timedelta(days=self.pick([1, 5, 20]))
        clock = self.services.runtime.clock
        assert isinstance(clock, SimulatedClock)
        clock.move_to(self.day)

    @staticmethod
    def _live(book: CustomerState) -> list[InvoiceState]:
        return [i for i in book.invoices.values() if not i.void]

    def _lines_of(self, invoice_id: str) -> list[str]:
        return next(([line.line_id for line in e.lines]
                     for e in self.services.ledger.history(self.customer)
                     if isinstance(e, InvoiceIssued) and e.invoice_id == invoice_id), [])

    def positive_adjustments(self) -> int:
        return sum(e.amount.minor for e in self.services.ledger.history(self.customer)
                   if isinstance(e, AdjustmentRecorded) and e.amount.minor > 0)


def assert_money_whole(book: CustomerState, debit_adjustments: int) -> None:
    """The aggregate's invariants (see the module's docstring)."""
    allocated: dict[str, int] = {}
    for payment in book.payments.values():
        assert all(minor > 0 for minor in payment.allocations.values()), payment
        assert sum(payment.allocations.values()) + payment.refunded <= payment.amount, payment
        for invoice_id, minor in payment.allocations.items():
            allocated[invoice_id] = allocated.get(invoice_id, 0) + minor
    for invoice in book.invoices.values():
        assert allocated.get(invoice.invoice_id, 0) <= invoice.paid, invoice
        if invoice.total >= 0 and not invoice.void:
            assert invoice.paid >= 0, invoice
            assert invoice.paid + invoice.credited + invoice.written_off <= invoice.total, invoice
    balance = book.balance("RUB")
    owed_on_invoices = sum(i.open_minor for i in book.invoices.values())
    free = sum(max(p.unallocated, 0) for p in book.payments.values())
    assert owed_on_invoices - free - balance.net_minor + debit_adjustments >= 0


def assert_views_agree(
    services: Services, customer: UUID, book: CustomerState, today: date,
) -> None:
    """The register (with statuses), the balance and the statement say what the book says."""
    services.runner.catch_up()
    rows = {r["invoice_id"]: r for r in queries.invoices(
        services.store, today=today.isoformat(), customer_id=str(customer), limit=500).items}
    for invoice in book.invoices.values():
        row = rows[invoice.invoice_id]
        assert (row["paid"], row["credited"], row["written_off"], row["open"], row["void"]) == (
            invoice.paid, invoice.credited, invoice.written_off, invoice.open_minor,
            int(invoice.void)), invoice
        overdue = row["status"] == "overdue" and invoice.status in {"issued", "partially_paid"}
        assert overdue or row["status"] == invoice.status, (row["status"], invoice)
    (balance,) = queries.balances(services.store, str(customer))
    assert balance["net"] == book.balance("RUB").net_minor
    statement = queries.statement(services.store, str(customer), date(2000, 1, 1),
                                  date(2100, 1, 1))
    assert statement is not None
    closing = {t["currency"]: t["closing"] for t in statement["totals"]}.get("RUB", 0)
    assert closing == book.balance("RUB").net_minor


@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_no_sequence_of_commands_creates_or_hides_money(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory(prefix="lbx-walk-") as folder:
        clock = SimulatedClock(datetime(2026, 1, 15, 9, 0, tzinfo=UTC))
        services = bootstrap({"LBX_DATA_DIR": f"{folder}/var"}, clock=clock)
        try:
            walk = Walk(services, data)
            for _ in range(STEPS):
                command = walk.command(str(data.draw(st.sampled_from(KINDS))), walk.state())
                if command is not None:  # a refusal writes nothing: the invariants still hold
                    with contextlib.suppress(LedgerError, ValidationError):
                        send(services, command, actor="accountant:anna")
                assert_money_whole(walk.state(), walk.positive_adjustments())
            assert_views_agree(services, walk.customer, walk.state(), walk.day)
        finally:
            services.close()
