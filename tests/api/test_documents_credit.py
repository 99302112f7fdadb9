"""Invoice PDFs that ask for less than their total, and prices that hold VAT.

An invoice paid in part from the customer's earlier credit asks for «Всего к оплате»: its
words and the VAT of the payment purpose follow that amount, and the credit is named.
For a customer billed VAT-inclusive the price holds VAT, so the sum beside it does too:
quantity × price − discount is the printed sum in both modes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from api.company import demo_company_profile
from api.documents import render_invoice_pdf
from api.documents.model import build_document
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from tests.api.test_documents import BUYER, charge, text_of
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

SEATS = {
    "name": "Места", "currency": "RUB", "vat_rate": "22",
    "components": [{"code": "seat", "name": "Рабочее место", "kind": "seat",
                    "price": "333.33"}],
}


def test_an_invoice_paid_in_part_from_credit_asks_for_the_amount_due_in_words(
    services: Services,
) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    send(services, RecordPayment(customer_id=customer, amount="500.00", currency="RUB",
                                 reference="п/п 5", received_on=date(2026, 1, 10)))
    invoice = charge(services, customer, "1000.00")  # 1220.00, of which 500.00 from credit
    doc = build_document(services, invoice, "invoice", company=demo_company_profile())
    assert (doc.total.to_decimal_string(), doc.credit_applied.to_decimal_string(),
            doc.amount_due.to_decimal_string()) == ("1220.00", "500.00", "720.00")
    text = text_of(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    assert "Итого с НДС: 1 220,00 Зачтён аванс: 500,00 Всего к оплате: 720,00" in text
    assert ("Зачтён аванс 500,00 руб., всего к оплате 720,00 руб.: Семьсот двадцать рублей "
            "00 копеек") in text
    assert "Одна тысяча двести двадцать" not in text
    # the payment's VAT: 220.00 × 720 / 1220 = 129.836… → 129.84
    assert "в т.ч. НДС 22 % — 129,84" in text
    act = text_of(render_invoice_pdf(services, invoice, "act", company=demo_company_profile()))
    assert "Одна тысяча двести двадцать рублей 00 копеек" in act  # rendered: the whole


def test_an_invoice_without_credit_says_its_total_in_words(services: Services) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    text = text_of(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    assert "Зачтён аванс" not in text
    assert "Одна тысяча двести двадцать рублей 00 копеек" in text
    assert "в т.ч. НДС 22 % — 220,00" in text


@pytest.mark.parametrize("mode", ["exclusive", "inclusive"])
def test_quantity_times_price_is_the_sum_beside_it(services: Services, mode: str) -> None:
    customer = register(services, "C-1", **BUYER, vat_mode=mode, vat_rate=Decimal(22))
    publish(services, "seats", SEATS)
    send(services, StartSubscription(customer_id=customer, tariff_code="seats", quantity=3,
                                     start_date=date(2026, 1, 1), anchor_day=1))
    invoice = charge(services, customer, "100.00")  # bills the month's seats too
    doc = build_document(services, invoice, "invoice", company=demo_company_profile())
    for each in doc.lines:
        assert each.unit_price.times(each.quantity) - each.discount == each.amount
    line = next(each for each in doc.lines if each.quantity != 1)
    assert line.quantity == 3
    assert line.unit_price.to_decimal_string() == "333.33"
    assert line.price_includes_vat is (mode == "inclusive")
    assert line.amount == (line.total if mode == "inclusive" else line.net)
    text = text_of(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    if mode == "inclusive":  # 999.99 with VAT: VAT 180.33 inside, 819.66 without
        assert "Цена с НДС" in text
        assert "3 усл. 333,33 999,99 22 % 180,33 819,66" in text
    else:  # 999.99 without VAT, 220.00 on top
        assert "3 усл. 333,33 999,99 22 % 220,00 1 219,99" in text
