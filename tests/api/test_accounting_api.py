"""Accounting out over HTTP: who may download the 1C files, what they get, how refusals read.

The story is the January of ``test_export_1c.py``; the files themselves are checked
there, here only that the routes hand out exactly those bytes with the right headers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.accounting import export_1c_xlsx, export_1c_xml
from api.app import create_app
from api.bootstrap import bootstrap
from api.routes import accounting
from ledger.access import Role
from tests.api.conftest import auth
from tests.api.test_export_1c import DEFAULT_CUTOFF, JAN_1, JAN_31, january, payments, sales
from tests.api.test_export_1c import services as services  # noqa: PLC0414  (the fixture)

if TYPE_CHECKING:
    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

XML = "/v1/accounting/1c/export.xml"
XLSX = "/v1/accounting/1c/export.xlsx"
JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_every_accounting_route_admits_accountants_and_auditors_only(
    client: TestClient, keys: dict[Role, str],
) -> None:
    routes = [r for r in accounting.router.routes if isinstance(r, APIRoute)]
    assert {r.path for r in routes} == {XML, XLSX}
    for route in routes:
        assert (route.openapi_extra or {})["x-roles"] == ["accountant", "admin", "auditor"]
        for role in Role:
            answer = client.get(route.path, params=JANUARY, headers=auth(keys[role]))
            expected = 200 if role in {Role.ACCOUNTANT, Role.AUDITOR, Role.ADMIN} else 403
            assert answer.status_code == expected, (route.path, role, answer.text)
        assert client.get(route.path, params=JANUARY).status_code == 401


def test_the_xml_route_answers_the_export_with_its_cutoff(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    january(services)
    answer = client.get(XML, params=JANUARY, headers=auth(keys[Role.ACCOUNTANT]))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/xml"
    assert answer.headers["x-lbx-as-known-at"] == DEFAULT_CUTOFF
    assert answer.headers["content-disposition"] == (
        'attachment; filename="lbx-1c-2026-01-01_2026-01-31.xml"')
    assert answer.content == export_1c_xml(services, JAN_1, JAN_31)
    assert set(sales(answer.content)) == {"LBX-2026-000001", "LBX-2026-000002",
                                          "LBX-2026-000003"}
    assert len(payments(answer.content)) == 1
    without = client.get(XML, params={**JANUARY, "payments": "false"},
                         headers=auth(keys[Role.ACCOUNTANT]))
    assert without.content == export_1c_xml(services, JAN_1, JAN_31, payments=False)
    assert payments(without.content) == []


def test_the_stated_cutoff_fetches_the_same_file_later(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    story = january(services)
    first = client.get(XLSX, params=JANUARY, headers=auth(keys[Role.AUDITOR]))
    assert first.headers["content-type"] == XLSX_TYPE
    assert first.content == export_1c_xlsx(services, JAN_1, JAN_31)
    answer = client.post(f"/v1/customers/{story['petrov']}/payments",
                         headers=auth(keys[Role.ACCOUNTANT], "late-1"),
                         json={"amount": "500.00", "currency": "RUB",
                               "received_on": "2026-01-30", "reference": "п/п 9"})
    assert answer.status_code == 201, answer.text
    assert first.headers["x-lbx-late-records"] == "0"
    again = client.get(XLSX, headers=auth(keys[Role.AUDITOR]),
                       params={**JANUARY, "as_known_at": first.headers["x-lbx-as-known-at"]})
    assert again.headers["x-lbx-as-known-at"] == first.headers["x-lbx-as-known-at"]
    assert again.headers["x-lbx-late-records"] == "1"  # the payment: re-export later
    assert again.content == first.content
    xml = client.get(XML, headers=auth(keys[Role.AUDITOR]), params=JANUARY)
    assert xml.headers["x-lbx-late-records"] == "1"


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-01-31", "to": "2026-01-01"}, "to"),
    ({**JANUARY, "as_known_at": "2026-02-06T00:00:00"}, "as_known_at"),
    ({"from": "0001-01-01", "to": "2026-01-01"}, "from"),
    ({"to": "2026-01-31"}, "from"),
])
def test_a_bad_period_is_a_problem_naming_the_field(
    client: TestClient, keys: dict[Role, str], params: dict[str, str], field: str,
) -> None:
    for path in (XML, XLSX):
        answer = client.get(path, params=params, headers=auth(keys[Role.ACCOUNTANT]))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["field"] == field


def test_without_our_company_requisites_the_xml_is_a_conflict(
    backend_env: dict[str, str], clock: SimulatedClock, keys: dict[Role, str],
) -> None:
    bare = bootstrap(backend_env, clock=clock)  # the same store (and keys), no requisites
    try:
        with TestClient(create_app(bare), raise_server_exceptions=False) as bare_client:
            token = keys[Role.ACCOUNTANT]
            answer = bare_client.get(XML, params=JANUARY, headers=auth(token))
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert "LBX_OWN_INN" in answer.json()["detail"]
            assert bare_client.get(XLSX, params=JANUARY, headers=auth(token)).status_code == 200
    finally:
        bare.close()


def test_openapi_declares_the_file_types_and_the_refusals(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, media in ((XML, "application/xml"), (XLSX, XLSX_TYPE)):
        answers = paths[path]["get"]["responses"]
        assert list(answers["200"]["content"]) == [media]
        assert "X-LBX-As-Known-At" in answers["200"]["headers"]
        assert "X-LBX-Late-Records" in answers["200"]["headers"]
        for status in ("401", "403", "409", "422"):
            assert list(answers[status]["content"]) == ["application/problem+json"]
