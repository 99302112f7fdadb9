"""One tree of errors for the whole ledger, translated to HTTP once, in ``api/errors.py``.

``LedgerError`` splits into three categories a caller can act on:

- ``NotFound``: the thing named does not exist (HTTP 404);
- ``Rejected``: the request is understood but breaks a rule; nothing was written (HTTP 422);
- ``Conflict``: the request clashes with what is already recorded (HTTP 409).

Each concrete error names the field at fault (``field``) when there is one, so that an
API client can point at it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from datetime import date


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose."""

    title: ClassVar[str] = "Ledger error"
    field: str | None = None

    template: ClassVar[str] = ""

    def __init__(
        self, detail: str | None = None, *, field: str | None = None, **facts: Any
    ) -> None:
        self.facts = facts
        if field is not None:
            self.field = field
        self.detail = detail or (self.template.format(**facts) if self.template else self.title)
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
