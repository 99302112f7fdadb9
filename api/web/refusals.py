"""Refusals in the reader's language: domain errors and form validation, by their kind.

The ledger and pydantic explain a refusal in English, written from wordings with named
placeholders (``expected {expected}, got {got}``; ``String should have at least {min_length}
characters``). The workspace translates the wording, not the sentence: ``locale/<lang>/
errors.po`` is keyed by the English wordings of the ledger's refusals and of the reasons
(``why``) they carry, and the facts are filled in afterwards (``ledger.errors.written``):
dates and money as the reader's locale writes them, words of the ledger's vocabulary
(``ledger.errors.Term``) translated, everything else (ids, codes, names) as recorded.
Anything the catalogue does not know is shown as the ledger wrote it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from api.web.i18n import Formats, translations
from api.web.render import request_language
from ledger.errors import written
from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from fastapi import Request

    from ledger.errors import LedgerError

PYDANTIC = {
    "missing": "Field required",
    "string_too_short": "String should have at least {min_length} characters",
    "string_too_long": "String should have at most {max_length} characters",
    "string_pattern_mismatch": "String should match pattern '{pattern}'",
    "date_from_datetime_parsing": "Input should be a valid date",
    "date_parsing": "Input should be a valid date",
    "date_type": "Input should be a valid date",
    "decimal_parsing": "Input should be a valid decimal",
    "int_parsing": "Input should be a valid integer",
    "greater_than_equal": "Input should be greater than or equal to {ge}",
    "less_than_equal": "Input should be less than or equal to {le}",
    "literal_error": "Input should be {expected}",
    "uuid_parsing": "Input should be a valid UUID",
}
"""Pydantic's error types and the English templates its messages are written from."""


class Reading:
    """How one reader reads a refusal: the catalogue of their language, and its formats.

    English is the language the ledger writes in, so an English reader gets its facts as
    written; any other reader gets dates and money in their locale's way («10.01.2026»,
    «1 500,00 ₽»).
    """

    def __init__(self, language: str, gettext: Callable[[str], str] | None = None) -> None:
        self.gettext: Callable[[str], str] = gettext or translations(language).gettext
        self.formats = None if language == "en" else Formats(language)

    @classmethod
    def of(cls, request: Request) -> Reading:
        """The reader of ``request``, in the language they chose."""
        return cls(request_language(request))

    @classmethod
    def translating(cls, gettext: Callable[[str], str]) -> Reading:
        """A reader known only by its translating function (facts left as written)."""
        return cls("en", gettext)

    def fact(self, value: Any) -> Any:
        """A fact as the reader writes it (only dates and money change)."""
        if self.formats is None:
            return value
        if isinstance(value, Money):
            return self.formats.money(value.minor, value.currency)
        if isinstance(value, date):
            return self.formats.date(value, "short")
        return value

    def written(self, wording: str, facts: Mapping[str, Any]) -> str | None:
        """``wording`` translated and filled with ``facts``; None if a placeholder is lost."""
        try:
            return written(wording, {name: self.fact(v) for name, v in facts.items()},
                           self.gettext)
        except (KeyError, IndexError, ValueError):
            return None


def _filled(template: str, facts: Mapping[str, Any]) -> str | None:
    try:
        return template.format(**facts)
    except (KeyError, IndexError, ValueError):
        return None


def explain(request: Request, error: LedgerError) -> str:
    """The refusal ``error`` in the reader's language (its own text when not catalogued)."""
    return refusal_in(Reading.of(request), error)


def refusal_in(reading: Reading, error: LedgerError) -> str:
    """The refusal ``error`` as ``reading`` reads it: its wording translated, facts filled in."""
    if not error.wording:
        return reading.gettext(error.detail)
    if not error.facts:
        return reading.gettext(error.wording)
    return reading.written(error.wording, error.facts) or error.detail


def explain_problem(request: Request, problem: Mapping[str, Any]) -> str:
    """One pydantic complaint in the reader's language, by its error type."""
    return problem_in(Reading.of(request), problem)


def problem_in(reading: Reading, problem: Mapping[str, Any]) -> str:
    """One pydantic complaint as ``reading`` reads it.

    By its error type (pydantic's own), or by the wording our validators put in its context
    (``ledger.errors.invalid_value``); a plain ``ValueError``'s message is looked up whole.
    """
    message = str(problem.get("msg", "")).removeprefix("Value error, ")
    kind = str(problem.get("type", ""))
    context = problem.get("ctx") or {}
    template = PYDANTIC.get(kind)
    if template is not None:
        return _filled(reading.gettext(template), context) or message
    if kind == "value_error":
        wording = context.get("wording")
        if isinstance(wording, str):
            return reading.written(wording, context) or message
    return reading.gettext(message)


def row_error_in(reading: Reading, error: Mapping[str, str]) -> str:
    """One error of an imported row (``api.import_errors.RowError``) as ``reading`` reads it."""
    problem = getattr(error, "problem", None)
    if problem is not None:
        return problem_in(reading, problem)
    wording: str = getattr(error, "wording", "")
    facts: Mapping[str, Any] = getattr(error, "facts", {})
    if not wording:
        return error["message"]
    found = reading.written(wording, facts) if facts else reading.gettext(wording)
    return found or error["message"]


def row_errors_in(reading: Reading, errors: Iterable[Mapping[str, str]]) -> list[dict[str, str]]:
    """The errors of an imported row, each message as ``reading`` reads it."""
    return [{**error, "message": row_error_in(reading, error)} for error in errors]
