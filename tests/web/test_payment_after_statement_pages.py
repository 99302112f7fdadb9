"""The card's payment form refuses a payment the bank statement already brought, in Russian.

Given ООО Ромашка whose statement line of 10 000.00 (12 January) was imported, when the
accountant types in the same payment on the card, then the form comes back (422) with the
refusal at the amount in the reader's language and a box to tick, «Это другой платёж,
записать всё равно»; sent again ticked, under the same form key, the payment is recorded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.commands.test_payment_after_statement import imported
from tests.support.dsl import event_names

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace

TYPED = {"amount": "10 000,00", "currency": "RUB", "received_on": "2026-01-13",
         "reference": "п/п 17"}
BOX = 'name="not_a_duplicate" type="checkbox"'
_PAYMENT_FORM = re.compile(
    r'action="[^"]*/actions/payment">\s*<input type="hidden" name="csrf_token" value="([^"]+)">'
    r'\s*<input type="hidden" name="idempotency_key" value="([^"]+)"')


def test_the_form_says_why_in_russian_and_offers_the_override(
    services: Services, workspace: Workspace,
) -> None:
    customer, bank_payment = imported(services)
    card = f"/app/customers/{customer}"
    assert BOX not in workspace.get(card).text  # offered only after a refusal
    before = event_names(services, customer)

    refused = workspace.submit(card, f"{card}/actions/payment", TYPED)

    assert refused.status_code == 422
    assert '<details class="action" id="action-payment" open>' in refused.text
    assert 'id="payment-amount-error"' in refused.text
    assert (f"похоже, это платёж {bank_payment} от 2026-01-12 (bank document №17 of"
            " 2026-01-12), уже записанный по банковской выписке на ту же сумму") in refused.text
    assert BOX in refused.text
    assert "Это другой платёж, записать всё равно" in refused.text
    assert event_names(services, customer) == before


def test_ticked_and_sent_again_the_payment_is_recorded(
    services: Services, workspace: Workspace,
) -> None:
    customer, bank_payment = imported(services)
    card = f"/app/customers/{customer}"
    refused = workspace.submit(card, f"{card}/actions/payment", TYPED)
    form = _PAYMENT_FORM.search(refused.text)
    assert form

    done = workspace.client.post(f"{card}/actions/payment", follow_redirects=False, data={
        "csrf_token": form.group(1), "idempotency_key": form.group(2), **TYPED,
        "not_a_duplicate": "true"})

    assert done.status_code == 303
    payment = services.ledger.history(customer)[-1]
    assert type(payment).__name__ == "PaymentReceived"
    assert payment.meta.source == "web"
    assert payment.meta.reason is not None
    assert bank_payment in payment.meta.reason
    assert "Платёж записан" in workspace.get(card).text
