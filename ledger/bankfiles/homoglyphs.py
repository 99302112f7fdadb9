"""Latin and Cyrillic letters that look the same, and how to fold one into the other.

People type invoice numbers and bank software writes keys on keyboards that switch layout
mid-word: the OCA 1C sample has a Latin ``C`` inside «Cумма». Comparing text that must
match (1C keys, invoice numbers) therefore folds look-alikes first; which way depends on
which alphabet the text is meant to be in.
"""

from __future__ import annotations

import re

_LATIN = "AaBCcEeHKMOoPpTXxYy"
_CYRILLIC = "АаВСсЕеНКМОоРрТХхУу"

_TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
_TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)

_WORD = re.compile(r"\w+")
_HAS_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_HAS_LATIN = re.compile(r"[A-Za-z]")


def to_cyrillic(text: str) -> str:
    """Replace Latin letters that have a Cyrillic twin (``C`` → ``С``); keep the rest."""
    return text.translate(_TO_CYRILLIC)


def to_latin(text: str) -> str:
    """Replace Cyrillic letters that have a Latin twin (``В`` → ``B``); keep the rest."""
    return text.translate(_TO_LATIN)


def has_cyrillic(text: str) -> bool:
    """Tell whether the text holds at least one Cyrillic letter."""
    return _HAS_CYRILLIC.search(text) is not None


def mixed_script_words(text: str) -> list[str]:
    """Return the words that mix Latin and Cyrillic letters, in order of appearance."""
    return [
        word
        for word in _WORD.findall(text)
        if _HAS_CYRILLIC.search(word) and _HAS_LATIN.search(word)
    ]
