"""The customer card: everything about one customer on one page, and what can be done.

Profile and requisites, subscriptions with their individual conditions, discounts, balance
per currency, invoices, payments and the timeline; an "as of" control replays the card to a
past date or version. Writers get the actions (``card_actions.py``), each a form that sends
one command; a refusal draws the card again with the message at the field, answering 422.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any
from uuid import UUID  # noqa: TC003  (FastAPI reads path parameter types at runtime)

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.downloads import attachment
from api.web.actions import ALREADY_SENT, new_form_key, send
from api.web.pages.card_actions import ACTIONS, FORM_LEVEL, FormRefused, build, refusal_errors
from api.web.pages.card_forms import form_options, invoice_options
from api.web.pages.card_state import AsOf, Replayed, parse_as_of, replayed
from api.web.pages.card_view import card_context
from api.web.refusals import explain
from api.web.render import page, redirect, translate
from api.web.session import Form, Reader  # noqa: TC001  (FastAPI resolves them at runtime)
from commands.base import Context
from commands.change_subscription import (
    ChangeSubscription,
    PreviewSubscriptionChange,
    preview_change,
)
from ledger.customers.billing_events import CreditNoteIssued
from ledger.errors import IdempotencyKeyReused, InvalidField, LedgerError, NotFound
from projections import queries

if TYPE_CHECKING:
    from api.web.session import WebUser

router = APIRouter(include_in_schema=False)
TEMPLATE = "card/card.html"


def _card_url(customer_id: UUID) -> str:
    return f"/app/customers/{customer_id}"


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def card(request: Request, services: ServicesDep, user: Reader, customer_id: UUID) -> Response:
    """The card now, or as of the date or version in the query string."""
    params = dict(request.query_params)
    try:
        as_of = parse_as_of(params)
        return draw(request, services, user, customer_id, as_of)
    except InvalidField as error:
        return draw(request, services, user, customer_id, AsOf(), status_code=422,
                    as_of_errors={"version" if error.field == "version" else "as_of":
                                  explain(request, error)},
                    as_of_values=params)


def draw(
    request: Request, services: ServicesDep, user: WebUser, customer_id: UUID, as_of: AsOf,
    *, status_code: int = 200, form: dict[str, Any] | None = None, **extra: Any,
) -> Response:
    """Render the card; ``form`` re-draws one action form (its values, errors, key)."""
    state = replayed(services, customer_id, as_of)
    if state is None:
        return page(request, TEMPLATE, user, status_code=status_code, missing=True,
                    customer_id=str(customer_id), as_of=as_of, as_of_values=request.query_params,
                    as_of_errors={}, title=translate(request, "Customer card"))
    context = card_context(services, customer_id, state, as_of, request.query_params)
    actions = user.can_write and not as_of.active
    if actions:
        context.update(form_options(services, state.customer))
        context.update(invoice_options(state.customer, state.events))
    forms = {name: {"name": name, "key": new_form_key(), "fields": {}, "errors": {}}
             for name in ACTIONS}
    if form is not None:
        forms[form["name"]] = form
    context.update(extra)
    context.update(_documents_of(services, state))
    context.setdefault("as_of_errors", {})
    context.setdefault("as_of_values", request.query_params)
    return page(request, TEMPLATE, user, status_code=status_code, actions=actions, forms=forms,
                open_action=form["name"] if form else None, form_level=FORM_LEVEL,
                documents=_documents() is not None, title=context["profile"].name,
                **context)


@router.post("/customers/{customer_id}/actions/{name}", response_class=HTMLResponse)
def act(request: Request, services: ServicesDep, user: Reader, form: Form, *,
        customer_id: UUID, name: str) -> Response:
    """Send the action's command; on a refusal draw the form again with the messages."""
    action = ACTIONS.get(name)
    if action is None:
        raise HTTPException(404, "There is no such page.")
    key = form.get("idempotency_key", "")
    redrawn: dict[str, Any] = {"name": name, "key": key or new_form_key(), "fields": form}
    try:
        command = build(action, customer_id, form, request)
        if name == "change" and form.get("step") == "preview":
            return _preview(request, services, user, customer_id, command=command,
                            redrawn=redrawn)
        send(services, user, command, key)
    except FormRefused as refused:
        return draw(request, services, user, customer_id, AsOf(), status_code=422,
                    form={**redrawn, "errors": refused.errors})
    except IdempotencyKeyReused:
        return draw(request, services, user, customer_id, AsOf(), status_code=422, form={
            **redrawn, "key": new_form_key(),
            "errors": {FORM_LEVEL: translate(request, ALREADY_SENT)}})
    except LedgerError as error:
        if isinstance(error, NotFound) and error.field is None:
            raise
        return draw(request, services, user, customer_id, AsOf(), status_code=422,
                    form={**redrawn, "errors": refusal_errors(action, error, form, request),
                          "override": error.extensions().get("override")})
    return redirect(_card_url(customer_id), translate(request, action.notice))


def _preview(request: Request, services: ServicesDep, user: WebUser, customer_id: UUID, *,
             command: Any, redrawn: dict[str, Any]) -> Response:
    """Show the correction lines a change would create, with a button to confirm it."""
    assert isinstance(command, ChangeSubscription)  # noqa: S101  (the "change" action's type)
    asked = PreviewSubscriptionChange(**command.model_dump())
    context = Context(actor=user.actor, source="web", idempotency_key="preview")
    shown = preview_change(asked, context, services.runtime)
    return draw(request, services, user, customer_id, AsOf(),
                form={**redrawn, "errors": {}, "preview": shown.lines, "lapsed": shown.lapsed})


@router.get("/customers/{customer_id}/invoices/{invoice_id}/{kind}.pdf")
def invoice_document(services: ServicesDep, _: Reader, *,
                     customer_id: UUID, invoice_id: str, kind: str) -> Response:
    """The invoice (счёт) or act (акт) as PDF, in the seller's language.

    The API gives the same document, whatever language the reader's workspace speaks.
    """
    render = _documents()
    found = queries.invoice(services.store, invoice_id, services.runtime.clock.today().isoformat())
    if render is None or found is None or found["customer_id"] != str(customer_id) \
            or kind not in {"invoice", "act"}:
        raise HTTPException(404, "There is no such page.")
    pdf: bytes = render(services, invoice_id, kind, None)
    name = f"{found['number']}-{kind}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers=attachment(name, "inline"))


def _documents_of(services: ServicesDep, state: Replayed) -> dict[str, Any]:
    """The card's downloads: its credit notes, and a statement's default period.

    The period runs from the first of January to today.
    """
    today = services.runtime.clock.today()
    notes = [{"credit_note_id": e.credit_note_id, "number": e.number,
              "invoice_id": e.invoice_id, "invoice_number": e.invoice_number}
             for e in state.events if isinstance(e, CreditNoteIssued)]
    return {"credit_notes": notes, "statement_from": today.replace(month=1, day=1).isoformat(),
            "statement_to": today.isoformat()}


def _documents() -> Any:
    """``api.documents.render_invoice_pdf`` when the documents package provides it."""
    try:
        module = importlib.import_module("api.documents")
    except ImportError:
        return None
    return getattr(module, "render_invoice_pdf", None)

