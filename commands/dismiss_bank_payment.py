"""DismissBankPayment: an accountant takes a queued bank line off the queue, saying why.

For money that is not a customer's payment after all (a refund from a supplier, a loan,
a transfer the classifier could not recognise). The line stays recorded, so a re-import
still knows it; only its status changes, with who and why in the event's ``meta``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from commands.base import Command, Reason
from commands.resolve_bank_payment import load_bank_payment
from commands.unit_of_work import execute

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class DismissBankPayment(Command):
    """Decide that an unmatched or ambiguous bank line is not a customer payment."""

    bank_payment_id: UUID
    reason: Reason


def handle(command: DismissBankPayment, context: Context, runtime: Runtime) -> Outcome:
    """Record the dismissal and its reason."""

    def decide(provenance: Provenance) -> Decision:
        line = load_bank_payment(runtime, command.bank_payment_id)
        line.dismiss(provenance, context.effective_date or runtime.clock.today(),
                     command.reason)
        return [line], {"status": line.state.status.value}

    return execute(runtime, context, command, command.bank_payment_id, decide)
