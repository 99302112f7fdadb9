"""Russian company requisites, checked where customers are entered: ИНН, ОГРН, КПП, БИК, account.

Check digits catch most typing errors before a wrong ИНН reaches an invoice or a bank match:

- ИНН (10 or 12 digits) and ОГРН/ОГРНИП (13 or 15): check digits, by python-stdnum;
- КПП: 9 characters, 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits;
- БИК: 9 digits starting with 04 (Russian banks);
- a settlement account (расчётный счёт): 20 digits, not a bank's correspondent account
  (30101…), whose key (weights 7-1-3 over the last 3 digits of the БИК followed by the
  account) sums to 0 mod 10;
- a correspondent account (корр. счёт): 20 digits starting with 30101 and ending with the
  БИК's last 3 digits, keyed with "0" + digits 5–6 of the БИК instead.

Why each account is checked with its own key: the key of the one does not fit the other,
so two accounts typed into each other's fields (a buyer told to pay into the bank's own
correspondent account) are refused, where "pick the key by the first digits" passed both.

Why digits are ASCII: ``str.isdigit`` and regex digit classes also take full-width or Arabic-Indic
digits (``７７０７…`` pasted from a CRM), which print on the invoice and reach the QR code
and 1C, where they match no counterparty and no bank statement.
"""

from __future__ import annotations

import re

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from ledger.errors import InvalidField

_KPP = re.compile(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", re.ASCII)
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8
ACCOUNT_LENGTH = 20
CORRESPONDENT = "30101"
"""The balance account of a bank's correspondent account at the Bank of Russia."""


def ascii_digits(value: str, *lengths: int) -> bool:
    """True when ``value`` is made of the digits 0–9 only, and of one of ``lengths``."""
    return value.isascii() and value.isdigit() and len(value) in lengths


def inn_is_valid(inn: str) -> bool:
    """True for a 10- or 12-digit ИНН whose check digits are right (python-stdnum)."""
    return ascii_digits(inn, 10, 12) and bool(stdnum_inn.is_valid(inn))


def ogrn_is_valid(ogrn: str) -> bool:
    """True for a 13-digit ОГРН or a 15-digit ОГРНИП whose check digit is right."""
    return ascii_digits(ogrn, 13, 15) and bool(stdnum_ogrn.is_valid(ogrn))


def kpp_is_valid(kpp: str) -> bool:
    """True for a КПП of the right shape."""
    return bool(_KPP.fullmatch(kpp))


def bik_is_valid(bik: str) -> bool:
    """True for a Russian bank's БИК (9 digits starting with 04)."""
    return ascii_digits(bik, 9) and bik.startswith("04")


def _keyed(prefix: str, account: str) -> bool:
    digits = prefix + account
    return sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False)) % 10 == 0


def account_is_valid(account: str, bik: str) -> bool:
    """True for a settlement account (not 30101…) whose key matches the bank's БИК."""
    return (ascii_digits(account, ACCOUNT_LENGTH) and bik_is_valid(bik)
            and not account.startswith(CORRESPONDENT) and _keyed(bik[-3:], account))


def correspondent_account_is_valid(account: str, bik: str) -> bool:
    """True for the bank's correspondent account: 30101…, ending with the БИК's last 3 digits.

    Its key is computed over "0" + digits 5–6 of the БИК (the Bank of Russia's division).
    """
    return (ascii_digits(account, ACCOUNT_LENGTH) and bik_is_valid(bik)
            and account.startswith(CORRESPONDENT) and account[-3:] == bik[-3:]
            and _keyed("0" + bik[4:6], account))


def check_requisites(
    *, inn: str | None = None, kpp: str | None = None, ogrn: str | None = None,
    bik: str | None = None, account: str | None = None,
    correspondent_account: str | None = None,
) -> None:
    """Refuse the first requisite that is wrong, naming its field and saying what is wrong.

    Raises:
        InvalidField: a wrong check digit or shape.
    """
    if inn is not None and not inn_is_valid(inn):
        raise InvalidField(field="inn", why="ИНН {inn}: expected 10 or 12 digits 0–9 with the"
                                            " right check digits", inn=inn)
    if kpp is not None and not kpp_is_valid(kpp):
        raise InvalidField(field="kpp", why="КПП {kpp}: expected 4 digits, 2 digits or capital"
                                            " letters, 3 digits", kpp=kpp)
    if ogrn is not None and not ogrn_is_valid(ogrn):
        raise InvalidField(field="ogrn", why="ОГРН {ogrn}: expected 13 or 15 digits 0–9 with"
                                             " the right check digit", ogrn=ogrn)
    if bik is not None and not bik_is_valid(bik):
        raise InvalidField(field="bik", why="БИК {bik}: expected 9 digits 0–9 starting with 04",
                           bik=bik)
    if account is not None and bik is not None and not account_is_valid(account, bik):
        raise InvalidField(field="account", why=(
            "account {account}: expected a settlement account (20 digits, not a bank's 30101…"
            " correspondent account) whose key matches БИК {bik}"), account=account, bik=bik)
    if (correspondent_account is not None and bik is not None
            and not correspondent_account_is_valid(correspondent_account, bik)):
        raise InvalidField(field="correspondent_account", why=(
            "correspondent account {account}: expected 30101… ending with the БИК's last 3"
            " digits, whose key matches БИК {bik}"), account=correspondent_account, bik=bik)
