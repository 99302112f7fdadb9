"""Days whose invoice was voided, or whose line a credit note credited, are not credited again.

A credit gives back what was charged for its days; a void or a credit note already took that
charge back, so a later cancellation, pause or change gives nothing more for those days
(docs/billing.md, "Credits give back what was charged"). A void does not re-bill the days
either: the billing cursor stays where the invoice moved it. In the other order, once a later
invoice credited some of a fee's days, the fee's invoice can no longer be voided, nor its line
credited whole: what is left is credited by an adjustment.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.issue_credit_note import IssueCreditNote
from commands.start_subscription import StartSubscription
from commands.void_invoice import VoidInvoice
from ledger.errors import InvalidField
from tests.scenarios.support import flat_tariff
from tests.scenarios.test_credit_discounts import (
    FEB,
    JAN,
    a_from_january,
    cancel_on_the_17th,
    figures,
    grant,
)
from tests.support.dsl import publish, send

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


def cancelled_after_january_was_billed(services: Services) -> Story:
    story = january_at_half_price(services)
    cancel_on_the_17th(story)
    story.bill(FEB)  # gives back 241.94 of January's 500.00
    return story


def test_a_month_partly_credited_cannot_then_be_credited_in_full(services: Services) -> None:
    story = cancelled_after_january_was_billed(services)
    january = story.invoices()[0]
    version = services.ledger.customer(story.customer).version

    with pytest.raises(InvalidField) as caught:
        send(services, IssueCreditNote(customer_id=story.customer,
                                       invoice_id=january.invoice_id, reason="goodwill"))

    assert caught.value.field == "line_ids"
    assert "241.94 RUB of its days was already credited on invoice" in caught.value.detail
    assert services.ledger.customer(story.customer).version == version  # nothing written
    assert owed(story) == 50000 - 24194


def test_a_month_partly_credited_cannot_then_be_voided(services: Services) -> None:
    story = a_from_january(services)
    publish(services, "b", flat_tariff("5000.00", "RUB", name="B"))
    send(services, StartSubscription(customer_id=story.customer, tariff_code="b",
                                     start_date=JAN, anchor_day=1))
    story.bill(JAN)
    cancel_on_the_17th(story)
    story.bill(FEB)  # B's February outweighs A's credit: January stays unsettled
    version = services.ledger.customer(story.customer).version
    before = owed(story)

    with pytest.raises(InvalidField) as caught:
        void_january(story)

    assert caught.value.field == "invoice_id"
    assert f"483.87 RUB of its days was already credited on invoice {story.invoices()[1].number}" \
        in caught.value.detail
    assert services.ledger.customer(story.customer).version == version
    assert owed(story) == before


def test_a_month_nothing_was_given_back_of_can_still_be_credited(services: Services) -> None:
    story = january_at_half_price(services)
    story.bill(FEB)
    feb_17 = date(2026, 2, 17)
    services.runtime.clock.move_to(feb_17)  # type: ignore[attr-defined]
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=feb_17, when="immediate"))
    story.bill(date(2026, 3, 1))  # gives back 12 of February's 28 days, none of January's
    january, february = story.invoices()[:2]

    send(services, IssueCreditNote(customer_id=story.customer,
                                   invoice_id=january.invoice_id, reason="goodwill"))
    with pytest.raises(InvalidField):
        send(services, IssueCreditNote(customer_id=story.customer,
                                       invoice_id=february.invoice_id, reason="goodwill"))

    assert story.totals() == ["500.00", "1000.00", "-428.57"]
    assert owed(story) == 100000 - 42857


def test_what_was_given_back_survives_a_reload(services: Services) -> None:
    story = cancelled_after_january_was_billed(services)
    services.ledger.forget(story.customer)
    book = services.ledger.customer(story.customer)
    [fee] = book.state.subscriptions[story.subscription].billed
    assert (str(fee.given_back), fee.given_back_on) == ("241.94 RUB", story.invoices()[1].number)
