"""What LBX writes itself reads in the reader's language; what a person typed, as typed.

Dunning reasons, bank references, coupon discounts and plan-change formulas are stored in
English in events that never change. The card (timeline, payments, discounts, the change
preview) and the bank queue show them in Russian by default and in English on request —
also for events recorded before this was so, whose text the code wrote by hand.
"""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from commands.change_subscription import ChangeSubscription
from commands.coupons import CreateCoupon, RedeemCoupon
from commands.dismiss_bank_payment import DismissBankPayment
from commands.record_payment import RecordPayment
from commands.start_subscription import StartSubscription
from ledger.customers import ServiceStatus
from ledger.customers import billing_events as bev
from ledger.customers import collections_events as cev
from ledger.customers.state import PendingCharge
from ledger.events import Provenance
from ledger.money import Money
from projections import queries
from tests.scenarios.support import flat_tariff
from tests.support.bank import billed, invoice, paid, run_import, statement
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import publish, register, send
from tests.web.test_customer_card import caught_up, customer_with_history

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from tests.web.conftest import Workspace

NBSP, NNBSP = "\xa0", "\u202f"
DUE = date(2026, 1, 25)


def card(workspace: Workspace, customer: UUID, language: str = "ru") -> str:
    workspace.get(f"/app/language/{language}?next=/app/")
    return html.unescape(workspace.get(f"/app/customers/{customer}").text)


def dunned(services: Services) -> tuple[UUID, str]:
    """A subscriber 90 days overdue (every default step, suspension, cancellation), then paid."""
    publish(services)
    customer = register(services, "C-dun", name="ООО Должник")
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 1), anchor_day=1))
    invoice_id = invoice_due(services, customer, DUE)  # the charge and January's fee
    overdue = services.ledger.customer(customer).state.invoices[invoice_id]
    dun(services, customer, DUE + timedelta(days=90))
    pay(services, customer, Money(overdue.open_minor, "RUB").to_decimal_string())
    caught_up(services)
    return customer, overdue.number


def test_dunning_reasons_read_in_russian(services: Services, workspace: Workspace) -> None:
    customer, number = dunned(services)

    shown = card(workspace, customer)

    assert "регламент взыскания v0, шаг 1: напоминание через 1 дн. после срока оплаты" in shown
    assert ("регламент взыскания v0, шаг 4: приостановка обслуживания через 30 дн. после срока"
            " оплаты") in shown
    assert "регламент взыскания v0, шаг 5: отключение через 90 дн. после срока оплаты" in shown
    assert (f"Статус обслуживания: активен → приостановлен (взыскание: счёт {number} просрочен"
            " на 90 дн. (приостановка с 30 дн. просрочки))") in shown
    assert ("Статус обслуживания: приостановлен → активен (долг погашен: нет счетов с просрочкой"
            " 30 дн. и более)") in shown
    assert "взыскание: отключено за неуплату" in shown
    assert "dunning" not in shown
    assert "debt settled" not in shown


def test_dunning_reasons_read_in_english(services: Services, workspace: Workspace) -> None:
    customer, number = dunned(services)

    shown = card(workspace, customer, "en")

    assert "dunning policy v0, step 1: remind 1 days after due" in shown
    assert "dunning policy v0, step 5: cancel 90 days after due" in shown
    assert (f"Service status: active → suspended (dunning: invoice {number} overdue 90 days"
            " (suspension at 30))") in shown
    assert "debt settled: no invoice overdue 30 days or more" in shown
    assert "dunning: cancelled for non-payment" in shown
    assert "взыскание" not in shown


def test_a_person_s_reason_is_shown_as_typed(services: Services, workspace: Workspace) -> None:
    customer = register(services, "C-typed")
    book = services.ledger.customer(customer, for_update=True)
    book.change_status(_provenance(), date(2026, 1, 5), ServiceStatus.SUSPENDED,
                       "dunning: по звонку клиента")
    services.ledger.save_all(book)
    caught_up(services)

    assert "(dunning: по звонку клиента)" in card(workspace, customer)
    assert "(dunning: по звонку клиента)" in card(workspace, customer, "en")


