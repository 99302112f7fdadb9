"""Timeline lines as messages: an English template with named values, readable in any language.

A :class:`Line` is a message id (the English template, ``"Invoice {number} issued: {total}
incl. VAT {vat_total}, due {due_on}"``) and its values. Values stay typed until a reader
shows them: money as minor units and a currency, dates as ISO dates, numbers as decimal
strings, a nested line (an optional clause, a status word) and lists of values. The view
stores the line as JSON (:meth:`Line.encoded`) beside its English text; a reader renders it
with a :class:`Style` — a translation of the template and formats for money, dates and
numbers. Every message id is declared here at import (:func:`declare`), so a test can check
that each has its translation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NewType, TypeAlias

from ledger.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

Message = NewType("Message", str)
"""A declared message id: its English template."""

MESSAGES: list[Message] = []
"""Every message id a timeline line (or a bank line's reason) may carry, in declaration order."""

Value: TypeAlias = "str | int | Decimal | date | Money | Line | tuple[Value, ...]"


def declare(template: str) -> Message:
    """Register ``template`` as a message id (at import time, so the list is complete)."""
    message = Message(template)
    if message not in MESSAGES:
        MESSAGES.append(message)
    return message


@dataclass(frozen=True)
class Line:
    """One message with its named values."""

    message: Message
    params: Mapping[str, Value] = field(default_factory=dict)

    def encoded(self) -> dict[str, Any]:
        """The values as JSON-ready data (see :func:`encode`)."""
        return {name: encode(value) for name, value in self.params.items()}

    @property
    def text(self) -> str:
        """The line in English, as the API and the CLI show it."""
        return render(self.message, self.encoded(), PLAIN)


def encode(value: Value) -> Any:
    """A value as JSON: strings and integers as they are, the rest as typed objects.

    ``{"type": "money", "minor": 5490000, "currency": "RUB"}``, ``{"type": "date", "value":
    "2026-01-01"}``, ``{"type": "number", "value": "12.5"}``, ``{"type": "message", "message":
    ..., "params": {...}}`` and ``{"type": "list", "items": [...]}``.
    """
    if isinstance(value, Line):
        return {"type": "message", "message": value.message, "params": value.encoded()}
    if isinstance(value, Money):
        return {"type": "money", "minor": value.minor, "currency": value.currency}
    if isinstance(value, Decimal):
        return {"type": "number", "value": str(value)}
    if isinstance(value, date):
        return {"type": "date", "value": value.isoformat()}
    if isinstance(value, tuple):
        return {"type": "list", "items": [encode(item) for item in value]}
    return value


@dataclass(frozen=True)
class Style:
    """How a reader sees a line: the template's translation and the formats of values."""

    translate: Callable[[str], str]
    money: Callable[[int, str], str]
    date: Callable[[str], str]
    number: Callable[[str], str]


def _plain_money(minor: int, currency: str) -> str:
    return str(Money(minor, currency))


def _same(text: str) -> str:
    return text


PLAIN = Style(translate=_same, money=_plain_money, date=_same, number=_same)
"""English, money as "150.00 RUB" and dates as ISO dates: the stored text."""


def render(message: str, params: Mapping[str, Any], style: Style) -> str:
    """A message (with JSON values, as :meth:`Line.encoded` gives them) written in ``style``."""
    shown = {name: _shown(value, style) for name, value in params.items()}
    return style.translate(message).format_map(shown)


def _shown(value: Any, style: Style) -> str:
    if not isinstance(value, dict):
        return str(value)
    kind = value.get("type")
    if kind == "message":
        return render(str(value["message"]), value["params"], style)
    if kind == "money":
        return style.money(int(value["minor"]), str(value["currency"]))
    if kind == "date":
        return style.date(str(value["value"]))
    if kind == "number":
        return style.number(str(value["value"]))
    if kind == "list":
        return ", ".join(_shown(item, style) for item in value["items"])
    msg = f"a timeline value of unknown type: {value!r}"
    raise ValueError(msg)
