"""What an invoice's documents say when it is not an ordinary счёт, and lines as printed.

The accountant's rules (docs/documents.md, «What a document says»):

- a voided invoice says «АННУЛИРОВАН <date>. Причина: …», has no bank block, QR code or
  payment terms, and has no act (409);
- an invoice below zero (a cancellation gives back days not served) is a «Корректировочный
  расчёт» that asks for nothing, and has no act;
- an act is dated the last day of the period billed, in advance or in arrears, and is
  made only from that day on (409 before);
- on every line quantity × price − discount is the sum beside the price;
- a Russian document prints line texts in Russian, with the period's last day;
- a line of a customer billed without VAT is «Без НДС» however small.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from api.documents import render_invoice_pdf
from api.documents.model import NoAct, build_document
from api.documents.payment_qr import payment_payload
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.record_usage import RecordUsage
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from commands.void_invoice import VoidInvoice
from ledger.customers.billing_events import InvoiceIssued
from ledger.errors import Conflict
from tests.api.test_documents import BUYER, charge, text_of
from tests.api.test_export_1c import services as services  # noqa: PLC0414  (the company file)
from tests.support.collections import on
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

SEATS = {
    "name": "Места", "currency": "RUB", "vat_rate": "22",
    "components": [{"code": "seat", "name": "Рабочее место", "kind": "seat",
                    "price": "333.33"}],
}
VOLUME = {
    "name": "API", "currency": "RUB", "vat_rate": "22",
    "components": [{"code": "api", "name": "Вызовы API", "kind": "metered", "pricing": {
        "kind": "volume", "tiers": [
            {"up_to": 10000, "unit_price": "0.0010", "flat_fee": "10"},
            {"up_to": 50000, "unit_price": "0.0008", "flat_fee": "10"},
            {"up_to": 100000, "unit_price": "0.0006", "flat_fee": "10"},
            {"up_to": None, "unit_price": "0.0004", "flat_fee": "10"}]}}],
}


def flat(name: str, price: str, **extra: Any) -> dict[str, Any]:
    """A tariff of one flat monthly fee at 22 %."""
    return {"name": name, "currency": "RUB", "vat_rate": "22", **extra,
            "components": [{"code": "base", "name": "Абонентская плата", "kind": "flat",
                            "price": price}]}


def bill(services: Services, day: date) -> None:
    """Run billing for every customer on ``day``."""
    on(services, day)
    run_billing(RunBilling(as_of=day), bill_run_context("test"), services.runtime,
                list(services.ledger.customer_ids()))
    services.runner.catch_up()


def invoices_of(services: Services, customer: UUID) -> list[InvoiceIssued]:
    """The customer's invoices as recorded, oldest first."""
    return [e for e in services.ledger.customer_history(customer)
            if isinstance(e, InvoiceIssued)]


def subscribed(services: Services, tariff: str, start: date, **extra: Any) -> tuple[UUID, str]:
    """ООО Ромашка on ``tariff`` from ``start`` (anchor 1 unless given); its subscription."""
    on(services, start)
    customer = register(services, "A-1", **BUYER)
    subscription = send(services, StartSubscription(
        customer_id=customer, tariff_code=tariff, start_date=start,
        **{"anchor_day": 1, **extra})).result["subscription_id"]
    return customer, str(subscription)


def upgraded(services: Services) -> UUID:
    """Старт (1000.00) from 1 January, changed to Про (3000.00) on 16 January, both billed."""
    on(services, date(2026, 1, 1))
    publish(services, "start", flat("Старт", "1000.00"))
    publish(services, "pro", flat("Про", "3000.00"))
    customer, subscription = subscribed(services, "start", date(2026, 1, 1))
    bill(services, date(2026, 1, 1))
    on(services, date(2026, 1, 16))
    send(services, ChangeSubscription(customer_id=customer, subscription_id=subscription,
                                      tariff_code="pro", effective_date=date(2026, 1, 16)))
    bill(services, date(2026, 1, 16))
    return customer


def cancelled(services: Services) -> UUID:
    """Старт billed for January on 1 January, cancelled at once on 16 January."""
    on(services, date(2026, 1, 1))
    publish(services, "start", flat("Старт", "1000.00"))
    customer, subscription = subscribed(services, "start", date(2026, 1, 1))
    bill(services, date(2026, 1, 1))
    on(services, date(2026, 1, 16))
    send(services, CancelSubscription(customer_id=customer, subscription_id=subscription,
                                      effective_date=date(2026, 1, 16), when="immediate"))
    bill(services, date(2026, 1, 16))
    return customer


