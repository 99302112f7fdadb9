"""PauseSubscription and ResumeSubscription: stop billing for a while, then start again."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand, Reason
from commands.unit_of_work import execute

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
    """Record the resumption."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        customer.resume_subscription(provenance, command.subscription_id, command.effective_date)
        return [customer], {}

    return execute(runtime, context, command, command.customer_id, decide)
