"""Where a bank line stands once classified and matched: the fields its events record.

Why a module of its own: an import and a later reclassification put a line in the same
place by the same rule (a skip, the queue, or a match whose payment is recorded under the
line's payment id), and both record the result in the same fields.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.bank_lines.identity import payment_id_for
from ledger.bank_lines.state import BankPaymentStatus

if TYPE_CHECKING:
    from ledger.bankfiles.classify import Decision
    from ledger.banking_match import Match


def outcome(dedup_key: str, decision: Decision, match: Match | None) -> dict[str, Any]:
    """Where a line stands after ``decision`` and ``match``: the events' shared fields.

    A line ``decision`` skips is ``skipped`` whatever ``match`` says; an accepted line
    takes the match's status (``unmatched`` without one); a line the decision sends to
    the queue waits as ``unmatched``. A ``matched`` line gets its payment id.
    """
    status = BankPaymentStatus.SKIPPED
    found: dict[str, Any] = {}
    if decision.queue:
        status = BankPaymentStatus.UNMATCHED
    if decision.accept:
        status = BankPaymentStatus(match.status) if match else BankPaymentStatus.UNMATCHED
    if decision.accept and match is not None:
        found = {"customer_id": match.customer_id, "invoice_ids": list(match.invoice_ids),
                 "score": match.score, "match_reason": match.reason,
                 "duplicate_of": match.duplicate_of}
    if status is BankPaymentStatus.MATCHED:
        found["payment_id"] = payment_id_for(dedup_key)
    return {"accepted": decision.accept, "decision_reason": decision.reason,
            "status": status, **found}
