"""The unmatched queue: bank lines no customer could be found for, and what to do with each.

An accountant opens a queued line, sees who paid and why the matcher stopped, and either
assigns it to a customer (``ResolveBankPayment``: the payment lands on the customer's
book, on the invoices named or the oldest open ones) or dismisses it with a reason
(``DismissBankPayment``). A line the import held as a possible duplicate of a payment
typed in by hand may also be linked to that payment (``ResolveBankPayment`` with
``existing_payment_id``: no new money). All are commands sent with the person as actor; a
refusal redraws the line's page with the message at the field and writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.web.actions import ALREADY_SENT, new_form_key, send
from api.web.pages import payment_views
from api.web.refusals import explain, explain_problem
from api.web.render import page, redirect, translate
from api.web.session import Form, Reader, WebUser  # noqa: TC001  (FastAPI reads them at runtime)
from commands.dismiss_bank_payment import DismissBankPayment
from commands.resolve_bank_payment import ResolveBankPayment, load_bank_payment
from ledger.errors import IdempotencyKeyReused, LedgerError
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from commands.base import Command

router = APIRouter(include_in_schema=False)

QUEUE = ("unmatched", "ambiguous")
PAGE_SIZE = 50


@router.get("/payments/queue", response_class=HTMLResponse)
def queue(request: Request, services: ServicesDep, user: Reader, *,
          cursor: str = "") -> Response:
    """Bank lines waiting for an accountant, in import order."""
    result = queries.bank_payments(services.store, statuses=QUEUE, limit=PAGE_SIZE,
                                   cursor=cursor or None)
    return page(request, "payments/queue.html", user, title=translate(request, "Unmatched queue"),
                rows=result.items, cursor=cursor, next_cursor=result.next_cursor,
                queue=payment_views.queue_size(services.store))


def _line_or_404(services: ServicesDep, bank_payment_id: str) -> dict[str, Any]:
    line = payment_views.bank_line(services.store, bank_payment_id)
    if line is None:
        raise HTTPException(404, "There is no such page.")
    return line


def _line_page(request: Request, services: ServicesDep, user: WebUser, line: dict[str, Any],
               *, form: Mapping[str, str] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    store = services.store
    form = form or {}
    candidates = queries.customers_by_inn(store, line["payer_inn"]) if line["payer_inn"] else []
    invoices = {c["customer_id"]: queries.open_invoices(store, c["customer_id"])
                for c in candidates}
    posted = form.get("do")
    keys = {action: form.get("idempotency_key") if posted == action else new_form_key()
            for action in ("resolve", "link", "dismiss")}
    return page(request, "payments/line.html", user, status_code=status_code,
                title=translate(request, "Bank line"), line=line, candidates=candidates,
                invoices=invoices, form=form, errors=errors or {}, keys=keys,
                options=[(c["customer_id"], c["name"]) for c in candidates],
                waiting=line["status"] in QUEUE,
                duplicate_of=_duplicate_of(services, line),
                names=payment_views.customer_names(store, [line["customer_id"]]))


def _duplicate_of(services: ServicesDep, line: Mapping[str, Any]) -> str | None:
    """The payment typed in by hand a queued line may be (the line's own record says)."""
    if line["status"] not in QUEUE:
        return None
    return load_bank_payment(services.runtime,
                             UUID(str(line["bank_payment_id"]))).state.duplicate_of


@router.get("/payments/bank-lines/{bank_payment_id}", response_class=HTMLResponse)
def bank_line(request: Request, services: ServicesDep, user: Reader,
              bank_payment_id: str) -> Response:
    """One bank line: its facts, why it stands where it does, and (queued) what to do."""
    return _line_page(request, services, user, _line_or_404(services, bank_payment_id))


def _invoice_ids(services: ServicesDep, text: str, customer_id: str,
                 request: Request) -> list[str]:
    """Invoice numbers typed by a person → the customer's invoice ids."""
    ids: list[str] = []
    for number in (part.strip() for part in text.replace(";", ",").split(",")):
        if not number:
            continue
        found = queries.invoice_by_number(services.store, number)
        if found is None or found["customer_id"] != customer_id:
            raise _Refused("resolve_invoices", translate(
                request, "{number} is not an invoice of this customer.", number=number))
        ids.append(str(found["invoice_id"]))
    return ids


class _Refused(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


def _resolution(request: Request, services: ServicesDep, line_id: str,
                form: Mapping[str, str]) -> ResolveBankPayment:
    typed = (form.get("resolve_customer_key", "").strip()
             or form.get("resolve_customer_id", "").strip())
    customer = payment_views.customer_by_key_or_id(services.store, typed)
    if customer is None:
        raise _Refused("resolve_customer_key", translate(
            request, "Choose a customer or type their external key."))
    invoice_ids = _invoice_ids(services, form.get("resolve_invoices", ""),
                               customer["customer_id"], request)
    return ResolveBankPayment.model_validate({
        "bank_payment_id": line_id, "customer_id": customer["customer_id"],
        "invoice_ids": invoice_ids, "reason": form.get("resolve_reason", ""),
        "not_a_duplicate": form.get("resolve_not_a_duplicate") == "true"})


def _explain(request: Request, error: ValidationError, action: str) -> dict[str, str]:
    """Pydantic's complaints at the form's fields (only the reason is typed as is)."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "reason"
        message = (translate(request, "Give a reason of at least 3 characters.")
                   if name == "reason" else explain_problem(request, problem))
        errors.setdefault(f"{action}_{name}", message)
    return errors


def _act(request: Request, services: ServicesDep, user: WebUser, *, line_id: str,
         form: Mapping[str, str], make: Callable[[], Command], done: str) -> Response:
    """Send the command ``make`` builds; on refusal redraw the line with the message."""
    line = _line_or_404(services, line_id)
    action = form["do"]
    try:
        send(services, user, make(), form.get("idempotency_key", ""))
    except _Refused as refused:
        errors = {refused.name: refused.message}
    except ValidationError as error:
        errors = _explain(request, error, action)
    except IdempotencyKeyReused:
        errors = {f"{action}_form": translate(request, ALREADY_SENT)}
        form = {**form, "idempotency_key": new_form_key()}
    except LedgerError as error:
        override = error.extensions().get("override")
        if override:  # a payment typed in like it: offer to record the line all the same
            errors = {f"{action}_form": explain(request, error)}
            form = {**form, "override": override}
        else:
            errors = {f"{action}_{error.field or 'reason'}": explain(request, error)}
    else:
        return redirect("/app/payments/queue", translate(request, done))
    return _line_page(request, services, user, line, form=form, status_code=422,
                      errors=errors)


@router.post("/payments/bank-lines/{bank_payment_id}/resolve", response_class=HTMLResponse)
def resolve(request: Request, services: ServicesDep, user: Reader, bank_payment_id: str,
            form: Form) -> Response:
    """Assign the line to a customer (and optionally invoices), with a reason."""
    return _act(request, services, user, line_id=bank_payment_id, form={**form, "do": "resolve"},
                make=lambda: _resolution(request, services, bank_payment_id, form),
                done="The payment is recorded on the customer's book.")


def _link(request: Request, services: ServicesDep, line_id: str,
          form: Mapping[str, str]) -> ResolveBankPayment:
    line = _line_or_404(services, line_id)
    payment_id = _duplicate_of(services, line)
    if payment_id is None or line["customer_id"] is None:
        raise _Refused("link_form", translate(
            request, "There is no payment typed in by hand to link this line to."))
    return ResolveBankPayment.model_validate({
        "bank_payment_id": line_id, "customer_id": line["customer_id"],
        "existing_payment_id": payment_id, "reason": form.get("link_reason", "")})


@router.post("/payments/bank-lines/{bank_payment_id}/link", response_class=HTMLResponse)
def link(request: Request, services: ServicesDep, user: Reader, bank_payment_id: str,
         form: Form) -> Response:
    """Resolve the line as the payment typed in by hand it duplicates: no new money."""
    return _act(request, services, user, line_id=bank_payment_id, form={**form, "do": "link"},
                make=lambda: _link(request, services, bank_payment_id, form),
                done="The bank line is linked to the payment already on the book.")


@router.post("/payments/bank-lines/{bank_payment_id}/dismiss", response_class=HTMLResponse)
def dismiss(request: Request, services: ServicesDep, user: Reader, bank_payment_id: str,
            form: Form) -> Response:
    """Take the line off the queue: it is not a customer's payment (reason required)."""
    return _act(request, services, user, line_id=bank_payment_id, form={**form, "do": "dismiss"},
                make=lambda: DismissBankPayment.model_validate({
                    "bank_payment_id": bank_payment_id,
                    "reason": form.get("dismiss_reason", "")}),
                done="The bank line is dismissed.")
