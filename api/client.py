"""A small Python client for LBX, so that another service sends a command in three lines.

    lbx = LbxClient("http://lbx.internal:8000", token)
    customer = lbx.register_customer("CRM-42", "ООО Пример")["target_id"]
    lbx.record_payment(customer, "1500.00", "RUB", reference="п/п 17")

Why hand-kept rather than generated from ``/openapi.json``: callers need a dozen calls, not
seventy, and those calls should read like the business (``record_payment``) and carry the
two conventions a generated client gets wrong: every command sends an ``Idempotency-Key``
(a fresh uuid4 unless the caller passes its own, which it should keep to retry safely),
and every refusal arrives as an RFC 9457 problem, raised here as :class:`LbxProblem` with
the field at fault. Answers are the server's JSON as plain dicts; amounts stay decimal
strings, never floats. It imports nothing of LBX itself, so it can be copied into a
service that does not install LBX.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, Self

import httpx

if TYPE_CHECKING:
    from types import TracebackType

Amount = str | Decimal | int
"""An amount as LBX takes it: a decimal string such as ``"1500.00"``; a Decimal or an int is
sent as one. Never a float: ``12.3`` is not 12.30 exactly, so the client refuses it."""
Day = str | date
"""A business date: ``date`` or an ISO-8601 string (``"2026-01-31"``)."""


class Answer(Protocol):
    """What the client reads of a response (``httpx.Response`` and its kin have it)."""

    @property
    def status_code(self) -> int: ...  # noqa: D102
    @property
    def is_error(self) -> bool: ...  # noqa: D102
    @property
    def reason_phrase(self) -> str: ...  # noqa: D102
    @property
    def text(self) -> str: ...  # noqa: D102
    def json(self, **kwargs: Any) -> Any: ...  # noqa: D102


class Http(Protocol):
    """What the client needs to send: ``httpx.Client``, or Starlette's ``TestClient``.

    A protocol rather than ``httpx.Client`` because Starlette's ``TestClient`` is built on
    ``httpx2``, whose client has the same methods but another class.
    """

    def request(  # noqa: D102
        self, method: str, url: str, *, json: Any = None, params: Any = None,
        headers: Any = None,
    ) -> Answer: ...
    def close(self) -> None: ...  # noqa: D102


_PROBLEM_MEMBERS = frozenset({"type", "title", "status", "detail", "field", "errors"})


class LbxProblem(Exception):
    """Raised when LBX answers 4xx or 5xx; carries the problem+json fields.

    ``field`` names the request field at fault (``amount``, ``Idempotency-Key``, ...) when
    LBX knows it; ``errors`` has one entry per bad field; ``extensions`` holds the members
    a problem adds of its own (a possible duplicate payment's ``duplicate_of`` and
    ``override``). A response that is not
    problem+json (a proxy's error page) still becomes an ``LbxProblem``, with the reason
    phrase as its title and the start of the body as its detail.
    """

    def __init__(
        self, status: int, title: str, detail: str = "", *, field: str | None = None,
        errors: list[dict[str, Any]] | None = None, type_: str | None = None,
        extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}" + (f" [{field}]" if field else ""))
        self.status = status
        self.title = title
        self.detail = detail
        self.field = field
        self.errors = errors or []
        self.type = type_
        self.extensions = extensions or {}

    @classmethod
    def from_response(cls, response: Answer) -> LbxProblem:
        """Read a refusal; never fails, whatever the body is."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return cls(response.status_code, response.reason_phrase or "HTTP error",
                       response.text[:500])
        return cls(
            int(body.get("status", response.status_code)),
            str(body.get("title", response.reason_phrase or "HTTP error")),
            str(body.get("detail", "")),
            field=body.get("field"),
            errors=body.get("errors"),
            type_=body.get("type"),
            extensions={k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS},
        )


def _text(value: Amount | Day | int) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")  # str() may give "1E+3", which LBX refuses
    return value.isoformat() if isinstance(value, date) else str(value)


def _amount(value: Amount, name: str = "amount") -> str:
    """``value`` as the decimal string LBX takes, refusing a float before anything is sent.

    Why here and not only on the server: the server refuses a JSON number, but this client
    turns every value into text, so ``12.3`` would arrive as ``"12.3"`` and be recorded,
    although the caller's float may not have been the amount meant (``0.1 + 0.2``).

    Raises:
        TypeError: ``value`` is a float (or a bool), naming the argument.
    """
    if isinstance(value, float | bool) or not isinstance(value, str | Decimal | int):
        msg = (f"{name} must be a decimal string such as '1500.00', a Decimal or an int,"
               f" not {type(value).__name__} {value!r}")
        raise TypeError(msg)
    return _text(value)


def _fields(**values: Any) -> dict[str, Any]:
    """A request body without the optional fields the caller left out (None)."""
    return {name: value for name, value in values.items() if value is not None}


