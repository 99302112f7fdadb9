"""What the system wrote, in the reader's language: timeline lines, reasons, formulas.

The ledger writes its own reasons, references and formulas in English into events that
never change; ``projections/system_lines.py`` and ``projections/bank_reasons.py`` recognise
them as messages with typed values, and this module writes those in the reader's language
(the message from the catalogues, money, numbers and dates by Babel). Templates reach these
functions as ``said(text)``, ``bank_reason(text, currency)`` and ``formula(text,
currency)`` (see ``render.environment``); a text they do not recognise — a person's
reason — is shown exactly as typed.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from api.web.i18n import Formats, translations
from projections.bank_reasons import bank_reason
from projections.messages import Line, Style, render
from projections.system_lines import correction, said

if TYPE_CHECKING:
    from collections.abc import Mapping

    from projections.messages import Value


@cache
def style(language: str) -> Style:
    """How a reader of ``language`` sees a line: translated, with Babel's formats."""
    formats = Formats(language)
    return Style(translate=translations(language).gettext, money=formats.money,
                 date=formats.date, number=formats.amount)


def shown(value: Value, language: str) -> str:
    """A line (or a plain text, as it is) written for a reader of ``language``."""
    if isinstance(value, Line):
        return render(value.message, value.encoded(), style(language))
    return str(value)


def timeline_text(entry: Mapping[str, Any], language: str) -> str:
    """A stored timeline line (message and JSON values) in the reader's language."""
    return render(entry["message"], entry["params"], style(language))


def said_text(text: str | None, language: str) -> str:
    """A reason, reference or description in the reader's language, if the system wrote it."""
    return shown(said(text), language)


def bank_reason_text(text: str | None, currency: str, language: str) -> str:
    """Why a bank line stands where it does, in the reader's language."""
    return shown(bank_reason(text, currency), language)


def formula_text(formula: str, currency: str, language: str) -> str:
    """A plan-change correction's formula in the reader's language."""
    return shown(correction(formula, currency), language)
