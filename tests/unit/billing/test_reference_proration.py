"""Given the reference examples P1–P8, when bills are run, then the exact kopecks come out."""

from __future__ import annotations

from datetime import date

from ledger.billing import change_plan

from .builders import Book, amounts, flat, seat, setup, spans, subscription, tariff, usd

MONTHLY_24_95 = tariff(flat("24.95", name="абонентская плата"), name="Тариф Старт")


def test_p1_an_off_anchor_start_is_billed_a_prorated_leading_period_then_full_periods() -> None:
    book = Book.of(subscription(MONTHLY_24_95, date(2021, 9, 16), anchor_day=25))

    first = book.bill(date(2021, 9, 16))
    assert amounts(first) == ["7.24"]
    (line,) = first.lines
    assert str(line.period) == "2021-09-16 → 2021-09-25"
    assert line.formula == "7.24 = 24.95 × 9/31"
    assert line.description == "Тариф Старт: абонентская плата 2021-09-16 → 2021-09-25"
    assert line.line_id == "sub-1:base:2021-09-16:recurring"
    assert line.kind == "recurring"

    assert book.bill(date(2021, 9, 24)).is_empty
    second = book.bill(date(2021, 9, 25))
    assert amounts(second) == ["24.95"]
    assert spans(second) == ["2021-09-25 → 2021-10-25"]
    assert second.lines[0].formula == "24.95 = 24.95"


def test_p2_eight_days_of_a_thirty_one_day_period() -> None:
    book = Book.of(subscription(MONTHLY_24_95, date(2021, 9, 17), anchor_day=25))
    result = book.bill(date(2021, 9, 17))
    assert amounts(result) == ["6.44"]
    assert spans(result) == ["2021-09-17 → 2021-09-25"]
    assert result.lines[0].formula == "6.44 = 24.95 × 8/31"


def test_p3_a_leading_part_into_the_next_month_is_prorated_over_that_thirty_day_period() -> None:
    book = Book.of(subscription(MONTHLY_24_95, date(2021, 9, 30), anchor_day=25))
    result = book.bill(date(2021, 9, 30))
    assert amounts(result) == ["20.79"]
    assert spans(result) == ["2021-09-30 → 2021-10-25"]
    assert result.lines[0].formula == "20.79 = 24.95 × 25/30"


def test_p4_in_arrears_nothing_is_billed_at_the_start_and_the_full_fee_at_the_period_end() -> None:
    in_arrears = tariff(flat("24.95"), timing="in_arrears")
    book = Book.of(subscription(in_arrears, date(2021, 9, 17), anchor_day=17))
    assert book.bill(date(2021, 9, 17)).is_empty
    assert book.bill(date(2021, 10, 16)).is_empty
    result = book.bill(date(2021, 10, 17))
    assert amounts(result) == ["24.95"]
    assert spans(result) == ["2021-09-17 → 2021-10-17"]


def test_p5_the_setup_fee_is_on_the_first_invoice_only() -> None:
    with_setup = tariff(setup("50"), flat("24.95"))
    book = Book.of(subscription(with_setup, date(2021, 9, 13)))

    first = book.bill(date(2021, 9, 13))
    assert [line.kind for line in first.lines] == ["setup", "recurring"]
    assert first.totals.total == usd("74.95")
    assert first.lines[0].formula == "50.00 one-time fee"

    second = book.bill(date(2021, 10, 13))
    assert second.totals.total == usd("24.95")
    assert [line.kind for line in second.lines] == ["recurring"]


def test_p6_an_immediate_upgrade_on_the_first_day_invoices_the_difference_then_the_new_price() -> (
    None
):
    basic = tariff(flat("500"), name="Basic")
    pro = tariff(flat("1000"), name="Pro")
    book = Book.of(subscription(basic, date(2021, 9, 29)))
    assert book.bill(date(2021, 9, 29)).totals.total == usd("500")

    change = change_plan(book.terms, pro, 1, date(2021, 9, 29), "immediate", tariff_code="pro")
    assert [line.formula for line in change.lines] == [
        "−500.00 = 500.00 × 30/30, unused part of Basic",
        "1000.00 = 1000.00 × 30/30, remaining part of Pro",
    ]
    book.replace_terms(change.new_terms)
    upgrade = book.bill(date(2021, 9, 29), pending_lines=change.lines)
    assert upgrade.totals.total == usd("500")
    assert str(upgrade.period) == "2021-09-29 → 2021-10-29"

    assert book.bill(date(2021, 10, 29)).totals.total == usd("1000")


def test_p7_an_end_of_term_downgrade_credits_nothing_and_bills_the_new_price_next_period() -> None:
    book = Book.of(subscription(tariff(flat("500")), date(2021, 9, 29)))
    book.bill(date(2021, 9, 29))

    change = change_plan(book.terms, tariff(flat("100")), 1, date(2021, 9, 29), "end_of_term")
    assert change.lines == ()
    assert change.effective_on == date(2021, 10, 29)
    book.replace_terms(change.new_terms)

    assert book.bill(date(2021, 10, 28)).is_empty
    result = book.bill(date(2021, 10, 29))
    assert amounts(result) == ["100.00"]
    assert spans(result) == ["2021-10-29 → 2021-11-29"]


def test_p8_an_upgrade_halfway_credits_half_the_old_price_and_charges_half_the_new() -> None:
    book = Book.of(subscription(tariff(flat("10"), name="Lite"), date(2021, 9, 1)))
    book.bill(date(2021, 9, 1))

    plus = tariff(flat("20"), name="Plus")
    change = change_plan(book.terms, plus, 1, date(2021, 9, 16), "immediate")
    assert [line.amount for line in change.lines] == [usd("-5"), usd("10")]
    assert [line.kind for line in change.lines] == ["proration_credit", "proration_charge"]
    assert change.lines[0].formula == "−5.00 = 10.00 × 15/30, unused part of Lite"
    book.replace_terms(change.new_terms)
    assert book.bill(date(2021, 9, 16), pending_lines=change.lines).totals.total == usd("5")
    assert book.bill(date(2021, 10, 1)).totals.total == usd("20")


def test_p8_a_quantity_change_halfway_is_prorated_the_same_way() -> None:
    team = tariff(seat("10"), name="Team")
    book = Book.of(subscription(team, date(2021, 9, 1), quantity=2))
    assert book.bill(date(2021, 9, 1)).lines[0].formula == "20.00 = 10.00 × 2 seats"

    change = change_plan(book.terms, team, 3, date(2021, 9, 16), "immediate")
    assert [line.formula for line in change.lines] == [
        "−10.00 = 20.00 × 15/30, unused part of Team × 2",
        "15.00 = 30.00 × 15/30, remaining part of Team × 3",
    ]
    book.replace_terms(change.new_terms)
    assert book.terms.quantity == 3
    assert book.bill(date(2021, 10, 1)).totals.total == usd("30")
