"""PauseSubscription and ResumeSubscription: stop billing for a while, then start again."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand, Reason
from commands.invoicing import issue_due_invoices
from commands.unit_of_work import execute
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class PauseSubscription(CustomerCommand):
    """Stop billing from ``effective_date``; days already billed after it are credited."""

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    effective_date: date
    reason: Reason | None = None


class ResumeSubscription(CustomerCommand):
    """Bill again from ``effective_date``; the paused days are never billed."""

    subscription_id: Annotated[str, Field(min_length=1, max_length=100)]
    effective_date: date


def handle_pause(command: PauseSubscription, context: Context, runtime: Runtime) -> Outcome:
    """Record the pause."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        customer.pause_subscription(provenance, command.subscription_id, command.effective_date)
        return [customer], {}

    return execute(runtime, context, command, command.customer_id, decide)


def handle_resume(command: ResumeSubscription, context: Context, runtime: Runtime) -> Outcome:
    """Settle the pause (bill what is due up to the resume), then record the resumption.

    The billing engine credits days billed after the pause and bills days served before it
    only while the subscription is paused; settling first means a pause recorded and lifted
    between two bill runs still gets its credit, and served days are never skipped.
    """
    if command.effective_date > runtime.clock.today():
        raise InvalidField(field="effective_date", why="a resumption is recorded on or after"
                           " the day it takes effect, not before")

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        series, issued = issue_due_invoices(runtime, provenance, [customer],
                                            command.effective_date)
        customer.resume_subscription(provenance, command.subscription_id, command.effective_date)
        result = {"settled_invoice": issued[0].number} if issued else {}
        return [customer, *([series] if series else [])], result

    return execute(runtime, context, command, command.customer_id, decide)
