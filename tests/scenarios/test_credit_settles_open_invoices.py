"""Credit settles what is already owed: negative invoices and credit notes pay open invoices.

Given a customer on a flat 3100.00 USD monthly plan (no VAT, anchor 1, 10-day payment terms),
when a downgrade, a cancellation or a credit note leaves credit while invoices are open, then
the same command records ``CreditAllocated``: the credit settles the open invoices oldest due
first, and only the rest stays credit for the next invoices. What the customer owes never
changes: the allocation moves no money. Through the command layer, on both backends.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from commands.change_subscription import ChangeSubscription
from commands.issue_credit_note import IssueCreditNote
from commands.record_payment import RecordPayment
from commands.void_invoice import VoidInvoice
from ledger.customers import ServiceStatus
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued
from ledger.customers.collections_events import CreditAllocated
from ledger.errors import InvalidField
from ledger.money import Money
from projections import queries
from tests.scenarios.support import Story, flat_tariff
from tests.support.collections import dun
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from ledger.customers.state import CustomerState
    from ledger.events import LedgerEvent

JAN_1, FEB_1, MAR_1 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def usd(minor: int) -> Money:
    return Money(minor, "USD")


def begin(services: Services) -> Story:
    """The customer on «plan» (3100.00 a month), with «small» (310.00) to downgrade to."""
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    publish(services, "small", flat_tariff("310.00"))
    return story


def pay(story: Story, amount: str, on: date, invoice_id: str) -> None:
    story.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    send(story.services, RecordPayment(customer_id=story.customer, amount=amount,
                                       currency="USD", invoice_ids=[invoice_id]))


def downgrade(story: Story, on: date) -> None:
    """Move to «small» at once: the unused days of «plan» are credited by the next invoice."""
    story.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    send(story.services, ChangeSubscription(customer_id=story.customer,
                                            subscription_id=story.subscription,
                                            tariff_code="small", effective_date=on))


def state(story: Story) -> CustomerState:
    return story.services.ledger.customer(story.customer, fresh=True).state


def new_events(story: Story, since: int) -> list[LedgerEvent]:
    return list(story.services.ledger.history(story.customer))[since:]


def version(story: Story) -> int:
    return len(list(story.services.ledger.history(story.customer)))


def test_a_downgrade_credit_settles_the_oldest_overdue_invoice(services: Services) -> None:
    story = begin(services)
    story.bill(JAN_1)                            # January 3100.00, due 11 January
    story.bill(FEB_1)                            # February 3100.00, due 11 February
    january, february = (i.invoice_id for i in story.invoices())
    pay(story, "2000.00", date(2026, 1, 20), january)   # 1100.00 of January stays open
    pay(story, "3100.00", date(2026, 2, 2), february)
    dun(services, story.customer, date(2026, 2, 10))    # January 30 days overdue: suspended
    assert state(story).status is ServiceStatus.SUSPENDED
    net_before = state(story).balances["USD"].net_minor
    since = version(story)

    downgrade(story, date(2026, 2, 15))
    story.bill(date(2026, 2, 15))

    # then: 14 of 28 days credited at 3100.00 (1550.00) and charged at 310.00 (155.00) …
    invoice, allocated, reactivated = new_events(story, since)[1:]
    assert isinstance(invoice, InvoiceIssued)
    assert invoice.amount_due == usd(-139500)
    # … and in the same command the credit settles January, the rest stays credit
    assert isinstance(allocated, CreditAllocated)
    assert (allocated.source, allocated.source_id, allocated.source_number) == (
        "invoice", invoice.invoice_id, invoice.number)
    assert allocated.credit == usd(139500)
    assert allocated.allocations == {january: 110000}
    assert allocated.effective_date == date(2026, 2, 15)
    assert allocated.meta.correlation_id == invoice.meta.correlation_id
    assert type(reactivated).__name__ == "ServiceStatusChanged"
    book = state(story)
    assert book.invoices[january].status == "paid"
    assert book.status is ServiceStatus.ACTIVE
    # what the customer owes moved by the negative invoice alone, not by the allocation
    assert book.balances["USD"].net_minor == net_before - 139500 == -29500
    services.runner.catch_up()
    assert queries.aging(services.store, date(2026, 2, 15))["customers"] == []
    register = {r["invoice_id"]: r for r in queries.invoices(
        services.store, today="2026-02-15", customer_id=str(story.customer)).items}
    assert (register[january]["status"], register[january]["open"]) == ("paid", 0)
    assert (register[invoice.invoice_id]["status"], register[invoice.invoice_id]["open"]) == (
        "paid", 0)  # a negative invoice owes nothing: it is neither open nor overdue
    # dunning stops: nothing is overdue any more
    assert dun(services, story.customer, date(2026, 2, 20)) == []
    # the 295.00 left is used by the next invoice, as credit always was
    story.bill(MAR_1)
    march = story.invoices()[-1]
    assert (march.total, march.credit_applied, march.amount_due) == (
        usd(31000), usd(29500), usd(1500))


def test_a_credit_smaller_than_the_debt_leaves_a_partially_paid_invoice(
    services: Services,
) -> None:
    story = begin(services)
    story.bill(JAN_1)                            # 3100.00, due 11 January
    (january,) = (i.invoice_id for i in story.invoices())
    downgrade(story, date(2026, 1, 8))           # 24 of 31 days: −2400.00 + 240.00
    story.bill(date(2026, 1, 8))

    allocated = new_events(story, 0)[-1]
    assert isinstance(allocated, CreditAllocated)
    assert allocated.allocations == {january: 216000}
    book = state(story)
    assert book.invoices[january].open_minor == 94000
    assert book.invoices[january].status == "partially_paid"
    assert book.balances["USD"].net_minor == 94000
    services.runner.catch_up()
    (row,) = [r for r in queries.invoices(services.store, today="2026-01-08",
                                          customer_id=str(story.customer)).items
              if r["invoice_id"] == january]
    assert (row["status"], row["paid"], row["open"]) == ("partially_paid", 216000, 94000)
    (totals,) = queries.aging(services.store, date(2026, 1, 8))["totals"]
    assert (totals["current"], totals["total"]) == (94000, 94000)
    timeline = [r["summary"] for r in queries.timeline(services.store,
                                                       str(story.customer)).items]
    assert timeline[-2:] == [
        "Invoice LBX-2026-000002 issued for 2026-01-08 → 2026-02-01: -2160.00 USD incl. VAT"
        " 0.00 USD, a credit of 2160.00 USD to the customer",
        "Credit of 2160.00 USD from invoice LBX-2026-000002 settled"
        " LBX-2026-000001 2160.00 USD (oldest due first)"]


def test_a_credit_note_beyond_its_invoice_settles_the_other_open_invoices(
    services: Services,
) -> None:
    story = begin(services)
    story.bill(JAN_1)
    story.bill(FEB_1)
    january, february = (i.invoice_id for i in story.invoices())
    pay(story, "1000.00", date(2026, 1, 20), january)    # 2100.00 of January open
    since = version(story)

    send(services, IssueCreditNote(customer_id=story.customer, invoice_id=january,
                                   reason="Service outage all January"))

    note, allocated = new_events(story, since)
    assert isinstance(note, CreditNoteIssued)
    assert note.total == usd(310000)
    # the note first closes January (2100.00); the 1000.00 already paid on it is credit …
    assert isinstance(allocated, CreditAllocated)
    assert (allocated.source, allocated.source_id, allocated.source_number) == (
        "credit_note", note.credit_note_id, note.number)
    assert (allocated.credit, allocated.allocations) == (usd(100000), {february: 100000})
    assert allocated.numbers == {february: "LBX-2026-000002"}
    # … which settles February, the oldest invoice still open
    book = state(story)
    assert [book.invoices[i].open_minor for i in (january, february)] == [0, 210000]
    assert book.invoices[february].status == "partially_paid"
    assert book.balances["USD"].net_minor == 210000


def test_credit_with_nothing_open_stays_credit_for_the_next_invoice(services: Services) -> None:
    story = begin(services)
    story.bill(JAN_1)
    (january,) = (i.invoice_id for i in story.invoices())
    pay(story, "3100.00", date(2026, 1, 5), january)
    downgrade(story, date(2026, 1, 8))
    story.bill(date(2026, 1, 8))
    story.bill(FEB_1)

    assert not [e for e in new_events(story, 0) if isinstance(e, CreditAllocated)]
    assert story.totals() == ["3100.00", "-2160.00", "310.00"]
    february = story.invoices()[-1]
    assert (february.credit_applied, february.amount_due) == (usd(31000), usd(0))
    assert state(story).balances["USD"].net_minor == -185000


def test_a_negative_invoice_whose_credit_settled_invoices_cannot_be_voided(
    services: Services,
) -> None:
    story = begin(services)
    story.bill(JAN_1)
    downgrade(story, date(2026, 1, 8))
    story.bill(date(2026, 1, 8))
    credit_invoice = story.invoices()[-1].invoice_id
    with pytest.raises(InvalidField) as caught:
        send(services, VoidInvoice(customer_id=story.customer, invoice_id=credit_invoice,
                                   reason="Wrong plan"))
    assert caught.value.field == "invoice_id"
    assert "already settled other invoices" in caught.value.detail
