"""CRM webhooks over HTTP: amoCRM and Bitrix24 are believed only after LBX reads back.

A fake CRM runs as a real HTTP server on 127.0.0.1 (in a thread) and answers the REST
calls LBX makes; every test checks what LBX asked it and that what was recorded is the
CRM's answer, never the webhook's body.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import pytest

from api.crm.common import url_secret
from commands.close_customer import CloseCustomer
from commands.update_customer import UpdateCustomer
from ledger.access import Role
from ledger.customers import customer_id_for
from tests.api.conftest import auth
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi.testclient import TestClient

    from api.bootstrap import Services

AMO_TOKEN = "amo-long-lived-token"  # noqa: S105  (a test's fake credential)
APP_TOKEN = "bitrix-application-token"  # noqa: S105
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class FakeCrm:
    """A CRM's REST API: canned JSON answers by path, and a log of what was asked."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.statuses: dict[str, int] = {}
        self.requests: list[tuple[str, dict[str, list[str]], str | None]] = []
        crm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                crm.requests.append((url.path, parse_qs(url.query),
                                     self.headers.get("Authorization")))
                answer = crm.answers.get(url.path)
                body = json.dumps(answer).encode()
                self.send_response(crm.statuses.get(url.path, 404 if answer is None else 200))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def crm(services: Services) -> Iterator[FakeCrm]:
    """A fake CRM, and LBX configured to read amoCRM and Bitrix24 from it."""
    fake = FakeCrm()
    services.settings = dataclasses.replace(
        services.settings, secret_key="test-installation-secret",  # noqa: S106
        amocrm_url=fake.url, amocrm_token=AMO_TOKEN,
        bitrix24_url=fake.url + "/rest/1/hook", bitrix24_app_token=APP_TOKEN)
    yield fake
    fake.close()


def amo_url(services: Services) -> str:
    return f"/v1/crm/amocrm/{url_secret(services.settings, 'amocrm')}"


def bitrix_url(services: Services) -> str:
    return f"/v1/crm/bitrix24/{url_secret(services.settings, 'bitrix24')}"


def amo_contact(contact_id: int = 12345, **overrides: Any) -> dict[str, Any]:
    return {
        "id": contact_id, "name": "ООО Ромашка", "responsible_user_id": 504141,
        "custom_fields_values": [
            {"field_code": "EMAIL", "field_name": "Email",
             "values": [{"value": "buh@romashka.ru"}]},
            {"field_code": "PHONE", "field_name": "Телефон",
             "values": [{"value": "+7 495 111-22-33"}]},
            {"field_code": None, "field_name": "ИНН", "values": [{"value": "7707049388"}]},
        ],
        "_embedded": {"tags": [{"id": 1, "name": "VIP"}], "leads": [{"id": 7}]},
        **overrides,
    }


def serve_amo(crm: FakeCrm, **contact: Any) -> None:
    crm.answers["/api/v4/contacts/12345"] = amo_contact(**contact)
    crm.answers["/api/v4/users/504141"] = {"id": 504141, "name": "Анна Петрова"}
    crm.answers["/api/v4/leads"] = {"_embedded": {"leads": [
        {"id": 7, "_embedded": {"tags": [{"id": 2, "name": "опт"}]}}]}}


# -- amoCRM -------------------------------------------------------------------------------


