"""Bank payments: one aggregate per bank statement line, so that each line counts once.

A line's id is derived from its dedup key (``uuid5``), exactly as an idempotency record's
id is derived from its key: importing the same file again, or a later export that
overlaps it, tries to create an aggregate that already exists and the event store
refuses it in the same transaction as everything else of the batch. No lookup table,
no lock: the unique key of the event store is the guard.

Every line is recorded, including the ones that are not customer payments (fees,
outgoing, internal transfers): the import report and the audit trail must show what the
file held and why each line was or was not taken, and a skipped line that was recorded
is also a line that a re-import recognises.

The line's life: ``matched`` (a payment was recorded on a customer's book in the same
transaction), ``skipped``, or waiting in the queue as ``unmatched`` / ``ambiguous`` until
an accountant ``resolved`` it (assigned it to a customer, or linked it to a payment typed
in by hand before the statement came) or ``dismissed`` it. A line skipped for a reason
that depends on the settings (``not our account``, ``internal transfer``) is classified
again when a later import meets it: if the settings changed, ``BankPaymentReclassified``
moves it on (matched or queued), as if it had been imported with them. A reversal that
takes back a credit waits in the queue too, but is no payment: it can only be dismissed.

This module holds the aggregate and its events: their module path is the topic their
stored events are filed under, so they stay here. The line's ids, classification, state
and refusals live in ``ledger.bank_lines`` and are re-exported here, so that every
importer keeps importing from ``ledger.banking``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

from pydantic import Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.bank_lines.classification import NOT_OUR_ACCOUNT, RECLASSIFIABLE, classify_line
from ledger.bank_lines.errors import (
    BankLineLikeTypedPayment,
    BankPaymentNotFound,
    BankPaymentNotQueued,
    BankReversalIsNoPayment,
)
from ledger.bank_lines.identity import (
    BANK_PAYMENTS,
    PAYMENT_ID_PREFIX,
    bank_payment_id,
    payment_id_for,
    payment_reference,
)
from ledger.bank_lines.outcome import outcome
from ledger.bank_lines.state import QUEUED, BankPaymentState, BankPaymentStatus, LineFacts
from ledger.banking_reasons import RECLASSIFIED
from ledger.errors import ReasonRequired
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.bankfiles.classify import Decision
    from ledger.bankfiles.model import BankLine
    from ledger.banking_match import Match
    from ledger.events import Provenance

__all__ = [
    "BANK_PAYMENTS",
    "NOT_OUR_ACCOUNT",
    "PAYMENT_ID_PREFIX",
    "QUEUED",
    "RECLASSIFIABLE",
    "BankLineLikeTypedPayment",
    "BankPayment",
    "BankPaymentDismissed",
    "BankPaymentImported",
    "BankPaymentLinked",
    "BankPaymentNotFound",
    "BankPaymentNotQueued",
    "BankPaymentReclassified",
    "BankPaymentResolved",
    "BankPaymentState",
    "BankPaymentStatus",
    "BankReversalIsNoPayment",
    "LineFacts",
    "bank_payment_id",
    "classify_line",
    "payment_id_for",
    "payment_reference",
]


class BankPaymentImported(LedgerCreated):
    """A bank statement line was read, classified and (if a payment) matched.

    ``status`` is ``matched`` when the payment ``payment_id`` was recorded on customer
    ``customer_id``'s book in the same transaction; ``skipped`` when ``accepted`` is false
    (``decision_reason`` says why); otherwise the line waits in the queue — with
    ``duplicate_of`` when the customer's book holds a payment typed in by hand like it,
    or, for a reversal of a credit (``accepted`` false), with ``reverses``: the line of
    the credit taken back, when the import found it.
    """

    dedup_key: str
    statement_format: str
    file_sha256: str
    line: LineFacts
    accepted: bool
    decision_reason: str
    status: BankPaymentStatus
    customer_id: UUID | None = None
    invoice_ids: list[str] = Field(default_factory=list)
    score: int = Field(default=0, ge=0, le=100)
    match_reason: str = ""
    payment_id: str | None = None
    duplicate_of: str | None = None
    reverses: UUID | None = None

    def apply(self, aggregate: Any) -> None:
        """Start the line's state from what the import found."""
        aggregate.begin(BankPaymentState.model_validate(
            self.model_dump(include=set(BankPaymentState.model_fields))))
        aggregate.chain(self)


class BankPaymentReclassified(StateEvent):
    """A line skipped under other settings was classified (and matched) again.

    Recorded by an import that met the line again with other own accounts or another
    ИНН. The fields mean what they mean on ``BankPaymentImported``; a ``matched`` line's
    payment was recorded on the customer's book in the same transaction.
    """

    accepted: bool
    decision_reason: str
    status: BankPaymentStatus
    customer_id: UUID | None = None
    invoice_ids: list[str] = Field(default_factory=list)
    score: int = Field(default=0, ge=0, le=100)
    match_reason: str = ""
    payment_id: str | None = None
    duplicate_of: str | None = None

    def change(self, state: BankPaymentState) -> None:
        """The line stands where the new classification puts it."""
        state.accepted, state.decision_reason = self.accepted, self.decision_reason
        state.status, state.customer_id = self.status, self.customer_id
        state.invoice_ids, state.score = list(self.invoice_ids), self.score
        state.match_reason, state.payment_id = self.match_reason, self.payment_id
        state.duplicate_of = self.duplicate_of


class BankPaymentResolved(StateEvent):
    """An accountant assigned a queued line to a customer (who and why are in ``meta``).

    ``distinct_from``: a payment typed in by hand like it, which the accountant said this
    line is not (``not_a_duplicate``).
    """

    customer_id: UUID
    invoice_ids: list[str] = Field(default_factory=list)
    payment_id: str
    distinct_from: str | None = None

    def change(self, state: BankPaymentState) -> None:
        """The line is now the customer's payment."""
        state.status = BankPaymentStatus.RESOLVED
        state.customer_id = self.customer_id
        state.invoice_ids = list(self.invoice_ids)
        state.payment_id = self.payment_id


