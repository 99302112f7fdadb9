"""ChangeSubscription: move to another tariff or quantity, now (prorated) or at term end.

``PreviewSubscriptionChange`` runs the same decision on a copy and returns the correction
lines it would create, writing nothing. Both say which individual prices the change ends
(``lapsed``: "individual price 'base' lapses: …"); the others carry over to the new plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from commands.base import CustomerCommand
from commands.unit_of_work import execute
from ledger.customers.vat_modes import ensure_one_vat_mode
from ledger.tariffs.definition import Code

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.customers import Customer
    from ledger.customers.billing import ChangeMade
    from ledger.customers.state import PendingCharge
    from ledger.events import Provenance


class ChangeSubscription(CustomerCommand):
    """Change tariff and/or quantity; omitted fields keep their current values."""

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    tariff_code: Code | None = None
    tariff_version: Annotated[int, Field(ge=1)] | None = None
    quantity: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    effective_date: date
    when: Literal["immediate", "end_of_term"] = "immediate"


class PreviewSubscriptionChange(ChangeSubscription):
    """The same request, answered with the lines it would create (nothing is written)."""


@dataclass(frozen=True)
class ChangePreview:
    """What a change would do: its correction lines and the individual prices it ends.

    ``lines`` as an API answers them (:func:`describe_lines`); ``lapsed`` one sentence per
    individual price that would lapse.
    """

    lines: list[dict[str, Any]]
    lapsed: list[str]


def _apply(
    customer: Customer, command: ChangeSubscription, runtime: Runtime, provenance: Provenance
) -> ChangeMade:
    sub = customer.subscription(command.subscription_id)
    # the latest plan: a pending change (a change refused while one is still pending, so
    # one found here is billed through and about to be taken as the current plan)
    latest = sub.pending or sub
    code = command.tariff_code or latest.tariff_code
    if command.tariff_version is not None:
        version = command.tariff_version
    elif code == latest.tariff_code:
        version = latest.tariff_version
    else:
        version = runtime.latest_version(code)
    if (code, version) != (latest.tariff_code, latest.tariff_version):
        ensure_one_vat_mode(customer.state, runtime.definition, code,
                            runtime.definition(code, version), command.effective_date)
    return customer.change_subscription(
        provenance, subscription_id=command.subscription_id, tariff_code=code,
        tariff_version=version, quantity=command.quantity or latest.quantity,
        change_on=command.effective_date, when=command.when, catalog=runtime.definition,
    )


def describe_lines(lines: list[PendingCharge]) -> list[dict[str, Any]]:
    """Correction lines as an API answers them: amount, days covered, formula."""
    return [
        {"kind": line.kind, "description": line.description,
         "amount": line.amount.to_decimal_string(), "currency": line.amount.currency,
         "period_start": line.period_start, "period_end": line.period_end,
         "formula": line.formula}
        for line in lines
    ]


def handle(command: ChangeSubscription, context: Context, runtime: Runtime) -> Outcome:
    """Record the change and the correction lines the next invoice will bill."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        made = _apply(customer, command, runtime, provenance)
        return [customer], {"lines": describe_lines(made.lines), "lapsed": made.lapsed}

    return execute(runtime, context, command, command.customer_id, decide)


def preview_change(
    command: ChangeSubscription, context: Context, runtime: Runtime
) -> ChangePreview:
    """The correction lines of a change and the prices it would end, on a copy never saved."""
    customer = runtime.ledger.customer(command.customer_id)  # a reader's own copy
    made = _apply(customer, command, runtime, context.provenance(runtime.clock.now()))
    return ChangePreview(describe_lines(made.lines), made.lapsed)


def preview(
    command: ChangeSubscription, context: Context, runtime: Runtime
) -> list[dict[str, Any]]:
    """The correction lines of a change, computed on a copy and never saved.

    Only the lines; :func:`preview_change` also says which individual prices would lapse.
    """
    return preview_change(command, context, runtime).lines