def test_a_bank_reference_reads_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    customer = billed(services, "romashka", name="ООО Ромашка")
    run_import(services, statement(paid("17", "10000.00", f"Оплата по счету {customer.number}")))
    caught_up(services)

    russian = card(workspace, customer.customer_id)
    english = card(workspace, customer.customer_id, "en")

    assert f"основание: банковский документ №17 от 12 янв. 2026{NNBSP}г." in russian
    assert f"<td>банковский документ №17 от 12 янв. 2026{NNBSP}г.</td>" in russian
    assert "bank document" not in russian
    assert "ref bank document №17 of Jan 12, 2026" in english
    register_ru = page(workspace, "/app/payments")
    assert f"<td>банковский документ №17 от 12 янв. 2026{NNBSP}г.</td>" in register_ru


def test_a_payment_told_apart_from_the_statement_s_says_so_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    customer = billed(services, "romashka", name="ООО Ромашка")
    run_import(services, statement(paid("17", "10000.00", f"Оплата по счету {customer.number}")))
    send(services, RecordPayment(customer_id=customer.customer_id, amount="10000.00",
                                 currency="RUB", received_on=date(2026, 1, 12),
                                 not_a_duplicate=True))
    caught_up(services)

    russian = card(workspace, customer.customer_id)
    english = card(workspace, customer.customer_id, "en")

    assert "не дубликат: это другой платёж, а не bank:" in russian
    assert (f" от 12 янв. 2026{NNBSP}г. из банковской выписки на ту же сумму</td>") in russian
    assert "not_a_duplicate" not in russian
    assert " of Jan 12, 2026 from the bank statement, of the same amount</td>" in english


def test_a_coupon_discount_reads_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    customer = register(services, "C-coupon")
    send(services, CreateCoupon(code="WELCOME", kind="percent", percent="10", periods=3))
    send(services, RedeemCoupon(customer_id=customer, code="WELCOME"))
    caught_up(services)

    russian = card(workspace, customer)

    assert "(Купон WELCOME)" in russian
    assert "Coupon WELCOME" not in russian
    assert "(Coupon WELCOME)" in card(workspace, customer, "en")


def changed(services: Services) -> UUID:
    """The customer of ``customer_with_history`` moved at once to «Про» on 16 January."""
    customer = customer_with_history(services)
    publish(services, "pro", flat_tariff("2000.00", "RUB", name="Про"))
    on(services, date(2026, 1, 16))
    send(services, ChangeSubscription(customer_id=customer.id,
                                      subscription_id=customer.subscription, tariff_code="pro",
                                      effective_date=date(2026, 1, 16)))
    caught_up(services)
    return customer.id


def test_plan_change_corrections_read_in_russian(
        services: Services, workspace: Workspace) -> None:
    customer = changed(services)

    shown = card(workspace, customer)

    # 16 of January's 31 days: 800.00 × 16/31 = 412.90 back, 2000.00 × 16/31 = 1032.26 due
    assert (f"корректировки: -412,90{NBSP}₽ = 800,00{NBSP}₽ × 16/31, неиспользованная часть"
            f" тарифа Старт; 1{NBSP}032,26{NBSP}₽ = 2{NBSP}000,00{NBSP}₽ × 16/31, оставшаяся"
            " часть по тарифу Про") in shown
    assert "unused part" not in shown


def test_plan_change_corrections_read_in_english(
        services: Services, workspace: Workspace) -> None:
    customer = changed(services)

    shown = card(workspace, customer, "en")

    assert ("corrections: RUB -412.90 = RUB 800.00 × 16/31, unused part of Старт;"
            " RUB 1,032.26 = RUB 2,000.00 × 16/31, remaining part of Про") in shown