class BankPaymentLinked(StateEvent):
    """An accountant found a queued line to be a payment already on the customer's book.

    ``payment_id`` is that payment (typed in by hand); no new money was recorded.
    """

    customer_id: UUID
    payment_id: str

    def change(self, state: BankPaymentState) -> None:
        """The line is the customer's existing payment."""
        state.status = BankPaymentStatus.RESOLVED
        state.customer_id = self.customer_id
        state.invoice_ids = []
        state.payment_id = self.payment_id


class BankPaymentDismissed(StateEvent):
    """An accountant decided a queued line is not a customer payment (why is in ``meta``)."""

    def change(self, state: BankPaymentState) -> None:
        """The line leaves the queue for good."""
        state.status = BankPaymentStatus.DISMISSED


class BankPayment(LedgerAggregate[BankPaymentState]):
    """One line of a bank statement, recorded once however often it is imported."""

    state_class: ClassVar[type[BankPaymentState]] = BankPaymentState

    @classmethod
    def import_line(
        cls, provenance: Provenance, *, line: BankLine, dedup_key: str, statement_format: str,
        file_sha256: str, decision: Decision, match: Match | None, reverses: UUID | None = None,
    ) -> BankPayment:
        """Record a line as read; a ``matched`` match must come with its payment recorded.

        A line that ``decision`` skips is ``skipped`` whatever ``match`` says; an accepted
        line without a match, or one the decision sends to the queue, waits as
        ``unmatched``. ``reverses``: the line whose credit a reversal takes back.
        """
        facts = LineFacts.of(line)
        return cls._create(
            BankPaymentImported, id=bank_payment_id(dedup_key),
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, facts.booked_on, None), prev_hash=GENESIS_HASH,
            dedup_key=dedup_key, statement_format=statement_format, file_sha256=file_sha256,
            line=facts, reverses=reverses, **outcome(dedup_key, decision, match),
        )

    @property
    def reclassifiable(self) -> bool:
        """Whether the line was skipped for a reason that other settings may change."""
        return (self.state.status is BankPaymentStatus.SKIPPED
                and self.state.decision_reason in RECLASSIFIABLE)

    def reclassify(self, provenance: Provenance, *, decision: Decision,
                   match: Match | None) -> bool:
        """Move a line skipped under other settings to where ``decision`` now puts it.

        A no-op (``False``) unless the line is :attr:`reclassifiable` and the decision
        differs from the one recorded; so importing again under the same settings records
        nothing. A ``matched`` match must come with its payment recorded, as on import.
        """
        was = self.state.decision_reason
        if not self.reclassifiable or (not decision.accept and not decision.queue
                                       and decision.reason == was):
            return False
        self.record(BankPaymentReclassified, provenance, self.state.line.booked_on,
                    RECLASSIFIED.write(was=was),
                    **outcome(self.state.dedup_key, decision, match))
        return True

    def _taken_off_queue(self, verb: str, reason: str) -> str:
        """The stripped reason for taking a queued line off the queue (by ``verb``).

        Raises:
            BankPaymentNotQueued: the line is not waiting in the queue.
            ReasonRequired: no reason was given.
        """
        if self.state.status not in QUEUED:
            raise BankPaymentNotQueued(bank_payment_id=str(self.id),
                                       status=self.state.status.value, verb=verb)
        if not reason.strip():
            raise ReasonRequired
        if verb == "resolved" and self.state.line.reversal:
            raise BankReversalIsNoPayment(bank_payment_id=str(self.id))
        return reason.strip()

    def resolve(
        self, provenance: Provenance, effective_date: date, *, customer_id: UUID,
        invoice_ids: Sequence[str], reason: str, distinct_from: str | None = None,
    ) -> str:
        """Assign a queued line to a customer; return the payment id to record it under.

        The caller records the payment on the customer's book in the same transaction
        (``distinct_from``: the payment typed in by hand it was told apart from).

        Raises:
            ReasonRequired: no reason was given.
            BankPaymentNotQueued: the line is skipped, matched, resolved or dismissed.
            BankReversalIsNoPayment: the line takes money back.
        """
        why = self._taken_off_queue("resolved", reason)
        payment_id = payment_id_for(self.state.dedup_key)
        self.record(BankPaymentResolved, provenance, effective_date, why,
                    customer_id=customer_id, invoice_ids=list(invoice_ids),
                    payment_id=payment_id, distinct_from=distinct_from)
        return payment_id

    def link(
        self, provenance: Provenance, effective_date: date, *, customer_id: UUID,
        payment_id: str, reason: str,
    ) -> None:
        """Resolve a queued line as the customer's existing payment ``payment_id``.

        The caller records the link on the customer's book in the same transaction.

        Raises:
            ReasonRequired: no reason was given.
            BankPaymentNotQueued: the line is skipped, matched, resolved or dismissed.
            BankReversalIsNoPayment: the line takes money back.
        """
        why = self._taken_off_queue("resolved", reason)
        self.record(BankPaymentLinked, provenance, effective_date, why,
                    customer_id=customer_id, payment_id=payment_id)

    def dismiss(self, provenance: Provenance, effective_date: date, reason: str) -> None:
        """Take a queued line off the queue: it is not a customer payment.

        Raises:
            ReasonRequired: no reason was given.
            BankPaymentNotQueued: the line is skipped, matched, resolved or dismissed.
        """
        why = self._taken_off_queue("dismissed", reason)
        self.record(BankPaymentDismissed, provenance, effective_date, why)

