"""Payment gateway notifications over HTTP, under ``/v1/gateways``.

These routes take no API key: each provider proves itself its own way (a signature, a
token, a source network plus a re-check), as ``api/gateways`` describes per provider.
Each answers in its provider's own dialect (``{"code": 0}``, ``OK``, ``{}``) because that
is what stops the provider's retries; refusals are RFC 9457 problem+json like every other
LBX error. The endpoints are plain functions, so that the ledger writes and YooKassa's
re-check run in the thread pool; only reading the raw body is asynchronous. A body over
:data:`MAX_BODY` is answered 413 before it reaches them (``api/limits.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from api.deps import ServicesDep
from api.gateways import cloudpayments, tbank, yookassa
from api.gateways.common import Refused

if TYPE_CHECKING:
    from collections.abc import Callable

router = APIRouter(prefix="/v1/gateways", tags=["gateways"])

MAX_BODY = 64 * 1024
"""A provider's notification is a kilobyte or two; anyone may post here, so little is read."""


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: signatures are computed over these bytes, not a parse.

    At most :data:`MAX_BODY` bytes arrive here: ``api/limits.py`` refuses more, unread.
    """
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _body_doc(*media_types: str) -> dict[str, Any]:
    content = {media: {"schema": {"type": "object"}} for media in media_types}
    return {"requestBody": {"required": True, "content": content}}


def _answer(work: Callable[[], Response]) -> Response:
    try:
        return work()
    except Refused as refusal:
        return refusal.response()


@router.post(
    "/cloudpayments/pay", summary="CloudPayments Pay notification",
    description=cloudpayments.__doc__,
    openapi_extra=_body_doc("application/x-www-form-urlencoded", "application/json"),
)
def cloudpayments_pay(body: RawBody, request: Request, services: ServicesDep) -> Response:
    """Record a CloudPayments card payment; answer ``{"code": 0}``."""
    return _answer(lambda: cloudpayments.handle_pay(body, request.headers, services))


@router.post(
    "/tbank/notification", summary="T-Bank acquiring notification",
    description=tbank.__doc__, openapi_extra=_body_doc("application/json"),
)
def tbank_notification(body: RawBody, services: ServicesDep) -> Response:
    """Record a CONFIRMED T-Bank payment; answer ``OK``."""
    return _answer(lambda: tbank.handle_notification(body, services))


@router.post(
    "/yookassa/notification", summary="YooKassa notification",
    description=yookassa.__doc__, openapi_extra=_body_doc("application/json"),
)
def yookassa_notification(body: RawBody, request: Request, services: ServicesDep) -> Response:
    """Record a re-checked YooKassa payment; answer ``{}``."""
    return _answer(lambda: yookassa.handle_notification(
        body,
        peer=request.client.host if request.client else None,
        forwarded_for=request.headers.get("x-forwarded-for"),
        injected=getattr(request.app.state, "yookassa_verify", None),
        services=services,
    ))
