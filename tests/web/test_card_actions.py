"""Acting from the customer card: each form sends one command, refusals stay on the form.

Given a customer with a subscription and an invoice, when an accountant posts a card form,
then the right event is recorded (with the person as actor and ``web`` as source) and the
card shows it; a refused form answers 422 with the message at its field and writes nothing;
an auditor is refused; and the same drawn form sent twice acts once.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from tests.support.dsl import event_names, publish
from tests.web.test_customer_card import (
    auditor_workspace,
    caught_up,
    customer_with_history,
    workspace,
)

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace
    from tests.web.test_customer_card import Customer

__all__ = ["auditor_workspace", "workspace"]  # the card's own signed-in clients


def post(ws: Workspace, customer: Customer, action: str, data: dict[str, str]) -> Any:
    """Open the card and send one of its forms, as a browser would."""
    return ws.submit(customer.card, f"{customer.card}/actions/{action}", data)


def events_of(services: Services, customer: Customer) -> list[str]:
    return event_names(services, customer.id)


def last_event(services: Services, customer: Customer) -> Any:
    return services.ledger.history(customer.id)[-1]


def test_recording_a_payment_lowers_the_debt_on_the_card(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    done = post(workspace, customer, "payment", {"amount": "378.40", "currency": "RUB",
                                                 "reference": "п/п 18"})

    assert done.status_code == 303
    event = last_event(services, customer)
    assert type(event).__name__ == "PaymentReceived"
    assert event.meta.source == "web"
    assert event.meta.actor.startswith("accountant:")
    card = workspace.get(customer.card)
    assert "п/п 18" in card.text
    assert "Платёж записан" in card.text  # the notice after the redirect


def test_the_same_drawn_payment_form_sent_twice_pays_once(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    html = workspace.get(customer.card).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    form = re.search(r'action="[^"]*/actions/payment">\s*<input type="hidden" name="csrf_token"'
                     r' value="[^"]+">\s*<input type="hidden" name="idempotency_key"'
                     r' value="([^"]+)"', html)
    assert csrf
    assert form
    data = {"csrf_token": csrf.group(1), "idempotency_key": form.group(1),
            "amount": "100.00", "currency": "RUB"}

    first = workspace.client.post(f"{customer.card}/actions/payment", data=data,
                                  follow_redirects=False)
    second = workspace.client.post(f"{customer.card}/actions/payment", data=data,
                                   follow_redirects=False)

    assert first.status_code == second.status_code == 303
    assert events_of(services, customer).count("PaymentReceived") == 2  # the fixture's + one


def test_a_bad_amount_is_refused_at_its_field_and_nothing_is_written(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "payment", {"amount": "12,5,0", "currency": "RUB"})

    assert refused.status_code == 422
    assert 'id="payment-amount-error"' in refused.text
    assert '<details class="action" id="action-payment" open>' in refused.text
    assert 'value="12,5,0"' in refused.text  # what was typed stays in the form
    assert "введите сумму, например 1500,00" in refused.text  # in the reader's language
    assert events_of(services, customer) == before


def test_an_adjustment_needs_a_reason(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "adjustment", {"amount": "-150.00", "currency": "RUB",
                                                       "reason": ""})

    assert refused.status_code == 422
    assert 'id="adjustment-reason-error"' in refused.text
    assert events_of(services, customer) == before

    done = post(workspace, customer, "adjustment", {"amount": "-150.00", "currency": "RUB",
                                                    "reason": "Компенсация простоя 12.01"})
    assert done.status_code == 303
    event = last_event(services, customer)
    assert type(event).__name__ == "AdjustmentRecorded"
    assert event.meta.reason == "Компенсация простоя 12.01"
    assert "Компенсация простоя 12.01" in workspace.get(customer.card).text


def test_starting_a_subscription_shows_it_on_the_card(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    done = post(workspace, customer, "start", {
        "tariff_code": "start", "start_date": "2026-02-01", "anchor_day": "1", "quantity": "3",
        "auto_renew": "false", "term_end": "2026-12-31"})

    assert done.status_code == 303
    assert events_of(services, customer)[-1] == "SubscriptionStarted"
    assert "Подписка на тариф start v1 × 3 с 1 февр. 2026" in workspace.get(customer.card).text


def test_an_unknown_tariff_is_refused_at_the_tariff(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "start", {"tariff_code": "nosuch",
                                                  "start_date": "2026-02-01", "quantity": "1"})

    assert refused.status_code == 422
    assert 'id="start-tariff_code-error"' in refused.text
    assert events_of(services, customer) == before


def test_a_date_outside_this_century_is_refused(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    refused = post(workspace, customer, "pause", {"subscription_id": customer.subscription,
                                                  "effective_date": "9999-12-31"})

    assert refused.status_code == 422
    assert 'id="pause-effective_date-error"' in refused.text


def test_a_change_is_previewed_before_it_is_confirmed(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    # Про is another tariff, so the individual 800.00 for «Старт» lapses and the days from
    # the 16th are credited and charged again
    publish(services, "pro", {"name": "Про", "currency": "RUB", "components": [
        {"code": "base", "name": "Про", "kind": "flat", "price": "2000.00"}]})
    before = events_of(services, customer)
    change = {"subscription_id": customer.subscription, "tariff_code": "pro",
              "effective_date": "2026-01-16", "when": "immediate"}

    shown = post(workspace, customer, "change", {**change, "step": "preview"})

    assert shown.status_code == 200
    assert "неиспользованная часть тарифа" in shown.text  # the lines with their formulas
    assert "unused part" not in shown.text
    assert "Индивидуальные цены, которые изменение прекращает" in shown.text
    assert "individual price &#39;base&#39; lapses: pro v1 is another tariff" in shown.text
    assert "/actions/change" in shown.text
    assert events_of(services, customer) == before  # a preview writes nothing

    key = re.search(r'name="idempotency_key" value="([^"]+)">\s*(?:<input type="hidden" '
                    r'name="(?:subscription_id|tariff_code|quantity|effective_date|when)"[^>]*>'
                    r'\s*)+<input type="hidden" name="step" value="confirm">', shown.text)
    assert key
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', shown.text)
    assert csrf
    confirmed = workspace.client.post(f"{customer.card}/actions/change", follow_redirects=False,
                                      data={**change, "step": "confirm",
                                            "csrf_token": csrf.group(1),
                                            "idempotency_key": key.group(1)})

    assert confirmed.status_code == 303
    assert events_of(services, customer)[-1] == "SubscriptionChanged"
    caught_up(services)
    assert "Изменение подписки (сразу)" in workspace.get(customer.card).text


def test_pause_then_resume(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    paused = post(workspace, customer, "pause", {"subscription_id": customer.subscription,
                                                 "effective_date": "2026-01-15",
                                                 "reason": "Клиент в отпуске"})
    assert paused.status_code == 303
    card = workspace.get(customer.card).text
    assert "Подписка приостановлена с 15 янв. 2026" in card
    assert 'id="action-resume"' in card

    resumed = post(workspace, customer, "resume", {"subscription_id": customer.subscription,
                                                   "effective_date": "2026-01-15"})
    assert resumed.status_code == 303
    assert events_of(services, customer)[-1] == "SubscriptionResumed"


def test_cancelling_at_the_end_of_the_term(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    done = post(workspace, customer, "cancel", {"subscription_id": customer.subscription,
                                                "effective_date": "2026-01-15",
                                                "when": "end_of_term", "reason": "Переезд"})

    assert done.status_code == 303
    event = last_event(services, customer)
    assert type(event).__name__ == "SubscriptionCancelled"
    assert "Подписка отменена (в конце срока)" in workspace.get(customer.card).text


def test_granting_a_discount_and_its_refusal(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "discount", {"kind": "fixed", "percent": "",
                                                     "amount": ""})
    assert refused.status_code == 422
    assert 'id="discount-amount-error"' in refused.text
    assert events_of(services, customer) == before

    done = post(workspace, customer, "discount", {"kind": "fixed", "amount": "200.00",
                                                  "periods": "2", "description": "Лояльность"})
    assert done.status_code == 303
    assert events_of(services, customer)[-1] == "DiscountGranted"
    assert "Лояльность" in workspace.get(customer.card).text


def test_setting_an_individual_price_records_who_agreed_and_from_when(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)  # January is billed through 1 February
    form = workspace.get(customer.card).text
    assert 'id="price-effective_from"' in form
    assert "Действует с" in form

    done = post(workspace, customer, "price", {
        "subscription_id": customer.subscription, "component": "base", "price": "700.00",
        "note": "Договор № 5 от 10.01", "agreed_by": "Петров П. П.",
        "agreed_on": "2026-01-10", "effective_from": "2026-02-01", "until": "2026-12-31"})

    assert done.status_code == 303
    event = last_event(services, customer)
    assert type(event).__name__ == "IndividualPriceSet"
    assert event.agreed_by == "Петров П. П."
    assert event.effective_from == date(2026, 2, 1)
    card = workspace.get(customer.card).text
    assert "Договор № 5 от 10.01" in card
    assert "Петров П. П." in card


def test_an_individual_price_on_days_already_billed_is_refused_at_its_start(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "price", {
        "subscription_id": customer.subscription, "component": "base", "price": "700.00",
        "note": "Договор № 5 от 10.01", "agreed_by": "Петров П. П.",
        "agreed_on": "2026-01-10"})  # from 10 January, which the January invoice charged

    assert refused.status_code == 422
    assert 'id="price-effective_from-error"' in refused.text
    assert "выставьте кредит-ноту" in refused.text
    assert events_of(services, customer) == before


def test_an_auditor_posting_a_card_form_is_refused_and_nothing_is_written(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = post(auditor_workspace, customer, "payment", {"amount": "100.00",
                                                           "currency": "RUB"})

    assert refused.status_code == 403
    assert events_of(services, customer) == before


def test_a_form_without_its_csrf_token_is_refused(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    before = events_of(services, customer)

    refused = workspace.client.post(f"{customer.card}/actions/payment", follow_redirects=False,
                                    data={"amount": "100.00", "currency": "RUB"})

    assert refused.status_code == 403
    assert events_of(services, customer) == before


def test_an_unknown_action_is_not_found(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    assert post(workspace, customer, "nosuch", {}).status_code == 404


def test_amounts_are_taken_as_a_russian_reader_types_them(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    for typed, minor in (("1500,00", 150000), ("1\u00a0500,50", 150050), ("2 000", 200000)):
        done = post(workspace, customer, "payment", {"amount": typed, "currency": "RUB"})
        assert done.status_code == 303, (typed, done.text)
        event = last_event(services, customer)
        assert type(event).__name__ == "PaymentReceived"
        assert event.amount.minor == minor


def test_a_refusal_of_the_domain_reads_in_russian(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    refused = post(workspace, customer, "adjustment", {"amount": "100,00", "currency": "RUB",
                                                       "reason": "x"})
    wrong_currency = post(workspace, customer, "payment", {"amount": "100,00",
                                                           "currency": "QQQ"})

    assert refused.status_code == wrong_currency.status_code == 422
    assert "Нужно не меньше 3 символов" in refused.text
    assert "String should have" not in refused.text
    assert "не код валюты ISO 4217" in wrong_currency.text


def test_a_form_sent_again_with_other_values_gets_a_new_key(
        services: Services, workspace: Workspace) -> None:
    """Back, change the amount, send: the old key cannot carry new values, so the form comes
    back once with a new key and a word of why, and the next send records it."""
    customer = customer_with_history(services)
    html = workspace.get(customer.card).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    key = re.search(r'action="[^"]*/actions/payment">\s*<input type="hidden" name="csrf_token"'
                    r' value="[^"]+">\s*<input type="hidden" name="idempotency_key"'
                    r' value="([^"]+)"', html)
    assert csrf
    assert key
    sent = {"csrf_token": csrf.group(1), "idempotency_key": key.group(1), "currency": "RUB"}
    url = f"{customer.card}/actions/payment"
    first = workspace.client.post(url, data={**sent, "amount": "100.00"}, follow_redirects=False)
    again = workspace.client.post(url, data={**sent, "amount": "200.00"}, follow_redirects=False)

    assert first.status_code == 303
    assert again.status_code == 422
    assert "Эта форма уже была отправлена" in again.text
    new_key = re.search(r'action="[^"]*/actions/payment">\s*<input type="hidden" '
                        r'name="csrf_token" value="[^"]+">\s*<input type="hidden" '
                        r'name="idempotency_key" value="([^"]+)"', again.text)
    assert new_key
    assert new_key.group(1) != key.group(1)
    third = workspace.client.post(url, data={**sent, "idempotency_key": new_key.group(1),
                                             "amount": "200.00"}, follow_redirects=False)
    assert third.status_code == 303
    assert events_of(services, customer).count("PaymentReceived") == 3
