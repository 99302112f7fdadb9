"""The total in words (сумма прописью), as Russian and English documents write it.

Russian convention: «Одна тысяча двести двадцать рублей 00 копеек» — the major units in
words with the first letter capitalised, the minor units as two digits, each noun in the
plural form its number asks for (1 рубль, 2 рубля, 5 рублей; 21 копейка, 22 копейки).
num2words spells the number; the nouns and their forms are ours, because num2words reads a
plain ``int`` as kopecks and puts a comma between the parts, which documents do not.

Why the whole number goes through ``Money``: an amount is integer minor units, so no float
and no rounding can creep in between the ledger and the words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from num2words import num2words

from ledger.money import minor_digits

if TYPE_CHECKING:
    from ledger.money import Money

Language = Literal["ru", "en"]
THOUSAND = 1000


@dataclass(frozen=True, slots=True)
class Nouns:
    """A currency's unit names: Russian (1, 2–4, 5+ forms, gender) and English (1, many)."""

    ru_major: tuple[str, str, str]
    ru_minor: tuple[str, str, str]
    en_major: tuple[str, str]
    en_minor: tuple[str, str]
    feminine: bool = False


CURRENCIES: dict[str, Nouns] = {
    "RUB": Nouns(("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек"),
                 ("rouble", "roubles"), ("kopeck", "kopecks")),
    "BYN": Nouns(("белорусский рубль", "белорусских рубля", "белорусских рублей"),
                 ("копейка", "копейки", "копеек"),
                 ("Belarusian rouble", "Belarusian roubles"), ("kopeck", "kopecks")),
    "USD": Nouns(("доллар США", "доллара США", "долларов США"), ("цент", "цента", "центов"),
                 ("US dollar", "US dollars"), ("cent", "cents")),
    "EUR": Nouns(("евро", "евро", "евро"), ("цент", "цента", "центов"),
                 ("euro", "euros"), ("cent", "cents")),
    "CNY": Nouns(("юань", "юаня", "юаней"), ("фэнь", "фэня", "фэней"),
                 ("yuan", "yuan"), ("fen", "fen")),
    "KZT": Nouns(("тенге", "тенге", "тенге"), ("тиын", "тиына", "тиынов"),
                 ("tenge", "tenge"), ("tiyn", "tiyn")),
    "GBP": Nouns(("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"),
                 ("пенни", "пенни", "пенсов"), ("pound sterling", "pounds sterling"),
                 ("penny", "pence")),
    "JPY": Nouns(("иена", "иены", "иен"), ("сэн", "сэна", "сэнов"), ("yen", "yen"),
                 ("sen", "sen"), feminine=True),
}
"""Currencies LBX customers pay in; others are written with their ISO code."""


def plural_ru(number: int, forms: tuple[str, str, str]) -> str:
    """The Russian form for ``number``: 1, 21, 101 → forms[0]; 2–4, 22–24 → [1]; else [2]."""
    tens, units = number % 100, number % 10
    if units == 1 and tens != 11:  # noqa: PLR2004
        return forms[0]
    if 2 <= units <= 4 and not 12 <= tens <= 14:  # noqa: PLR2004
        return forms[1]
    return forms[2]


def cardinal_ru(number: int, *, feminine: bool = False) -> str:
    """``number`` in Russian words, in the gender of the noun that follows.

    Only the last three digits agree with the noun (одна иена, but один миллион иен);
    num2words would make the millions feminine too, so the parts are spelt apart.
    """
    if not feminine or number < THOUSAND:
        return str(num2words(number, lang="ru", gender="f" if feminine else "m"))
    high, low = number - number % THOUSAND, number % THOUSAND
    words = str(num2words(high, lang="ru"))
    return f"{words} {num2words(low, lang='ru', gender='f')}" if low else words


def amount_in_words(amount: Money, language: Language = "ru") -> str:
    """The amount as a document writes it in words, first letter capitalised.

    >>> from ledger.money import Money
    >>> amount_in_words(Money(122000, "RUB"))
    'Одна тысяча двести двадцать рублей 00 копеек'
    >>> amount_in_words(Money(122000, "USD"), "en")
    'One thousand, two hundred and twenty US dollars and 00 cents'
    """
    digits = minor_digits(amount.currency)
    scale = 10**digits
    sign, minor = ("минус " if language == "ru" else "minus ") if amount.minor < 0 else "", abs(
        amount.minor)
    major, rest = divmod(minor, scale)
    nouns = CURRENCIES.get(amount.currency)
    text = (_russian(major, rest, digits, nouns, amount.currency) if language == "ru"
            else _english(major, rest, digits, nouns, amount.currency))
    text = sign + text
    return text[:1].upper() + text[1:]


def _russian(major: int, rest: int, digits: int, nouns: Nouns | None, code: str) -> str:
    if nouns is None:
        words = f"{cardinal_ru(major)} {code}"
        return f"{words} {rest:0{digits}d}/{10**digits}" if digits else words
    words = f"{cardinal_ru(major, feminine=nouns.feminine)} {plural_ru(major, nouns.ru_major)}"
    if not digits:
        return words
    return f"{words} {rest:0{digits}d} {plural_ru(rest, nouns.ru_minor)}"


def _english(major: int, rest: int, digits: int, nouns: Nouns | None, code: str) -> str:
    number = str(num2words(major, lang="en"))
    if nouns is None:
        return f"{number} {code}" + (f" {rest:0{digits}d}/{10**digits}" if digits else "")
    words = f"{number} {nouns.en_major[0 if major == 1 else 1]}"
    if not digits:
        return words
    return f"{words} and {rest:0{digits}d} {nouns.en_minor[0 if rest == 1 else 1]}"