def test_the_change_preview_shows_its_lines_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    publish(services, "pro", flat_tariff("2000.00", "RUB", name="Про"))
    preview = {"subscription_id": customer.subscription, "tariff_code": "pro",
               "effective_date": "2026-01-16", "when": "immediate", "step": "preview"}
    url = f"{customer.card}/actions/change"

    russian = html.unescape(workspace.submit(customer.card, url, preview).text)
    workspace.get("/app/language/en?next=/app/")
    english = html.unescape(workspace.submit(customer.card, url, preview).text)

    assert (f"<td>Старт: неиспользованная часть 16 янв. 2026{NNBSP}г. — 1 февр."
            f" 2026{NNBSP}г.</td>") in russian
    assert (f"<td>-412,90{NBSP}₽ = 800,00{NBSP}₽ × 16/31, неиспользованная часть тарифа"
            " Старт</td>") in russian
    assert "<td>Про: remaining part Jan 16, 2026 → Feb 1, 2026</td>" in english
    assert ("<td>RUB 1,032.26 = RUB 2,000.00 × 16/31, remaining part of Про</td>"
            in english)


# -- the bank queue ----------------------------------------------------------------------

STRANGER_INN = "5000000000"


def page(workspace: Workspace, url: str, language: str = "ru") -> str:
    workspace.get(f"/app/language/{language}?next=/app/")
    return html.unescape(workspace.get(url).text)


def test_why_a_bank_line_waits_reads_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    run_import(services, statement(paid("8", "500.00", "Оплата по договору",
                                        inn=STRANGER_INN)))
    caught_up(services)

    russian = page(workspace, "/app/payments/queue")
    english = page(workspace, "/app/payments/queue", "en")

    assert (f"нет клиента с ИНН {STRANGER_INN}; в назначении платежа нет номера нашего"
            " счёта") in russian
    assert "no customer has" not in russian
    assert (f"no customer has ИНН {STRANGER_INN}; no invoice number of ours in the"
            " purpose") in english


def test_a_line_held_as_a_possible_duplicate_says_so_in_the_reader_s_language(
        services: Services, workspace: Workspace) -> None:
    first = billed(services, "romashka", name="ООО Ромашка")
    customer = invoice(services, first.customer_id)  # a second invoice of 10 000.00
    send(services, RecordPayment(customer_id=customer.customer_id, amount="10000.00",
                                 currency="RUB", received_on=date(2026, 1, 10),
                                 payment_id="pp-17", reference="п/п 17"))  # pays the first
    run_import(services, statement(paid("17", "10000.00", f"Оплата по счету {customer.number}")))
    caught_up(services)
    (line,) = queries.bank_payments(services.store, statuses=("unmatched",)).items
    url = f"/app/payments/bank-lines/{line['bank_payment_id']}"

    russian = page(workspace, url)
    english = page(workspace, url, "en")

    assert (f"ИНН 7707049388 совпадает с ИНН клиента ООО Ромашка; в назначении платежа найден"
            f" счёт {customer.number}; сумма равна неоплаченному остатку 10{NBSP}000,00{NBSP}₽;"
            f" возможно, это платёж pp-17 от 10 янв. 2026{NNBSP}г., уже введённый вручную;"
            " свяжите строку с ним или запишите как новый платёж") in russian
    assert (f"ИНН 7707049388 matches ООО Ромашка; invoice {customer.number} found in purpose;"
            " amount equals open RUB 10,000.00; possible duplicate of payment pp-17 of"
            " Jan 10, 2026 recorded by hand; link it or record it") in english


def test_a_person_s_reason_for_a_bank_line_is_shown_as_typed(
        services: Services, workspace: Workspace) -> None:
    run_import(services, statement(paid("8", "500.00", "Возврат", inn=STRANGER_INN)))
    caught_up(services)
    (line,) = queries.bank_payments(services.store, statuses=("unmatched",)).items
    send(services, DismissBankPayment(bank_payment_id=line["bank_payment_id"],
                                      reason="not our account; возврат поставщику"))
    caught_up(services)
    url = f"/app/payments/bank-lines/{line['bank_payment_id']}"

    assert "not our account; возврат поставщику" in page(workspace, url)
    assert "not our account; возврат поставщику" in page(workspace, url, "en")


# -- events as the previous release recorded them ---------------------------------------

