"""1CClientBankExchange (the Russian «выписка для 1С») read leniently into a ``Statement``.

Real files are dirty: typos in ``Кодировка``, duplicate end markers, TABs after values,
Latin letters in Cyrillic words, mixed line endings, a UTF-8 line in a cp1251 file. The
reader (``onec_text`` for bytes, ``onec_sections`` for structure) accepts all of that and
records a warning for each. This module turns sections into lines and balances.

Direction is decided by accounts, never by names: a document is incoming when the
recipient account (``ПолучательСчет``, else ``ПолучательРасчСчет``) is ours and the payer
account is not; outgoing in the mirror case. Our accounts are the ones configured plus
every ``РасчСчет`` the file declares. When neither side is ours (sloppy or anonymised
data), ``ДатаПоступило``/``ДатаСписано`` decide, and the default is outgoing, because
taking a stranger's payment for a customer's is the costlier mistake.

Amounts are in the currency that digits 6-8 of our account name (810 → RUB, 840 → USD,
978 → EUR, 156 → CNY); RUB, with a warning, when they name none we know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import normalize_account
from ledger.bankfiles.dedup import number_occurrences
from ledger.bankfiles.model import AccountBalance, Statement
from ledger.bankfiles.onec_documents import Context, document_line
from ledger.bankfiles.onec_sections import read_sections
from ledger.bankfiles.onec_text import decode_lines
from ledger.money import Money, total

if TYPE_CHECKING:
    from datetime import date

    from ledger.bankfiles.model import BankLine
    from ledger.bankfiles.onec_sections import Section, Sections

FORMAT = "1c"
CURRENT_VERSIONS = ("1.02", "1.03")


def parse_onec(data: bytes, *, own_accounts: frozenset[str] = frozenset()) -> Statement:
    """Read a 1CClientBankExchange file.

    Args:
        data: the file's bytes, in any of cp1251, cp866 or UTF-8.
        own_accounts: our account numbers, in addition to those the file declares.

    Raises:
        UnreadableStatement: the magic first line is missing, or the file is cut off
            inside a section.
    """
    text = decode_lines(data)
    sections = read_sections(text.lines)
    context = Context(
        own_accounts=_own_accounts(sections, own_accounts),
        declared_kinds=tuple(value for _, value in sections.header.get("Документ", [])),
    )
    balances = [_section_balance(section, context) for section in sections.accounts]
    accounts = [balance for balance in balances if balance is not None]
    accounts += _header_only_accounts(sections, accounts, context)
    lines = number_occurrences(
        line for doc in sections.documents if (line := document_line(doc, context)) is not None
    )
    turnover = [w for account in accounts if (w := _turnover_warning(account, lines))]
    return Statement(
        format=FORMAT,
        accounts=tuple(accounts),
        lines=lines,
        warnings=(
            *text.warnings,
            *_version_warnings(sections),
            *sections.warnings,
            *context.warnings(),
            *turnover,
        ),
        encoding=text.encoding,
    )


def _version_warnings(sections: Sections) -> list[str]:
    versions = sections.header.get("ВерсияФормата", [])
    if not versions:
        return ["the header has no ВерсияФормата"]
    number, version = versions[0]
    if version in CURRENT_VERSIONS:
        return []
    return [f"line {number}: ВерсияФормата={version}, not one of {', '.join(CURRENT_VERSIONS)}"]


def _own_accounts(sections: Sections, configured: frozenset[str]) -> frozenset[str]:
    declared = [value for _, value in sections.header.get("РасчСчет", [])]
    declared += [acc for section in sections.accounts if (acc := section.get("РасчСчет"))]
    return frozenset(normalize_account(account) for account in (*configured, *declared))


def _section_balance(section: Section, context: Context) -> AccountBalance | None:
    account = section.get("РасчСчет")
    if account is None:
        context.warn(f"line {section.start}: СекцияРасчСчет has no РасчСчет; section ignored")
        return None
    currency = context.currency(account, section.line_of("РасчСчет"))
    return AccountBalance(
        account=account,
        currency=currency,
        opening=context.amount(section, "НачальныйОстаток", currency),
        closing=context.amount(section, "КонечныйОстаток", currency),
        total_in=context.amount(section, "ВсегоПоступило", currency),
        total_out=context.amount(section, "ВсегоСписано", currency),
        period_start=context.date_field(section, "ДатаНачала"),
        period_end=context.date_field(section, "ДатаКонца"),
    )


def _header_only_accounts(
    sections: Sections, known: list[AccountBalance], context: Context
) -> list[AccountBalance]:
    """Header ``РасчСчет`` values with no section of their own: an account, no balances."""
    seen = {normalize_account(balance.account) for balance in known}
    start = _header_date(sections, "ДатаНачала", context)
    end = _header_date(sections, "ДатаКонца", context)
    extra = []
    for number, account in sections.header.get("РасчСчет", []):
        if normalize_account(account) in seen:
            continue
        seen.add(normalize_account(account))
        currency = context.currency(account, number)
        extra.append(
            AccountBalance(account=account, currency=currency, period_start=start, period_end=end)
        )
    return extra


def _header_date(sections: Sections, key: str, context: Context) -> date | None:
    values = sections.header.get(key, [])
    return context.header_date(*values[0]) if values else None


def _turnover_warning(account: AccountBalance, lines: tuple[BankLine, ...]) -> str | None:
    """Compare the stated turnover with the documents, which is how truncation shows."""
    if account.total_in is None or account.total_out is None:
        return None
    ours = [
        line
        for line in lines
        if normalize_account(line.account) == normalize_account(account.account)
        and line.amount.currency == account.currency
        and (account.period_start is None or line.booked_on >= account.period_start)
        and (account.period_end is None or line.booked_on <= account.period_end)
    ]
    found_in = _sum(ours, "in", account.currency)
    found_out = _sum(ours, "out", account.currency)
    if (found_in, found_out) == (account.total_in, account.total_out):
        return None
    return (
        f"account {account.account}: the documents add up to in {found_in} / out {found_out},"
        f" but СекцияРасчСчет states in {account.total_in} / out {account.total_out};"
        " documents may be missing from this file"
    )


def _sum(lines: list[BankLine], direction: str, currency: str) -> Money:
    return total((line.amount for line in lines if line.direction == direction), currency)
