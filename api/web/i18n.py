"""Languages of the workspace: Russian by default, English selectable.

Messages are written in English in the templates and translated from gettext catalogues
(``locale/<lang>/*.po``, one file per area of the workspace so that areas are translated
independently); Babel reads the catalogues and formats money, numbers and dates the way
each locale writes them («1 234,56 ₽» / "RUB 1,234.56").
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

from ledger.money import Money, minor_digits

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
LOCALES = {"ru": "ru_RU", "en": "en_US"}
LOCALE_DIR = Path(__file__).parent / "locale"


def language_of(value: str | None) -> str:
    """A supported language code, or the default."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def catalog(language: str) -> Catalog:
    """Every message of ``language``, merged from its per-area catalogues."""
    merged = Catalog(locale=LOCALES[language])
    for po in sorted((LOCALE_DIR / language).glob("*.po")):
        with po.open("rb") as file:
            for message in read_po(file, locale=LOCALES[language]):
                if message.id and message.string:
                    merged[message.id] = message
    return merged


@cache
def translations(language: str) -> NullTranslations:
    """Gettext translations for ``language`` (English messages translate to themselves)."""
    if language == "en" or not (LOCALE_DIR / language).is_dir():
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog(language))
    buffer.seek(0)
    return Translations(buffer)


class Formats:
    """Money, numbers and dates written the way a reader of ``language`` expects."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.locale = LOCALES[language]

    def money(self, minor: int | None, currency: str | None) -> str:
        """«1 234,56 ₽» in Russian, "RUB 1,234.56" in English."""
        if minor is None or not currency:
            return "—"
        amount = Money(int(minor), currency).amount
        if self.language == "en":
            digits = minor_digits(currency)
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            return f"{currency} {format_decimal(amount, pattern, locale=self.locale)}"
        return format_currency(amount, currency, locale=self.locale)

    @staticmethod
    def minor(amount: Decimal | str, currency: str) -> int:
        """A decimal amount ("1500.00") in minor units of ``currency``, for :meth:`money`."""
        return Money.of(Decimal(str(amount)), currency).minor

    def amount(self, value: Decimal | int | str | None) -> str:
        """A decimal number with the locale's separators."""
        if value is None:
            return "—"
        return format_decimal(Decimal(str(value)), locale=self.locale)

    def percent(self, value: Decimal | float | None) -> str:
        """A share as a percentage (``0.25`` → «25 %»)."""
        if value is None:
            return "—"
        return format_percent(Decimal(str(value)), locale=self.locale)

    def date(self, value: date | str | None, style: str = "medium") -> str:
        """A business date («5 мая 2026 г.» / "May 5, 2026")."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return format_date(value, style, locale=self.locale)

    def datetime(self, value: datetime | str | None) -> str:
        """A recorded instant, to the minute."""
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return format_datetime(value, "short", locale=self.locale)