class LbxClient:
    """LBX's HTTP API as methods; one instance per base URL and key, safe to reuse.

    Args:
        base_url: the server's root (``http://127.0.0.1:8000``); a trailing ``/v1`` is fine.
        token: an API key, ``lbx_<key id>_<secret>``.
        timeout: seconds to wait for an answer.
        http: a client to send through instead of a new ``httpx.Client`` (a Starlette
            ``TestClient`` in tests, or an ``httpx.Client`` with your own TLS or proxy).
    """

    def __init__(
        self, base_url: str, token: str, *, timeout: float = 10.0,
        http: Http | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/").removesuffix("/v1")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._owned = http is None
        self._http: Http = http if http is not None else httpx.Client(timeout=timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool (unless the caller passed its own ``http``)."""
        if self._owned:
            self._http.close()

    # -- the two kinds of call -------------------------------------------------------------

    def command(
        self, path: str, body: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """POST a command to ``/v1{path}``; answer its outcome.

        A retry under the same ``idempotency_key`` returns the first outcome and writes
        nothing; keep the key if you may retry. The outcome's ``position`` can be passed as
        ``wait_for`` to a query to read your own write.

        Raises:
            LbxProblem: LBX refused the command (nothing was written) or failed.
        """
        key = idempotency_key or str(uuid.uuid4())
        return self._send("POST", path, json=body, headers={"Idempotency-Key": key})

    def query(self, path: str, **params: Any) -> dict[str, Any]:
        """GET ``/v1{path}`` with the given query parameters (None ones are left out).

        Raises:
            LbxProblem: LBX refused the query.
        """
        return self._send("GET", path, params={k: _text(v) for k, v in _fields(**params).items()})

    def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        response = self._http.request(method, f"{self.base_url}/v1{path}", headers=headers,
                                      **kwargs)
        if response.is_error:
            raise LbxProblem.from_response(response)
        answer: dict[str, Any] = response.json()
        return answer

    # -- commands --------------------------------------------------------------------------

    def register_customer(
        self, external_key: str, name: str, *, idempotency_key: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Register a customer (``currency``, ``inn``, ``kpp``, ``email``, ... as keywords)."""
        return self.command("/customers", _fields(external_key=external_key, name=name,
                                                  **fields), idempotency_key=idempotency_key)

    def start_subscription(
        self, customer_id: str, tariff_code: str, start_date: Day, *,
        idempotency_key: str | None = None, **fields: Any,
    ) -> dict[str, Any]:
        """Subscribe a customer to a tariff (``quantity``, ``anchor_day``, ... as keywords)."""
        body = _fields(tariff_code=tariff_code, start_date=_text(start_date), **fields)
        return self.command(f"/customers/{customer_id}/subscriptions", body,
                            idempotency_key=idempotency_key)

    def record_payment(
        self, customer_id: str, amount: Amount, currency: str, *,
        received_on: Day | None = None, idempotency_key: str | None = None, **fields: Any,
    ) -> dict[str, Any]:
        """Record money received (``reference``, ``payer_inn``, ``invoice_ids``, ...).

        A bank transfer like a payment the bank statement already brought is refused (409,
        ``duplicate_of`` in the problem's ``extensions``); ``not_a_duplicate=True`` records
        it all the same, as another payment.

        Raises:
            TypeError: ``amount`` is a float; nothing is sent.
            LbxProblem: LBX refused the payment (nothing was written).
        """
        body = _fields(amount=_amount(amount), currency=currency,
                       received_on=_text(received_on) if received_on else None, **fields)
        return self.command(f"/customers/{customer_id}/payments", body,
                            idempotency_key=idempotency_key)

    def record_usage(
        self, customer_id: str, subscription_id: str, component: str, *, usage_id: str,
        quantity: Amount | int, occurred_on: Day, idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record metered usage; a resend with the same ``usage_id`` is ignored by LBX."""
        body = {"subscription_id": subscription_id, "component": component,
                "usage_id": usage_id, "quantity": _text(quantity),
                "occurred_on": _text(occurred_on)}
        return self.command(f"/customers/{customer_id}/usage", body,
                            idempotency_key=idempotency_key)

    def record_charge(
        self, customer_id: str, amount: Amount, description: str, *,
        idempotency_key: str | None = None, **fields: Any,
    ) -> dict[str, Any]:
        """Charge a one-off amount (invoiced at once unless ``invoice_now=False``).

        Raises:
            TypeError: ``amount`` is a float; nothing is sent.
            LbxProblem: LBX refused the charge (nothing was written).
        """
        body = _fields(amount=_amount(amount), description=description, **fields)
        return self.command(f"/customers/{customer_id}/charges", body,
                            idempotency_key=idempotency_key)

    # -- queries ---------------------------------------------------------------------------

    def customer(self, customer_id: str, *, wait_for: int | None = None) -> dict[str, Any]:
        """The customer's profile and balances per currency (from the views)."""
        return self.query(f"/customers/{customer_id}", wait_for=wait_for)

    def status(self, customer_id: str) -> dict[str, Any]:
        """Whether to grant access, and the debt; read from the ledger, so never behind."""
        return self.query(f"/customers/{customer_id}/status")

    def balances(self, customer_id: str, *, wait_for: int | None = None) -> list[dict[str, Any]]:
        """The customer's balances, one per currency (``receivable``, ``credit``, ...)."""
        balances: list[dict[str, Any]] = self.customer(customer_id, wait_for=wait_for)["balances"]
        return balances

    def invoices(self, **filters: Any) -> dict[str, Any]:
        """One page of invoices (``status``, ``customer_id``, ``cursor``, ``wait_for``, ...)."""
        return self.query("/invoices", **filters)

    def invoice(self, invoice_id: str, *, wait_for: int | None = None) -> dict[str, Any]:
        """One invoice with its lines."""
        return self.query(f"/invoices/{invoice_id}", wait_for=wait_for)

    def debts(self, **filters: Any) -> dict[str, Any]:
        """One page of customers who owe money, largest first, with totals per currency."""
        return self.query("/debts", **filters)
