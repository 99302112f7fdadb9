"""Invoice numbers found in a payment purpose («Оплата по счету №125 от 02.04.2026»).

Payers type purposes by hand, so the search is tolerant: «счет», «счёт», «счету»,
«счетам», «сч.», «с/ч», «счет-оферта», «invoice»; an optional «на оплату», «от ДД.ММ.ГГ»,
«№», «N», «No» or «#» before the number; several numbers after one keyword («по сч. 12,
13 и 15»); Latin and Cyrillic look-alike letters mixed in either the keyword or the number.

It is anchored on the keyword on purpose: a bare number in a purpose is as likely a
contract («договора №1441-22/07»), a date or an amount («17000-00») as an invoice.
The one exception is our own prefixed numbers (``LBX-2026-000123``), which are
unambiguous and are found anywhere. Numbers come back with look-alike letters in Latin
and upper-cased, prefixed ones in the canonical ``PREFIX-YYYY-NNNNNN`` form.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ledger.bankfiles.homoglyphs import to_cyrillic, to_latin

if TYPE_CHECKING:
    from collections.abc import Iterable

DEFAULT_PREFIXES = ("LBX",)
_NUMBER_DIGITS = 6
_ACCOUNT_DIGITS = 16  # a "number" this long after «счет» is a bank account, not an invoice

_NUMBER_GROUP = r"(?P<num>[0-9a-zа-яё][0-9a-zа-яё/-]*+)(?!\.\d)"  # a date is no number
_MARK = r"(?:№|n[оo]?\.?|#)?\s*"
_RUSSIAN = re.compile(
    r"(?<!\w)(?:сч[её]т(?:у|а|ам|ах|ом|е|ов|ы)?(?:[-\s]?(?:оферт|фактур)[а-яё]*)?"
    r"|сч\.?|с/ч|инв\.?)(?!\w)"
    r"\s*(?:на\s+оплату\s*)?(?:от\s+\d{1,2}\.\d{1,2}\.\d{2,4}\s*(?:г\.?)?\s*)?"
    + _MARK
    + _NUMBER_GROUP
)
_ENGLISH = re.compile(r"(?<!\w)(?:invoice|inv\.?)(?!\w)\s*" + _MARK + _NUMBER_GROUP)
_MORE = re.compile(r"\s*(?:,|;|\sи\s)\s*" + _MARK + r"(?P<num>\d[0-9a-zа-яё/-]*+)(?!\.\d)")
_BANK_ACCOUNT_BEFORE = re.compile(r"(?<!\w)(?:расч[её]тн\w*|р/|лицев\w*|л/|корр?\.?\w*)\s*$")
_DASHES = r"\s*[-‐‑–—_]?\s*"


def find_invoice_numbers(
    purpose: str, known_prefixes: Iterable[str] = DEFAULT_PREFIXES
) -> list[str]:
    """Return the invoice numbers a payment purpose refers to, in order, without repeats.

    Args:
        purpose: the payment purpose as the bank reported it.
        known_prefixes: prefixes of our own invoice numbers (``LBX`` in ``LBX-2026-000123``),
            found anywhere in the text, not only after «счет».

    Returns:
        Normalised numbers, e.g. ``["125"]`` for «по счету №125», ``[]`` for
        «по договору №1441-22/07».
    """
    prefixed = [_prefixed_pattern(prefix) for prefix in known_prefixes]
    found: list[tuple[int, str]] = []
    for pattern, text in (
        (_RUSSIAN, _lower(to_cyrillic(purpose))),
        (_ENGLISH, _lower(to_latin(purpose))),
    ):
        found += _after_keywords(pattern, text, purpose)
    latin = to_latin(purpose).upper()
    for pattern in prefixed:
        found += [(match.start(), _canonical(match)) for match in pattern.finditer(latin)]
    numbers: dict[str, None] = {}
    for _, raw in sorted(found):
        number = _normalize(raw, prefixed)
        if number:
            numbers.setdefault(number)
    return list(numbers)


def _after_keywords(pattern: re.Pattern[str], text: str, original: str) -> list[tuple[int, str]]:
    found = []
    for match in pattern.finditer(text):
        if _BANK_ACCOUNT_BEFORE.search(text, max(0, match.start() - 16), match.start()):
            continue
        found.append((match.start("num"), original[match.start("num") : match.end("num")]))
        position = match.end()
        while more := _MORE.match(text, position):
            found.append((more.start("num"), original[more.start("num") : more.end("num")]))
            position = more.end()
    return found


def _normalize(token: str, prefixed: list[re.Pattern[str]]) -> str | None:
    number = to_latin(token).upper().rstrip("-/")
    if not any(char.isdigit() for char in number):
        return None
    if number.isdigit() and len(number) >= _ACCOUNT_DIGITS:
        return None
    for pattern in prefixed:
        if match := pattern.fullmatch(number):
            return _canonical(match)
    return number


def _prefixed_pattern(prefix: str) -> re.Pattern[str]:
    latin = re.escape(to_latin(prefix).upper())
    return re.compile(
        rf"(?<![A-Z0-9])(?P<prefix>{latin}){_DASHES}(\d{{4}}){_DASHES}(\d{{1,6}})(?!\d)"
    )


def _canonical(match: re.Match[str]) -> str:
    return f"{match['prefix']}-{match[2]}-{int(match[3]):0{_NUMBER_DIGITS}d}"


def _lower(text: str) -> str:
    """Lower-case without changing the length, so positions still index the original."""
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)
