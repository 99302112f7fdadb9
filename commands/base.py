"""What every command shares: its strict pydantic base, the caller's context, the outcome.

A command is a frozen pydantic model named in the imperative (``RecordPayment``). Unknown
fields are refused, amounts travel as decimal strings (never floats), dates as ISO-8601.
The context says who sends it, through what, under which client key; the handler turns
it into events through :func:`commands.unit_of_work.execute`.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import UUID, uuid4, uuid5

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from ledger.errors import invalid_value
from ledger.events import Provenance, Source
from ledger.money import Money, minor_digits

_AMOUNT = re.compile(r"^-?\d{1,15}(\.\d{1,4})?$")


def _currency(code: str) -> str:
    minor_digits(code)  # raises UnknownCurrency (a Rejected naming the field)
    return code


_NOT_DECIMAL_TEXT = (
    "must be a decimal string such as '1500.00' (no exponent, no thousands separator)")


def _amount_text(text: str) -> str:
    if not _AMOUNT.match(text):
        raise ValueError(_NOT_DECIMAL_TEXT)
    return text


def _price_text(value: object) -> object:
    """A price from a client passes the amounts' rule; a ``Decimal`` from Python code is exact.

    A JSON number (``850.5``, read as a float) or an exponent (``"8.5e2"``) is refused
    naming the field, as for an amount (docs/money-policy.md).
    """
    if isinstance(value, Decimal):
        return value
    if not isinstance(value, str):
        raise ValueError(_NOT_DECIMAL_TEXT)  # noqa: TRY004 - pydantic answers ValueError only
    return _amount_text(value.strip())


CurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_currency)
]
AmountText = Annotated[str, AfterValidator(_amount_text)]
Price = Annotated[
    Decimal, BeforeValidator(_price_text),
    WithJsonSchema({"type": "string", "pattern": _AMOUNT.pattern, "examples": ["1500.00"]}),
]
"""A price per unit or per period: a decimal string like an amount, read as a ``Decimal``."""
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=1000)]
ExternalKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                           pattern=r"^[\w.:@/-]+$")
]


CONTROL_CHARACTER = "text may not hold control characters (found {character})"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def without_control_characters(text: str) -> str:
    """``text`` with its control characters taken out (tab and line breaks kept).

    For text from outside that must not stop a command — a cardholder's name in a payment
    notification — where refusing the whole command would lose the money.
    """
    return _CONTROL.sub("", text)


def _control_character(value: object) -> str | None:
    """The first control character in ``value`` (text, or text inside lists and maps)."""
    if isinstance(value, str):
        found = _CONTROL.search(value)
        return found.group() if found else None
    if isinstance(value, (list, tuple, set, frozenset)):
        return next((c for item in value if (c := _control_character(item))), None)
    if isinstance(value, dict):
        return next((c for item in (*value.keys(), *value.values())
                     if (c := _control_character(item))), None)
    return None


class Command(BaseModel):
    """Base of every command: frozen, strict about unknown fields.

    A rule across fields (a ``model_validator``) raises :func:`field_rule`, naming the field
    at fault: the API answers that field, as it does for a rule on one field.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    command_name: ClassVar[str] = ""
    late_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields added after the command was first sent, left out of its fingerprint while at
    their default: a retry of a request sent before they existed still matches its key."""
    target_from_body: ClassVar[bool] = False
    """True when a body field (an external key, a code) names the target, not the path: the
    key is then also kept per command type, so it cannot be reused for another target."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.command_name = cls.__name__

    @field_validator("*", mode="after")
    @classmethod
    def _without_control_characters(cls, value: Any) -> Any:
        """Refuse control characters in any text (tab and line breaks aside).

        Why: text a command records travels into events, documents, exports and the
        operator's terminal, where an escape sequence would redraw the screen or hide rows.
        """
        found = _control_character(value)
        if found is not None:
            raise invalid_value(CONTROL_CHARACTER, character=f"U+{ord(found):04X}")
        return value

    def fingerprint(self) -> str:
        """A digest of the request as sent, to tell a retry from another request under one key.

        A field sent at its default value (``"email": null``) is not the same request as
        the field left out: ``UpdateCustomer`` clears the first and keeps the second. Such
        fields are named after the body; a request without them keeps the digest of
        :meth:`legacy_fingerprint`, which is what keys recorded before held.
        """
        sent_at_default = sorted(name for name in self.model_fields_set if self._at_default(name))
        if not sent_at_default:
            return self.legacy_fingerprint()
        body = self._body() + b"\nsent at default: " + ",".join(sent_at_default).encode()
        return hashlib.sha256(self.command_name.encode() + b"\n" + body).hexdigest()

    def legacy_fingerprint(self) -> str:
        """The digest of fingerprint version 1, blind to fields sent at their default.

        Kept to compare retries with keys recorded before version 2 (see
        :data:`FINGERPRINT_VERSION`).
        """
        return hashlib.sha256(self.command_name.encode() + b"\n" + self._body()).hexdigest()

    def _body(self) -> bytes:
        unsent = {name for name in self.late_fields if self._at_default(name)}
        return self.model_dump_json(exclude_none=False, exclude=unsent).encode()

    def _at_default(self, name: str) -> bool:
        default = type(self).model_fields[name].get_default(call_default_factory=True)
        return bool(getattr(self, name) == default)


FINGERPRINT_VERSION = 2
"""Which :meth:`Command.fingerprint` a key record holds: version 1 could not tell a field
sent at its default from one left out, so a record of version 1 is compared with
:meth:`Command.legacy_fingerprint`."""


class CustomerCommand(Command):
    """A command addressed to one customer."""

    customer_id: UUID


def field_rule(field: str, message: str) -> PydanticCustomError:
    """A rule across fields broken, for a ``model_validator`` to raise, naming ``field``.

    A plain ``ValueError`` there has no location, so a client would be told only "body".
    The message stays as it is (the workspace translates it); the field travels in the
    error's context, where ``api/errors.py`` and the CLI look for it.
    """
    return PydanticCustomError("value_error", message, {"field": field})


def money(amount: str, currency: str, field: str = "amount") -> Money:
    """Parse a command's amount exactly, naming the field if it is not acceptable money."""
    from ledger.errors import InvalidAmount  # noqa: PLC0415

    try:
        return Money.parse(amount, currency)
    except InvalidAmount as error:
        raise InvalidAmount(error.wording, field=field, **error.facts) from None


class Context(BaseModel):
    """Who sends a command, through what, and under which client key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(min_length=1)
    source: Source
    idempotency_key: str = Field(min_length=1, max_length=200)
    correlation_id: UUID = Field(default_factory=uuid4)
    causation_id: UUID | None = None
    effective_date: date | None = None

    def provenance(self, now: Any) -> Provenance:
        """Stamp the events of one attempt with this context and the current instant."""
        return Provenance(
            actor=self.actor,
            source=self.source,
            recorded_at=now,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
            idempotency_key=self.idempotency_key,
        )

    def derive_id(self, target: UUID, kind: str) -> str:
        """A record id that a retry under the same key derives again (so it is detected)."""
        return str(uuid5(target, f"{kind}/{self.idempotency_key}"))


class Outcome(BaseModel):
    """What a command did: which aggregate, up to which version, which events, what ids."""

    model_config = ConfigDict(frozen=True)

    command: str
    target_id: UUID
    version: int
    events: list[str]
    result: dict[str, Any] = Field(default_factory=dict)
    position: int = 0
    replayed: bool = False
