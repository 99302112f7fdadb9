"""Amounts, accounts and dates as bank files write them, read into our types.

Bank formats disagree on the decimal mark (1C writes a point, MT940 a comma, a CSV from a
spreadsheet either, with spaces between thousands). All of them become ``Money`` through
``Money.parse``, which refuses a third decimal instead of rounding a kopeck away.
"""

from __future__ import annotations

import re
from datetime import date

from ledger.money import Money

#: Digits 6-8 of a Russian account number name its currency. Account numbers use the
#: legacy ruble code 810; 643 (the ISO code) also turns up in hand-made data.
ACCOUNT_CURRENCY_CODES = {"810": "RUB", "643": "RUB", "840": "USD", "978": "EUR", "156": "CNY"}
#: Currency codes bank files still write that ISO 4217 has replaced: the same money.
LEGACY_CURRENCIES = {"RUR": "RUB"}
RUSSIAN_ACCOUNT_DIGITS = 20
DEFAULT_CURRENCY = "RUB"

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_RU_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CENTURY = 100
_TWO_DIGIT_YEAR_BASE = 2000


def read_amount(text: str, currency: str) -> Money:
    """Read an amount written with a point or a comma and optional digit grouping.

    Raises:
        InvalidAmount: not a plain decimal, or more decimals than the currency has.
    """
    compact = _SPACES.sub("", text)
    if "," in compact and "." not in compact:
        compact = compact.replace(",", ".")
    return Money.parse(compact, currency)


def normalize_account(account: str) -> str:
    """Drop spaces and upper-case an account or IBAN so that two spellings compare equal."""
    return "".join(account.split()).upper()


def currency_of_account(account: str) -> str | None:
    """Return the currency a 20-digit Russian account number declares, if it is one we know.

    ``None`` means "not a Russian account number, or a code not in the table": the
    caller decides on a default and says so.
    """
    digits = normalize_account(account)
    if len(digits) != RUSSIAN_ACCOUNT_DIGITS or not digits.isdigit():
        return None
    return ACCOUNT_CURRENCY_CODES.get(digits[5:8])


def read_date(text: str) -> date | None:
    """Read ``ДД.ММ.ГГГГ`` (also ``ДД.ММ.ГГ``) or ISO ``ГГГГ-ММ-ДД``; ``None`` if neither.

    Only the leading date is read, so an ISO timestamp yields its date.
    """
    text = text.strip()
    try:
        if match := _RU_DATE.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            if year < _CENTURY:
                year += _TWO_DIGIT_YEAR_BASE
            return date(year, month, day)
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None
