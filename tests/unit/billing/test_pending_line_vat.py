"""VAT of pending lines: a plan change's corrections are read like the tariff's own lines.

Pending lines are written down here as a stored ``SubscriptionChanged`` holds them: each
with the tariff's rate and no VAT mode of its own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.billing.model import InvoiceLine
from ledger.errors import InvalidField
from ledger.periods import Interval
from ledger.vat import VatMode, VatRate

from .builders import Book, flat, rub, subscription, tariff

JAN, CHANGE = date(2026, 1, 1), date(2026, 1, 16)
REST = Interval(CHANGE, date(2026, 2, 1))


def change_line(amount: str, kind: str = "proration_charge", rate: str | None = "22",
                subscription_id: str = "sub-1") -> InvoiceLine:
    return InvoiceLine(
        line_id=f"change/{kind}", subscription_id=subscription_id, component=None,
        kind=kind, description="plan change", period=REST,  # type: ignore[arg-type]
        quantity=1, amount=rub(amount), formula="as stored",
        vat_rate=None if rate is None else Decimal(rate),
    )


def one_off(amount: str, rate: str | None) -> InvoiceLine:
    return replace(change_line(amount, "one_off", rate, subscription_id=""),
                   line_id="charge-1", period=None)


CHANGE_LINES = (change_line("-629.68", "proration_credit"), change_line("1259.35"))


def test_an_invoice_of_change_lines_only_keeps_vat_inside_an_inclusive_tariff() -> None:
    inclusive = tariff(flat("2440.00"), currency="RUB", vat_mode=VatMode.INCLUSIVE,
                       vat_rate="22")
    book = Book.of(subscription(inclusive, JAN, billed_until=date(2026, 2, 1),
                                setup_billed=True), currency="RUB")
    result = book.bill(CHANGE, pending_lines=CHANGE_LINES)
    assert [line.kind for line in result.lines] == ["proration_credit", "proration_charge"]
    # 1259.35 − 629.68, VAT inside: 227.10 − 113.55
    assert (result.totals.total, result.totals.vat_total) == (rub("629.67"), rub("113.55"))


def test_a_change_line_of_an_exclusive_tariff_still_gets_vat_on_top() -> None:
    exclusive = tariff(flat("2000.00"), currency="RUB", vat_rate="22")
    book = Book.of(subscription(exclusive, JAN, billed_until=date(2026, 2, 1),
                                setup_billed=True), currency="RUB")
    result = book.bill(CHANGE, pending_lines=CHANGE_LINES)
    assert (result.totals.total, result.totals.vat_total) == (rub("768.20"), rub("138.53"))


def test_change_lines_count_when_the_tariffs_disagree_on_the_vat_mode() -> None:
    inclusive = tariff(flat("1220.00"), currency="RUB", vat_mode=VatMode.INCLUSIVE,
                       vat_rate="22")
    exclusive = tariff(flat("1000.00"), currency="RUB", vat_rate="22")
    book = Book.of(
        subscription(inclusive, JAN, billed_until=date(2026, 2, 1), setup_billed=True),
        subscription(exclusive, JAN, subscription_id="sub-2"), currency="RUB")
    with pytest.raises(InvalidField) as refused:
        book.bill(JAN, pending_lines=CHANGE_LINES)
    assert refused.value.field == "vat_mode"
    book.vat_mode = VatMode.EXCLUSIVE  # the customer's own mode governs
    assert book.bill(JAN, pending_lines=CHANGE_LINES).totals.vat_total == rub("358.53")


def test_the_customers_rate_replaces_the_tariffs_on_change_lines_not_on_a_one_off() -> None:
    definition = tariff(flat("2000.00"), currency="RUB", vat_rate="22")
    book = Book.of(subscription(definition, JAN, billed_until=date(2026, 2, 1),
                                setup_billed=True), currency="RUB",
                   vat_rate=VatRate(Decimal(10)))
    explicit = one_off("100.00", rate="0")
    result = book.bill(CHANGE, pending_lines=(*CHANGE_LINES, explicit))
    assert [line.vat_rate for line in result.lines] == [Decimal(10), Decimal(10), Decimal(0)]
    # (1259.35 − 629.68) × 10 % = 62.97, and nothing on the 0 % charge
    assert result.totals.vat_total == rub("62.97")


def test_without_a_customer_rate_change_lines_keep_the_tariffs() -> None:
    definition = tariff(flat("2000.00"), currency="RUB", vat_rate="22")
    book = Book.of(subscription(definition, JAN, billed_until=date(2026, 2, 1),
                                setup_billed=True), currency="RUB")
    result = book.bill(CHANGE, pending_lines=CHANGE_LINES)
    assert [line.vat_rate for line in result.lines] == [Decimal(22), Decimal(22)]


def test_a_one_off_charge_invoiced_alone_is_read_in_the_mode_the_tariffs_agree_on() -> None:
    inclusive = tariff(flat("1220.00"), currency="RUB", vat_mode=VatMode.INCLUSIVE,
                       vat_rate="22")
    book = Book.of(subscription(inclusive, JAN, billed_until=date(2026, 2, 1),
                                setup_billed=True), currency="RUB")
    result = book.bill(CHANGE, pending_lines=(one_off("122.00", rate="22"),))
    # 122.00 with VAT inside (22.00), as it would be beside the subscription's own fee
    assert (result.totals.total, result.totals.vat_total) == (rub("122.00"), rub("22.00"))


def test_a_one_off_charge_of_a_customer_without_tariffs_gets_vat_on_top() -> None:
    book = Book.of(currency="RUB")
    result = book.bill(CHANGE, pending_lines=(one_off("100.00", rate="22"),))
    assert (result.totals.total, result.totals.vat_total) == (rub("122.00"), rub("22.00"))
