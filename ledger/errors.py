"""One tree of errors for the whole ledger, translated to HTTP once, in ``api/errors.py``.

``LedgerError`` splits into three categories a caller can act on:

- ``NotFound``: the thing named does not exist (HTTP 404);
- ``Rejected``: the request is understood but breaks a rule; nothing was written (HTTP 422);
- ``Conflict``: the request clashes with what is already recorded (HTTP 409).

Each concrete error names the field at fault (``field``) when there is one, so that an
API client can point at it.

An error is written from a *wording* with named placeholders (its class's ``template``, or
one given when it is raised) and the *facts* that fill them; a ``why`` among the facts is a
wording too, filled from the same facts. The API shows the English sentence (``detail``);
the workspace translates the wordings, never the filled sentence, so that a refusal with
values inside (``until {until} is not after effective_from {start}``) reads in Russian with
the same values. So a refusal's text is always a constant wording, never an f-string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from pydantic_core import PydanticCustomError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import date


class Term(str):
    """A word of the ledger's own vocabulary among a refusal's facts: a status, a kind, an action.

    Why a type of its own: the English sentence takes the word as it is (``the subscription
    is paused``), but a translation needs it translated too (``подписка на паузе``), while
    every other fact (an id, an amount, a name) is shown exactly as recorded.
    """

    __slots__ = ()


def _as_written(text: str) -> str:
    return text


def written(
    wording: str, facts: Mapping[str, Any], translate: Callable[[str], str] = _as_written,
) -> str:
    """``wording`` filled with ``facts``; wordings and :class:`Term` facts go through ``translate``.

    A ``why`` among the facts is itself a wording, translated and filled from the same facts
    first; a ``why`` that is no wording (a library's message with braces in it) stays as it is.

    Raises:
        KeyError, IndexError, ValueError: ``wording`` names a fact that is not given.
    """
    values = {name: translate(value) if isinstance(value, Term) else value
              for name, value in facts.items()}
    why = facts.get("why")
    if isinstance(why, str) and not isinstance(why, Term):
        try:
            values["why"] = translate(why).format(**values)
        except (KeyError, IndexError, ValueError):
            values["why"] = translate(why)
    return translate(wording).format(**values)


def invalid_value(wording: str, **facts: object) -> PydanticCustomError:
    """A value refused inside a pydantic model, its message written from ``wording`` and ``facts``.

    Why not a plain ``ValueError``: its message would be the filled sentence alone, which
    the workspace cannot translate; here the wording travels in the error's context beside
    the facts (pydantic fills the ``{name}`` placeholders from the context itself, so a
    placeholder takes no conversion: pass ``repr(code)`` for a quoted code). The message
    reads as pydantic writes a ``ValueError``'s, so every reader sees the same text.
    """
    return PydanticCustomError("value_error", "Value error, " + wording,
                               {**facts, "wording": wording})


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    title: ClassVar[str] = "Ledger error"
    field: str | None = None

    template: ClassVar[str] = ""
    """The wording of this kind of refusal, with a placeholder for each fact."""
    terms: ClassVar[frozenset[str]] = frozenset()
    """The facts of this kind of refusal that are always a :class:`Term` (a status, a kind)."""

    def __init__(
        self, wording: str | None = None, *, field: str | None = None, **facts: Any
    ) -> None:
        self.facts: dict[str, Any] = {name: Term(value) if name in self.terms else value
                                      for name, value in facts.items()}
        if field is not None:
            self.field = field
        self.wording = wording or self.template
        """The English wording the refusal was written from ("" when it has only its title).

        A wording given with no facts is the whole text, braces and all."""
        self.detail = written(self.wording, self.facts) if facts else self.wording or self.title
        super().__init__(self.detail)

    def extensions(self) -> dict[str, Any]:
        """Facts beyond ``detail`` that a caller acts on (the API's problem carries them)."""
        return {}


class NotFound(LedgerError):
    """Raised when a command or query names something the ledger does not hold."""

    title = "Not found"


class Rejected(LedgerError):
    """Raised when input is understood but breaks a business rule."""

    title = "Rejected"


class Conflict(LedgerError):
    """Raised when a request clashes with what is already recorded."""

    title = "Conflict"


# -- money ---------------------------------------------------------------------------


class InvalidAmount(Rejected):
    """Raised when a value is not an acceptable money amount."""

    title = "Invalid amount"
    field = "amount"

    template = "{value}: {why}"


class UnknownCurrency(Rejected):
    """Raised when a currency code is not in ISO 4217."""

    title = "Unknown currency"
    field = "currency"

    template = "{currency!r} is not an ISO 4217 currency code"


class CurrencyMismatch(Rejected):
    """Raised when amounts of two currencies meet in one calculation or document."""

    title = "Currency mismatch"
    field = "currency"

    template = "expected {expected}, got {got}"


# -- customers -------------------------------------------------------------------------


class CustomerNotFound(NotFound):
    """Raised when no customer has the given id or external key."""

    title = "Customer not found"
    field = "customer_id"
    template = "no customer {customer}"


class CustomerAlreadyExists(Conflict):
    """Raised when registering an external key that is already registered."""

    title = "Customer already exists"
    field = "external_key"
    template = "a customer with external key {external_key!r} is already registered"


class CustomerClosedError(Rejected):
    """Raised when a command would change a closed customer's book."""

    title = "Customer is closed"
    field = "customer_id"
    template = "customer {customer} is closed; nothing more can be recorded"


class ReasonRequired(Rejected):
    """Raised when a manual correction comes without a reason."""

    title = "Reason required"
    field = "reason"
    template = "a manual correction must say why"


class InvalidField(Rejected):
    """Raised when a field's value breaks a rule the type alone cannot express."""

    title = "Invalid value"
    template = "{why}"


class DuplicateId(Conflict):
    """Raised when an id supplied by the client was already used for another record."""

    title = "Duplicate id"
    template = "{kind} {value!r} is already recorded"
    terms = frozenset({"kind"})


class PossibleDuplicatePayment(Conflict):
    """Raised when a payment typed in looks like one a bank statement line already recorded.

    The same currency and amount, received within three days either way, and the bank
    line's payment not linked to one typed in (``Customer.possible_duplicate``).
    ``override`` names the command's field that records the payment all the same: the
    customer may really have paid the same amount twice.
    """

    title = "Possible duplicate payment"
    field = "amount"
    template = ("this looks like payment {payment_id} of {received_on}{reference_text}, already"
                " recorded from the bank statement with the same amount; if it is another"
                " payment, send it again with {override}")

    def __init__(
        self, *, payment_id: str, received_on: date, reference: str, override: str,
    ) -> None:
        super().__init__(payment_id=payment_id, received_on=received_on.isoformat(),
                         reference=reference, override=override,
                         reference_text=f" ({reference})" if reference else "")

    def extensions(self) -> dict[str, Any]:
        """The payment this one may be, and the field that records it all the same."""
        return {"duplicate_of": {"payment_id": self.facts["payment_id"],
                                 "received_on": self.facts["received_on"],
                                 "reference": self.facts["reference"] or None},
                "override": self.facts["override"]}


# -- commands ----------------------------------------------------------------------------


class IdempotencyKeyReused(Conflict):
    """Raised when an idempotency key comes back with a different payload."""

    title = "Idempotency key reused"
    field = "Idempotency-Key"
    template = "key {key!r} was already used for a different request"


class ConcurrencyExhausted(Conflict):
    """Raised when a command kept losing optimistic-concurrency races and gave up."""

    title = "Too much contention"
    template = "customer {customer} kept changing; retried {attempts} times"


# -- tariffs -----------------------------------------------------------------------------


class TariffNotFound(NotFound):
    """Raised when a tariff code (or a version of it) is not in the catalog."""

    title = "Tariff not found"
    field = "tariff_code"
    template = "no tariff {code!r}{version_text}"
