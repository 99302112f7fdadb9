"""A refusal with values inside reads as a Russian sentence in the workspace, unchanged in the API.

Given a customer billed for January (``customer_with_history``), when the workspace (Russian
by default) sends a command the ledger refuses, then the form shows the refusal's Russian
wording with the same facts, dates and money as a Russian reader writes them; and when the
same command comes through the HTTP API, its problem's ``detail`` is the English sentence
it has always been.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.refusals import Reading, refusal_in
from ledger.access import Role
from ledger.errors import InvalidField, Term
from ledger.money import Money
from tests.web.test_card_actions import post
from tests.web.test_customer_card import customer_with_history, workspace
from tests.web.test_integrations_pages import confirm, upload

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services
    from tests.web.conftest import Workspace
    from tests.web.test_customer_card import Customer

__all__ = ["workspace"]  # the card's own signed-in client

PRICE = {"component": "base", "price": "700.00", "note": "Договор № 5 от 10.01",
         "agreed_by": "Петров П. П."}
ON_BILLED_DAYS = ("effective_from 2026-01-10 is on days already billed for 'base' (up to"
                  " 2026-02-01): an issued invoice is never re-priced. Start the price on"
                  " 2026-02-01 or later; to give back part of what an invoice charged, the"
                  " accountant issues a credit note")
UNTIL_FIRST = ("until 2026-02-15 is not after effective_from 2026-03-01: the price would apply"
               " to no day")


@pytest.fixture
def api(services: Services, web_keys: dict[Role, str]) -> Iterator[Any]:
    """Send a body to a customer's command path through the HTTP API, as an accountant."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        def send(path: str, body: dict[str, Any], key: str) -> Any:
            headers = {"Authorization": f"Bearer {web_keys[Role.ACCOUNTANT]}",
                       "Idempotency-Key": key}
            return client.post(f"/v1/{path}", json=body, headers=headers)
        yield send


def shown(answer: Any) -> str:
    """The page's text as a reader sees it (quotes and the like unescaped)."""
    return html.unescape(str(answer.text))


def price_path(customer: Customer) -> str:
    return f"customers/{customer.id}/subscriptions/{customer.subscription}/individual-prices"


# -- individual prices -------------------------------------------------------------------------


def test_a_price_on_days_already_billed_reads_in_russian_with_russian_dates(
        services: Services, workspace: Workspace, api: Any) -> None:
    customer = customer_with_history(services)

    refused = post(workspace, customer, "price", {
        "subscription_id": customer.subscription, **PRICE, "agreed_on": "2026-01-10"})
    through_api = api(price_path(customer), {**PRICE, "agreed_on": "2026-01-10"}, "p1")

    assert refused.status_code == 422
    assert ("дата начала 10.01.2026 приходится на дни, уже выставленные в счетах по компоненту"
            " 'base' (до 01.02.2026): выставленный счёт не пересчитывается. Начните цену с"
            " 01.02.2026 или позже") in shown(refused)
    assert "already billed" not in shown(refused)
    assert through_api.status_code == 422
    assert through_api.json()["detail"] == ON_BILLED_DAYS


def test_a_price_ending_before_it_starts_reads_in_russian(
        services: Services, workspace: Workspace, api: Any) -> None:
    customer = customer_with_history(services)
    dates = {"effective_from": "2026-03-01", "until": "2026-02-15"}

    refused = post(workspace, customer, "price",
                   {"subscription_id": customer.subscription, **PRICE, **dates})
    through_api = api(price_path(customer), {**PRICE, **dates}, "p2")

    assert refused.status_code == 422
    assert ("дата окончания 15.02.2026 не позже даты начала 01.03.2026: цена не действовала бы"
            " ни одного дня") in shown(refused)
    assert through_api.json()["detail"] == UNTIL_FIRST


def test_a_price_for_a_component_the_tariff_lacks_names_both(
        services: Services, workspace: Workspace, api: Any) -> None:
    customer = customer_with_history(services)
    lacking = {**PRICE, "component": "support", "agreed_on": "2026-02-01"}

    refused = post(workspace, customer, "price",
                   {"subscription_id": customer.subscription, **lacking})
    through_api = api(price_path(customer), lacking, "p3")

    assert "в тарифе start нет компонента 'support'" in shown(refused)
    assert through_api.json()["detail"] == "start has no component 'support'"


# -- a word of the ledger's vocabulary among the facts -------------------------------------------


def test_a_status_in_a_refusal_is_translated_with_it(
        services: Services, workspace: Workspace, api: Any) -> None:
    customer = customer_with_history(services)
    pause = {"subscription_id": customer.subscription, "effective_date": "2026-02-01"}
    assert post(workspace, customer, "pause", pause).status_code == 303

    refused = post(workspace, customer, "pause", pause)
    through_api = api(f"customers/{customer.id}/subscriptions/{customer.subscription}/pause",
                      {"effective_date": "2026-02-01"}, "pause-again")

    assert refused.status_code == 422
    assert "подписка на паузе" in shown(refused)
    assert through_api.json()["detail"] == "the subscription is paused"


def test_money_and_terms_are_written_as_the_reader_writes_them() -> None:
    """Dates and money in the reader's locale, terms translated; English gets them as written."""
    credit = InvalidField(field="amount", why="the customer's credit is only {credit}",
                          credit=Money.parse("1500.00", "RUB"))
    kind = InvalidField(field="price", why="a {kind} component takes a price", kind=Term("seat"))

    assert refusal_in(Reading("ru"), credit) == "переплата клиента — только 1\xa0500,00\xa0₽"
    assert refusal_in(Reading("en"), credit) == credit.detail == (
        "the customer's credit is only 1500.00 RUB")
    assert refusal_in(Reading("ru"), kind) == (
        "компонент вида «плата за рабочие места» задаётся ценой (price)")
    assert kind.detail == "a seat component takes a price"


# -- tariff publishing ---------------------------------------------------------------------------


def test_a_tariff_component_without_its_price_reads_in_russian(
        services: Services, workspace: Workspace, api: Any) -> None:
    form = {"code": "start", "name": "Старт", "currency": "RUB", "period_count": "1",
            "period_unit": "month", "timing": "in_advance", "vat_mode": "exclusive",
            "components": "1", "c0_code": "base", "c0_name": "Абонентская плата",
            "c0_kind": "flat", "c0_price": "", "do": "publish"}
    definition = {"name": "Старт", "currency": "RUB",
                  "components": [{"code": "base", "name": "Абонентская плата", "kind": "flat"}]}

    refused = workspace.submit("/app/tariffs/new", "/app/tariffs/new", form)
    through_api = api("tariffs", {"code": "start", "definition": definition}, "t1")

    assert refused.status_code == 422
    assert "у компонента &#39;base&#39; должна быть цена" in refused.text
    assert through_api.status_code == 422
    assert through_api.json()["detail"] == (
        "definition.components.0: flat component 'base' needs a price")


# -- the customer list ---------------------------------------------------------------------------


def test_a_row_of_the_customer_list_says_what_is_wrong_in_russian(
        workspace: Workspace) -> None:
    """In the preview, and in the import's result, which rows were skipped and why."""
    text = ("Наименование;ИНН;Внешний ключ\nООО Ромашка;7707049388;CRM-1\n"
            "ООО Дубль;;CRM-1\nООО Ошибка;7707049389;CRM-2\n")

    preview = upload(workspace, text)
    result = html.unescape(confirm(workspace, preview))

    for page in (html.unescape(preview), result):
        assert "то же, что в строке 2" in page
        assert "ИНН 7707049389: неверный контрольный разряд" in page
        assert "the same as row" not in page
