"""What is known of one bank line: the bank's facts about it and where it stands.

Why a module of its own: the line's events carry these values and the aggregate folds
them into :class:`BankPaymentState`; the views and the queue read the same statuses. The
line's life: ``matched`` (a payment was recorded on a customer's book in the same
transaction), ``skipped``, or waiting in the queue as ``unmatched`` / ``ambiguous``
(:data:`QUEUED`) until an accountant ``resolved`` or ``dismissed`` it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ledger.bank_lines.identity import payment_reference
from ledger.bankfiles.model import BankLine, Direction
from ledger.money import Money


class BankPaymentStatus(StrEnum):
    """Where a bank line stands."""

    MATCHED = "matched"
    UNMATCHED = "unmatched"
    AMBIGUOUS = "ambiguous"
    SKIPPED = "skipped"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


QUEUED = frozenset({BankPaymentStatus.UNMATCHED, BankPaymentStatus.AMBIGUOUS})
"""The statuses of lines waiting for an accountant."""


class LineFacts(BaseModel):
    """What the bank said about the line, kept whole (``raw`` too) for the audit trail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    account: str
    booked_on: date
    number: str
    amount: Money
    direction: Direction
    counterparty_name: str | None = None
    counterparty_inn: str | None = None
    counterparty_kpp: str | None = None
    counterparty_account: str | None = None
    counterparty_bik: str | None = None
    purpose: str
    kind: str
    raw: str
    occurrence: int = 1
    operation_code: str | None = None
    reversal: bool = False
    transfers: int = 1
    document_date: date | None = None

    @classmethod
    def of(cls, line: BankLine) -> LineFacts:
        """Copy a parsed line."""
        return cls.model_validate({name: getattr(line, name) for name in cls.model_fields})

    @property
    def reference(self) -> str:
        """The payment reference on the customer's book: document number and date."""
        return payment_reference(self.number, self.booked_on)


class BankPaymentState(BaseModel):
    """One bank line: its facts, how it was classified and matched, and where it stands."""

    model_config = ConfigDict(extra="forbid")

    dedup_key: str
    statement_format: str
    file_sha256: str
    line: LineFacts
    accepted: bool
    decision_reason: str
    status: BankPaymentStatus
    customer_id: UUID | None = None
    invoice_ids: list[str] = Field(default_factory=list)
    score: int = 0
    match_reason: str = ""
    payment_id: str | None = None
    duplicate_of: str | None = None
    reverses: UUID | None = None
