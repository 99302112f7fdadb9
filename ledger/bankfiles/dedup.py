"""Idempotency keys for bank lines, so that importing the same payment twice is a no-op.

Bank exports overlap: every 1C file holds *all* documents of its interval, and the format
carries no bank-side transaction id. So the key is built from what the payment is: our
account, direction, booking date, document number, amount, who the other side is and a
hash of the purpose. Two genuinely identical payments in one file (same payer, number,
amount and day) are told apart by ``occurrence``, their 1-based count within the file; the
same file, or a later export that overlaps it, then reproduces the same keys.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import normalize_account

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ledger.bankfiles.model import BankLine

#: Bumped whenever the key material changes, so old and new keys can never collide.
KEY_VERSION = "bankline-v1"
_SEPARATOR = "\x1f"


def purpose_hash(purpose: str) -> str:
    """Hash the purpose after folding case and whitespace, which exports do not agree on."""
    normalized = " ".join(purpose.split()).casefold()
    return hashlib.sha256(normalized.encode()).hexdigest()


def counterparty_key(line: BankLine) -> str:
    """Name the other side by its INN, else its account, else its name."""
    if line.counterparty_inn:
        return f"inn:{line.counterparty_inn.strip()}"
    if line.counterparty_account:
        return f"account:{normalize_account(line.counterparty_account)}"
    if line.counterparty_name:
        return "name:" + " ".join(line.counterparty_name.split()).casefold()
    return ""


def _identity(line: BankLine) -> tuple[str, ...]:
    return (
        normalize_account(line.account),
        line.direction,
        line.booked_on.isoformat(),
        line.number.strip(),
        str(line.amount.minor),
        line.amount.currency,
        counterparty_key(line),
        purpose_hash(line.purpose),
    )


def dedup_key(line: BankLine) -> str:
    """Return the SHA-256 hex key that is equal exactly for the same payment.

    The material is our account, direction, booking date, number, amount in minor units,
    currency, counterparty (INN, else account, else name), purpose hash and occurrence.
    """
    material = _SEPARATOR.join((KEY_VERSION, *_identity(line), str(line.occurrence)))
    return hashlib.sha256(material.encode()).hexdigest()


def number_occurrences(lines: Iterable[BankLine]) -> tuple[BankLine, ...]:
    """Set each line's ``occurrence`` to its count among identical-looking lines so far.

    Parsers call this once over the whole file, in file order.
    """
    seen: Counter[tuple[str, ...]] = Counter()
    numbered = []
    for line in lines:
        identity = _identity(line)
        seen[identity] += 1
        numbered.append(replace(line, occurrence=seen[identity]))
    return tuple(numbered)
