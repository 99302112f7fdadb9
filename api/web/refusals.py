"""Refusals in the reader's language: domain errors and form validation, by their kind.

The ledger and pydantic explain a refusal in English, written from templates (``expected
{expected}, got {got}``; ``String should have at least {min_length} characters``). The
workspace translates the template, not the sentence: ``locale/<lang>/errors.po`` is keyed
by the English templates of the common refusals and by the common reasons (``why``) they
carry, and the facts are filled in afterwards. Anything the catalogue does not know is
shown as the ledger wrote it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from api.web.i18n import translations
from api.web.render import request_language

if TYPE_CHECKING:
    from collections.abc import Mapping

    from fastapi import Request

    from ledger.errors import LedgerError

PYDANTIC = {
    "missing": "Field required",
    "string_too_short": "String should have at least {min_length} characters",
    "string_too_long": "String should have at most {max_length} characters",
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


def _gettext(request: Request, text: str) -> str:
    found: str = translations(request_language(request)).gettext(text)
    return found


def _filled(template: str, facts: Mapping[str, Any]) -> str | None:
    try:
        return template.format(**facts)
    except (KeyError, IndexError, ValueError):
        return None


def explain(request: Request, error: LedgerError) -> str:
    """The refusal ``error`` in the reader's language (its own text when not catalogued)."""
    facts = dict(error.facts)
    if "why" in facts:
        facts["why"] = _gettext(request, str(facts["why"]))
    template = type(error).template
    if template and _filled(template, error.facts) == error.detail:
        return _filled(_gettext(request, template), facts) or error.detail
    return _gettext(request, error.detail)


def explain_problem(request: Request, problem: Mapping[str, Any]) -> str:
    """One pydantic complaint in the reader's language, by its error type."""
    message = str(problem.get("msg", "")).removeprefix("Value error, ")
    kind = str(problem.get("type", ""))
    template = PYDANTIC.get(kind)
    if template is not None:
        return _filled(_gettext(request, template), problem.get("ctx") or {}) or message
    if kind == "value_error":
        return _gettext(request, message)
    return message
