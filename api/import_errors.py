"""What is wrong with one row of an imported customer list, in English and translatable.

The API (and every caller of ``api.imports``) reads a row's error as ``{"field": ...,
"message": ...}``, the message in English. The workspace writes the message in the reader's
language, which it can do only from what the message was written from: a wording and its
facts (``ledger.errors.written``), a ledger refusal, or pydantic's own error. So a row's
error is that dict, remembering where its message came from; a copy of it
(``dataclasses.asdict``, JSON) is the plain dict again.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ledger.errors import written

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ledger.errors import LedgerError

_NONE: Mapping[str, Any] = MappingProxyType({})


class RowError(dict[str, str]):
    """One field of a row at fault and why (``{"field": ..., "message": ...}``)."""

    wording: str = ""
    """The English wording the message was written from ("": see ``problem``)."""
    facts: Mapping[str, Any] = _NONE
    """The facts that fill ``wording``."""
    problem: Mapping[str, Any] | None = None
    """Pydantic's error, for a value the row's model refused."""

    @classmethod
    def written(cls, field: str, wording: str, **facts: Any) -> RowError:
        """The error at ``field``, written from ``wording`` and ``facts``."""
        error = cls(field=field, message=written(wording, facts))
        error.wording, error.facts = wording, facts
        return error

    @classmethod
    def refused(cls, field: str, refusal: LedgerError) -> RowError:
        """The error at ``field``: a refusal of the ledger, as its ``detail`` says it."""
        error = cls(field=field, message=refusal.detail)
        error.wording, error.facts = refusal.wording, refusal.facts
        return error

    @classmethod
    def invalid(cls, field: str, problem: Mapping[str, Any]) -> RowError:
        """The error at ``field``: one complaint of pydantic about the row."""
        error = cls(field=field, message=str(problem["msg"]).removeprefix("Value error, "))
        error.problem = problem
        return error
