"""Every worked example of the money policy, through the command layer, on both backends.

P — proration and plan changes (Kill Bill); M — pricing models (Lago, Stripe);
V — Russian VAT. Amounts are exact to the cent/kopeck.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest

from commands.base import Context
from commands.change_subscription import ChangeSubscription, PreviewSubscriptionChange, preview
from commands.record_charge import RecordCharge
from commands.record_usage import RecordUsage
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services


def test_p1_leading_prorated_period_then_full_period(services: Services) -> None:
    story = Story.begin(services, flat_tariff("24.95"), date(2021, 9, 16), anchor_day=25)
    story.bill(date(2021, 9, 16))
    assert story.totals() == ["7.24"]
    assert story.last_lines()[0][1].startswith("7.24 = 24.95 × 9/31")
    story.bill(date(2021, 9, 25))
    assert story.totals() == ["7.24", "24.95"]
    period = story.invoices()[-1].lines[0]
    assert (period.period_start, period.period_end) == (date(2021, 9, 25), date(2021, 10, 25))


def test_p2_a_day_later_is_eight_thirty_firsts(services: Services) -> None:
    story = Story.begin(services, flat_tariff("24.95"), date(2021, 9, 17), anchor_day=25)
    story.bill(date(2021, 9, 17))
    assert story.totals() == ["6.44"]


def test_p3_leading_period_across_a_month_end(services: Services) -> None:
    story = Story.begin(services, flat_tariff("24.95"), date(2021, 9, 30), anchor_day=25)
    story.bill(date(2021, 9, 30))
    assert story.totals() == ["20.79"]


def test_p4_in_arrears_bills_at_the_end_of_the_period(services: Services) -> None:
    story = Story.begin(services, flat_tariff("24.95", timing="in_arrears"),
                        date(2021, 9, 17))
    story.bill(date(2021, 9, 17))
    story.bill(date(2021, 10, 16))
    assert story.totals() == []
    story.bill(date(2021, 10, 17))
    assert story.totals() == ["24.95"]


def test_p5_setup_fee_on_the_first_invoice_only(services: Services) -> None:
    tariff = flat_tariff("24.95", components=[
        {"code": "setup", "name": "Setup", "kind": "setup", "price": "50.00"}])
    story = Story.begin(services, tariff, date(2021, 9, 13))
    story.bill(date(2021, 9, 13))
    story.bill(date(2021, 10, 13))
    assert story.totals() == ["74.95", "24.95"]


def test_p6_immediate_upgrade_on_the_start_day(services: Services) -> None:
    publish(services, "big", flat_tariff("1000.00", name="Tariff B"))
    story = Story.begin(services, flat_tariff("500.00", name="Tariff A"), date(2021, 9, 29))
    story.bill(date(2021, 9, 29))
    send(services, ChangeSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription, tariff_code="big",
                                      effective_date=date(2021, 9, 29)))
    story.bill(date(2021, 9, 29))
    story.bill(date(2021, 10, 29))
    assert story.totals() == ["500.00", "500.00", "1000.00"]
    formulas = [line.formula for line in story.invoices()[1].lines]
    assert any(f.startswith("−500.00 = 500.00 × 30/30") for f in formulas), formulas


def test_p7_end_of_term_downgrade_credits_nothing_now(services: Services) -> None:
    publish(services, "small", flat_tariff("100.00", name="Tariff S"))
    story = Story.begin(services, flat_tariff("500.00"), date(2021, 9, 29))
    story.bill(date(2021, 9, 29))
    outcome = send(services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, tariff_code="small",
        effective_date=date(2021, 9, 29), when="end_of_term"))
    assert outcome.result["lines"] == []
    story.bill(date(2021, 9, 30))
    story.bill(date(2021, 10, 29))
    assert story.totals() == ["500.00", "100.00"]


def test_p8_halfway_upgrade_is_minus_five_plus_ten(services: Services) -> None:
    publish(services, "twenty", flat_tariff("20.00"))
    story = Story.begin(services, flat_tariff("10.00"), date(2021, 4, 1))
    story.bill(date(2021, 4, 1))
    change = PreviewSubscriptionChange(customer_id=story.customer,
                                       subscription_id=story.subscription,
                                       tariff_code="twenty", effective_date=date(2021, 4, 16))
    context = Context(actor="tester", source="api", idempotency_key="preview")
    lines = preview(change, context, services.runtime)
    assert [line["amount"] for line in lines] == ["-5.00", "10.00"]
    assert len(services.ledger.history(story.customer)) == 3  # the preview wrote nothing
    send(services, ChangeSubscription(**change.model_dump()))
    story.bill(date(2021, 4, 16))
    assert story.totals() == ["10.00", "5.00"]


METERED = [
    ("m1", {"kind": "package", "package_price": "5.00", "package_size": 100,
            "free_units": 100}, 201, "10.00"),
    ("m2-free-10", {"kind": "package", "package_price": "100", "package_size": 10,
                    "free_units": 10}, 121, "1200.00"),
    ("m3", {"kind": "volume", "tiers": [
        {"up_to": 10000, "unit_price": "0.0010", "flat_fee": "10"},
        {"up_to": 50000, "unit_price": "0.0008", "flat_fee": "10"},
        {"up_to": 100000, "unit_price": "0.0006", "flat_fee": "10"},
        {"up_to": None, "unit_price": "0.0004", "flat_fee": "10"}]}, 65000, "49.00"),
    ("m4", {"kind": "graduated", "tiers": [
        {"up_to": 5, "unit_price": "7.00"}, {"up_to": 10, "unit_price": "6.50"},
        {"up_to": None, "unit_price": "6.00"}]}, 25, "157.50"),
    ("m5", {"kind": "volume", "tiers": [
        {"up_to": 5, "unit_price": "7.00"}, {"up_to": 10, "unit_price": "6.50"},
        {"up_to": None, "unit_price": "6.00"}]}, 6, "39.00"),
    ("m6", {"kind": "graduated", "tiers": [
        {"up_to": 10, "unit_price": "10", "flat_fee": "2"},
        {"up_to": 20, "unit_price": "5", "flat_fee": "3"},
        {"up_to": None, "unit_price": "5", "flat_fee": "3"}]}, 21, "163.00"),
    ("m7", {"kind": "per_unit", "unit_price": "0.05"}, 1000, "50.00"),
]


@pytest.mark.parametrize(("name", "pricing", "units", "expected"), METERED,
                         ids=[m[0] for m in METERED])
def test_metered_usage_is_priced_by_its_model_at_the_end_of_the_period(
    services: Services, name: str, pricing: dict[str, object], units: int, expected: str
) -> None:
    tariff = {"name": name, "currency": "USD", "components": [
        {"code": "api", "name": "API calls", "kind": "metered", "pricing": pricing}]}
    story = Story.begin(services, tariff, date(2026, 1, 1))
    send(services, RecordUsage(customer_id=story.customer, subscription_id=story.subscription,
                               component="api", usage_id="u-1", quantity=units,
                               occurred_on=date(2026, 1, 20)))
    story.bill(date(2026, 1, 31))
    assert story.totals() == []
    story.bill(date(2026, 2, 1))
    assert story.totals() == [expected]


VAT = [
    ("v1", "exclusive", "1000.00", "1220.00", "220.00"),
    ("v2", "inclusive", "1220.00", "1220.00", "220.00"),
    ("v3", "inclusive", "99.99", "99.99", "18.03"),
]


@pytest.mark.parametrize(("name", "mode", "price", "total", "vat"), VAT, ids=[v[0] for v in VAT])
def test_vat_on_an_invoice(
    services: Services, name: str, mode: str, price: str, total: str, vat: str
) -> None:
    customer = register(services, name, vat_rate="22", vat_mode=mode)
    outcome = send(services, RecordCharge(customer_id=customer, amount=price,
                                          description="Услуги"))
    assert outcome.result["total"] == total
    invoice = services.ledger.customer(customer).state.invoices[outcome.result["invoice_id"]]
    assert invoice.total == int(total.replace(".", ""))
    (event,) = [e for e in services.ledger.history(customer) if type(e).__name__ == "InvoiceIssued"]
    assert event.vat_total.to_decimal_string() == vat  # type: ignore[attr-defined]


def test_v4_vat_is_rounded_per_line_and_summed(services: Services) -> None:
    customer = register(services, "v4", vat_rate="22", vat_mode="exclusive")
    for n in range(3):
        send(services, RecordCharge(customer_id=customer, amount="33.33",
                                    description=f"Line {n}", invoice_now=n == 2))
    (invoice,) = [e for e in services.ledger.history(customer)
                  if type(e).__name__ == "InvoiceIssued"]
    assert [line.vat.to_decimal_string() for line in invoice.lines] == ["7.33"] * 3  # type: ignore[attr-defined]
    assert invoice.vat_total.to_decimal_string() == "21.99"  # type: ignore[attr-defined]
    assert invoice.total.to_decimal_string() == "121.98"  # type: ignore[attr-defined]
