"""Credit at the edges: written-off invoices, spent credit, and why credit was allocated.

Given a customer on a flat 3100.00 USD monthly plan (no VAT, anchor 1, 10-day payment
terms), when a credit note meets a written-off invoice, or a negative invoice whose credit
was already used is voided, then the ledger refuses what would create credit nobody paid
for or a debt no open invoice carries; and credit a note allocates says the note's reason.
Through the command layer, on both backends.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from commands.issue_credit_note import IssueCreditNote
from commands.void_invoice import VoidInvoice
from commands.write_off_debt import WriteOffDebt
from ledger.customers.billing_events import CreditNoteIssued
from ledger.customers.collections_events import CreditAllocated
from ledger.errors import InvalidField, Rejected
from projections import queries
from tests.scenarios.support import Story, flat_tariff
from tests.scenarios.test_credit_settles_open_invoices import (
    FEB_1,
    JAN_1,
    begin,
    downgrade,
    new_events,
    pay,
    state,
    usd,
    version,
)
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from ledger.customers.billing_events import InvoiceIssued

SUPPORT = {"code": "support", "name": "Support", "kind": "flat", "price": "900.00"}


def write_off(story: Story, invoice_id: str, amount: str | None = None) -> None:
    send(story.services, WriteOffDebt(customer_id=story.customer, invoice_id=invoice_id,
                                      amount=amount, reason="bad debt", approver="cfo:olga"))


def credit_note(story: Story, invoice: InvoiceIssued, *components: str) -> None:
    line_ids = [line.line_id for line in invoice.lines if line.component in components]
    send(story.services, IssueCreditNote(customer_id=story.customer,
                                         invoice_id=invoice.invoice_id, line_ids=line_ids,
                                         reason="service not given"))


def test_a_credit_note_on_a_written_off_invoice_is_refused(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), JAN_1, anchor_day=1)
    story.bill(JAN_1)
    (january,) = story.invoices()
    write_off(story, january.invoice_id)                 # all 3100.00 given up
    story.bill(FEB_1)
    february = story.invoices()[-1]
    since = version(story)

    with pytest.raises(InvalidField) as caught:
        send(services, IssueCreditNote(customer_id=story.customer,
                                       invoice_id=january.invoice_id, reason="service not given"))

    assert caught.value.field == "line_ids"
    assert "3100.00 USD written off" in caught.value.detail
    # nothing recorded: no credit was created, February is still owed in full
    assert new_events(story, since) == []
    book = state(story)
    assert book.invoices[february.invoice_id].open_minor == 310000
    assert book.balances["USD"].net_minor == 310000


def test_a_credit_note_gives_back_only_what_was_paid_not_what_was_written_off(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00", components=[SUPPORT]), JAN_1,
                        anchor_day=1)
    story.bill(JAN_1)                                    # 3100.00 + 900.00 = 4000.00
    (january,) = story.invoices()
    pay(story, "900.00", date(2026, 1, 20), january.invoice_id)
    write_off(story, january.invoice_id)                 # the other 3100.00 given up
    story.bill(FEB_1)
    february = story.invoices()[-1]

    # the base line (3100.00) would credit what was written off: refused
    with pytest.raises(InvalidField) as caught:
        credit_note(story, january, "base")
    assert caught.value.field == "line_ids"
    since = version(story)

    # the support line (900.00) credits what was paid: 900.00 of credit settles February
    credit_note(story, january, "support")

    note, allocated = new_events(story, since)
    assert isinstance(note, CreditNoteIssued)
    assert note.total == usd(90000)
    assert isinstance(allocated, CreditAllocated)
    assert (allocated.credit, allocated.allocations) == (
        usd(90000), {february.invoice_id: 90000})
    book = state(story)
    assert book.invoices[february.invoice_id].open_minor == 400000 - 90000
    assert book.balances["USD"].net_minor == 400000 - 90000


def test_a_negative_invoice_whose_credit_was_used_at_issue_cannot_be_voided(
    services: Services,
) -> None:
    story = begin(services)
    story.bill(JAN_1)
    pay(story, "3100.00", date(2026, 1, 5), story.invoices()[0].invoice_id)
    downgrade(story, date(2026, 1, 8))
    story.bill(date(2026, 1, 8))                         # −2160.00, nothing open to settle
    story.bill(FEB_1)                                    # 310.00 paid from that credit
    negative, february = story.invoices()[1:]
    assert february.credit_applied == usd(31000)
    since = version(story)

    with pytest.raises(Rejected) as caught:
        send(services, VoidInvoice(customer_id=story.customer, invoice_id=negative.invoice_id,
                                   reason="wrong plan"))

    assert caught.value.field == "invoice_id"
    assert negative.invoice_id in caught.value.detail
    assert "only 1850.00 USD of credit no payment holds is left" in caught.value.detail
    assert "issue an invoice or a charge" in caught.value.detail
    assert new_events(story, since) == []
    assert state(story).balances["USD"].net_minor == -185000


def test_a_negative_invoice_whose_credit_is_untouched_can_be_voided(services: Services) -> None:
    story = begin(services)
    story.bill(JAN_1)
    pay(story, "3100.00", date(2026, 1, 5), story.invoices()[0].invoice_id)
    downgrade(story, date(2026, 1, 8))
    story.bill(date(2026, 1, 8))
    negative = story.invoices()[-1]

    send(services, VoidInvoice(customer_id=story.customer, invoice_id=negative.invoice_id,
                               reason="wrong plan"))

    book = state(story)
    assert book.invoices[negative.invoice_id].void
    assert book.balances["USD"].net_minor == 0


def test_credit_a_note_allocates_carries_the_note_s_reason(services: Services) -> None:
    story = begin(services)
    story.bill(JAN_1)
    story.bill(FEB_1)
    january, february = (i.invoice_id for i in story.invoices())
    pay(story, "3100.00", date(2026, 1, 20), january)
    since = version(story)

    send(services, IssueCreditNote(customer_id=story.customer, invoice_id=january,
                                   reason="Service outage all January"))

    _, allocated = new_events(story, since)
    assert isinstance(allocated, CreditAllocated)
    assert allocated.allocations == {february: 310000}
    assert allocated.meta.reason == "Service outage all January"
    services.runner.catch_up()
    row = queries.timeline(services.store, str(story.customer)).items[-1]
    assert row["summary"].startswith("Credit of 3100.00 USD from credit note")
    assert row["reason"] == "Service outage all January"
