"""Which bank lines are customer payments: accept, or skip with the reason why.

Only an incoming payment from someone else can settle a customer's invoice. Everything
else on a statement is skipped, each with a reason the accountant can read: money we
paid out, the bank's own operations (fees, charges), transfers between our own
accounts (the payer account is ours, or the payer's INN is ours), and zero amounts.

A reversal is never a customer's payment. One that returns our own payment (money in)
is skipped. One that takes back a credit (money out) is not skipped either: a customer's
payment may be on a book although the bank took the money back, so it goes to the queue
(``Decision.queue``) for an accountant to reverse that payment by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import normalize_account

if TYPE_CHECKING:
    from ledger.bankfiles.model import BankLine

ACCEPTED = "incoming payment"
OUTGOING = "outgoing"
BANK_FEE = "bank fee"
INTERNAL_TRANSFER = "internal transfer"
ZERO_AMOUNT = "zero amount"
REVERSED_DEBIT = "reversal of our own payment"
REVERSED_CREDIT = (
    "reversal of an earlier credit: the bank took a customer's payment back; record a"
    " chargeback on that payment if it is on a book, then dismiss this line")

#: 1C ``ВидОплаты`` of a bank order: the bank's own operation, usually its fee.
BANK_ORDER_CODE = "17"
#: Document kinds the bank writes for its own operations, not a client's payment.
BANK_ORDER_KINDS = frozenset({"банковский ордер", "мемориальный ордер"})
#: ISO 20022 bank transaction (sub)family codes for charges, fees and commission.
CAMT_FEE_CODES = frozenset({"CHRG", "FEES", "COMM", "COMI", "COMT"})
#: SWIFT MT940 transaction types for charges and commission, after the N/F/S prefix.
MT940_FEE_TYPES = frozenset({"CHG", "COM"})
_MT940_TYPE_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Decision:
    """Accept a line as a customer payment, or skip it; ``reason`` says which and why.

    ``queue``: not a payment, but not to be skipped either; a person must act on it.
    """

    accept: bool
    reason: str
    queue: bool = False


def classify(line: BankLine, own_accounts: frozenset[str], own_inn: str | None) -> Decision:
    """Decide whether a line is an incoming customer payment.

    Args:
        line: a parsed bank line.
        own_accounts: our account numbers or IBANs.
        own_inn: our INN, so that a transfer from our own account at another bank is
            recognised even when that account is not configured.

    Returns:
        ``Decision(True, "incoming payment")``, a skip with one of the reasons
        ``"zero amount"``, ``"bank fee"``, ``"internal transfer"``, ``"reversal of our own
        payment"`` or ``"outgoing"``, or the reversal of a credit, for the queue.
    """
    if not line.amount:
        return Decision(accept=False, reason=ZERO_AMOUNT)
    if is_bank_fee(line):
        return Decision(accept=False, reason=BANK_FEE)
    ours = {normalize_account(account) for account in own_accounts}
    other_account = normalize_account(line.counterparty_account or "")
    same_inn = bool(own_inn) and (line.counterparty_inn or "").strip() == (own_inn or "").strip()
    if (other_account and other_account in ours) or same_inn:
        return Decision(accept=False, reason=INTERNAL_TRANSFER)
    if line.reversal:
        return _reversal(line)
    if line.direction == "out":
        return Decision(accept=False, reason=OUTGOING)
    return Decision(accept=True, reason=ACCEPTED)


def _reversal(line: BankLine) -> Decision:
    """Our payment coming back is skipped; a credit taken back goes to the queue."""
    if line.direction == "in":
        return Decision(accept=False, reason=REVERSED_DEBIT)
    return Decision(accept=False, reason=REVERSED_CREDIT, queue=True)


def is_bank_fee(line: BankLine) -> bool:
    """Tell whether the line is the bank's own operation (a 1C bank order, a fee code)."""
    if line.operation_code == BANK_ORDER_CODE or line.kind.casefold() in BANK_ORDER_KINDS:
        return True
    if CAMT_FEE_CODES & set(line.kind.split("/")[1:]):
        return True
    kind = line.kind.upper()
    return len(kind) == _MT940_TYPE_LENGTH and kind[0] in "NFS" and kind[1:] in MT940_FEE_TYPES
