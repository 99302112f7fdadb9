"""Corrections are dated on the business day, in the company's zone, never on the UTC day.

Given a customer on a flat 3100.00 USD monthly plan (anchor 1) and a clock standing a few
hours after midnight in Moscow (still the previous day in UTC), when an invoice is voided
or credited, then the void, the credit note, its number and the credit it allocates all
carry the Moscow date; and a back-dated payment or credit note (its own date, or the date
the command is sent with) judges a suspended customer's debt on the Moscow day it is
recorded, never on the earlier day. Through the command layer, on both backends.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from commands.base import Context
from commands.dispatch import dispatch
from commands.issue_credit_note import IssueCreditNote
from commands.record_payment import RecordPayment
from commands.void_invoice import VoidInvoice
from commands.write_off_debt import WriteOffDebt
from ledger.customers import ServiceStatus
from ledger.customers.billing_events import CreditNoteIssued, InvoiceVoided
from ledger.customers.collections_events import CreditAllocated
from tests.scenarios.support import Story, flat_tariff
from tests.support.collections import dun
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from commands.base import Command
    from ledger.clock import SimulatedClock

DEC_1, JAN_1, FEB_1, MAR_1 = date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def stand_at(services: Services, instant: datetime) -> None:
    clock: SimulatedClock = services.runtime.clock  # type: ignore[assignment]
    clock.current = instant


def send_dated(services: Services, command: Command, effective_date: date, key: str) -> None:
    """Send a command whose context carries a business date in the past."""
    dispatch(command, Context(actor="accountant:anna", source="api", idempotency_key=key,
                              effective_date=effective_date), services.runtime)


def test_a_void_after_midnight_in_moscow_is_dated_the_moscow_day(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)
    (january,) = story.invoices()
    stand_at(services, datetime(2026, 1, 31, 22, 30, tzinfo=UTC))  # 1 February 01:30 Moscow

    send(services, VoidInvoice(customer_id=story.customer, invoice_id=january.invoice_id,
                               reason="issued by mistake"))

    (void,) = [e for e in services.ledger.history(story.customer)
               if isinstance(e, InvoiceVoided)]
    assert void.meta.effective_date == FEB_1


def test_a_credit_note_after_midnight_is_numbered_and_dated_in_the_same_year(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), DEC_1, anchor_day=1)
    story.bill(DEC_1)
    story.bill(JAN_1)
    december, january = story.invoices()
    send(services, RecordPayment(customer_id=story.customer, amount="3100.00",
                                 currency="USD", invoice_ids=[december.invoice_id]))
    stand_at(services, datetime(2025, 12, 31, 22, 0, tzinfo=UTC))  # 1 January 01:00 Moscow

    send(services, IssueCreditNote(customer_id=story.customer,
                                   invoice_id=december.invoice_id, reason="service not given"))

    history = list(services.ledger.history(story.customer))
    (note,) = [e for e in history if isinstance(e, CreditNoteIssued)]
    (allocated,) = [e for e in history if isinstance(e, CreditAllocated)]
    assert note.number.startswith("LBX-CN-2026-")
    assert note.meta.effective_date == JAN_1
    assert allocated.meta.effective_date == JAN_1
    assert allocated.allocations == {january.invoice_id: 310000}


def test_a_back_dated_payment_judges_the_debt_on_the_moscow_day(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)                                    # due 11 January
    story.bill(FEB_1)                                    # due 11 February
    january, _ = story.invoices()
    dun(services, story.customer, date(2026, 2, 10))     # January 30 days overdue: suspended
    stand_at(services, datetime(2026, 3, 12, 21, 30, tzinfo=UTC))  # 13 March 00:30 Moscow

    send(services, RecordPayment(customer_id=story.customer, amount="3100.00", currency="USD",
                                 invoice_ids=[january.invoice_id],
                                 received_on=date(2026, 2, 20)))

    # February is 30 days overdue on 13 March (29 on the UTC day): still suspended
    book = services.ledger.customer(story.customer, fresh=True).state
    assert book.status is ServiceStatus.SUSPENDED


def test_a_payment_sent_with_a_past_date_judges_the_debt_on_the_real_day(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)                                    # due 11 January
    story.bill(FEB_1)                                    # due 11 February
    january, _ = story.invoices()
    dun(services, story.customer, date(2026, 2, 10))     # January 30 days overdue: suspended
    stand_at(services, datetime(2026, 3, 13, 9, 0, tzinfo=UTC))

    send_dated(services, RecordPayment(customer_id=story.customer, amount="3100.00",
                                       currency="USD", invoice_ids=[january.invoice_id]),
               date(2026, 2, 20), "pay-back-dated")

    history = list(services.ledger.history(story.customer))
    (payment,) = [e for e in history if type(e).__name__ == "PaymentReceived"]
    assert payment.meta.effective_date == date(2026, 2, 20)  # the payment keeps its date
    # February is 30 days overdue on 13 March (9 on 20 February): still suspended
    book = services.ledger.customer(story.customer, fresh=True).state
    assert book.status is ServiceStatus.SUSPENDED


def test_a_credit_note_sent_with_a_past_date_judges_the_debt_on_the_real_day(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)
    story.bill(FEB_1)                                    # due 11 February
    story.bill(MAR_1)                                    # due 11 March
    january, february, _ = story.invoices()
    send(services, RecordPayment(customer_id=story.customer, amount="3100.00",
                                 currency="USD", invoice_ids=[january.invoice_id],
                                 received_on=date(2026, 1, 5)))
    dun(services, story.customer, date(2026, 3, 13))     # February 30 days overdue: suspended
    stand_at(services, datetime(2026, 4, 10, 9, 0, tzinfo=UTC))

    send_dated(services, IssueCreditNote(customer_id=story.customer,
                                         invoice_id=january.invoice_id,
                                         reason="service not given"),
               date(2026, 3, 13), "note-back-dated")

    history = list(services.ledger.history(story.customer))
    (note,) = [e for e in history if isinstance(e, CreditNoteIssued)]
    (allocated,) = [e for e in history if isinstance(e, CreditAllocated)]
    assert note.meta.effective_date == date(2026, 3, 13)  # the note keeps its date
    assert allocated.allocations == {february.invoice_id: 310000}
    # March is 30 days overdue on 10 April (2 on 13 March): still suspended
    book = services.ledger.customer(story.customer, fresh=True).state
    assert book.status is ServiceStatus.SUSPENDED


def test_a_back_dated_write_off_judges_the_debt_on_the_real_day(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)                                    # due 11 January
    story.bill(FEB_1)                                    # due 11 February
    january, _ = story.invoices()
    dun(services, story.customer, date(2026, 2, 10))     # January 30 days overdue: suspended
    stand_at(services, datetime(2026, 3, 13, 9, 0, tzinfo=UTC))

    send(services, WriteOffDebt(customer_id=story.customer, invoice_id=january.invoice_id,
                                reason="uncollectable", approver="chief accountant",
                                effective_on=date(2026, 2, 20)))

    # February is 30 days overdue on 13 March (9 on 20 February): still suspended
    book = services.ledger.customer(story.customer, fresh=True).state
    assert book.status is ServiceStatus.SUSPENDED
