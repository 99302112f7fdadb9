"""Given invoices already numbered, when a document is meant for an earlier day, then its
number still follows the dates: it is dated the latest day its series numbered.

Russian rules number счета-фактуры in date order (ПП РФ № 1137), and a missed bill run made
a few days late must not put a smaller date after a larger one. What such an invoice bills
is still what was due by the run's date; its due date counts from the date it carries.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from commands.base import Context
from commands.dispatch import dispatch
from commands.issue_credit_note import IssueCreditNote
from commands.record_charge import RecordCharge
from ledger.customers.billing_events import CreditNoteIssued, InvoiceIssued
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

MAR1, MAR5 = date(2026, 3, 1), date(2026, 3, 5)


def invoices(services: Services) -> list[InvoiceIssued]:
    """Every invoice of every customer, by number."""
    found = [e for c in services.ledger.customer_ids() for e in services.ledger.history(c)
             if isinstance(e, InvoiceIssued)]
    return sorted(found, key=lambda e: e.number)


def charged(services: Services, key: str, day: date) -> tuple[UUID, str]:
    """A customer charged 50.00 on ``day`` (the clock moves there); its id and invoice id."""
    services.runtime.clock.move_to(day)  # type: ignore[attr-defined]
    customer = register(services, key, currency="USD")
    outcome = send(services, RecordCharge(customer_id=customer, amount="50.00",
                                          description="Consulting"))
    return customer, str(outcome.result["invoice_id"])


def test_a_missed_run_made_late_is_dated_the_latest_day_numbered(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), MAR1)
    charged(services, "C-2", MAR5)
    story.bill(MAR1)  # the run of 1 March, made on 5 March
    issued = invoices(services)
    assert [(e.number[-6:], e.issued_on) for e in issued] == [("000001", MAR5),
                                                             ("000002", MAR5)]
    (late,) = story.invoices()
    assert late == issued[-1]
    assert (late.period_start, late.due_on) == (MAR1, MAR5 + timedelta(days=10))
    assert late.meta.effective_date == MAR5


def test_a_credit_note_dated_before_the_last_one_numbered_takes_its_date(
    services: Services,
) -> None:
    first, first_invoice = charged(services, "C-1", date(2026, 2, 27))
    second, second_invoice = charged(services, "C-2", date(2026, 2, 27))
    services.runtime.clock.move_to(MAR5)  # type: ignore[attr-defined]
    send(services, IssueCreditNote(customer_id=first, invoice_id=first_invoice,
                                   reason="Ошибка в сумме"))
    backdated = Context(actor="tester", source="api", idempotency_key="note-2",
                        effective_date=MAR1)
    dispatch(IssueCreditNote(customer_id=second, invoice_id=second_invoice,
                             reason="Ошибка в сумме"), backdated, services.runtime)
    notes = sorted((e for c in (first, second) for e in services.ledger.history(c)
                    if isinstance(e, CreditNoteIssued)), key=lambda e: e.number)
    assert [(e.number[-6:], e.meta.effective_date) for e in notes] == [("000001", MAR5),
                                                                      ("000002", MAR5)]