# -- a voided invoice ------------------------------------------------------------------------


def voided(services: Services) -> str:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    send(services, VoidInvoice(customer_id=customer, invoice_id=invoice,
                               reason="Выставлен по ошибке"))
    services.runner.catch_up()
    return invoice


def test_a_voided_invoice_says_so_and_asks_for_nothing(services: Services) -> None:
    invoice = voided(services)
    doc = build_document(services, invoice, "invoice")
    text = text_of(render_invoice_pdf(services, invoice, "invoice"))
    assert doc.voided == (date(2026, 1, 15), "Выставлен по ошибке")
    assert payment_payload(doc) is None
    assert ("АННУЛИРОВАН 15.01.2026. Причина: Выставлен по ошибке. Оплачивать этот документ "
            "не нужно.") in text
    for asks in ("Оплата по QR-коду", "Банк получателя", "Оплатить не позднее",
                 "В назначении платежа"):
        assert asks not in text


def test_a_voided_invoice_has_no_act(services: Services) -> None:
    invoice = voided(services)
    with pytest.raises(NoAct) as refused:
        render_invoice_pdf(services, invoice, "act")
    assert isinstance(refused.value, Conflict)  # 409
    assert "voided on 2026-01-15 (Выставлен по ошибке)" in refused.value.detail


# -- an invoice below zero ---------------------------------------------------------------------


def test_an_invoice_below_zero_is_a_correction_that_asks_for_nothing(
    services: Services,
) -> None:
    customer = cancelled(services)
    credit = invoices_of(services, customer)[-1]
    assert str(credit.total) == "-629.68 RUB"
    doc = build_document(services, credit.invoice_id, "invoice")
    text = text_of(render_invoice_pdf(services, credit.invoice_id, "invoice"))
    assert doc.kind == "correction"
    assert payment_payload(doc) is None
    assert "Корректировочный расчёт № LBX-2026-000002 от 16 января 2026 г." in text
    assert ("Сумма уменьшения задолженности Покупателя: Шестьсот двадцать девять рублей "
            "68 копеек") in text
    assert "Документ не является счётом на оплату: оплачивать его не нужно." in text
    for asks in ("Счёт на оплату", "Минус", "Оплатить не позднее", "В назначении платежа",
                 "Банк получателя"):
        assert asks not in text
    on(services, date(2026, 3, 1))
    with pytest.raises(NoAct, match=r"a credit of -629\.68 RUB for days not served"):
        build_document(services, credit.invoice_id, "act")


# -- act dates -------------------------------------------------------------------------------


def test_an_act_for_a_month_billed_in_arrears_is_dated_in_that_month(
    services: Services,
) -> None:
    publish(services, "arrears", flat("Постоплата", "1000.00", timing="in_arrears"))
    customer, _ = subscribed(services, "arrears", date(2026, 3, 1))
    bill(services, date(2026, 4, 1))  # March is billed on 1 April
    (invoice,) = invoices_of(services, customer)
    act = build_document(services, invoice.invoice_id, "act")
    assert (invoice.issued_on, act.document_date) == (date(2026, 4, 1), date(2026, 3, 31))


def test_an_act_is_made_only_once_its_services_are_rendered(services: Services) -> None:
    publish(services, "start", flat("Старт", "1000.00"))
    customer, _ = subscribed(services, "start", date(2026, 1, 15), anchor_day=15)
    bill(services, date(2026, 1, 15))  # in advance: 15 January to 14 February
    (invoice,) = invoices_of(services, customer)
    on(services, date(2026, 2, 13))
    with pytest.raises(NoAct, match="its services run until 2026-02-14"):
        build_document(services, invoice.invoice_id, "act")
    on(services, date(2026, 2, 14))
    text = text_of(render_invoice_pdf(services, invoice.invoice_id, "act"))
    assert "Акт оказанных услуг № LBX-2026-000001 от 14 февраля 2026 г." in text
    assert "Период оказания услуг: 15.01.2026 — 14.02.2026." in text


# -- lines -----------------------------------------------------------------------------------


