"""The ids a bank statement line is known by: its aggregate's, its payment's, its reference.

Why a module of its own: each is derived from the line itself, never looked up, so that
importing the same line again yields the same ids. A line's aggregate id is derived from
its dedup key (``uuid5``), exactly as an idempotency record's id is derived from its key,
and the payment its money becomes on a customer's book is named after the same key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import NAMESPACE_URL, UUID, uuid5

from ledger.system_texts import BANK_REFERENCE, BANK_REFERENCE_UNNUMBERED

if TYPE_CHECKING:
    from datetime import date

BANK_PAYMENTS = uuid5(NAMESPACE_URL, "https://lbx.dev/bank-payments/")
PAYMENT_ID_PREFIX = "bank:"
_KEY_CHARS = 32  # 128 bits of the dedup key: unique for every line a company will ever see


def bank_payment_id(dedup_key: str) -> UUID:
    """The aggregate id of the line with this dedup key (the same key, the same id)."""
    return uuid5(BANK_PAYMENTS, dedup_key)


def payment_id_for(dedup_key: str) -> str:
    """The payment id a line's money gets on the customer's book (``bank:<key prefix>``)."""
    return PAYMENT_ID_PREFIX + dedup_key[:_KEY_CHARS]


def payment_reference(number: str, booked_on: date) -> str:
    """The payment's reference on the customer's book: the bank document's number and date."""
    if number.strip():
        return BANK_REFERENCE.write(number=number.strip(), booked_on=booked_on.isoformat())
    return BANK_REFERENCE_UNNUMBERED.write(booked_on=booked_on.isoformat())
