"""The customer card: a customer's profile, conditions, money and history on one page.

Given a customer built through commands, when the card is opened, then it shows what the
views and the replayed history hold; as of a past version or date it shows that moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from api.company import demo_company_profile
from api.web.session import COOKIE, session_cookie
from commands.grant_discount import GrantDiscount
from commands.record_payment import RecordPayment
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.set_individual_price import SetIndividualPrice
from commands.start_subscription import StartSubscription
from ledger.access import Role
from tests.support.collections import on
from tests.support.dsl import publish, register, send
from tests.web.conftest import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from uuid import UUID

    from api.bootstrap import Services

INN = "7707049388"


@dataclass(frozen=True)
class Customer:
    """A customer with a subscription, an individual price, a discount, an invoice, a payment."""

    id: UUID
    subscription: str
    version_before_payment: int

    @property
    def card(self) -> str:
        return f"/app/customers/{self.id}"


def signed_in(services: Services, token: str) -> Iterator[Workspace]:
    """A workspace client with a session for ``token``.

    Signs in through the form; if the sign-in page cannot be used, the session cookie is
    made as the sign-in page makes it, so these pages are still tested on their own.
    """
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        try:
            ws.sign_in(token)
        except AssertionError:
            client.cookies.set(COOKIE, session_cookie(services, token.split("_")[1]))
        yield ws


@pytest.fixture
def workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace as an accountant."""
    yield from signed_in(services, web_keys[Role.ACCOUNTANT])


@pytest.fixture
def auditor_workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace as an auditor."""
    yield from signed_in(services, web_keys[Role.AUDITOR])


def caught_up(services: Services) -> None:
    """Let the views apply everything recorded so far (tests run without the worker)."""
    services.await_position(services.ledger.max_position())


def customer_with_history(services: Services) -> Customer:
    """ООО «Ромашка», signed up on 5 January 2026 to «Старт» (1000.00 a month) from 1 January
    at an individual 800.00, with 10 % off; billed and half paid on 15 January."""
    on(services, date(2026, 1, 5))
    publish(services, "start")
    customer = register(services, "CRM-7", name="ООО Ромашка", inn=INN, kpp="770701001",
                        email="buh@romashka.example", manager="Анна")
    subscription = send(services, StartSubscription(
        customer_id=customer, tariff_code="start", start_date=date(2026, 1, 1), anchor_day=1,
    )).result["subscription_id"]
    send(services, SetIndividualPrice(
        customer_id=customer, subscription_id=subscription, component="base", price="800.00",
        note="Скидка за годовой договор", agreed_by="Иванов И. И.", agreed_on=date(2026, 1, 1)))
    send(services, GrantDiscount(customer_id=customer, kind="percent", percent="10",
                                 periods=3, description="Welcome discount"))
    on(services, date(2026, 1, 15))
    run_billing(RunBilling(as_of=date(2026, 1, 15)), bill_run_context("test"), services.runtime,
                [customer])
    version = services.ledger.customer(customer, fresh=True).version
    send(services, RecordPayment(customer_id=customer, amount="500.00", currency="RUB",
                                 reference="п/п 17"))
    caught_up(services)
    return Customer(customer, subscription, version)


def test_the_card_shows_profile_conditions_money_and_history(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    card = workspace.get(customer.card)

    assert card.status_code == 200
    html = card.text
    for expected in ("ООО Ромашка", INN, "770701001", "buh@romashka.example", "CRM-7",
                     "Старт", "Скидка за годовой договор", "Иванов И. И.", "Welcome discount",
                     "LBX-2026-000001", "п/п 17", "Платёж получен: 500,00\xa0₽"):
        assert expected in html, expected
    # 800.00 individual price − 10 % = 720.00, + VAT 22 % = 878.40; 500.00 paid: 378.40 owed
    assert "378,40" in html
    assert 'action="/app/customers/' in html  # an accountant gets the actions


def test_the_card_as_of_a_version_shows_that_moment_and_no_actions(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    past = workspace.get(f"{customer.card}?version={customer.version_before_payment}")

    assert past.status_code == 200
    assert "п/п 17" not in past.text
    assert "878,40" in past.text  # the whole invoice still owed
    assert f"version {customer.version_before_payment}" in past.text.lower() or \
        f"версии {customer.version_before_payment}" in past.text
    assert "/actions/" not in past.text


def test_the_card_as_of_a_date_before_billing_has_the_terms_but_no_invoice(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    past = workspace.get(f"{customer.card}?as_of=2026-01-10")

    assert past.status_code == 200
    assert "LBX-2026-000001" not in past.text
    assert "Скидка за годовой договор" in past.text


def invoice_row(html: str, number: str) -> str:
    """The text of the card's row for invoice ``number``."""
    found = re.search(rf"<th scope=\"row\">{re.escape(number)}</th>(.*?)</tr>", html, re.DOTALL)
    assert found, number
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_the_card_as_of_a_date_says_overdue_as_the_present_card_does_that_day(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)  # due 25 January, 378.40 still open
    on(services, date(2026, 2, 15))
    present = workspace.get(customer.card).text
    past = workspace.get(f"{customer.card}?as_of=2026-02-15").text
    earlier = workspace.get(f"{customer.card}?as_of=2026-01-20").text

    assert "просрочен" in invoice_row(present, "LBX-2026-000001")
    assert "просрочен" in invoice_row(past, "LBX-2026-000001")
    assert "оплачен частично" in invoice_row(earlier, "LBX-2026-000001")
    assert "п/п 17" in past  # the payment's reference, as the present card shows it


