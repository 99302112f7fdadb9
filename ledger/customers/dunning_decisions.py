"""The Customer's dunning decisions: steps for overdue invoices, suspension, reactivation.

For each overdue invoice a run takes every policy step the invoice has reached and not yet
taken (``state.dunning``: invoice id → day of the last step taken; ``state.dunning_actions``:
the suspension and cancellation it had, so a new policy version neither repeats nor skips a
step), on the step's day or at the first run after it. The customer is suspended while an
invoice is overdue past the policy's suspension day; a cancellation step also ends every
subscription at once, as closing the book does. A closed customer is still reminded of what
it owes, but its status no longer changes.

Whatever settles an invoice (a payment, a re-allocation, a write-off, an adjustment) ends
with :meth:`DunningDecisions.reactivate_if_settled`: a customer suspended by dunning is
reactivated in the same command once no open invoice is overdue past the bar it was
suspended at (``state.suspension_days``). Like those, a run judges that on the real
business day (``today``), never on an earlier date it is run for: a run that catches up a
missed day sees the invoice younger than it is, and must not lift a suspension for it.

What dunning does because of an invoice names that invoice as its cause: a step, the
suspension it leads to and the cancellations a cancellation step makes carry the invoice's
id as their causation id, so an auditor can follow a suspended service back to the unpaid
invoice. A reactivation keeps the causation of the command that settled the debt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.customers import collections_events as ev
from ledger.customers.billing_events import SubscriptionCancelled
from ledger.customers.events import ServiceStatusChanged
from ledger.customers.state import CustomerState, InvoiceState, ServiceStatus
from ledger.money import Money
from ledger.system_texts import (
    DEBT_SETTLED,
    DUNNING_CANCELLATION,
    DUNNING_STEP,
    DUNNING_SUSPENSION,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from ledger.customers.billing import Catalog
    from ledger.dunning import DunningStep, DunningTerms
    from ledger.events import Provenance

CANCEL_REASON = DUNNING_CANCELLATION.write()


@dataclass(frozen=True)
class StepTaken:
    """One dunning step taken by a run, as the command reports it."""

    invoice_id: str
    number: str
    step: int
    action: str
    days_overdue: int


def caused_by(provenance: Provenance, invoice_id: str) -> Provenance:
    """``provenance`` naming the invoice as the cause.

    Invoices issued through the commands have UUIDs for ids; one whose id is not a UUID
    (the domain does not insist) leaves the causation as the command gave it.
    """
    try:
        cause = UUID(invoice_id)
    except ValueError:
        return provenance
    return provenance.model_copy(update={"causation_id": cause})


class DunningDecisions:
    """Dunning methods of the Customer aggregate (mixed in through ``CollectionsDecisions``)."""

    state: CustomerState
    record: Callable[..., None]

    def _owes_nothing(self) -> bool:
        """True when the balance says the customer owes nothing (e.g. an adjustment settled it)."""
        balance = self.state.balances.get(self.state.profile.currency)
        return balance is None or balance.net_minor <= 0

    def overdue_invoices(self, as_of: date) -> list[InvoiceState]:
        """Open invoices issued by ``as_of`` and due before it, oldest due first."""
        return sorted(
            (i for i in self.state.invoices.values()
             if i.open_minor > 0 and i.issued_on <= as_of and i.due_on < as_of),
            key=lambda i: (i.due_on, i.number),
        )

    def take_dunning_steps(
        self, provenance: Provenance, as_of: date, terms: DunningTerms, catalog: Catalog,
        today: date | None = None,
    ) -> list[StepTaken]:
        """Take every step each overdue invoice has reached by ``as_of`` and not yet taken.

        Then suspend the customer if an invoice is overdue past the suspension day, or
        reactivate one whose debt was settled some other way: judged on ``today`` (the
        business day of recording, which commands give; without it, the UTC date of
        recording stands in) when ``as_of`` is earlier. A cancellation step also ends
        every subscription at once (the engine credits days already billed).
        """
        del catalog  # the cancellation records its end directly (see _end_subscriptions)
        judged = max(as_of, today or provenance.recorded_at.date())
        taken: list[StepTaken] = []
        if self._owes_nothing():  # invoices may look open after a credit adjustment
            if self.state.status is not ServiceStatus.CLOSED:
                self.reactivate_if_settled(provenance, judged)
            return taken
        for invoice in self.overdue_invoices(as_of):
            days = (as_of - invoice.due_on).days
            for number, step in terms.due(
                    days, self.state.dunning.get(invoice.invoice_id, 0),
                    self.state.dunning_actions.get(invoice.invoice_id, set())):
                self._take_step(provenance, as_of, invoice, version=terms.version,
                                number=number, step=step)
                taken.append(StepTaken(invoice.invoice_id, invoice.number, number,
                                       step.action, days))
        if self.state.status is ServiceStatus.CLOSED:
            return taken
        self._enforce_suspension(provenance, as_of, terms, judged)
        cancelled_for = next((t for t in taken if t.action == "cancel"), None)
        if cancelled_for is not None:
            self._end_subscriptions(caused_by(provenance, cancelled_for.invoice_id), as_of)
        return taken

    def _end_subscriptions(self, provenance: Provenance, as_of: date) -> None:
        """End every subscription still serving after ``as_of``, whatever its status.

        As :meth:`Customer.close` does: one already cancelled at the end of its term would
        serve until then, and one starting later would start and bill; both end now (the
        latter on its first day, so that it never serves). Nothing ends before the last
        resumption, which already settled the pause before it.
        """
        for sub in list(self.state.subscriptions.values()):
            if sub.cancel_at is not None and sub.cancel_at <= as_of:
                continue
            end = max(as_of, sub.started_on, sub.last_pause[1] if sub.last_pause else as_of)
            self.record(SubscriptionCancelled, provenance, as_of, CANCEL_REASON,
                        subscription_id=sub.subscription_id, when="immediate", cancel_at=end)

    def _take_step(
        self, provenance: Provenance, as_of: date, invoice: InvoiceState, *, version: int,
        number: int, step: DunningStep,
    ) -> None:
        self.record(
            ev.DunningStepTaken, caused_by(provenance, invoice.invoice_id), as_of,
            DUNNING_STEP.write(version=version, step=number, action=step.action,
                               days_after_due=step.days_after_due),
            invoice_id=invoice.invoice_id, invoice_number=invoice.number,
            due_on=invoice.due_on, step=number, days_after_due=step.days_after_due,
            action=step.action, days_overdue=(as_of - invoice.due_on).days,
            open_amount=Money(invoice.open_minor, invoice.currency), policy_version=version,
        )

    def _enforce_suspension(
        self, provenance: Provenance, as_of: date, terms: DunningTerms, judged: date
    ) -> None:
        """Suspend past the bar on ``as_of``; else reactivate if nothing is, on ``judged``."""
        bar = terms.suspension_days
        worst = next(iter(self.overdue_invoices(as_of)), None)  # oldest due: most overdue
        if bar is None or worst is None or (as_of - worst.due_on).days < bar:
            self.reactivate_if_settled(provenance, judged)
            return
        if self.state.status is ServiceStatus.SUSPENDED:
            return
        if self.state.suspension_days != bar:  # suspended again under a new policy version
            number = next(n for n, s in enumerate(terms.steps, 1) if s.action == "suspend")
            self._take_step(provenance, as_of, worst, version=terms.version, number=number,
                            step=terms.steps[number - 1])
        self._set_status(caused_by(provenance, worst.invoice_id), as_of, ServiceStatus.SUSPENDED,
                         DUNNING_SUSPENSION.write(number=worst.number,
                                                  days=(as_of - worst.due_on).days, bar=bar))

    def reactivate_if_settled(self, provenance: Provenance, effective_date: date) -> bool:
        """Reactivate a customer suspended by dunning once nothing is overdue past the bar.

        Called at the end of every decision that settles invoices, so that the status
        changes in the same command as the payment. Returns True when it reactivated.
        """
        bar = self.state.suspension_days
        if self.state.status is not ServiceStatus.SUSPENDED or bar is None:
            return False
        if not self._owes_nothing() and any((effective_date - i.due_on).days >= bar
               for i in self.overdue_invoices(effective_date)):
            return False
        return self._set_status(provenance, effective_date, ServiceStatus.ACTIVE,
                                DEBT_SETTLED.write(bar=bar))

    def _set_status(
        self, provenance: Provenance, effective_date: date, status: ServiceStatus, reason: str
    ) -> bool:
        if self.state.status is status:
            return False
        self.record(ServiceStatusChanged, provenance, effective_date, reason,
                    status=status, previous=self.state.status)
        return True
