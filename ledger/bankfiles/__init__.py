"""Bank statement files in, ``BankLine`` values out: pure parsing, no I/O, no database.

Design overview:

- ``detect.parse_statement(bytes)`` is the one entry point. It recognises the format by
  content (the 1C magic line, a camt.053 ``Document``, MT940 ``:20:`` tags, our CSV
  header) and hands the bytes to ``onec``, ``camt053``, ``mt940`` or ``csvformat``.
- Every reader returns the same ``model.Statement``: account balances, lines in file
  order, the text encoding, and warnings. Readers are lenient: a quirk becomes a warning
  naming the line or entry, a bad document is skipped with one; only a file that is not
  a statement at all, or is too damaged to trust, raises ``UnreadableStatement``.
- A ``BankLine`` amount is ``Money``, never negative; ``direction`` ("in"/"out") carries
  the sign. ``Statement.balance_problems()`` checks opening + in − out = closing.
- ``dedup.dedup_key(line)`` is the idempotency key for re-imports and overlapping exports;
  readers number identical-looking lines within a file (``occurrence``) so that two
  equal payments on one day keep distinct keys. ``dedup.legacy_keys`` are the keys an
  older version gave the same line.
- A line may be a ``reversal`` of an earlier booking (camt ``RvslInd``, MT940 ``RC``/``RD``),
  or an unsplittable camt batch of several ``transfers`` that names no payer; amounts in
  a legacy currency code (``RUR``) are read in its successor (``RUB``).
- ``classify.classify(line, ...)`` accepts incoming customer payments and says why it skips
  the rest; ``invoice_refs.find_invoice_numbers(purpose)`` pulls invoice numbers out of
  the purpose text for matching.
"""

from __future__ import annotations

from ledger.bankfiles.classify import Decision, classify
from ledger.bankfiles.dedup import dedup_key
from ledger.bankfiles.detect import parse_statement
from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.invoice_refs import find_invoice_numbers
from ledger.bankfiles.model import AccountBalance, BankLine, Direction, Statement

__all__ = [
    "AccountBalance",
    "BankLine",
    "Decision",
    "Direction",
    "Statement",
    "UnreadableStatement",
    "classify",
    "dedup_key",
    "find_invoice_numbers",
    "parse_statement",
]