def test_prorated_seats_print_one_service_and_say_their_quantity(services: Services) -> None:
    publish(services, "seats", SEATS)
    customer, _ = subscribed(services, "seats", date(2026, 1, 10), quantity=3)
    bill(services, date(2026, 1, 15))  # 10 January to 1 February: 22/31 of 3 × 333.33
    (invoice,) = invoices_of(services, customer)
    doc = build_document(services, invoice.invoice_id, "invoice")
    (line,) = doc.lines
    assert (line.quantity, str(line.unit_price), str(line.amount)) == (
        Decimal(1), "709.67 RUB", "709.67 RUB")
    assert line.description == ("Места: Рабочее место, 10.01.2026–31.01.2026, "
                                "3 × 333,33 × 22/31 дн.")


def test_a_usage_line_prints_one_service_and_says_its_units(services: Services) -> None:
    publish(services, "api", VOLUME)
    customer, subscription = subscribed(services, "api", date(2026, 1, 1))
    send(services, RecordUsage(customer_id=customer, subscription_id=subscription,
                               component="api", usage_id="u-1", quantity=Decimal(65000),
                               occurred_on=date(2026, 1, 20)))
    bill(services, date(2026, 2, 1))
    doc = build_document(services, invoices_of(services, customer)[-1].invoice_id, "invoice")
    (line,) = [each for each in doc.lines if "Вызовы API" in each.description]
    assert (line.quantity, str(line.unit_price), str(line.amount)) == (
        Decimal(1), "49.00 RUB", "49.00 RUB")
    assert line.description == "API: Вызовы API, 01.01.2026–31.01.2026, количество 65000"


def test_every_printed_line_multiplies_out(services: Services) -> None:
    customer = upgraded(services)
    for invoice in invoices_of(services, customer):
        for line in build_document(services, invoice.invoice_id, "invoice").lines:
            assert line.unit_price.times(line.quantity) - line.discount == line.amount


def test_a_russian_document_prints_line_texts_in_russian_with_the_last_day(
    services: Services,
) -> None:
    customer = upgraded(services)
    change = invoices_of(services, customer)[-1]
    on(services, date(2026, 1, 31))
    act = text_of(render_invoice_pdf(services, change.invoice_id, "act"))
    assert "Период оказания услуг: 16.01.2026 — 31.01.2026." in act
    assert "Старт: перерасчёт за неиспользованную часть периода, 16.01.2026–31.01.2026" in act
    assert "Про: оставшаяся часть периода, 16.01.2026–31.01.2026" in act
    for english in ("unused", "remaining", "2026-02-01"):
        assert english not in act
    first = invoices_of(services, customer)[0]
    in_english = text_of(render_invoice_pdf(services, first.invoice_id, "invoice", "en"))
    assert "Старт: Абонентская плата, 2026-01-01 to 2026-01-31" in in_english


def test_a_cancellation_credit_line_reads_in_russian(services: Services) -> None:
    customer = cancelled(services)
    doc = build_document(services, invoices_of(services, customer)[-1].invoice_id, "invoice")
    assert [line.description for line in doc.lines] == [
        "Старт: Абонентская плата, 16.01.2026–31.01.2026, не оказано после окончания "
        "обслуживания (перерасчёт)"]


def test_a_tiny_line_of_a_customer_billed_without_vat_says_no_vat(services: Services) -> None:
    customer = register(services, "C-1", **BUYER, vat_mode="none", vat_rate=Decimal(22))
    invoice = charge(services, customer, "0.02")
    doc = build_document(services, invoice, "invoice")
    assert doc.exempt
    assert "НДС не облагается" in text_of(render_invoice_pdf(services, invoice, "invoice"))


def test_a_tiny_line_at_22_percent_stays_a_22_percent_line(services: Services) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "0.02")
    doc = build_document(services, invoice, "invoice")
    assert [(str(g.rate), str(g.vat)) for g in doc.vat_groups] == [("22", "0.00 RUB")]


# -- a plan change's new tariff ------------------------------------------------------------------


def test_the_new_plans_charge_is_recorded_under_the_new_tariff(services: Services) -> None:
    customer = upgraded(services)
    change = invoices_of(services, customer)[-1]
    assert [(line.kind, line.tariff_code) for line in change.lines] == [
        ("proration_credit", "start"), ("proration_charge", "pro")]
