"""A credit gives back the VAT its days were charged with: their rate, and their mode.

Through the command layer, on both backends. The customer is on the default tariff (1000.00
RUB a month in advance, 22 % on top) from 1 January 2026, and January is billed on the 1st.
Fifteen unused days of January (17 January to 1 February) cost 483.87 before VAT.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.issue_credit_note import IssueCreditNote
from commands.update_customer import UpdateCustomer
from ledger.errors import InvalidField
from ledger.vat import VatMode
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import MONTHLY_1000, event_names, publish, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN1, JAN17, FEB1 = date(2026, 1, 1), date(2026, 1, 17), date(2026, 2, 1)


def billed_january(services: Services, **customer: Any) -> Story:
    story = Story.begin(services, MONTHLY_1000, JAN1, anchor_day=1, code="start", **customer)
    story.bill(JAN1)
    return story


def on(story: Story, day: date) -> None:
    story.services.runtime.clock.move_to(day)  # type: ignore[attr-defined]


def cancel(story: Story, day: date = JAN17) -> None:
    on(story, day)
    send(story.services, CancelSubscription(customer_id=story.customer,
                                            subscription_id=story.subscription,
                                            effective_date=day, when="immediate"))


def lines(story: Story) -> list[tuple[str, str, Decimal | None, str, str]]:
    """The last invoice's lines: kind, amount, VAT rate, VAT, total."""
    return [(line.kind, line.amount.to_decimal_string(), line.vat_rate,
             line.vat.to_decimal_string(), line.total.to_decimal_string())
            for line in story.invoices()[-1].lines]


# -- the rate: what the days were charged at ------------------------------------------------


def test_a_credit_gives_back_the_rate_its_days_were_charged_at_not_todays(
        services: Services) -> None:
    # given January billed at the customer's 20 %: 1000.00 + 200.00
    story = billed_january(services, vat_rate=Decimal(20))
    assert story.totals() == ["1200.00"]
    # when the customer's rate becomes 22 % and the subscription ends on 17 January
    send(services, UpdateCustomer(customer_id=story.customer, vat_rate=Decimal(22)))
    cancel(story)
    story.bill(FEB1)
    # then the 15 unused days come back as they were paid: 483.87 + 20 %
    assert lines(story) == [("proration_credit", "-483.87", Decimal(20), "-96.77", "-580.64")]


def test_a_plan_change_credits_the_old_days_at_their_rate_and_charges_the_new_at_todays(
        services: Services) -> None:
    story = billed_january(services, vat_rate=Decimal(20))
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B", vat_rate="22"))
    send(services, UpdateCustomer(customer_id=story.customer, vat_rate=Decimal(22)))
    on(story, date(2026, 1, 16))
    send(services, ChangeSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription, tariff_code="b",
                                      effective_date=date(2026, 1, 16)))
    story.bill(FEB1)
    assert lines(story) == [
        ("proration_credit", "-516.13", Decimal(20), "-103.23", "-619.36"),  # 16 days of A
        ("proration_charge", "1032.26", Decimal(22), "227.10", "1259.36"),   # 16 days of B
        ("recurring", "2000.00", Decimal(22), "440.00", "2440.00"),          # February of B
    ]


def test_without_a_rate_change_the_credit_is_rated_as_before(services: Services) -> None:
    story = billed_january(services)
    cancel(story)
    story.bill(FEB1)
    assert lines(story) == [("proration_credit", "-483.87", Decimal(22), "-106.45", "-590.32")]


# -- the mode: a change that a credit of billed days would be read in is refused ------------


def test_a_vat_mode_change_under_days_billed_in_another_mode_is_refused(
        services: Services) -> None:
    # given January billed VAT-exclusive (1000.00 + 220.00), paid for until 1 February
    story = billed_january(services)
    before = event_names(services, story.customer)
    on(story, date(2026, 1, 10))
    # when the customer's invoices would be read VAT-inclusive from now on
    with pytest.raises(InvalidField) as refused:
        send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))
    # then it is refused at vat_mode, naming the billed days and the remedies
    number = story.invoices()[0].number
    assert refused.value.field == "vat_mode"
    assert refused.value.detail == (
        f"subscription {story.subscription} is billed until 2026-02-01 with VAT exclusive"
        f" (invoice {number}): a credit of those days would be read with VAT inclusive and"
        " not give back what was charged; change vat_mode on 2026-02-01, before that day is"
        f" billed, or first credit invoice {number} by a credit note")
    assert event_names(services, story.customer) == before
    # and a cancellation still gives back what was paid for the unused days: 590.32
    cancel(story)
    story.bill(FEB1)
    assert story.totals() == ["1220.00", "-590.32"]


def test_clearing_a_mode_of_its_own_that_the_tariffs_do_not_share_is_refused_too(
        services: Services) -> None:
    story = billed_january(services, vat_mode=VatMode.INCLUSIVE)  # 1000.00, VAT inside
    assert story.totals() == ["1000.00"]
    with pytest.raises(InvalidField) as refused:
        send(services, UpdateCustomer(customer_id=story.customer, vat_mode=None))
    assert refused.value.field == "vat_mode"
    # naming the mode the tariffs already bill in changes nothing a credit reads
    send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))


def test_the_mode_the_invoices_are_read_in_may_be_named_while_days_are_billed(
        services: Services) -> None:
    story = billed_january(services)
    send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.EXCLUSIVE))
    cancel(story)
    story.bill(FEB1)
    assert story.totals() == ["1220.00", "-590.32"]


def test_the_mode_changes_on_the_day_the_billed_days_run_out_before_that_day_is_billed(
        services: Services) -> None:
    story = billed_january(services)
    on(story, FEB1)
    send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))
    story.bill(FEB1)
    assert lines(story) == [("recurring", "1000.00", Decimal(22), "180.33", "1000.00")]


def test_a_cancellation_whose_credit_waits_for_an_invoice_keeps_the_mode_until_then(
        services: Services) -> None:
    # given a cancellation on 17 January, its credit not invoiced yet on 1 February
    story = billed_january(services)
    cancel(story)
    on(story, FEB1)
    with pytest.raises(InvalidField) as refused:
        send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))
    assert refused.value.field == "vat_mode"
    # once the credit is invoiced in the mode its days were paid in, the mode may change
    story.bill(FEB1)
    assert story.totals() == ["1220.00", "-590.32"]
    send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))


def test_a_credit_note_first_lets_the_mode_change_and_the_days_are_not_given_back_twice(
        services: Services) -> None:
    story = billed_january(services)
    january = story.invoices()[0].invoice_id
    send(services, IssueCreditNote(customer_id=story.customer, invoice_id=january,
                                   reason="Условия НДС изменены"))
    send(services, UpdateCustomer(customer_id=story.customer, vat_mode=VatMode.INCLUSIVE))
    cancel(story)
    story.bill(FEB1)
    assert story.totals() == ["1220.00", "0.00"]  # the note gave January back already
