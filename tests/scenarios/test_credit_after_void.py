"""Days whose invoice was voided, or whose line a credit note credited, are not credited again.

A credit gives back what was charged for its days; a void or a credit note already took that
charge back, so a later cancellation, pause or change gives nothing more for those days
(docs/billing.md, "Credits give back what was charged"). A void does not re-bill the days
either: the billing cursor stays where the invoice moved it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from commands.issue_credit_note import IssueCreditNote
from commands.void_invoice import VoidInvoice
from tests.scenarios.support import flat_tariff
from tests.scenarios.test_credit_discounts import (
    FEB,
    JAN,
    a_from_january,
    cancel_on_the_17th,
    figures,
    grant,
)
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.scenarios.support import Story


def january_at_half_price(services: Services, **tariff: object) -> Story:
    story = a_from_january(services, flat_tariff("1000.00", "RUB", name="A", **tariff)
                           if tariff else None)
    grant(story, kind="percent", percent=Decimal(50), periods=1, description="first month")
    story.bill(JAN)
    return story


def void_january(story: Story) -> None:
    send(story.services, VoidInvoice(customer_id=story.customer,
                                     invoice_id=story.invoices()[0].invoice_id, reason="wrong"))


def owed(story: Story) -> int:
    return story.services.ledger.customer(story.customer).state.balance("RUB").net_minor


def test_a_voided_month_cancelled_later_gives_nothing_back(services: Services) -> None:
    story = january_at_half_price(services)
    void_january(story)
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "-483.87", "0.00")]  # the whole amount carried
    assert story.totals() == ["500.00", "0.00"]
    assert owed(story) == 0


def test_a_month_credited_in_full_then_cancelled_gives_nothing_more(services: Services) -> None:
    story = january_at_half_price(services)
    send(services, IssueCreditNote(customer_id=story.customer,
                                   invoice_id=story.invoices()[0].invoice_id, reason="goodwill"))
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [("-483.87", "-483.87", "0.00")]
    assert owed(story) == 0  # 500.00 charged, 500.00 credited, nothing more


def test_only_the_credited_line_stops_giving_back(services: Services) -> None:
    addon = {"code": "addon", "name": "Add-on", "kind": "flat", "price": "500.00"}
    story = january_at_half_price(services, components=[addon])
    addon_line = next(line for line in story.invoices()[0].lines if line.component == "addon")
    send(services, IssueCreditNote(customer_id=story.customer,
                                   invoice_id=story.invoices()[0].invoice_id,
                                   line_ids=[addon_line.line_id], reason="add-on not delivered"))
    cancel_on_the_17th(story)
    story.bill(FEB)
    assert figures(story) == [
        ("-483.87", "-241.93", "-241.94"),  # A's line stands: 500.00 × 15/31 comes back
        ("-241.94", "-241.94", "0.00"),  # the add-on's was credited already
    ]


def test_a_void_does_not_bill_the_voided_days_again(services: Services) -> None:
    story = january_at_half_price(services)
    void_january(story)
    story.bill(FEB)
    assert [line.period_start for line in story.invoices()[-1].lines] == [FEB]
    assert story.totals() == ["500.00", "1000.00"]


def test_the_withdrawn_charge_survives_a_reload(services: Services) -> None:
    story = january_at_half_price(services)
    void_january(story)
    services.ledger.forget(story.customer)
    book = services.ledger.customer(story.customer)
    assert [fee.withdrawn for fee in book.state.subscriptions[story.subscription].billed] == [
        True]
