"""The timeline speaks the reader's language: Russian by default, English on request.

Each line is stored as a message with typed values; the card translates the message through
the catalogue and formats money and dates for the language, while the API keeps the English
``summary`` and carries ``message`` and ``params`` for clients that translate themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.access import Role
from tests.web.test_customer_card import customer_with_history

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace

NBSP, NNBSP = "\xa0", "\u202f"
INVOICE_EN = ("Invoice LBX-2026-000001 issued for 2026-01-01 → 2026-02-01: 878.40 RUB"
              " incl. VAT 158.40 RUB, due 2026-01-25")


def test_a_russian_card_says_what_happened_in_russian(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    html = workspace.get(customer.card).text

    assert (f"Счёт LBX-2026-000001 выставлен за период 1 янв. 2026{NNBSP}г. — 1 февр."
            f" 2026{NNBSP}г.: 878,40{NBSP}₽, в т. ч. НДС 158,40{NBSP}₽, оплатить до 25 янв."
            f" 2026{NNBSP}г.") in html
    assert f"Платёж получен: 500,00{NBSP}₽ от 15 янв. 2026{NNBSP}г., основание: п/п 17" in html
    assert "Подписка на тариф start v1 × 1 с 1 янв. 2026" in html
    assert "Предоставлена скидка 10 %, расчётных периодов: 3 (Welcome discount)" in html
    assert "Invoice LBX-2026-000001 issued" not in html
    assert "Payment received" not in html


def test_an_english_card_says_it_in_english(services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    workspace.get("/app/language/en?next=/app/")

    html = workspace.get(customer.card).text

    assert ("Invoice LBX-2026-000001 issued for Jan 1, 2026 → Feb 1, 2026: RUB 878.40"
            " incl. VAT RUB 158.40, due Jan 25, 2026") in html
    assert "Payment received: RUB 500.00 on Jan 15, 2026, ref п/п 17" in html
    assert "Счёт" not in html


def test_a_card_as_of_a_past_version_speaks_russian_too(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    html = workspace.get(f"{customer.card}?version={customer.version_before_payment}").text

    assert "Счёт LBX-2026-000001 выставлен за период" in html
    assert "Платёж получен" not in html


def test_the_api_keeps_the_english_line_and_adds_message_and_params(
        services: Services, workspace: Workspace, web_keys: dict[Role, str]) -> None:
    customer = customer_with_history(services)

    answer = workspace.client.get(f"/v1/customers/{customer.id}/timeline",
                                  headers={"Authorization": f"Bearer {web_keys[Role.ACCOUNTANT]}"})

    assert answer.status_code == 200, answer.text
    (invoice,) = [i for i in answer.json()["items"] if i["event_type"] == "InvoiceIssued"]
    assert invoice["summary"].startswith(INVOICE_EN)
    assert invoice["message"] == ("Invoice {number} issued for {period_start} → {period_end}:"
                                  " {total} incl. VAT {vat_total}, due {due_on}")
    assert invoice["params"] == {
        "number": "LBX-2026-000001",
        "period_start": {"type": "date", "value": "2026-01-01"},
        "period_end": {"type": "date", "value": "2026-02-01"},
        "total": {"type": "money", "minor": 87840, "currency": "RUB"},
        "vat_total": {"type": "money", "minor": 15840, "currency": "RUB"},
        "due_on": {"type": "date", "value": "2026-01-25"},
    }
