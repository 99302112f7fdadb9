"""Billing stories beyond the reference examples: calendars, trials, VAT, discounts, changes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.grant_discount import GrantDiscount
from commands.issue_credit_note import IssueCreditNote
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from commands.record_payment import RecordPayment
from commands.record_usage import RecordUsage
from commands.set_individual_price import SetIndividualPrice
from commands.void_invoice import VoidInvoice
from ledger.errors import InvalidField
from ledger.money import Money
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_anchor_31_falls_on_the_last_day_of_short_months(services: Services) -> None:
    story = Story.begin(services, flat_tariff("310.00"), date(2024, 1, 31), anchor_day=31)
    for day in (date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)):
        story.bill(day)
    starts = [(i.period_start, i.period_end) for i in story.invoices()]
    assert starts == [
        (date(2024, 1, 31), date(2024, 2, 29)), (date(2024, 2, 29), date(2024, 3, 31)),
        (date(2024, 3, 31), date(2024, 4, 30)), (date(2024, 4, 30), date(2024, 5, 31)),
    ]
    assert story.totals() == ["310.00"] * 4


def test_a_leap_year_february_prorates_over_29_days(services: Services) -> None:
    story = Story.begin(services, flat_tariff("290.00"), date(2024, 2, 15), anchor_day=1)
    story.bill(date(2024, 2, 15))
    assert story.totals() == ["150.00"]  # 290.00 × 15/29
    assert story.last_lines()[0][1].startswith("150.00 = 290.00 × 15/29")


def test_quarterly_and_yearly_periods(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3000.00", period_unit="quarter"),
                        date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    story.bill(date(2026, 4, 1))
    invoices = story.invoices()
    assert [(i.period_start, i.period_end) for i in invoices] == [
        (date(2026, 1, 1), date(2026, 4, 1)), (date(2026, 4, 1), date(2026, 7, 1))]
    assert story.totals() == ["3000.00", "3000.00"]


def test_a_yearly_period_starting_off_anchor_prorates_over_the_year(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3650.00", period_unit="year"),
                        date(2025, 12, 22), anchor_day=1)
    story.bill(date(2025, 12, 22))
    assert story.totals() == ["100.00"]  # 10 days of the year 2025-01-01 → 2026-01-01 (365)


def test_a_trial_bills_from_its_end(services: Services) -> None:
    story = Story.begin(services, flat_tariff("300.00", trial_days=14), date(2026, 3, 1),
                        anchor_day=1)
    story.bill(date(2026, 3, 1))
    assert story.totals() == []
    story.bill(date(2026, 3, 15))
    assert story.totals() == ["164.52"]  # 300.00 × 17/31 from the trial's end to April


def test_in_arrears_usage_with_a_flat_fee_in_advance(services: Services) -> None:
    tariff = flat_tariff("100.00", components=[{"code": "sms", "name": "SMS", "kind": "metered",
                                                "pricing": {"kind": "per_unit",
                                                            "unit_price": "0.50"}}])
    story = Story.begin(services, tariff, date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    for n, day in enumerate((5, 17, 31)):
        send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                                   component="sms", usage_id=f"u{n}", quantity=Decimal(10),
                                   occurred_on=date(2026, 1, day)))
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="sms", usage_id="u0", quantity=Decimal(10),
                               occurred_on=date(2026, 1, 5)))  # a resend is ignored
    story.bill(date(2026, 2, 1))
    assert story.totals() == ["100.00", "115.00"]  # next month's fee + 30 SMS of January


def test_late_usage_for_an_invoiced_period_is_a_correction_on_the_next_invoice(
    services: Services,
) -> None:
    tariff = {"name": "API", "currency": "USD", "components": [
        {"code": "api", "name": "API", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": "1.00"}}]}
    story = Story.begin(services, tariff, date(2026, 1, 1))
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="api", usage_id="a", quantity=5,
                               occurred_on=date(2026, 1, 10)))
    story.bill(date(2026, 2, 1))
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="api", usage_id="late", quantity=3,
                               occurred_on=date(2026, 1, 30)))
    story.bill(date(2026, 3, 1))
    assert story.totals() == ["5.00", "3.00"]
    (line,) = story.invoices()[-1].lines
    assert (line.period_start, line.period_end) == (date(2026, 1, 1), date(2026, 2, 1))


def test_vat_exclusive_and_inclusive_tariffs(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", currency="RUB", vat_rate="22",
                                              vat_mode="inclusive"), date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    (invoice,) = story.invoices()
    assert (invoice.total, invoice.vat_total) == (Money(100000, "RUB"), Money(18033, "RUB"))


def test_a_discount_for_two_periods_then_none(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), date(2026, 1, 1))
    send(services, GrantDiscount(customer_id=story.customer, kind="percent",
                                 percent=Decimal(10), periods=2, description="Welcome"))
    for month in (1, 2, 3):
        story.bill(date(2026, month, 1))
    assert story.totals() == ["90.00", "90.00", "100.00"]


def test_an_individual_price_applies_until_its_end_date(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), date(2026, 1, 1))
    send(services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component="base",
        price=Decimal(80), effective_from=date(2026, 1, 1), until=date(2026, 3, 1),
        note="Agreed with the director", agreed_by="Ivanova (sales)"))
    for month in (1, 2, 3):
        story.bill(date(2026, month, 1))
    assert story.totals() == ["80.00", "80.00", "100.00"]
    assert "individual price" in story.invoices()[0].lines[0].formula


def test_an_individual_price_for_an_unknown_component_is_refused(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), date(2026, 1, 1))
    with pytest.raises(InvalidField) as caught:
        send(services, SetIndividualPrice(
            customer_id=story.customer, subscription_id=story.subscription, component="nope",
            price=Decimal(1), note="x", agreed_by="y"))
    assert caught.value.field == "component"


def test_an_immediate_cancellation_credits_the_unused_days(services: Services) -> None:
    story = Story.begin(services, flat_tariff("300.00"), date(2026, 4, 1))
    story.bill(date(2026, 4, 1))
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 4, 21), when="immediate"))
    story.bill(date(2026, 4, 21))
    story.bill(date(2026, 5, 1))
    assert story.totals() == ["300.00", "-100.00"]  # 10 of 30 days unused


def test_an_end_of_term_cancellation_stops_at_the_period_end(services: Services) -> None:
    story = Story.begin(services, flat_tariff("300.00"), date(2026, 4, 1))
    story.bill(date(2026, 4, 1))
    outcome = send(services, CancelSubscription(customer_id=story.customer,
                                                subscription_id=story.subscription,
                                                effective_date=date(2026, 4, 10)))
    assert outcome.result["service_ends"] == "2026-05-01"
    story.bill(date(2026, 5, 1))
    assert story.totals() == ["300.00"]


def test_a_pause_skips_the_paused_days(services: Services) -> None:
    story = Story.begin(services, flat_tariff("310.00"), date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    send(services, PauseSubscription(customer_id=story.customer,
                                     subscription_id=story.subscription,
                                     effective_date=date(2026, 2, 1)))
    story.bill(date(2026, 2, 1))
    services.runtime.clock.move_to(date(2026, 3, 1))  # type: ignore[attr-defined]
    send(services, ResumeSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 3, 1)))
    story.bill(date(2026, 3, 1))
    assert story.totals() == ["310.00", "310.00"]
    assert story.invoices()[-1].period_start == date(2026, 3, 1)


def test_a_credit_note_becomes_credit_for_the_next_invoice(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    first = story.invoices()[0]
    send(services, RecordPayment(customer_id=story.customer, amount="100.00", currency="USD"))
    outcome = send(services, IssueCreditNote(customer_id=story.customer,
                                             invoice_id=first.invoice_id,
                                             reason="Service outage all January"))
    assert outcome.result["number"] == "LBX-CN-2026-000001"
    story.bill(date(2026, 2, 1))
    february = story.invoices()[-1]
    assert february.credit_applied == Money(10000, "USD")
    assert february.amount_due == Money(0, "USD")


def test_a_paid_invoice_cannot_be_voided_but_an_unpaid_one_can(services: Services) -> None:
    story = Story.begin(services, flat_tariff("100.00"), date(2026, 1, 1))
    story.bill(date(2026, 1, 1))
    story.bill(date(2026, 2, 1))
    january, february = story.invoices()
    send(services, RecordPayment(customer_id=story.customer, amount="100.00", currency="USD",
                                 invoice_ids=[january.invoice_id]))
    with pytest.raises(InvalidField):
        send(services, VoidInvoice(customer_id=story.customer, invoice_id=january.invoice_id,
                                   reason="Wrong customer"))
    send(services, VoidInvoice(customer_id=story.customer, invoice_id=february.invoice_id,
                               reason="Billed by mistake"))
    state = services.ledger.customer(story.customer).state
    assert state.invoices[february.invoice_id].status == "void"
    assert state.balances["USD"].receivable == Money(0, "USD")


def test_numbers_are_gapless_and_sequential_across_customers(services: Services) -> None:
    story = Story.begin(services, flat_tariff("10.00"), date(2026, 1, 1))
    from commands.start_subscription import StartSubscription
    from tests.support.dsl import register

    for n in range(2, 5):
        other = register(services, f"C-{n}", currency="USD")
        send(services, StartSubscription(customer_id=other, tariff_code="plan",
                                         start_date=date(2026, 1, 1)))
    story.bill(date(2026, 1, 1))
    story.bill(date(2026, 2, 1))
    numbers = sorted(
        invoice.number
        for customer_id in services.ledger.customer_ids()
        for invoice in services.ledger.customer(customer_id).state.invoices.values()
    )
    assert numbers == [f"LBX-2026-{n:06d}" for n in range(1, 9)]


def test_days_billed_at_a_discount_are_credited_at_that_discount(services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), date(2026, 3, 1))
    send(services, GrantDiscount(customer_id=story.customer, kind="percent",
                                 percent=Decimal(50), description="Half price"))
    story.bill(date(2026, 3, 1))
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 3, 16), when="immediate"))
    story.bill(date(2026, 3, 16))
    assert story.totals() == ["1550.00", "-800.00"]  # 16 of 31 days at half of 3100.00


def test_a_charge_with_its_own_vat_rate_keeps_it(services: Services) -> None:
    from commands.record_charge import RecordCharge
    from tests.support.dsl import register

    customer = register(services, "C-1", vat_rate="22")
    outcome = send(services, RecordCharge(customer_id=customer, amount="1000.00",
                                          description="Книги", vat_rate=Decimal(10)))
    assert outcome.result["total"] == "1100.00"


def test_a_pause_lifted_between_two_bill_runs_still_credits_the_paused_days(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("3100.00"), date(2026, 3, 1))
    story.bill(date(2026, 3, 1))
    services.runtime.clock.move_to(date(2026, 3, 25))  # type: ignore[attr-defined]
    send(services, PauseSubscription(customer_id=story.customer,
                                     subscription_id=story.subscription,
                                     effective_date=date(2026, 3, 10)))
    send(services, ResumeSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 3, 20)))
    story.bill(date(2026, 4, 1))
    # March was billed in advance; 10 paused days are credited when the pause is settled,
    # then the 12 days from the resumption to April are billed again, then April
    assert story.totals() == ["3100.00", "-2200.00", "4300.00"]


def test_closing_a_customer_ends_billing_and_credits_the_unused_days(services: Services) -> None:
    from commands.close_customer import CloseCustomer

    story = Story.begin(services, flat_tariff("3100.00"), date(2026, 3, 1))
    story.bill(date(2026, 3, 1))
    services.runtime.clock.move_to(date(2026, 3, 16))  # type: ignore[attr-defined]
    send(services, CloseCustomer(customer_id=story.customer, reason="Договор расторгнут"))
    story.bill(date(2026, 4, 1))
    story.bill(date(2026, 5, 1))
    assert story.totals() == ["3100.00", "-1600.00"]  # 16 unused days of 31, then nothing
