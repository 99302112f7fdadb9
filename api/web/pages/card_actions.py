"""The customer card's actions: which form sends which command, and how a refusal reads.

Each action is one ``<details class="action">`` form on the card whose field names are the
command's own field names, so a refusal (a pydantic ``ValidationError`` or a
``LedgerError`` naming its ``field``) lands next to the field at fault without a mapping
table. Forms are checked like an API body (``api.bodies.body_of``), so a date outside this
century is refused here exactly as ``/v1`` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from api.bodies import body_of
from api.web.refusals import explain, explain_problem
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.grant_discount import GrantDiscount
from commands.issue_credit_note import IssueCreditNote
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from commands.record_adjustment import RecordAdjustment
from commands.record_payment import RecordPayment
from commands.set_individual_price import SetIndividualPrice
from commands.start_subscription import StartSubscription
from commands.void_invoice import VoidInvoice

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi import Request

    from commands.base import Command
    from ledger.errors import LedgerError

FORM_ONLY = frozenset({"csrf_token", "idempotency_key", "step"})
"""Form fields that are not command fields."""
FORM_LEVEL = "__form__"
"""Where an error that names no field is shown: at the top of its form."""
NUMBERS = frozenset({"amount", "price", "percent"})
"""Fields a person types as a number the way they write it («1 500,00» too)."""
_SPACES = str.maketrans("", "", " \u00a0\u202f")


@dataclass(frozen=True)
class Action:
    """One card action: its command, and the field a field-less refusal belongs to."""

    command: type[Command]
    main_field: str
    notice: str

    def field_for(self, form: dict[str, str]) -> str:
        """Where a refusal naming no field belongs (a fixed discount's is its amount)."""
        if self.command is GrantDiscount:
            return "amount" if form.get("kind") == "fixed" else "percent"
        return self.main_field


ACTIONS: dict[str, Action] = {
    "start": Action(StartSubscription, "tariff_code", "Subscription started."),
    "change": Action(ChangeSubscription, "quantity", "Subscription changed."),
    "cancel": Action(CancelSubscription, "effective_date", "Subscription cancelled."),
    "pause": Action(PauseSubscription, "effective_date", "Subscription paused."),
    "resume": Action(ResumeSubscription, "effective_date", "Subscription resumed."),
    "discount": Action(GrantDiscount, "kind", "Discount granted."),
    "price": Action(SetIndividualPrice, "price", "Individual price set."),
    "payment": Action(RecordPayment, "amount", "Payment recorded."),
    "adjustment": Action(RecordAdjustment, "amount", "Adjustment recorded."),
    "void": Action(VoidInvoice, "invoice_id", "Invoice voided."),
    "credit_note": Action(IssueCreditNote, "line_ids", "Credit note issued."),
}


class FormRefused(Exception):
    """Raised when a form cannot become a command, with a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def typed_number(text: str) -> str:
    """A number as typed («1 500,00», "1500,5") as a decimal string ("1500.00", "1500.5").

    Spaces (no-break ones too) are dropped and a single comma, with no point, is the
    decimal separator; anything else is left for the command to judge.
    """
    cleaned = text.translate(_SPACES)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return cleaned


def command_fields(form: dict[str, str]) -> dict[str, Any]:
    """The command's fields from a posted form: blanks mean "not given"."""
    fields: dict[str, Any] = {k: typed_number(v) if k in NUMBERS else v.strip()
                              for k, v in form.items() if k not in FORM_ONLY and v.strip()}
    if "invoice_ids" in fields:
        fields["invoice_ids"] = [i for i in fields["invoice_ids"].replace(",", " ").split() if i]
    if "line_ids" in fields:  # the credit-note form offers one line (or, blank, all left)
        fields["line_ids"] = [fields["line_ids"]]
    return fields


def build(action: Action, customer_id: UUID, form: dict[str, str],
          request: Request) -> Command:
    """The command a form asks for, checked like an API body.

    Raises:
        FormRefused: a field is missing or not acceptable (messages by field).
    """
    fields = command_fields(form)
    try:
        body = body_of(action.command, ("customer_id",)).model_validate(fields)
        fields = {**body.model_dump(exclude_unset=True), "customer_id": customer_id}
        return action.command.model_validate(fields)
    except ValidationError as error:
        raise FormRefused(validation_errors(action, error, form, request)) from None


def validation_errors(action: Action, error: ValidationError,
                      form: dict[str, str], request: Request) -> dict[str, str]:
    """One message per field (the first), field-less ones on the action's main field."""
    errors: dict[str, str] = {}
    for problem in error.errors():
        location = problem.get("loc") or ()
        name = str(location[0]) if location else action.field_for(form)
        name = name if name in action.command.model_fields else FORM_LEVEL
        errors.setdefault(name, explain_problem(request, problem))
    return errors


def refusal_errors(action: Action, error: LedgerError, form: dict[str, str],
                   request: Request) -> dict[str, str]:
    """A refused command's message in the reader's language, at its field.

    A refusal naming no field, or a field the form lacks, goes to the action's main field.
    """
    field = error.field or action.field_for(form)
    return {field if field in action.command.model_fields else FORM_LEVEL:
            explain(request, error)}
