"""A customer's payments, and the book that keeps them cheap to load.

A customer who pays often accumulates thousands of payments, and every one stays in the
state: its unallocated part is credit that later invoices and refunds draw on. Yet a typical
command looks at none of them (a new payment checks that its id is new, and looks for
one of its amount with :meth:`PaymentBook.of_amount`, which reads rows without building
them). So the book keeps the payments of a snapshot as the compact rows it was read from
and builds a :class:`PaymentState` the first time one is looked at; a cold load then
validates no payment at all, and a deep copy shares the rows no one has touched.

To everything else the book is a ``dict`` of payment id to :class:`PaymentState` in the
order the payments arrived, and it dumps exactly as that dict did; only a snapshot asks
for the compact rows (``context={"compact": True}``).
"""

from __future__ import annotations

import copy
from collections.abc import MutableMapping
from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import core_schema

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from pydantic import GetCoreSchemaHandler

NO_PAYMENT = "credit"
"""The source key of credit that no payment holds (a credit note's, a negative invoice's, an
adjustment's) where events say which payments money came from (``InvoiceIssued.credit_sources``,
``RefundIssued.sources``): never a payment id, so no payment may be recorded under it."""
RESERVED_PAYMENT_IDS = frozenset({NO_PAYMENT})

Row = str
"""A stored payment, one string: ``"<amount> <received_on> <currency>"``, then
``" <refunded> <allocations as JSON>"`` when either is set (minor units; the payment id is
the row's key). A string, because decoding a snapshot then builds one object per payment
instead of five."""


class PaymentState(BaseModel):
    """A payment, and which invoices it settles; the rest is the customer's credit."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    payment_id: str
    amount: int
    currency: str
    received_on: date
    allocations: dict[str, int] = Field(default_factory=dict)
    refunded: int = 0

    @property
    def unallocated(self) -> int:
        """The part of the payment not applied to any invoice (nor refunded)."""
        return self.amount - self.refunded - sum(self.allocations.values())

    def row(self) -> Row:
        """The compact form a snapshot stores."""
        row = f"{self.amount} {self.received_on.isoformat()} {self.currency}"
        if self.refunded or self.allocations:
            row += f" {self.refunded} {orjson.dumps(self.allocations).decode()}"
        return row

    @classmethod
    def from_row(cls, payment_id: str, row: Row | dict[str, Any]) -> PaymentState:
        """A payment from its compact row (or from the full dict older snapshots stored)."""
        if isinstance(row, dict):
            return cls.model_validate(row)
        amount, received_on, currency, *rest = row.split(" ", 4)
        return cls(payment_id=payment_id, amount=int(amount), received_on=received_on,
                   currency=currency, refunded=int(rest[0]) if rest else 0,
                   allocations=orjson.loads(rest[1]) if rest else {})


Entry = PaymentState | Row | dict[str, Any]
"""A payment as the book holds it: built, or still as stored (a row, or an older snapshot's
full dict)."""


class PaymentBook(MutableMapping[str, PaymentState]):
    """Payment id → :class:`PaymentState`, in arrival order, built lazily from stored rows.

    A row is never changed: looking a payment up replaces its row by the model, and
    changes go to the model. Rows can therefore be shared between copies of the book.
    """

    __slots__ = ("_built", "_entries")

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._built: set[str] = set()
        """The keys whose entry is a model; every other entry is a stored row."""

    def __getitem__(self, payment_id: str) -> PaymentState:
        entry = self._entries[payment_id]
        if isinstance(entry, PaymentState):
            return entry
        payment = PaymentState.from_row(payment_id, entry)
        self._entries[payment_id] = payment
        self._built.add(payment_id)
        return payment

    def __setitem__(self, payment_id: str, payment: PaymentState) -> None:
        self._entries[payment_id] = payment
        self._built.add(payment_id)

    def __delitem__(self, payment_id: str) -> None:
        del self._entries[payment_id]
        self._built.discard(payment_id)

    def __contains__(self, payment_id: object) -> bool:
        return payment_id in self._entries  # without building the payment

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"PaymentBook({dict(self.items())!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> PaymentBook:
        duplicate = PaymentBook()
        duplicate._entries = dict(self._entries)  # rows are shared: nothing changes them
        for key in self._built:
            duplicate._entries[key] = copy.deepcopy(self._entries[key], memo)
        duplicate._built = set(self._built)
        return duplicate

    def of_amount(
        self, minor: int, currency: str, payment_ids: Iterable[str],
    ) -> Iterator[PaymentState]:
        """The payments among ``payment_ids`` of exactly ``minor`` units of ``currency``.

        Only those are built: a stored row is read for its amount and currency alone, so
        that looking for a payment like a new one among thousands builds no model for each.
        """
        row_start = f"{minor} "
        for payment_id in payment_ids:
            entry = self._entries[payment_id]
            if isinstance(entry, str):  # the common case: a row, "<amount> <date> <currency>…"
                alike = entry.startswith(row_start) and entry.split(" ", 3)[2] == currency
            else:
                alike = _amount_of(entry) == (minor, currency)
            if alike:
                yield self[payment_id]

    def allocated_to(self, invoice_id: str) -> Iterator[PaymentState]:
        """The payments that settle part of ``invoice_id``, in the order they arrived.

        A stored row is built only when its allocations name the invoice, so that finding
        the few payments on one invoice among thousands builds no model for the others.
        """
        quoted = orjson.dumps(invoice_id).decode()
        for payment_id, entry in list(self._entries.items()):
            if isinstance(entry, str) and quoted not in entry:
                continue
            payment = self[payment_id]
            if payment.allocations.get(invoice_id):
                yield payment

    def rows(self) -> dict[str, Entry]:
        """Every payment in its stored form, building none that is still a row."""
        rows = dict(self._entries)
        for key in self._built:
            rows[key] = self[key].row()
        return rows

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            json_schema_input_schema=core_schema.dict_schema(
                core_schema.str_schema(), PaymentState.__pydantic_core_schema__),
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls._serialise, info_arg=True),
        )

    @classmethod
    def _validate(cls, value: Any) -> PaymentBook:
        if isinstance(value, PaymentBook):
            return value
        if not isinstance(value, dict):
            msg = "payments must be a mapping of payment id to payment"
            raise ValueError(msg)  # noqa: TRY004  (pydantic reports ValueErrors as invalid input)
        book = cls()
        first = next(iter(value.values()), None)
        if isinstance(first, PaymentState):  # built in Python, not read from a snapshot
            book.update((key, payment.model_copy(deep=True)) for key, payment in value.items())
        else:
            book._entries = dict(value)
        return book

    @staticmethod
    def _serialise(book: PaymentBook, info: core_schema.SerializationInfo) -> dict[str, Any]:
        if isinstance(info.context, dict) and info.context.get("compact"):
            return book.rows()
        return {key: payment.model_dump(mode=info.mode) for key, payment in book.items()}


def _amount_of(entry: PaymentState | dict[str, Any]) -> tuple[int, str]:
    """A built payment's (or an older snapshot's dict's) amount and currency."""
    if isinstance(entry, PaymentState):
        return entry.amount, entry.currency
    return int(entry["amount"]), str(entry["currency"])
