"""Payment gateway notifications: authentic ones record a payment once, others write nothing.

Signatures and tokens are computed here by helpers written from the providers' specs, not
by the code under test, so that a shared mistake cannot pass unnoticed. Every test that
touches the ledger runs on SQLite and on PostgreSQL (the ``services`` fixture).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.gateways import tbank, yookassa
from api.gateways.common import Refused
from api.routes import gateways
from ledger.customers import customer_id_for
from ledger.customers.events import PaymentReceived
from ledger.money import Money
from tests.support.dsl import register

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from fastapi import FastAPI
    from httpx2 import Response as Answer  # what TestClient returns (starlette 1.x)

    from api.bootstrap import Services

CP_SECRET = "cp-api-secret"  # noqa: S105  (a test secret)
TB_TERMINAL = "1321054611234DEMO"
TB_PASSWORD = "Dfsfh56dgKl"  # noqa: S105  (a test password)
YOOKASSA_PEER = ("185.71.76.1", 5000)
GATEWAY_VARS = (
    "LBX_CLOUDPAYMENTS_SECRET", "LBX_TBANK_TERMINAL_KEY", "LBX_TBANK_PASSWORD",
    "LBX_YOOKASSA_ALLOWED_NETWORKS", "LBX_YOOKASSA_SHOP_ID", "LBX_YOOKASSA_SECRET_KEY",
    "LBX_TRUST_FORWARDED_FOR",
)


# -- fixtures and spec-derived helpers -------------------------------------------------------


@pytest.fixture(autouse=True)
def gateway_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every gateway configured; tests unset what they need unset."""
    for name in GATEWAY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LBX_CLOUDPAYMENTS_SECRET", CP_SECRET)
    monkeypatch.setenv("LBX_TBANK_TERMINAL_KEY", TB_TERMINAL)
    monkeypatch.setenv("LBX_TBANK_PASSWORD", TB_PASSWORD)


class FakeYooKassa:
    """Stands in for ``GET /v3/payments/{id}``: answers what the test put in ``payments``."""

    def __init__(self) -> None:
        self.payments: dict[str, dict[str, Any]] = {}
        self.asked: list[str] = []

    def __call__(self, payment_id: str) -> dict[str, Any] | None:
        self.asked.append(payment_id)
        return self.payments.get(payment_id)


@pytest.fixture
def fake_yookassa() -> FakeYooKassa:
    return FakeYooKassa()


def gateway_app(services: Services, fake: FakeYooKassa) -> FastAPI:
    app = create_app(services)
    if not any(getattr(r, "path", "").startswith("/v1/gateways") for r in app.routes):
        app.include_router(gateways.router)  # until api/app.py includes it
    app.state.yookassa_verify = fake
    return app


@pytest.fixture
def client(services: Services, fake_yookassa: FakeYooKassa) -> Iterator[TestClient]:
    """The app with the gateway routes, called from TestClient's default ("testclient")."""
    app = gateway_app(services, fake_yookassa)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def yookassa_client(services: Services, fake_yookassa: FakeYooKassa) -> Iterator[TestClient]:
    """The same app, called from an address inside YooKassa's published ranges."""
    app = gateway_app(services, fake_yookassa)
    with TestClient(app, raise_server_exceptions=False, client=YOOKASSA_PEER) as test_client:
        yield test_client


def payments(services: Services, customer: UUID) -> list[PaymentReceived]:
    return [e for e in services.ledger.history(customer) if isinstance(e, PaymentReceived)]


