"""Matching a bank payment to a customer: ИНН (+КПП), then invoice number, then amount.

Pure: a dictionary stands in for the views. Each case states the score and the reason an
accountant reads, because both are stored on the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from uuid import UUID, uuid4

from ledger.bankfiles import BankLine
from ledger.banking_match import (
    CustomerCandidate,
    InvoiceCandidate,
    match_line,
)
from ledger.money import Money

ROMASHKA = CustomerCandidate(uuid4(), "ООО Ромашка", "RUB", "770701001")
ROMASHKA_SOUTH = CustomerCandidate(uuid4(), "ООО Ромашка Юг", "RUB", "230101001")
LUTIK = CustomerCandidate(uuid4(), "ООО Лютик", "RUB")


def invoice_of(customer: CustomerCandidate, number: str, open_rub: str) -> InvoiceCandidate:
    return InvoiceCandidate(customer.customer_id, customer.name, f"inv-{number}", number,
                            Money.parse(open_rub, "RUB").minor, "RUB")


@dataclass
class Book:
    """The directory: customers by ИНН, invoices by number."""

    by_inn: dict[str, list[CustomerCandidate]] = field(default_factory=dict)
    invoices: list[InvoiceCandidate] = field(default_factory=list)

    def customers_by_inn(self, inn: str, kpp: str | None) -> list[CustomerCandidate]:  # noqa: ARG002
        return list(self.by_inn.get(inn, []))

    def invoice_by_number(self, number: str) -> InvoiceCandidate | None:
        return next((i for i in self.invoices if i.number == number), None)

    def open_invoices(self, customer_id: UUID) -> list[InvoiceCandidate]:
        return [i for i in self.invoices if i.customer_id == customer_id and i.open_minor]


LINE = BankLine(
    account="40702810000000074935", booked_on=date(2026, 1, 12), number="7",
    amount=Money.parse("12200.00", "RUB"), direction="in",
    counterparty_name='ООО "Ромашка"', counterparty_inn="7707049388",
    counterparty_kpp="770701001", counterparty_account="40702810900000012345",
    counterparty_bik="044525225", purpose="Оплата по сч. № LBX-2026-000012 за январь",
    kind="Платежное поручение", raw="",
)
INVOICE_12 = invoice_of(ROMASHKA, "LBX-2026-000012", "12200.00")


def test_inn_invoice_and_amount_together_score_full_marks() -> None:
    book = Book({"7707049388": [ROMASHKA]}, [INVOICE_12])

    match = match_line(LINE, book)

    assert (match.status, match.customer_id, match.invoice_ids, match.score) == (
        "matched", ROMASHKA.customer_id, ("inv-LBX-2026-000012",), 100)
    assert match.reason == (
        "ИНН 7707049388 matches ООО Ромашка; КПП 770701001 matches;"
        " invoice LBX-2026-000012 found in purpose; amount equals open 12 200.00")


def test_inn_alone_is_enough_and_the_money_goes_to_the_oldest_invoices() -> None:
    line = replace(LINE, purpose="Оплата за услуги", counterparty_kpp=None)

    match = match_line(line, Book({"7707049388": [ROMASHKA]}))

    assert (match.status, match.invoice_ids, match.score) == ("matched", (), 50)
    assert match.reason == "ИНН 7707049388 matches ООО Ромашка"


def test_an_amount_equal_to_one_open_invoice_picks_that_invoice() -> None:
    line = replace(LINE, purpose="Оплата за услуги", counterparty_kpp=None)
    older = invoice_of(ROMASHKA, "LBX-2026-000003", "500.00")

    match = match_line(line, Book({"7707049388": [ROMASHKA]}, [older, INVOICE_12]))

    assert (match.invoice_ids, match.score) == (("inv-LBX-2026-000012",), 70)
    assert match.reason.endswith("amount equals open 12 200.00 of invoice LBX-2026-000012")


def test_an_invoice_number_alone_needs_the_amount_to_match() -> None:
    stranger = replace(LINE, counterparty_inn="5000000000")

    exact = match_line(stranger, Book(invoices=[INVOICE_12]))
    partial = match_line(replace(stranger, amount=Money.parse("100.00", "RUB")),
                         Book(invoices=[INVOICE_12]))

    assert (exact.status, exact.customer_id, exact.score) == (
        "matched", ROMASHKA.customer_id, 60)
    assert (partial.status, partial.customer_id, partial.score) == ("unmatched", None, 40)
    assert partial.reason.endswith("score 40 is below 50")


def test_kpp_tells_two_branches_under_one_inn_apart() -> None:
    book = Book({"7707049388": [ROMASHKA, ROMASHKA_SOUTH]})

    match = match_line(replace(LINE, purpose="Оплата"), book)

    assert (match.status, match.customer_id) == ("matched", ROMASHKA.customer_id)


def test_an_invoice_number_tells_two_customers_under_one_inn_apart() -> None:
    book = Book({"7707049388": [ROMASHKA, ROMASHKA_SOUTH]}, [INVOICE_12])

    match = match_line(replace(LINE, counterparty_kpp=None), book)

    assert (match.status, match.customer_id, match.score) == ("matched", ROMASHKA.customer_id, 100)


def test_two_customers_under_one_inn_and_nothing_else_is_ambiguous() -> None:
    book = Book({"7707049388": [ROMASHKA, ROMASHKA_SOUTH]})

    match = match_line(replace(LINE, purpose="Оплата", counterparty_kpp=None), book)

    assert (match.status, match.customer_id) == ("ambiguous", None)
    assert match.reason == "ИНН 7707049388 belongs to 2 customers (ООО Ромашка, ООО Ромашка Юг)"


def test_an_inn_and_an_invoice_pointing_at_different_customers_is_ambiguous() -> None:
    book = Book({"7707049388": [LUTIK]}, [INVOICE_12])

    match = match_line(LINE, book)

    assert match.status == "ambiguous"
    assert match.reason == ("ИНН 7707049388 matches ООО Лютик; but invoice LBX-2026-000012"
                            " in the purpose belongs to another customer")


def test_an_unknown_payer_with_no_invoice_number_is_unmatched() -> None:
    match = match_line(replace(LINE, purpose="Оплата по договору №1441-22/07"), Book())

    assert (match.status, match.score) == ("unmatched", 0)
    assert match.reason == ("no customer has ИНН 7707049388;"
                            " no invoice number of ours in the purpose")


def test_a_payment_in_another_currency_than_the_customer_is_unmatched() -> None:
    euro = replace(LINE, amount=Money.parse("100.00", "EUR"))

    match = match_line(euro, Book({"7707049388": [ROMASHKA]}))

    assert match.status == "unmatched"
    assert match.reason.endswith("the payment is in EUR but ООО Ромашка is billed in RUB")


def test_a_refused_match_keeps_its_evidence_and_says_why() -> None:
    match = match_line(LINE, Book({"7707049388": [ROMASHKA]}, [INVOICE_12]))

    refused = match.refused("the customer's book refused it: customer is closed")

    assert (refused.status, refused.score) == ("unmatched", 100)
    assert refused.reason.endswith("; the customer's book refused it: customer is closed")


def test_a_batch_that_could_not_be_split_is_matched_to_nobody_whatever_its_purpose_says() -> None:
    book = Book({"7707049388": [ROMASHKA]}, [INVOICE_12])
    batch = replace(LINE, transfers=2, counterparty_inn=None, counterparty_name=None,
                    purpose="Оплата по сч. LBX-2026-000012 | Оплата по сч. LBX-2026-000013")

    match = match_line(batch, book)

    assert (match.status, match.customer_id, match.score) == ("unmatched", None, 0)
    assert match.reason == ("a batch of 2 transfers that do not add up to the amount booked"
                            " names no single payer; split it by hand")
