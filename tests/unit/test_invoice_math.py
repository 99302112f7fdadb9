"""Invoice totals: line amounts → discounts → VAT per line → account credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import CurrencyMismatch, InvalidAmount
from ledger.invoice_math import DiscountSpec, DraftLine, InvoiceTotals, compute_invoice
from ledger.money import Money
from ledger.periods import Interval
from ledger.pricing_errors import InvalidDiscount
from ledger.proration import plan_change_lines
from ledger.vat import VatMode, VatRate

VAT_22 = VatRate(Decimal(22))
NO_VAT = VatRate.exempt()


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def no_vat_invoice(amounts: list[Money], credit: Money | None = None) -> InvoiceTotals:
    currency = amounts[0].currency
    lines = [DraftLine(amount) for amount in amounts]
    return compute_invoice(lines, [], VatMode.NONE, NO_VAT, credit or Money.zero(currency))


def test_p5_a_one_time_fee_and_the_first_recurring_fee_share_the_first_invoice() -> None:
    assert no_vat_invoice([usd("50"), usd("24.95")]).total == usd("74.95")
    assert no_vat_invoice([usd("24.95")]).total == usd("24.95")


def test_p6_an_upgrade_on_the_first_day_invoices_the_difference() -> None:
    period = Interval(date(2021, 9, 29), date(2021, 10, 29))
    lines = plan_change_lines(
        usd("500"), usd("1000"), date(2021, 9, 29), period, old_label="A", new_label="B"
    )
    invoice = no_vat_invoice([line.amount for line in lines])
    assert invoice.subtotal == usd("500")
    assert invoice.amount_due == usd("500")


def test_p8_a_halfway_upgrade_nets_five() -> None:
    assert no_vat_invoice([usd("-5"), usd("10")]).total == usd("5")


def test_discounts_apply_in_order_each_to_what_the_previous_left() -> None:
    lines = [DraftLine(rub("1000.00")), DraftLine(rub("500.00"))]
    percent_then_fixed = [
        DiscountSpec.percent_off(Decimal(10)),
        DiscountSpec.amount_off(rub("100")),
    ]
    invoice = compute_invoice(lines, percent_then_fixed, VatMode.NONE, NO_VAT, rub("0"))
    assert invoice.discounts_applied == (rub("150.00"), rub("100.00"))
    assert [line.discount for line in invoice.lines] == [rub("166.67"), rub("83.33")]
    assert invoice.total == rub("1250.00")

    fixed_then_percent = list(reversed(percent_then_fixed))
    invoice = compute_invoice(lines, fixed_then_percent, VatMode.NONE, NO_VAT, rub("0"))
    assert invoice.discounts_applied == (rub("100.00"), rub("140.00"))
    assert invoice.total == rub("1260.00")


def test_a_fixed_discount_is_split_by_largest_remainder_and_sums_exactly() -> None:
    lines = [DraftLine(rub("10.00")) for _ in range(3)]
    discount = [DiscountSpec.amount_off(rub("10.00"))]
    invoice = compute_invoice(lines, discount, VatMode.EXCLUSIVE, VAT_22, rub("0"))
    assert [line.discount for line in invoice.lines] == [rub("3.34"), rub("3.33"), rub("3.33")]
    assert invoice.discount_total == rub("10.00")
    assert [line.vat for line in invoice.lines] == [rub("1.47"), rub("1.47"), rub("1.47")]
    assert invoice.vat_total == rub("4.41")
    assert invoice.total == rub("24.41")


def test_a_discount_never_makes_a_line_negative() -> None:
    lines = [DraftLine(rub("30.00")), DraftLine(rub("20.00"))]
    discount = [DiscountSpec.amount_off(rub("80.00")), DiscountSpec.percent_off(Decimal(50))]
    invoice = compute_invoice(lines, discount, VatMode.EXCLUSIVE, VAT_22, rub("0"))
    assert invoice.discounts_applied == (rub("50.00"), rub("0"))
    assert [line.net for line in invoice.lines] == [rub("0"), rub("0")]
    assert invoice.total == rub("0")


def test_a_component_discount_touches_only_that_components_lines() -> None:
    lines = [DraftLine(rub("100.00"), component="api"), DraftLine(rub("100.00"), component="seats")]
    discount = [DiscountSpec.percent_off(Decimal(25), component="seats")]
    invoice = compute_invoice(lines, discount, VatMode.NONE, NO_VAT, rub("0"))
    assert [line.discount for line in invoice.lines] == [rub("0"), rub("25.00")]


def test_a_percent_discount_also_shrinks_credit_lines() -> None:
    # days billed at half price are credited at half price, not at list price
    lines = [DraftLine(rub("100.00")), DraftLine(rub("-40.00"))]
    discount = [DiscountSpec.percent_off(Decimal(50))]
    invoice = compute_invoice(lines, discount, VatMode.NONE, NO_VAT, rub("0"))
    assert [line.discount for line in invoice.lines] == [rub("50.00"), rub("-20.00")]
    assert invoice.total == rub("30.00")
    assert invoice.discount_total == rub("30.00")


def test_a_fixed_discount_leaves_credit_lines_alone() -> None:
    lines = [DraftLine(rub("100.00")), DraftLine(rub("-40.00"))]
    discount = [DiscountSpec.amount_off(rub("10.00"))]
    invoice = compute_invoice(lines, discount, VatMode.NONE, NO_VAT, rub("0"))
    assert [line.discount for line in invoice.lines] == [rub("10.00"), rub("0")]
    assert invoice.total == rub("50.00")


def test_a_fixed_discount_shrinks_a_credit_of_days_its_charge_charged_by_its_share() -> None:
    # the charge took 10.00 of 100.00 (a tenth): its credit on the same invoice gives back
    # 36.00, what those days cost, not 40.00 (which would make the days served cost 50.00)
    lines = [DraftLine(rub("100.00")), DraftLine(rub("-40.00"), charged_by=0)]
    discount = [DiscountSpec.amount_off(rub("10.00"))]
    invoice = compute_invoice(lines, discount, VatMode.NONE, NO_VAT, rub("0"))
    assert [line.discount for line in invoice.lines] == [rub("10.00"), rub("-4.00")]
    assert invoice.total == rub("54.00")  # 60 days' worth of 90.00 net
    assert invoice.discounts_applied == (rub("6.00"),)
    assert invoice.discount_total == rub("6.00")


def test_a_fixed_discount_split_over_charges_shrinks_each_credit_by_its_charges_share() -> None:
    lines = [DraftLine(rub("300.00")), DraftLine(rub("100.00")),
             DraftLine(rub("-50.00"), charged_by=1), DraftLine(rub("-30.00"), charged_by=0)]
    discount = [DiscountSpec.amount_off(rub("100.00"))]  # 75.00 and 25.00: a quarter each
    invoice = compute_invoice(lines, discount, VatMode.NONE, NO_VAT, rub("0"))
    assert [line.discount for line in invoice.lines] == [
        rub("75.00"), rub("25.00"), rub("-12.50"), rub("-7.50")]
    assert invoice.discount_total == sum(invoice.discounts_applied, rub("0")) == rub("80.00")


def test_a_fixed_discount_the_whole_charge_took_zeroes_its_credit() -> None:
    lines = [DraftLine(rub("100.00")), DraftLine(rub("-40.00"), charged_by=0)]
    invoice = compute_invoice(lines, [DiscountSpec.amount_off(rub("500.00"))], VatMode.NONE,
                              NO_VAT, rub("0"))
    assert [line.net for line in invoice.lines] == [rub("0"), rub("0")]
    assert invoice.total == rub("0")


def test_vat_is_computed_per_line_after_discounts_with_line_rate_overrides() -> None:
    lines = [DraftLine(rub("1000.00")), DraftLine(rub("1000.00"), vat_rate=VatRate(Decimal(10)))]
    discount = [DiscountSpec.percent_off(Decimal(10))]
    invoice = compute_invoice(lines, discount, VatMode.EXCLUSIVE, VAT_22, rub("0"))
    assert [line.vat for line in invoice.lines] == [rub("198.00"), rub("90.00")]
    assert invoice.net_total == rub("1800.00")
    assert invoice.vat_total == rub("288.00")
    assert invoice.total == rub("2088.00")


def test_inclusive_vat_comes_out_of_the_discounted_amount() -> None:
    lines = [DraftLine(rub("1220.00"))]
    discount = [DiscountSpec.percent_off(Decimal(10))]
    invoice = compute_invoice(lines, discount, VatMode.INCLUSIVE, VAT_22, rub("0"))
    (line,) = invoice.lines
    assert (line.net, line.vat, line.total) == (rub("900.00"), rub("198.00"), rub("1098.00"))


def test_credit_is_applied_last_and_never_beyond_the_total() -> None:
    assert no_vat_invoice([rub("500")], credit=rub("1000")).credit_applied == rub("500")
    assert no_vat_invoice([rub("500")], credit=rub("1000")).amount_due == rub("0")
    partly = no_vat_invoice([rub("500")], credit=rub("100"))
    assert (partly.credit_applied, partly.amount_due) == (rub("100"), rub("400"))


def test_a_credit_note_total_takes_no_account_credit() -> None:
    invoice = no_vat_invoice([rub("-500")], credit=rub("100"))
    assert invoice.credit_applied == rub("0")
    assert invoice.amount_due == rub("-500")


@pytest.mark.parametrize("percent", [Decimal(-1), Decimal("100.01"), Decimal("NaN")])
def test_a_percent_outside_0_to_100_is_rejected(percent: Decimal) -> None:
    with pytest.raises(InvalidDiscount) as raised:
        DiscountSpec.percent_off(percent)
    assert raised.value.field == "percent"


def test_a_discount_is_a_percent_or_a_non_negative_amount() -> None:
    with pytest.raises(InvalidDiscount):
        DiscountSpec()
    with pytest.raises(InvalidDiscount):
        DiscountSpec(percent=Decimal(5), amount=rub("5"))
    with pytest.raises(InvalidDiscount) as raised:
        DiscountSpec.amount_off(rub("-5"))
    assert raised.value.field == "amount"


def test_every_amount_must_be_in_the_invoice_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        compute_invoice([DraftLine(usd("1"))], [], VatMode.NONE, NO_VAT, rub("0"))
    discount = [DiscountSpec.amount_off(usd("1"))]
    with pytest.raises(CurrencyMismatch):
        compute_invoice([DraftLine(rub("1"))], discount, VatMode.NONE, NO_VAT, rub("0"))


def test_negative_available_credit_is_rejected() -> None:
    with pytest.raises(InvalidAmount):
        compute_invoice([DraftLine(rub("1"))], [], VatMode.NONE, NO_VAT, rub("-1"))


def test_an_empty_invoice_totals_zero() -> None:
    invoice = compute_invoice([], [], VatMode.EXCLUSIVE, VAT_22, rub("10"))
    assert (invoice.total, invoice.credit_applied, invoice.amount_due) == (rub("0"),) * 3


discount_specs = st.one_of(
    st.builds(
        DiscountSpec.percent_off,
        st.decimals(min_value=0, max_value=100, places=2),
        component=st.sampled_from([None, "a", "b"]),
    ),
    st.builds(
        DiscountSpec.amount_off,
        st.integers(0, 50_000).map(lambda minor: Money(minor, "RUB")),
        component=st.sampled_from([None, "a", "b"]),
    ),
)
draft_lines = st.builds(
    DraftLine,
    st.integers(-20_000, 100_000).map(lambda minor: Money(minor, "RUB")),
    component=st.sampled_from([None, "a", "b"]),
    vat_rate=st.sampled_from([None, VatRate(Decimal(10)), VatRate.exempt()]),
)


@settings(max_examples=60)
@given(
    lines=st.lists(draft_lines, max_size=6),
    discounts=st.lists(discount_specs, max_size=3),
    mode=st.sampled_from(list(VatMode)),
    credit=st.integers(0, 200_000).map(lambda minor: Money(minor, "RUB")),
)
def test_invoice_totals_are_the_sums_of_their_lines(
    lines: list[DraftLine], discounts: list[DiscountSpec], mode: VatMode, credit: Money
) -> None:
    invoice = compute_invoice(lines, discounts, mode, VAT_22, credit)
    assert invoice.total.minor == sum(line.total.minor for line in invoice.lines)
    assert invoice.vat_total.minor == sum(line.vat.minor for line in invoice.lines)
    assert invoice.discount_total.minor == sum(line.discount.minor for line in invoice.lines)
    assert invoice.credit_applied <= credit
    assert invoice.credit_applied.minor <= max(invoice.total.minor, 0)
    assert invoice.amount_due == invoice.total - invoice.credit_applied
    for draft, line in zip(lines, invoice.lines, strict=True):
        assert line.net + line.vat == line.total
        if draft.amount.minor >= 0:  # a charge: discounted, never below zero
            assert line.discount.minor >= 0
            assert (line.before_discount - line.discount).minor >= 0
        else:  # a credit: shrunk by percent discounts, never flipped to a charge
            assert line.discount.minor <= 0
            assert (line.before_discount - line.discount).minor <= 0
