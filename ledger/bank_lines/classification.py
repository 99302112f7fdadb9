"""Whether a bank line is a customer payment, given which accounts and ИНН are ours.

Why a module of its own: ``ledger.bankfiles.classify`` judges a line by what it says; this
adds what depends on the settings (the accounts and the ИНН that are ours). A line skipped
for such a reason (:data:`RECLASSIFIABLE`) is classified again when a later import meets
it, because the settings may have changed since.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import normalize_account
from ledger.bankfiles.classify import INTERNAL_TRANSFER, Decision, classify

if TYPE_CHECKING:
    from collections.abc import Collection

    from ledger.bankfiles.model import BankLine

NOT_OUR_ACCOUNT = "not our account"
RECLASSIFIABLE = frozenset({NOT_OUR_ACCOUNT, INTERNAL_TRANSFER})
"""Skip reasons that depend on the settings (our accounts, our ИНН), not on the line."""


def classify_line(
    line: BankLine, own_accounts: Collection[str], own_inn: str | None,
    statement_accounts: Collection[str] = (),
) -> Decision:
    """Accept a line as a customer payment only if it is on one of our accounts.

    With no own accounts configured the statement's accounts (``statement_accounts``) are
    taken as ours (a bank sends a statement about the account it was asked about), also
    to recognise a transfer between two of them; with some configured, a line on any
    other account is skipped as ``"not our account"``. The rest is ``classify``'s rule.
    """
    ours = frozenset(normalize_account(account) for account in own_accounts)
    if ours and normalize_account(line.account) not in ours:
        return Decision(accept=False, reason=NOT_OUR_ACCOUNT)
    return classify(line, frozenset(own_accounts or statement_accounts), own_inn)
