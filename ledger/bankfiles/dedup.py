"""Idempotency keys for bank lines, so that importing the same payment twice is a no-op.

Bank exports overlap: every 1C file holds *all* documents of its interval, and the format
carries no bank-side transaction id. So the key is built from what the payment is: our
account, direction, the document's date, document number, amount, who the other side is,
a hash of the purpose and whether it is a reversal. Two genuinely identical payments in
one file (same payer, number, amount and day) are told apart by ``occurrence``, their
1-based count within the file; the same file, or a later export that overlaps it, then
reproduces the same keys.

The date is the document's own (1C ``Дата``) where the format has one, else the booking
date: a 1C export made before the bank filled in ``ДатаПоступило`` books the document on
its ``Дата``, a later export on the credit date, and both must give the same key.

Migration (``bankline-v1`` → ``bankline-v2``): v1 keys took the booking date and no
reversal mark. Lines recorded before the change keep their v1 ids, so an importer looks
a line up under :func:`dedup_key` first and then under each of :func:`legacy_keys`, and
records new lines under the v2 key only.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import normalize_account

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date

    from ledger.bankfiles.model import BankLine

#: Bumped whenever the key material changes, so old and new keys can never collide.
KEY_VERSION = "bankline-v2"
LEGACY_KEY_VERSION = "bankline-v1"
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
    dated = line.document_date or line.booked_on
    return (*_v1_identity(line, dated), "reversal" if line.reversal else "")


def _v1_identity(line: BankLine, dated: date) -> tuple[str, ...]:
    return (
        normalize_account(line.account),
        line.direction,
        dated.isoformat(),
        line.number.strip(),
        str(line.amount.minor),
        line.amount.currency,
        counterparty_key(line),
        purpose_hash(line.purpose),
    )


def _key(version: str, identity: tuple[str, ...], occurrence: int) -> str:
    material = _SEPARATOR.join((version, *identity, str(occurrence)))
    return hashlib.sha256(material.encode()).hexdigest()


def dedup_key(line: BankLine) -> str:
    """Return the SHA-256 hex key that is equal exactly for the same payment.

    The material is our account, direction, document date (else booking date), number,
    amount in minor units, currency, counterparty (INN, else account, else name), purpose
    hash, the reversal mark and occurrence.
    """
    return _key(KEY_VERSION, _identity(line), line.occurrence)


def legacy_keys(line: BankLine) -> tuple[str, ...]:
    """The ``bankline-v1`` keys the same line may have been recorded under before v2.

    v1 keyed on the booking date: the line's own, and, for a 1C document, its ``Дата``,
    which is what an export without ``ДатаПоступило`` was booked on.
    """
    dates = dict.fromkeys(d for d in (line.booked_on, line.document_date) if d is not None)
    return tuple(_key(LEGACY_KEY_VERSION, _v1_identity(line, on), line.occurrence)
                 for on in dates)


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


#: How long after a credit a bank may still reverse it, for finding the reversed line.
REVERSAL_WINDOW_DAYS = 31


def reversed_credit_keys(line: BankLine, days: int = REVERSAL_WINDOW_DAYS) -> tuple[str, ...]:
    """The keys (v2, then v1) the credit that reversal ``line`` takes back may have.

    A reversal repeats the original transfer (reference, payer, amount, purpose) on the
    same account, so the original is that line, incoming and not a reversal, booked on
    the reversal's day or up to ``days`` before it.
    """
    keys: list[str] = []
    for back in range(days + 1):
        original = replace(line, direction="in", reversal=False, occurrence=1,
                           booked_on=line.booked_on - timedelta(days=back), document_date=None)
        keys += (dedup_key(original), *legacy_keys(original))
    return tuple(keys)
