"""Voiding an invoice and issuing a credit note from the customer card.

Given ООО «Ромашка» with January's invoice half paid (``customer_with_history``), when an
accountant sends the card's void or credit-note form, then the event is recorded with the
person as actor and the card shows it; the forms offer only what the ledger would accept
(an unsettled invoice to void, lines no note has credited yet), and a refusal stays on the
form with nothing written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from commands.record_charge import RecordCharge
from tests.support.dsl import send
from tests.web.test_card_actions import events_of, last_event, post
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


def invoice_ids(services: Services, customer: Customer) -> dict[str, str]:
    """Invoice number → id, from the customer's state."""
    invoices = services.ledger.customer(customer.id, fresh=True).state.invoices
    return {invoice.number: invoice.invoice_id for invoice in invoices.values()}


def options(html: str, form: str, field: str) -> list[str]:
    """The values a select of one card form offers."""
    found = re.search(rf'id="{form}-{field}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert found, f"no {field} on the {form} form"
    return re.findall(r'<option value="([^"]*)"', found.group(1))


def with_unpaid_charge(services: Services) -> tuple[Customer, str]:
    customer = customer_with_history(services)
    send(services, RecordCharge(customer_id=customer.id, amount="250.00",
                                description="Выезд инженера"))
    caught_up(services)
    return customer, invoice_ids(services, customer)["LBX-2026-000002"]


def test_only_an_unsettled_invoice_is_offered_for_a_void_and_voiding_it_shows(
        services: Services, workspace: Workspace) -> None:
    customer, unpaid = with_unpaid_charge(services)
    html = workspace.get(customer.card).text
    assert options(html, "void", "invoice_id") == [unpaid]  # January's is half paid

    done = post(workspace, customer, "void", {"invoice_id": unpaid,
                                              "reason": "Выставлен по ошибке"})

    assert done.status_code == 303
    event = last_event(services, customer)
    assert type(event).__name__ == "InvoiceVoided"
    assert (event.meta.reason, event.meta.source) == ("Выставлен по ошибке", "web")
    card = workspace.get(customer.card).text
    assert "Счёт аннулирован." in card
    assert 'id="action-void"' not in card  # nothing left to void
    assert f"/invoices/{unpaid}/act.pdf" not in card, "a voided invoice has no act"


def test_a_void_without_a_reason_is_refused_at_the_reason(
        services: Services, workspace: Workspace) -> None:
    customer, unpaid = with_unpaid_charge(services)
    before = events_of(services, customer)

    refused = post(workspace, customer, "void", {"invoice_id": unpaid, "reason": ""})

    assert refused.status_code == 422
    assert 'id="void-reason-error"' in refused.text
    assert events_of(services, customer) == before


def test_a_credit_note_on_one_line_and_then_the_rest(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    january = invoice_ids(services, customer)["LBX-2026-000001"]
    html = workspace.get(customer.card).text
    assert options(html, "credit_note", "invoice_id") == [january]
    lines = options(html, "credit_note", "line_ids")
    assert lines[0] == ""  # "every line left", then each line
    assert len(lines) >= 2
    first = lines[1]

    done = post(workspace, customer, "credit_note", {
        "invoice_id": january, "line_ids": first, "reason": "Сервис недоступен 3 дня"})

    assert done.status_code == 303
    note: Any = last_event(services, customer)
    if type(note).__name__ != "CreditNoteIssued":  # the credit it freed settles after it
        note = next(e for e in reversed(services.ledger.history(customer.id))
                    if type(e).__name__ == "CreditNoteIssued")
    assert [line.line_id for line in note.lines] == [first]
    card = workspace.get(customer.card).text
    assert "Кредит-нота выставлена." in card
    offered = options(card, "credit_note", "line_ids") if "credit_note-line_ids" in card else []
    assert first not in offered  # credited once only: the form offers it no more


def test_crediting_a_line_again_is_refused_at_the_line_and_nothing_is_written(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    january = invoice_ids(services, customer)["LBX-2026-000001"]
    first = options(workspace.get(customer.card).text, "credit_note", "line_ids")[1]
    post(workspace, customer, "credit_note", {"invoice_id": january, "line_ids": first,
                                              "reason": "Сервис недоступен"})
    before = events_of(services, customer)

    refused = post(workspace, customer, "credit_note", {
        "invoice_id": january, "line_ids": first, "reason": "Ещё раз"})

    assert refused.status_code == 422
    assert 'id="credit_note-line_ids-error"' in refused.text
    assert events_of(services, customer) == before


def test_an_auditor_gets_no_invoice_forms_and_cannot_post_them(
        services: Services, auditor_workspace: Workspace) -> None:
    customer, unpaid = with_unpaid_charge(services)
    assert 'id="action-void"' not in auditor_workspace.get(customer.card).text
    before = events_of(services, customer)

    refused = post(auditor_workspace, customer, "void", {"invoice_id": unpaid,
                                                         "reason": "Нет"})

    assert refused.status_code == 403
    assert events_of(services, customer) == before
