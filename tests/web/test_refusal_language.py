"""A refusal with values inside reads as a Russian sentence in the workspace, unchanged in the API.

Given a customer billed for January (``customer_with_history``), when the workspace (Russian
by default) sends a command the ledger refuses, then the form shows the refusal's Russian
wording with the same facts, dates and money as a Russian reader writes them; and when the
same command comes through the HTTP API, its problem's ``detail`` is the English sentence
it has always been.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from fastapi.testclient import TestClient

from api.accounting.period import resolve_period
from api.app import create_app
from api.company import CompanyBook, demo_company_profile, load_company, parse_company
from api.settings import Settings
from api.web.refusals import Reading, refusal_in
from ledger.access import Role
from ledger.clock import SimulatedClock
from ledger.errors import InvalidField, LedgerError, Term
from ledger.money import Money
from projections import queries
from projections.queries import decode_cursor
from tests.web.test_card_actions import post
from tests.web.test_customer_card import customer_with_history, workspace
from tests.web.test_integrations_pages import confirm, upload

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

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


@pytest.fixture
def api_read(services: Services, web_keys: dict[Role, str]) -> Iterator[Any]:
    """Ask the HTTP API for a path, as an accountant."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        def read(path: str) -> Any:
            headers = {"Authorization": f"Bearer {web_keys[Role.ACCOUNTANT]}"}
            return client.get(f"/v1/{path}", headers=headers)
        yield read


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


# -- refusals of the API's own: documents, the company file, periods, lists ----------------------


def test_an_act_asked_before_its_day_reads_in_russian_with_russian_dates(
        services: Services, workspace: Workspace, api_read: Any, tmp_path: Path) -> None:
    """January billed on 15 January: its act is dated 31 January and cannot be made before."""
    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                       encoding="utf-8")
    services.settings = replace(services.settings, company_file=company)
    customer = customer_with_history(services)
    link = re.search(r'href="(/app/customers/[^"]+/invoices/([^"/]+)/)invoice\.pdf"',
                     workspace.get(customer.card).text)
    assert link is not None
    invoice_id = link.group(2)
    number = (queries.invoice(services.store, invoice_id, "2026-01-15") or {})["number"]

    refused = workspace.get(link.group(1) + "act.pdf")
    through_api = api_read(f"invoices/{invoice_id}/document.pdf?kind=act")

    assert refused.status_code == 409
    assert (f"по счёту {number} акт не составляется: услуги по нему оказываются до 31.01.2026;"
            " акт датируется этим днём, и составить его можно начиная с этого дня (сегодня"
            " 15.01.2026)") in shown(refused)
    assert "services run until" not in shown(refused)
    assert through_api.status_code == 409
    assert through_api.json()["detail"] == (
        f"invoice {number}: no act — its services run until 2026-01-31; the act is dated that"
        " day and can be made from then on (today is 2026-01-15)")


def _refusal(attempt: Callable[[], object]) -> LedgerError:
    with pytest.raises(LedgerError) as refused:
        attempt()
    return refused.value


REQUISITES = demo_company_profile().versions[0].model_dump(mode="json", exclude_none=True)
STARTS_2000 = CompanyBook(versions=[demo_company_profile().versions[0]])


@pytest.mark.parametrize(("attempt", "english", "russian"), [
    pytest.param(
        lambda: STARTS_2000.as_of(date(1999, 12, 31)),
        "no company requisites valid on 1999-12-31: set LBX_COMPANY_FILE or put company.yaml"
        " in the data folder (see docs/documents.md)",
        "нет реквизитов компании, действующих на 31.12.1999: укажите LBX_COMPANY_FILE или"
        " положите company.yaml в папку данных (см. docs/documents.md)", id="no requisites yet"),
    pytest.param(
        lambda: parse_company({**REQUISITES, "inn": "7709543219"}),
        "company file: ИНН 7709543219: expected 10 or 12 digits 0–9 with the right check digits",
        "файл реквизитов: ИНН 7709543219: нужно 10 или 12 цифр с верными контрольными"
        " разрядами", id="a wrong check digit"),
    pytest.param(
        lambda: decode_cursor("!!"), "malformed cursor", "курсор повреждён", id="a cursor"),
    pytest.param(
        lambda: resolve_period(date(1999, 12, 1), date(1999, 12, 31), None,
                               clock=SimulatedClock(datetime(2026, 1, 15, tzinfo=UTC)),
                               zone="Europe/Moscow"),
        "1999-12-01: expected a date in 2000–2099", "1999-12-01: нужна дата в 2000–2099 годах",
        id="an export period"),
])
def test_a_refusal_of_the_api_reads_in_russian_and_in_english_as_before(
        attempt: Callable[[], object], english: str, russian: str) -> None:
    refused = _refusal(attempt)

    assert refused.detail == english
    assert refusal_in(Reading("ru"), refused) == russian


def test_a_wrong_company_file_names_the_file_in_both_languages(tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump({**REQUISITES, "kpp": "77A"}, allow_unicode=True),
                       encoding="utf-8")
    settings = replace(Settings.from_env({"LBX_DATA_DIR": str(tmp_path)}), company_file=company)

    refused = _refusal(lambda: load_company(settings))

    assert refused.detail == (f"{company}: company file: КПП 77A: expected 4 digits, 2 digits"
                              " or capital letters, 3 digits")
    assert refusal_in(Reading("ru"), refused).startswith(f"{company}: файл реквизитов: КПП 77A: ")
