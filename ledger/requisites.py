"""Russian company requisites, checked where customers are entered: ИНН, ОГРН, КПП, БИК, account.

Check digits catch most typing errors before a wrong ИНН reaches an invoice or a bank match:

- ИНН (10 or 12 digits) and ОГРН/ОГРНИП (13 or 15): check digits, by python-stdnum;
- КПП: 9 characters, 4 digits (tax office), 2 digits or capital Latin letters (reason), 3 digits;
- БИК: 9 digits starting with 04 (Russian banks);
- an account: 20 digits whose key (weights 7-1-3 over the last 3 digits of the БИК
  followed by the account) sums to 0 mod 10; for a correspondent account (30101…) the
  БИК part is "0" + digits 5–6 of the БИК.
"""

from __future__ import annotations

import re

from stdnum.ru import inn as stdnum_inn
from stdnum.ru import ogrn as stdnum_ogrn

from ledger.errors import InvalidField

_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")
_ACCOUNT_WEIGHTS = (7, 1, 3) * 8


def inn_is_valid(inn: str) -> bool:
    """True for a 10- or 12-digit ИНН whose check digits are right (python-stdnum)."""
    return bool(stdnum_inn.is_valid(inn)) and inn.isdigit()


def ogrn_is_valid(ogrn: str) -> bool:
    """True for a 13-digit ОГРН or a 15-digit ОГРНИП whose check digit is right."""
    return bool(stdnum_ogrn.is_valid(ogrn)) and ogrn.isdigit()


def kpp_is_valid(kpp: str) -> bool:
    """True for a КПП of the right shape."""
    return bool(_KPP.match(kpp))


def bik_is_valid(bik: str) -> bool:
    """True for a Russian bank's БИК (9 digits starting with 04)."""
    return len(bik) == 9 and bik.isdigit() and bik.startswith("04")  # noqa: PLR2004


def account_is_valid(account: str, bik: str) -> bool:
    """True when a 20-digit account's key matches the bank's БИК."""
    if len(account) != 20 or not account.isdigit() or not bik_is_valid(bik):  # noqa: PLR2004
        return False
    prefix = "0" + bik[4:6] if account.startswith("30101") else bik[-3:]
    digits = prefix + account
    return sum(int(d) * w % 10 for d, w in zip(digits, _ACCOUNT_WEIGHTS, strict=False)) % 10 == 0


def check_requisites(
    *, inn: str | None = None, kpp: str | None = None, ogrn: str | None = None,
    bik: str | None = None, account: str | None = None,
) -> None:
    """Refuse the first requisite that is wrong, naming its field and saying what is wrong.

    Raises:
        InvalidField: a wrong check digit or shape.
    """
    if inn is not None and not inn_is_valid(inn):
        raise InvalidField(field="inn", why=f"ИНН {inn}: wrong length or check digit")
    if kpp is not None and not kpp_is_valid(kpp):
        raise InvalidField(field="kpp", why=f"КПП {kpp}: expected 4 digits, 2 digits or "
                                            "capital letters, 3 digits")
    if ogrn is not None and not ogrn_is_valid(ogrn):
        raise InvalidField(field="ogrn", why=f"ОГРН {ogrn}: wrong length or check digit")
    if bik is not None and not bik_is_valid(bik):
        raise InvalidField(field="bik", why=f"БИК {bik}: expected 9 digits starting with 04")
    if account is not None and bik is not None and not account_is_valid(account, bik):
        raise InvalidField(field="account",
                           why=f"account {account}: its key does not match БИК {bik}")