def test_a_date_before_the_customer_existed_says_so(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    workspace.get("/app/language/en?next=/app/")

    past = workspace.get(f"{customer.card}?as_of=2020-01-01")

    assert past.status_code == 200
    assert "did not exist yet" in past.text


def test_a_malformed_as_of_is_answered_at_its_field(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    answer = workspace.get(f"{customer.card}?version=0")

    assert answer.status_code == 422
    assert 'id="asof-version-error"' in answer.text


def test_an_unknown_customer_is_a_404_page(workspace: Workspace) -> None:
    answer = workspace.get("/app/customers/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")


def test_an_auditor_sees_the_card_without_actions(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)

    card = auditor_workspace.get(customer.card)

    assert card.status_code == 200
    assert "ООО Ромашка" in card.text
    assert "/actions/" not in card.text
    assert 'class="action"' not in card.text


def test_the_card_speaks_english_on_request(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    workspace.get("/app/language/en?next=/app/")

    card = workspace.get(customer.card)

    assert "Record a payment" in card.text
    assert "RUB 378.40" in card.text


def test_the_invoice_links_open_its_pdf_documents(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                       encoding="utf-8")
    services.settings = replace(services.settings, company_file=company)
    customer = customer_with_history(services)
    card = workspace.get(customer.card).text
    pattern = r'href="(/app/customers/[^"]+/invoices/[^"]+/(?:invoice|act)\.pdf)"'
    assert len(re.findall(pattern, card)) == 1, "January is still being served: no act yet"
    assert "акт с 31 янв. 2026\u202fг." in card
    assert workspace.get(re.findall(pattern, card)[0].replace("invoice.pdf", "act.pdf")
                         ).status_code == 409

    on(services, date(2026, 1, 31))
    links = re.findall(pattern, workspace.get(customer.card).text)
    assert len(links) == 2  # the invoice and its act

    for link in links:
        document = workspace.get(link)
        assert document.status_code == 200, document.text
        assert document.headers["content-type"] == "application/pdf"
        assert document.content.startswith(b"%PDF")


def test_a_document_of_another_customers_invoice_is_not_found(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    card = workspace.get(customer.card).text
    link = re.search(r'href="/app/customers/[^/]+(/invoices/[^"]+/invoice\.pdf)"', card)
    assert link
    stranger = register(services, "CRM-8", name="ООО Чужой")

    assert workspace.get(f"/app/customers/{stranger}{link.group(1)}").status_code == 404


def test_an_effective_date_replay_that_needs_a_later_event_is_answered_at_the_date(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    send(services, RecordPayment(customer_id=customer.id, amount="100.00", currency="RUB",
                                 received_on=date(2026, 1, 12)))  # settles the invoice of the 15th
    caught_up(services)

    answer = workspace.get(f"{customer.card}?as_of=2026-01-13&basis=effective")

    assert answer.status_code == 422
    assert 'id="asof-as_of-error"' in answer.text
    assert "восстановите состояние на версию или на момент записи" in answer.text


def test_documents_follow_the_seller_not_the_readers_language(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    from api.documents import render_invoice_pdf

    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                       encoding="utf-8")
    services.settings = replace(services.settings, company_file=company)
    customer = customer_with_history(services)
    workspace.get("/app/language/en?next=/app/")
    card = workspace.get(customer.card).text
    link = re.search(r'href="(/app/customers/[^"]+/invoices/([^"/]+)/invoice\.pdf)"', card)
    assert link
    english_reader = workspace.get(link.group(1)).content
    assert english_reader == render_invoice_pdf(services, link.group(2), "invoice", None)
    assert english_reader != render_invoice_pdf(services, link.group(2), "invoice", "en")


@pytest.mark.parametrize("query", ["version=%C2%B2", "events=%C2%B2"])
def test_a_version_or_event_number_is_read_in_ascii_digits_only(
        services: Services, workspace: Workspace, query: str) -> None:
    """«²» is a digit to ``str.isdigit`` but not a number ``int`` reads: refused, not a 500."""
    customer = customer_with_history(services)

    answer = workspace.get(f"{customer.card}?{query}")

    assert answer.status_code in {200, 422}
    if query.startswith("version"):
        assert 'id="asof-version-error"' in answer.text