RELEASE_1 = {
    "step": "dunning policy v1, step 1: remind 1 days after due",
    "suspended": "dunning: invoice LBX-2026-000001 overdue 31 days (suspension at 30)",
    "settled": "debt settled: no invoice overdue 30 days or more",
    "cancelled": "dunning: cancelled for non-payment",
    "reference": "bank document №17 of 2026-01-12",
    "credit": "−500.00 = 1000.00 × 15/30, unused part of Tariff A",
    "charge": "750.00 = 1500.00 × 15/30, remaining part of Tariff B",
}
"""Texts as the code wrote them by hand before they had templates, character for character."""


def _provenance() -> Provenance:
    return Provenance(actor="scheduler:dunning", source="scheduler", correlation_id=uuid4(),
                      recorded_at=datetime(2026, 2, 26, tzinfo=UTC))


def recorded_by_release_1(services: Services) -> UUID:
    """A customer's events carrying the texts of :data:`RELEASE_1`, recorded as they were."""
    customer = customer_with_history(services)
    book = services.ledger.customer(customer.id, for_update=True)
    at, when = _provenance(), date(2026, 2, 26)
    invoice = next(iter(book.state.invoices.values()))
    book.record(cev.DunningStepTaken, at, when, RELEASE_1["step"],
                invoice_id=invoice.invoice_id, invoice_number=invoice.number,
                due_on=invoice.due_on, step=1, days_after_due=1, action="remind",
                days_overdue=1, open_amount=Money(37840, "RUB"), policy_version=1)
    book.change_status(at, when, ServiceStatus.SUSPENDED, RELEASE_1["suspended"])
    book.change_status(at, when, ServiceStatus.ACTIVE, RELEASE_1["settled"])
    book.record(bev.SubscriptionChanged, at, when, subscription_id=customer.subscription,
                when="immediate", effective_on=when, tariff_code="start", tariff_version=1,
                quantity=1, lines=[
                    PendingCharge(charge_id="c1", kind="proration_credit", description="A",
                                  amount=Money(-50000, "RUB"), formula=RELEASE_1["credit"]),
                    PendingCharge(charge_id="c2", kind="proration_charge", description="B",
                                  amount=Money(75000, "RUB"), formula=RELEASE_1["charge"])])
    book.record(bev.SubscriptionCancelled, at, when, RELEASE_1["cancelled"],
                subscription_id=customer.subscription, when="immediate", cancel_at=when)
    book.receive_payment(at, when, payment_id="bank:old", amount=Money(37840, "RUB"),
                         reference=RELEASE_1["reference"], today=when)
    services.ledger.save_all(book)
    caught_up(services)
    return customer.id


def test_events_of_the_previous_release_read_in_russian(
        services: Services, workspace: Workspace) -> None:
    customer = recorded_by_release_1(services)

    shown = card(workspace, customer)

    assert "регламент взыскания v1, шаг 1: напоминание через 1 дн. после срока оплаты" in shown
    assert ("взыскание: счёт LBX-2026-000001 просрочен на 31 дн. (приостановка с 30 дн."
            " просрочки)") in shown
    assert "долг погашен: нет счетов с просрочкой 30 дн. и более" in shown
    assert "взыскание: отключено за неуплату" in shown
    assert f"основание: банковский документ №17 от 12 янв. 2026{NNBSP}г." in shown
    assert (f"-500,00{NBSP}₽ = 1{NBSP}000,00{NBSP}₽ × 15/30, неиспользованная часть тарифа"
            f" Tariff A; 750,00{NBSP}₽ = 1{NBSP}500,00{NBSP}₽ × 15/30, оставшаяся часть по"
            " тарифу Tariff B") in shown
    for english in RELEASE_1.values():
        assert english not in shown


def test_events_of_the_previous_release_read_in_english(
        services: Services, workspace: Workspace) -> None:
    customer = recorded_by_release_1(services)

    shown = card(workspace, customer, "en")

    for text in ("step", "suspended", "settled", "cancelled"):
        assert RELEASE_1[text] in shown
    assert "ref bank document №17 of Jan 12, 2026" in shown
    assert ("RUB -500.00 = RUB 1,000.00 × 15/30, unused part of Tariff A;"
            " RUB 750.00 = RUB 1,500.00 × 15/30, remaining part of Tariff B") in shown
