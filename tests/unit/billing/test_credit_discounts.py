"""Given days billed with some discount, when they are credited, then that discount comes back.

A credit gives back what was charged for its days: the net the invoice that billed them
charged, whatever discounts are in force on the day of the credit (docs/billing.md,
"Credits give back what was charged").
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from ledger.billing import DiscountTerms, change_plan

from .builders import Book, flat, subscription, tariff, usd

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)
CANCEL = date(2024, 1, 17)  # 16 days used, 15 of 31 credited
A, B, C = tariff(flat("31.00"), name="A"), tariff(flat("62.00"), name="B"), tariff(
    flat("93.00"), name="C")
HALF = DiscountTerms("half", "percent", percent=Decimal(50))


def credited(book: Book) -> list[tuple[str, str, str]]:
    """The last invoice's lines: (amount, discount, net)."""
    result = book.invoices[-1]
    return [(f.before_discount.to_decimal_string(), f.discount.to_decimal_string(),
             f.net.to_decimal_string()) for f in result.totals.lines]


def cancelled_after(book: Book) -> Book:
    book.bill(JAN)
    book.amend(status="cancelled", cancel_at=CANCEL)
    book.bill(CANCEL)
    return book


def test_a_discount_that_ran_out_still_comes_back_with_the_days_it_discounted() -> None:
    book = cancelled_after(Book.of(subscription(A, JAN), discounts=(replace(HALF, periods=1),)))
    assert book.invoices[0].totals.total == usd("15.50")
    assert credited(book) == [("-15.00", "-7.50", "-7.50")]
    assert book.terms.billed[0].discount == usd("15.50")


def test_a_discount_granted_after_the_days_were_billed_does_not_shrink_their_credit() -> None:
    book = Book.of(subscription(A, JAN))
    book.bill(JAN)
    book.discounts = (HALF,)
    book.amend(status="cancelled", cancel_at=CANCEL)
    book.bill(CANCEL)
    assert credited(book) == [("-15.00", "0.00", "-15.00")]


def test_a_fixed_discount_comes_back_in_proportion_to_the_days() -> None:
    fixed = DiscountTerms("off", "fixed", amount=usd("3.10"), periods=1)
    book = cancelled_after(Book.of(subscription(A, JAN), discounts=(fixed,)))
    assert credited(book) == [("-15.00", "-1.50", "-13.50")]  # 27.90 × 15/31


def test_a_discount_until_a_date_comes_back_after_that_date() -> None:
    until = replace(HALF, until=date(2024, 1, 10))
    assert credited(cancelled_after(Book.of(subscription(A, JAN), discounts=(until,)))) == [
        ("-15.00", "-7.50", "-7.50")]


def test_a_component_discount_comes_back_on_its_component_alone() -> None:
    two = tariff(flat("31.00"), flat("62.00", code="extra", name="extra"))
    addon = replace(HALF, component="extra", periods=1)
    book = cancelled_after(Book.of(subscription(two, JAN), discounts=(addon,)))
    assert credited(book) == [("-15.00", "0.00", "-15.00"), ("-30.00", "-15.00", "-15.00")]


def test_the_credit_net_is_the_billed_net_of_its_days_rounded_once() -> None:
    # 1000.00 at half: 500.00 paid for 31 days; 15 days give back 241.94 (500 × 15/31)
    book = cancelled_after(Book.of(subscription(tariff(flat("1000.00")), JAN),
                                   discounts=(replace(HALF, periods=1),)))
    assert credited(book) == [("-483.87", "-241.93", "-241.94")]


def test_a_credit_of_days_charged_on_the_same_invoice_takes_that_invoices_discount() -> None:
    book = Book.of(subscription(A, JAN))
    book.bill(JAN)  # January at full price
    book.discounts = (HALF,)
    first = change_plan(book.terms, B, 1, date(2024, 1, 10), "immediate")
    second = change_plan(first.new_terms, C, 1, date(2024, 1, 20), "immediate")
    book.replace_terms(second.new_terms)
    book.bill(FEB, pending_lines=first.lines + second.lines)
    assert credited(book)[:4] == [
        ("-22.00", "0.00", "-22.00"),  # A's days, billed at full price on January's invoice
        ("44.00", "22.00", "22.00"),  # B, at today's discount
        ("-24.00", "-12.00", "-12.00"),  # B's days, charged just above at today's discount
        ("36.00", "18.00", "18.00"),
    ]


def test_days_whose_charge_was_withdrawn_are_credited_at_nothing() -> None:
    # January's invoice voided (or its line credited): nothing of the charge stands
    book = Book.of(subscription(A, JAN), discounts=(replace(HALF, periods=1),))
    book.bill(JAN)
    withdrawn = tuple(replace(fee, withdrawn=True) for fee in book.terms.billed)
    book.replace_terms(replace(book.terms, billed=withdrawn))
    book.amend(status="cancelled", cancel_at=CANCEL)
    book.bill(CANCEL)
    assert credited(book) == [("-15.00", "-15.00", "0.00")]
    assert book.invoices[-1].totals.total == usd("0.00")


def test_a_later_charge_that_stands_is_credited_though_an_earlier_was_withdrawn() -> None:
    book = Book.of(subscription(A, JAN), discounts=(replace(HALF, periods=1),))
    book.bill(JAN)
    book.replace_terms(replace(book.terms, billed=tuple(
        replace(fee, withdrawn=True) for fee in book.terms.billed)))
    change = change_plan(book.terms, B, 1, date(2024, 1, 10), "immediate")
    book.replace_terms(change.new_terms)
    book.bill(date(2024, 1, 10), pending_lines=change.lines)
    assert credited(book) == [("-22.00", "-22.00", "0.00"), ("44.00", "0.00", "44.00")]
    book.amend(status="cancelled", cancel_at=CANCEL)
    book.bill(CANCEL)
    assert credited(book) == [("-30.00", "0.00", "-30.00")]  # B's charge stands: 44.00 × 15/22


def test_a_fixed_discount_on_a_charge_comes_back_with_its_credit_on_the_same_invoice() -> None:
    book = Book.of(subscription(A, JAN))
    book.bill(JAN)  # January at full price
    book.discounts = (DiscountTerms("off", "fixed", amount=usd("10.00")),)
    change = change_plan(book.terms, B, 1, date(2024, 1, 10), "immediate")
    book.replace_terms(change.new_terms)
    book.amend(status="cancelled", cancel_at=CANCEL)
    book.bill(CANCEL, pending_lines=change.lines)
    assert credited(book) == [
        ("-22.00", "0.00", "-22.00"),  # A's days, billed at full price
        ("44.00", "10.00", "34.00"),  # B's 22 days take the whole 10.00
        ("-30.00", "-6.82", "-23.18"),  # its 15 unused days give back 10/44 of it
    ]
    assert book.invoices[-1].totals.total == usd("-11.18")  # B's 7 days: 34.00 × 7/22