def test_an_amocrm_contact_is_read_back_and_becomes_a_customer(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[update][0][id]=12345&contacts[update][0][name]=Forged")
    assert response.status_code == 200, response.text
    customer_id = customer_id_for("amocrm:contact:12345")
    assert response.json()["customers"] == [
        {"record": "contact:12345", "customer_id": str(customer_id), "outcome": "created"}]
    profile = services.ledger.customer(customer_id).state.profile
    assert profile.name == "ООО Ромашка"  # amoCRM's answer, not the body's "Forged"
    assert (profile.inn, profile.email, profile.phone) == (
        "7707049388", "buh@romashka.ru", "+7 495 111-22-33")
    assert profile.manager == "Анна Петрова"
    assert profile.tags == ["VIP", "опт"]  # the contact's own and its lead's (deal) tags
    assert crm.paths() == ["/api/v4/contacts/12345", "/api/v4/users/504141", "/api/v4/leads"]
    assert {token for _, _, token in crm.requests} == {f"Bearer {AMO_TOKEN}"}
    assert crm.requests[2][1] == {"filter[id][]": ["7"]}
    (registered,) = services.ledger.history(customer_id)
    assert (registered.meta.actor, registered.meta.source) == ("crm:amocrm", "crm")


def test_the_same_amocrm_delivery_twice_changes_nothing(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    body = "contacts[add][0][id]=12345"
    client.post(amo_url(services), headers=FORM, content=body)
    head = services.ledger.max_position()
    again = client.post(amo_url(services), headers=FORM, content=body)
    assert again.json()["customers"][0]["outcome"] == "unchanged"
    assert services.ledger.max_position() == head


def test_what_amocrm_changed_is_recorded_as_one_update(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    client.post(amo_url(services), headers=FORM, content="contacts[add][0][id]=12345")
    serve_amo(crm, name="ООО Ромашка-Плюс")
    answer = client.post(amo_url(services), headers=FORM, content="contacts[update][0][id]=12345")
    assert answer.json()["customers"][0]["outcome"] == "updated"
    customer_id = customer_id_for("amocrm:contact:12345")
    update = services.ledger.history(customer_id)[-1]
    assert update.changes == {"name": "ООО Ромашка-Плюс"}  # type: ignore[attr-defined]


def test_a_lead_event_syncs_the_leads_company(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    crm.answers["/api/v4/leads/7"] = {"id": 7, "_embedded": {
        "companies": [{"id": 55}], "contacts": [{"id": 12345, "is_main": True}]}}
    crm.answers["/api/v4/companies/55"] = {
        "id": 55, "name": "АО Лютик", "custom_fields_values": [{
            "field_type": "legal_entity", "field_name": "Юр. лицо",
            "values": [{"value": {"name": "АО Лютик", "vat_id": "7707049388",
                                  "kpp": "770701001"}}]}]}
    response = client.post(amo_url(services), headers=FORM,
                           content="leads[status][0][id]=7&leads[status][0][status_id]=142")
    assert response.json()["customers"][0]["record"] == "company:55"
    profile = services.ledger.customer(customer_id_for("amocrm:company:55")).state.profile
    assert (profile.name, profile.inn, profile.kpp) == ("АО Лютик", "7707049388", "770701001")


def test_an_amocrm_contact_without_a_name_keeps_the_customers_name(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    client.post(amo_url(services), headers=FORM, content="contacts[update][0][id]=12345")
    serve_amo(crm, name="")
    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[update][0][id]=12345")
    assert response.status_code == 200, response.text
    customer_id = customer_id_for("amocrm:contact:12345")
    assert services.ledger.customer(customer_id).state.profile.name == "ООО Ромашка"
    assert event_names(services, customer_id) == ["CustomerRegistered"]


def test_an_amocrm_contact_created_without_a_name_gets_a_placeholder(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm, name="  ")
    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[update][0][id]=12345")
    assert response.json()["customers"][0]["outcome"] == "created", response.text
    profile = services.ledger.customer(customer_id_for("amocrm:contact:12345")).state.profile
    assert profile.name == "amoCRM contact 12345"


def test_an_amocrm_record_with_no_tags_or_other_fields_leaves_the_customers_own(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    # given a customer the accountant tagged and gave a ИНН, linked to amoCRM contact 12345
    customer = register(services, "CRM-1", name="ООО Ромашка", tags=["VIP", "опт"],
                        inn="7707049388", email="buh@romashka.ru")
    send(services, UpdateCustomer(customer_id=customer,
                                  external_ids={"amocrm": "contact:12345"}))
    services.runner.catch_up()
    head = services.ledger.max_position()
    # ... and amoCRM's contact, new, has a name but no tags, deals, fields or manager
    serve_amo(crm, _embedded={}, custom_fields_values=None, responsible_user_id=None)

    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[update][0][id]=12345")

    # then nothing the CRM leaves empty is erased, and nothing is written
    assert response.status_code == 200, response.text
    assert response.json()["customers"] == [
        {"record": "contact:12345", "customer_id": str(customer), "outcome": "unchanged"}]
    profile = services.ledger.customer(customer).state.profile
    assert (profile.tags, profile.inn, profile.email) == (
        ["VIP", "опт"], "7707049388", "buh@romashka.ru")
    assert services.ledger.max_position() == head


def test_a_company_sent_among_the_contacts_is_read_as_a_company(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    crm.answers["/api/v4/companies/55"] = {"id": 55, "name": "АО Лютик"}
    response = client.post(amo_url(services), headers=FORM, content=(
        "contacts[update][0][id]=55&contacts[update][0][type]=company"))
    assert response.json()["customers"][0]["record"] == "company:55"
    assert crm.paths() == ["/api/v4/companies/55"]


def test_a_wrong_amocrm_secret_is_refused_and_nothing_is_read_or_written(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    head = services.ledger.max_position()
    response = client.post("/v1/crm/amocrm/not-the-secret", headers=FORM,
                           content="contacts[add][0][id]=12345")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "secret"  # the URL's, not a field of the body
    assert crm.requests == []
    assert services.ledger.max_position() == head


def test_amocrm_events_lbx_does_not_act_on_are_acknowledged(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[delete][0][id]=12345&task[add][0][id]=3")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "customers": []}
    assert crm.requests == []


def test_a_contact_amocrm_no_longer_has_is_reported_missing(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    response = client.post(amo_url(services), headers=FORM, content="contacts[add][0][id]=404")
    assert response.json()["customers"] == [{"record": "contact:404", "outcome": "missing"}]
    assert not services.ledger.exists(customer_id_for("amocrm:contact:404"))


def test_an_unconfigured_amocrm_answers_503(client: TestClient, services: Services) -> None:
    services.settings = dataclasses.replace(services.settings, secret_key="s")  # noqa: S106
    response = client.post(amo_url(services), headers=FORM, content="contacts[add][0][id]=1")
    assert response.status_code == 503
    assert "LBX_AMOCRM_URL" in response.json()["detail"]


# -- Bitrix24 ------------------------------------------------------------------------------


def serve_bitrix(crm: FakeCrm, title: str = "ООО Василёк") -> None:
    crm.answers["/rest/1/hook/crm.company.get.json"] = {"result": {
        "ID": "42", "TITLE": title, "ASSIGNED_BY_ID": "1",
        "EMAIL": [{"VALUE": "info@vasilek.ru", "VALUE_TYPE": "WORK"}], "PHONE": []}}
    crm.answers["/rest/1/hook/crm.requisite.list.json"] = {"result": [
        {"RQ_INN": "7707049388", "RQ_KPP": "770701001", "RQ_OGRN": "1027700132195"}]}
    crm.answers["/rest/1/hook/user.get.json"] = {"result": [
        {"ID": "1", "NAME": "Иван", "LAST_NAME": "Сидоров"}]}


BITRIX_EVENT = {"event": "ONCRMCOMPANYUPDATE", "data": {"FIELDS": {"ID": "42"}},
                "auth": {"application_token": APP_TOKEN, "domain": "evil.example",
                         "client_endpoint": "http://evil.example/rest/"}}


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_bitrix24_company_is_read_back_through_the_configured_webhook(
    client: TestClient, services: Services, crm: FakeCrm, as_json: bool,
) -> None:
    serve_bitrix(crm)
    if as_json:
        response = client.post(bitrix_url(services), json=BITRIX_EVENT)
    else:
        response = client.post(bitrix_url(services), headers=FORM, content=(
            "event=ONCRMCOMPANYUPDATE&data%5BFIELDS%5D%5BID%5D=42&ts=1735689600"
            f"&auth%5Bapplication_token%5D={APP_TOKEN}&auth%5Bdomain%5D=evil.example"))
    assert response.status_code == 200, response.text
    customer_id = customer_id_for("bitrix24:company:42")
    assert response.json()["customers"][0]["outcome"] == "created"
    profile = services.ledger.customer(customer_id).state.profile
    assert (profile.name, profile.email, profile.manager) == (
        "ООО Василёк", "info@vasilek.ru", "Иван Сидоров")
    assert (profile.inn, profile.kpp, profile.ogrn) == ("7707049388", "770701001",
                                                        "1027700132195")
    assert crm.paths() == ["/rest/1/hook/crm.company.get.json", "/rest/1/hook/user.get.json",
                           "/rest/1/hook/crm.requisite.list.json"]
    assert crm.requests[0][1] == {"id": ["42"]}


def test_the_same_bitrix24_event_twice_changes_nothing(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_bitrix(crm)
    client.post(bitrix_url(services), json=BITRIX_EVENT)
    head = services.ledger.max_position()
    again = client.post(bitrix_url(services), json=BITRIX_EVENT)
    assert again.json()["customers"][0]["outcome"] == "unchanged"
    assert services.ledger.max_position() == head
    serve_bitrix(crm, title="ООО Василёк и партнёры")
    client.post(bitrix_url(services), json=BITRIX_EVENT)
    assert event_names(services, customer_id_for("bitrix24:company:42")) == [
        "CustomerRegistered", "CustomerProfileUpdated"]


def test_a_bitrix24_company_without_a_title_keeps_its_name(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_bitrix(crm)
    client.post(bitrix_url(services), json=BITRIX_EVENT)
    serve_bitrix(crm, title="")
    crm.answers["/rest/1/hook/user.get.json"] = {"result": [
        {"ID": "1", "NAME": "Олег", "LAST_NAME": "Иванов"}]}
    response = client.post(bitrix_url(services), json=BITRIX_EVENT)
    assert response.json()["customers"][0]["outcome"] == "updated", response.text
    profile = services.ledger.customer(customer_id_for("bitrix24:company:42")).state.profile
    assert (profile.name, profile.manager) == ("ООО Василёк", "Олег Иванов")


def test_a_bitrix24_company_with_empty_fields_leaves_the_customers_own(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    # given a tagged customer with requisites, linked to Bitrix24 company 42
    customer = register(services, "B-42", name="ООО Василёк", tags=["VIP"],
                        inn="7736050003", email="info@vasilek.ru")
    send(services, UpdateCustomer(customer_id=customer,
                                  external_ids={"bitrix24": "company:42"}))
    services.runner.catch_up()
    # ... whose company in Bitrix24 has no requisites, e-mail, address or manager
    crm.answers["/rest/1/hook/crm.company.get.json"] = {"result": {
        "ID": "42", "TITLE": "ООО Василёк", "EMAIL": [], "PHONE": [], "ADDRESS": ""}}
    crm.answers["/rest/1/hook/crm.requisite.list.json"] = {"result": []}

    response = client.post(bitrix_url(services), json=BITRIX_EVENT)

    # then the customer keeps them (Bitrix24 companies carry no tags at all)
    assert response.json()["customers"][0]["outcome"] == "unchanged", response.text
    profile = services.ledger.customer(customer).state.profile
    assert (profile.tags, profile.inn, profile.email) == (
        ["VIP"], "7736050003", "info@vasilek.ru")


def test_a_failing_bitrix24_is_logged_without_its_secret_url(
    client: TestClient, services: Services, crm: FakeCrm, caplog: pytest.LogCaptureFixture,
) -> None:
    serve_bitrix(crm)
    crm.statuses["/rest/1/hook/crm.company.get.json"] = 500
    with caplog.at_level(logging.WARNING, logger="api.crm.common"):
        response = client.post(bitrix_url(services), json=BITRIX_EVENT)
    assert response.status_code == 502
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "crm.company.get" in logged
    assert "HTTP 500" in logged
    assert "/rest/1/hook" not in logged  # the inbound webhook's secret path
    assert crm.url not in logged


@pytest.mark.parametrize("token", ["wrong-token", ""])
def test_a_wrong_application_token_is_refused_and_nothing_is_read(
    client: TestClient, services: Services, crm: FakeCrm, token: str,
) -> None:
    serve_bitrix(crm)
    event = {**BITRIX_EVENT, "auth": {"application_token": token}}
    response = client.post(bitrix_url(services), json=event)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "auth[application_token]"
    assert crm.requests == []
    assert not services.ledger.exists(customer_id_for("bitrix24:company:42"))


def test_a_wrong_bitrix24_url_secret_is_refused(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    response = client.post("/v1/crm/bitrix24/guess", json=BITRIX_EVENT)
    assert response.status_code == 401
    assert response.json()["field"] == "secret"
    assert crm.requests == []


def test_bitrix24_events_lbx_does_not_act_on_are_acknowledged(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    event = {**BITRIX_EVENT, "event": "ONCRMCOMPANYDELETE"}
    response = client.post(bitrix_url(services), json=event)
    assert response.status_code == 200
    assert response.json()["customers"] == []
    assert crm.requests == []


# -- the URLs -------------------------------------------------------------------------------


def test_an_admin_sees_the_webhook_urls_with_their_secrets(
    client: TestClient, services: Services, keys: dict[Role, str], crm: FakeCrm,
) -> None:
    response = client.get("/v1/crm/webhooks", headers=auth(keys[Role.ADMIN]))
    assert response.status_code == 200
    urls = response.json()["urls"]
    assert urls["amocrm"] == "http://testserver" + amo_url(services)
    assert urls["bitrix24"] == "http://testserver" + bitrix_url(services)
    assert response.json()["configured"] == {"amocrm": True, "bitrix24": True}
    assert client.get("/v1/crm/webhooks", headers=auth(keys[Role.ACCOUNTANT])).status_code == 403
    assert crm.requests == []


def test_a_wrong_inn_in_the_crm_is_left_out_and_named_and_the_rest_recorded(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm, custom_fields_values=[
        {"field_name": "ИНН", "values": [{"value": "7707049389"}]},
        {"field_code": "PHONE", "values": [{"value": "+7 495 111-22-33 доб. 5"}]}])
    response = client.post(amo_url(services), headers=FORM, content="contacts[add][0][id]=12345")
    assert response.status_code == 200
    (result,) = response.json()["customers"]
    assert result["outcome"] == "created"
    assert {item["field"] for item in result["ignored"]} == {"inn", "phone"}
    profile = services.ledger.customer(customer_id_for("amocrm:contact:12345")).state.profile
    assert (profile.name, profile.inn, profile.phone) == ("ООО Ромашка", None, None)


def test_a_closed_customer_is_not_changed_by_the_crm(
    client: TestClient, services: Services, crm: FakeCrm,
) -> None:
    serve_amo(crm)
    client.post(amo_url(services), headers=FORM, content="contacts[add][0][id]=12345")
    customer_id = customer_id_for("amocrm:contact:12345")
    send(services, CloseCustomer(customer_id=customer_id, reason="Договор расторгнут"))
    serve_amo(crm, name="ООО Ромашка-Плюс")
    response = client.post(amo_url(services), headers=FORM,
                           content="contacts[update][0][id]=12345")
    assert response.json()["customers"][0]["outcome"] == "closed"
    assert event_names(services, customer_id)[-1] == "CustomerClosed"