def cp_signature(body: bytes, secret: str = CP_SECRET) -> str:
    """CloudPayments: base64 of HMAC-SHA256 over the body bytes with the API secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def tbank_token(params: dict[str, Any], password: str = TB_PASSWORD) -> str:
    """T-Bank: root scalars (not Token) plus Password, sorted by key, values joined, SHA-256."""
    pairs = [(k, v) for k, v in params.items() if k != "Token" and not isinstance(v, dict | list)]
    pairs.append(("Password", password))
    pairs.sort(key=lambda pair: pair[0])
    text = "".join(("true" if v else "false") if isinstance(v, bool) else str(v) for _, v in pairs)
    return hashlib.sha256(text.encode()).hexdigest()


def tbank_signed(**params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"TerminalKey": TB_TERMINAL, "Success": True, "ErrorCode": "0"}
    body.update(params)
    body["Token"] = tbank_token(body)
    return body


def cp_form(**overrides: str) -> bytes:
    fields = {"TransactionId": "504", "Amount": "1500.00", "Currency": "RUB",
              "AccountId": "C-1", "Email": "buh@example.ru", "Name": "IVAN PETROV",
              "DateTime": "2026-01-14 22:30:00", "Status": "Completed"}
    fields.update(overrides)
    return urlencode(fields).encode()


def post_cp(client: TestClient, body: bytes, signature: str | None = None,
            header: str = "Content-HMAC",
            content_type: str = "application/x-www-form-urlencoded") -> Answer:
    headers = {"Content-Type": content_type}
    headers[header] = cp_signature(body) if signature is None else signature
    return client.post("/v1/gateways/cloudpayments/pay", content=body, headers=headers)


def yk_payment(payment_id: str = "2f1b6ac1-000f-5000-9000-1d5c4e1b4a01", value: str = "990.00",
               status: str = "succeeded", customer: str = "C-1") -> dict[str, Any]:
    return {"id": payment_id, "status": status, "paid": status == "succeeded",
            "amount": {"value": value, "currency": "RUB"},
            "payment_method": {"type": "bank_card", "id": payment_id, "saved": False},
            "captured_at": "2026-01-15T08:10:00.000Z", "created_at": "2026-01-15T08:09:40.000Z",
            "metadata": {"customer": customer}}


def yk_notification(payment: dict[str, Any], event: str = "payment.succeeded") -> dict[str, Any]:
    return {"type": "notification", "event": event, "object": payment}


# -- CloudPayments ---------------------------------------------------------------------------


def test_cloudpayments_signed_pay_records_the_payment_from_the_gateway(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    response = post_cp(client, cp_form())
    assert response.status_code == 200, response.text
    assert response.json() == {"code": 0}
    [payment] = payments(services, customer)
    assert payment.amount == Money(150000, "RUB")
    assert payment.payment_id == "cloudpayments:504"
    assert payment.reference == "CloudPayments 504"
    assert payment.method == "card"
    assert payment.payer_name == "IVAN PETROV"
    assert payment.received_on == date(2026, 1, 15)  # 22:30 UTC is 01:30 next day in Moscow
    assert payment.meta.source == "gateway"
    assert payment.meta.actor == "gateway:cloudpayments"
    assert payment.meta.idempotency_key == "cloudpayments:504"


def test_a_cardholder_name_with_control_characters_is_cleaned_not_a_reason_to_refuse(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    response = post_cp(client, cp_form(Name="IVAN\x1b[2J PETROV\x7f"))
    assert response.status_code == 200, response.text
    [payment] = payments(services, customer)
    assert payment.payer_name == "IVAN[2J PETROV"


def test_cloudpayments_json_body_signed_in_x_content_hmac_keeps_exact_amounts(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    body = (b'{"TransactionId": 505, "Amount": 1234.5, "Currency": "RUB", "AccountId": "C-1",'
            b' "Status": "Completed", "Data": {"x": 1}}')
    response = post_cp(client, body, header="X-Content-HMAC", content_type="application/json")
    assert response.json() == {"code": 0}, response.text
    [payment] = payments(services, customer)
    assert payment.amount == Money(123450, "RUB")


def test_cloudpayments_bad_or_missing_signature_is_401_and_writes_nothing(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    body = cp_form()
    forged = post_cp(client, body, signature=cp_signature(body, "another secret"))
    tampered = post_cp(client, cp_form(Amount="15.00"), signature=cp_signature(body))
    unsigned = client.post("/v1/gateways/cloudpayments/pay", content=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    for response in (forged, tampered, unsigned):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert payments(services, customer) == []


def test_cloudpayments_duplicate_notification_answers_the_same_and_records_once(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    first = post_cp(client, cp_form())
    second = post_cp(client, cp_form())
    assert first.json() == second.json() == {"code": 0}
    assert len(payments(services, customer)) == 1


def test_cloudpayments_unknown_customer_is_refused_with_code_13_and_nothing_written(
    client: TestClient, services: Services
) -> None:
    before = services.ledger.max_position()
    response = post_cp(client, cp_form(AccountId="NOBODY"))
    assert response.status_code == 200
    assert response.json() == {"code": 13}
    assert services.ledger.max_position() == before
    assert not services.ledger.exists(customer_id_for("NOBODY"))


def test_cloudpayments_authorized_only_is_acknowledged_without_writing(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    response = post_cp(client, cp_form(Status="Authorized"))
    assert response.json() == {"code": 0}
    assert payments(services, customer) == []


def test_cloudpayments_payment_the_ledger_refuses_is_a_problem_and_writes_nothing(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    for currency, field in (("USD", "currency"), ("XYZ", "currency")):
        response = post_cp(client, cp_form(Currency=currency, TransactionId=f"6{currency}"))
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
    assert payments(services, customer) == []


# -- T-Bank ----------------------------------------------------------------------------------


def test_tbank_token_matches_the_documented_example() -> None:
    # developer.tbank.ru/eacq/intro/developer/token: nested Receipt and DATA are left out,
    # values joined in key order give this string; its SHA-256 was computed with sha256sum.
    params = {"TerminalKey": "MerchantTerminalKey", "Amount": 19200, "OrderId": "00000",
              "Description": "Подарочная карта на 1000 рублей",
              "DATA": {"Phone": "+71234567890"}, "Receipt": {"Items": []}}
    joined = "19200Подарочная карта на 1000 рублей0000011111111111111MerchantTerminalKey"
    expected = "72dd466f8ace0a37a1f740ce5fb78101712bc0665d91a8108c7c8a0ccd426db2"
    assert hashlib.sha256(joined.encode()).hexdigest() == expected
    assert tbank.token_of(params, "11111111111111") == expected
    assert tbank_token(params, "11111111111111") == expected


def test_tbank_token_writes_booleans_in_lowercase() -> None:
    # Amount, Password, Success, TerminalKey → "100" "p" "true" "T"; sha256sum of "100ptrueT".
    expected = "23e0499b4c111b5a8bcbd015f3e20b991f3214daa0ffb29cf9dd3dea5c5c8f2b"
    assert tbank.token_of({"Success": True, "TerminalKey": "T", "Amount": 100}, "p") == expected


@pytest.mark.parametrize(("kopecks", "text"), [
    (0, "0.00"), (1, "0.01"), (99, "0.99"), (100, "1.00"), (150050, "1500.50"),
    (12345678901234567, "123456789012345.67"), ("250", "2.50"),
])
def test_tbank_kopecks_become_exact_decimal_strings(kopecks: object, text: str) -> None:
    assert tbank.kopecks_to_text(kopecks) == text


@pytest.mark.parametrize("bad", [True, -1, 1.5, "1.5", None, "abc"])
def test_tbank_amount_that_is_not_whole_kopecks_is_refused(bad: object) -> None:
    with pytest.raises(Refused) as refused:
        tbank.kopecks_to_text(bad)
    assert refused.value.status == 422


def test_tbank_confirmed_payment_is_recorded_once(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    body = tbank_signed(OrderId="C-1:INV-7", Status="CONFIRMED", PaymentId=8742591,
                        Amount=150050, CardId=322264, Pan="430000******0777", ExpDate="1122")
    first = client.post("/v1/gateways/tbank/notification", json=body)
    again = client.post("/v1/gateways/tbank/notification", json=body)
    assert (first.status_code, first.text) == (200, "OK")
    assert (again.status_code, again.text) == (200, "OK")
    [payment] = payments(services, customer)
    assert payment.amount == Money(150050, "RUB")
    assert payment.payment_id == "tbank:8742591"
    assert payment.method == "card"
    assert payment.meta.source == "gateway"
    assert payment.meta.actor == "gateway:tbank"
    assert payment.meta.idempotency_key == "tbank:8742591:CONFIRMED"


def test_tbank_unsigned_data_cannot_move_a_payment_to_another_customer(
    client: TestClient, services: Services
) -> None:
    owner, other = register(services, "C-1"), register(services, "C-2")
    body = tbank_signed(OrderId="C-1:31", Status="CONFIRMED", PaymentId="31", Amount=500,
                        DATA={"customer": "C-2"})  # DATA is outside the token
    assert client.post("/v1/gateways/tbank/notification", json=body).text == "OK"
    assert [p.amount for p in payments(services, owner)] == [Money(500, "RUB")]
    assert payments(services, other) == []


def test_tbank_bad_token_or_foreign_terminal_is_401_and_writes_nothing(
    client: TestClient, services: Services
) -> None:
    customer = register(services, "C-1")
    good = tbank_signed(OrderId="C-1", Status="CONFIRMED", PaymentId=1, Amount=100)
    tampered = {**good, "Amount": 100000}
    wrong_password = {**good, "Token": tbank_token(good, "not the password")}
    foreign = {**good, "TerminalKey": "OTHER"}
    foreign["Token"] = tbank_token(foreign)
    unsigned = {k: v for k, v in good.items() if k != "Token"}
    for body in (tampered, wrong_password, foreign, unsigned):
        response = client.post("/v1/gateways/tbank/notification", json=body)
        assert response.status_code == 401, body
        assert response.headers["content-type"] == "application/problem+json"
    assert payments(services, customer) == []


@pytest.mark.parametrize(("status", "success"), [
    ("AUTHORIZED", True), ("REJECTED", False), ("REFUNDED", True), ("CONFIRMED", False),
])
def test_tbank_other_statuses_are_acknowledged_without_writing(
    client: TestClient, services: Services, status: str, success: bool
) -> None:
    customer = register(services, "C-1")
    body = tbank_signed(OrderId="C-1", Status=status, Success=success, PaymentId=9, Amount=100)
    response = client.post("/v1/gateways/tbank/notification", json=body)
    assert (response.status_code, response.text) == (200, "OK")
    assert payments(services, customer) == []


def test_tbank_unknown_customer_is_404_until_registered_then_the_retry_records(
    client: TestClient, services: Services
) -> None:
    body = tbank_signed(OrderId="C-9:INV-1", Status="CONFIRMED", PaymentId=77, Amount=1000)
    refused = client.post("/v1/gateways/tbank/notification", json=body)
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert not services.ledger.exists(customer_id_for("C-9"))
    customer = register(services, "C-9")
    retried = client.post("/v1/gateways/tbank/notification", json=body)
    assert retried.text == "OK"
    assert [p.amount for p in payments(services, customer)] == [Money(1000, "RUB")]


# -- YooKassa --------------------------------------------------------------------------------


def test_yookassa_rechecked_payment_is_recorded_once(
    yookassa_client: TestClient, services: Services, fake_yookassa: FakeYooKassa
) -> None:
    customer = register(services, "C-1")
    payment = yk_payment()
    fake_yookassa.payments[payment["id"]] = payment
    url = "/v1/gateways/yookassa/notification"
    first = yookassa_client.post(url, json=yk_notification(payment))
    again = yookassa_client.post(url, json=yk_notification(payment))
    assert (first.status_code, first.json()) == (200, {})
    assert (again.status_code, again.json()) == (200, {})
    [recorded] = payments(services, customer)
    assert recorded.amount == Money(99000, "RUB")
    assert recorded.payment_id == f"yookassa:{payment['id']}"
    assert recorded.method == "card"
    assert recorded.received_on == date(2026, 1, 15)
    assert recorded.meta.source == "gateway"
    assert recorded.meta.actor == "gateway:yookassa"
    assert fake_yookassa.asked == [payment["id"], payment["id"]]


def test_yookassa_from_a_disallowed_address_is_401_and_writes_nothing(
    client: TestClient, services: Services, fake_yookassa: FakeYooKassa,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = register(services, "C-1")
    payment = yk_payment()
    fake_yookassa.payments[payment["id"]] = payment
    url = "/v1/gateways/yookassa/notification"
    spoofed = {"X-Forwarded-For": "185.71.76.5"}
    assert client.post(url, json=yk_notification(payment)).status_code == 401  # "testclient"
    assert client.post(url, json=yk_notification(payment), headers=spoofed).status_code == 401
    monkeypatch.setenv("LBX_TRUST_FORWARDED_FOR", "1")
    # the client claims an allowed address; our proxy appended the real one
    outside = {"X-Forwarded-For": "185.71.76.5, 203.0.113.7"}
    assert client.post(url, json=yk_notification(payment), headers=outside).status_code == 401
    assert payments(services, customer) == []
    assert fake_yookassa.asked == []
    behind_proxy = client.post(url, json=yk_notification(payment), headers=spoofed)
    assert behind_proxy.status_code == 200, behind_proxy.text
    assert len(payments(services, customer)) == 1


def test_yookassa_allow_list_comes_from_the_environment(
    yookassa_client: TestClient, services: Services, fake_yookassa: FakeYooKassa,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    register(services, "C-1")
    payment = yk_payment()
    fake_yookassa.payments[payment["id"]] = payment
    monkeypatch.setenv("LBX_YOOKASSA_ALLOWED_NETWORKS", "10.0.0.0/8, 2001:db8::/32")
    response = yookassa_client.post("/v1/gateways/yookassa/notification",
                                    json=yk_notification(payment))
    assert response.status_code == 401


@pytest.mark.parametrize("answer", [
    yk_payment(status="canceled"), yk_payment(value="9.90"), yk_payment(status="pending"), None,
])
def test_yookassa_recheck_that_disagrees_is_409_and_writes_nothing(
    yookassa_client: TestClient, services: Services, fake_yookassa: FakeYooKassa,
    answer: dict[str, Any] | None,
) -> None:
    customer = register(services, "C-1")
    payment = yk_payment()
    if answer is not None:
        fake_yookassa.payments[payment["id"]] = answer
    response = yookassa_client.post("/v1/gateways/yookassa/notification",
                                    json=yk_notification(payment))
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert payments(services, customer) == []


def test_yookassa_other_events_are_acknowledged_without_recheck_or_writing(
    yookassa_client: TestClient, services: Services, fake_yookassa: FakeYooKassa
) -> None:
    customer = register(services, "C-1")
    for event in ("payment.waiting_for_capture", "payment.canceled", "refund.succeeded"):
        response = yookassa_client.post("/v1/gateways/yookassa/notification",
                                        json=yk_notification(yk_payment(), event))
        assert (response.status_code, response.json()) == (200, {})
    assert payments(services, customer) == []
    assert fake_yookassa.asked == []


def test_yookassa_unknown_customer_is_404_and_writes_nothing(
    yookassa_client: TestClient, services: Services, fake_yookassa: FakeYooKassa
) -> None:
    payment = yk_payment(customer="NOBODY")
    fake_yookassa.payments[payment["id"]] = payment
    before = services.ledger.max_position()
    response = yookassa_client.post("/v1/gateways/yookassa/notification",
                                    json=yk_notification(payment))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert services.ledger.max_position() == before


def test_yookassa_real_recheck_asks_the_api_with_basic_auth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, Any, Any]] = []

    def fake_get(url: str, *, auth: Any, timeout: Any) -> httpx.Response:
        calls.append((url, auth, timeout))
        status = 404 if url.endswith("/missing") else 200
        return httpx.Response(status, json=yk_payment(), request=httpx.Request("GET", url))

    monkeypatch.setattr(httpx, "get", fake_get)
    api = yookassa.YooKassaApi("shop-1", "secret")
    assert api("2f1b6ac1")["status"] == "succeeded"  # type: ignore[index]
    assert api("missing") is None
    assert calls[0] == ("https://api.yookassa.ru/v3/payments/2f1b6ac1", ("shop-1", "secret"), 10.0)
    assert "secret" not in repr(api)


# -- configuration ---------------------------------------------------------------------------


def test_a_gateway_that_is_not_configured_answers_503(
    services: Services, fake_yookassa: FakeYooKassa, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in GATEWAY_VARS:
        monkeypatch.delenv(name, raising=False)
    app = gateway_app(services, fake_yookassa)
    del app.state.yookassa_verify  # no injected re-check and no shop credentials
    with TestClient(app, raise_server_exceptions=False, client=YOOKASSA_PEER) as test_client:
        body = cp_form()
        answers: list[Answer] = [
            post_cp(test_client, body),
            test_client.post("/v1/gateways/tbank/notification", json=tbank_signed()),
            test_client.post("/v1/gateways/yookassa/notification",
                             json=yk_notification(yk_payment())),
        ]
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"].startswith("gateway not configured")
    assert json.loads(answers[0].text)["title"] == "Gateway not configured"
