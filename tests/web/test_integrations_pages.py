"""Integrations: customer import with a preview, the 1C export, webhook endpoints and their log."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.jobs import JobRegistry
from api.webhooks.signing import secret_for
from ledger.access import Role
from ledger.customers import customer_id_for
from ledger.webhooks import WEBHOOK_REGISTRY_ID
from projections import queries
from tests.support.collections import invoice_due, on
from tests.support.dsl import event_names, register
from tests.web.conftest import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from api.bootstrap import Services

CSV = """\
Наименование;ИНН;КПП;Email;Внешний ключ
ООО Ромашка;7707049388;770701001;buh@romashka.ru;CRM-1
ООО Ошибка;7707049389;;;CRM-2
ПАО Новое имя;7736050003;;;
"""
IMPORT = "/app/integrations"
COMPANY = """\
name: ООО «ЛБХ Софт»
inn: '7709543218'
kpp: '770901001'
ogrn: '1027700123450'
address: 105064, г. Москва, ул. Земляной Вал, д. 9
bank_name: ПАО Сбербанк
bik: '044525225'
correspondent_account: '30101810400000000225'
account: '40702810938000012345'
director: Соколов Андрей Викторович
accountant: Белова Ирина Сергеевна
"""


@pytest.fixture
def admin_workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace signed in as an admin."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        ws.sign_in(web_keys[Role.ADMIN])
        yield ws


def upload(workspace: Workspace, text: str = CSV, name: str = "clients.csv") -> str:
    """Send a customer list to the preview; return the preview page."""
    answer = workspace.submit(IMPORT, f"{IMPORT}/customer-import/preview", {},
                              files={"file": (name, text.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


def confirm(workspace: Workspace, preview: str, key: str | None = None) -> str:
    """Confirm a preview (its own form key unless ``key``); follow the import job to its end."""
    token = re.search(r'name="token" value="([^"]+)"', preview)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', preview)
    form_key = re.search(r'name="idempotency_key" value="([^"]+)"', preview)
    assert token
    assert csrf
    assert form_key
    answer = workspace.client.post(f"{IMPORT}/customer-import", follow_redirects=False, data={
        "token": token.group(1), "csrf_token": csrf.group(1),
        "idempotency_key": key or form_key.group(1)})
    assert answer.status_code == 303, answer.text
    job_id = answer.headers["location"].rsplit("/", 1)[-1]
    job = jobs_of_app(workspace).wait(job_id)
    assert job is not None
    assert job.status == "succeeded", job.error
    return str(workspace.get(answer.headers["location"]).text)


def jobs_of_app(workspace: Workspace) -> JobRegistry:
    jobs = workspace.client.app.state.web_jobs  # type: ignore[attr-defined]
    assert isinstance(jobs, JobRegistry)
    return jobs


def figure(html: str, figure_id: str) -> str:
    found = re.search(rf'id="{figure_id}">([^<]*)<', html)
    assert found, figure_id
    return found.group(1)


def test_an_import_previews_every_row_and_writes_nothing_until_confirmed(
        services: Services, workspace: Workspace) -> None:
    register(services, "CRM-9", name="ПАО Старое имя", inn="7736050003")
    head = services.ledger.max_position()
    preview = upload(workspace)
    assert services.ledger.max_position() == head
    assert [figure(preview, f"c-{a}") for a in ("create", "update", "unchanged", "error")] == [
        "1", "1", "0", "1"]
    assert "ИНН 7707049389: неверный контрольный разряд" in preview  # in the reader's language
    assert 'class="row-error"' in preview
    report = confirm(workspace, preview)
    assert [figure(report, f"r-{a}") for a in ("created", "updated", "unchanged", "skipped")] \
        == ["1", "1", "0", "1"]
    created = queries.customer(services.store, str(customer_id_for("CRM-1")))
    assert created is not None
    assert created["name"] == "ООО Ромашка"
    renamed = queries.customer(services.store, str(customer_id_for("CRM-9")))
    assert renamed is not None
    assert renamed["name"] == "ПАО Новое имя"


def test_the_same_file_again_changes_nothing(services: Services, workspace: Workspace) -> None:
    confirm(workspace, upload(workspace))
    head = services.ledger.max_position()
    again = upload(workspace)
    assert figure(again, "c-create") == "0"
    assert "Подтвердить загрузку" not in again  # nothing left to import
    assert services.ledger.max_position() == head


def test_a_double_submit_of_the_confirmation_imports_once(
        services: Services, workspace: Workspace) -> None:
    preview = upload(workspace)
    first = confirm(workspace, preview)
    head = services.ledger.max_position()
    again = confirm(workspace, preview)  # the same form, posted again
    assert again == first
    assert len(jobs_of_app(workspace).recent()) == 1
    assert services.ledger.max_position() == head
    assert event_names(services, customer_id_for("CRM-1")) == ["CustomerRegistered"]


def test_a_confirmation_replayed_under_a_new_form_key_writes_nothing_more(
        services: Services, workspace: Workspace) -> None:
    preview = upload(workspace)
    confirm(workspace, preview)
    head = services.ledger.max_position()
    replay = confirm(workspace, preview, key="web-another-click")
    assert figure(replay, "r-created") == "0"
    assert figure(replay, "r-unchanged") == "2"
    assert services.ledger.max_position() == head


def test_a_file_that_is_not_a_customer_list_is_named_next_to_the_field(
        workspace: Workspace) -> None:
    answer = workspace.submit(IMPORT, f"{IMPORT}/customer-import/preview", {},
                              files={"file": ("x.csv", b"\x00\x01\x02garbage", "text/csv")})
    assert answer.status_code == 422
    assert 'id="e-file"' in answer.text
    empty = workspace.submit(IMPORT, f"{IMPORT}/customer-import/preview", {})
    assert empty.status_code == 422
    assert "Выберите файл CSV или XLSX" in empty.text


def test_an_expired_or_foreign_preview_token_is_refused(services: Services,
                                                        workspace: Workspace) -> None:
    html = workspace.get(IMPORT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert csrf
    answer = workspace.client.post(f"{IMPORT}/customer-import", data={
        "token": "made-up", "csrf_token": csrf.group(1), "idempotency_key": "k"})
    assert answer.status_code == 422
    assert "загрузите файл ещё раз" in answer.text


def test_an_auditor_exports_but_cannot_import(services: Services,
                                              auditor_workspace: Workspace) -> None:
    page = auditor_workspace.get(IMPORT).text
    assert "customer-import/preview" not in page
    assert "1c-export" in page
    head = services.ledger.max_position()
    refused = auditor_workspace.submit(IMPORT, f"{IMPORT}/customer-import/preview", {},
                                       files={"file": ("c.csv", CSV.encode(), "text/csv")})
    assert refused.status_code == 403
    assert services.ledger.max_position() == head


def test_the_1c_workbook_downloads_for_a_period(services: Services,
                                                workspace: Workspace) -> None:
    register(services, "CRM-1", name="ООО Ромашка")
    answer = workspace.get(f"{IMPORT}/1c-export?from=2026-01-01&to=2026-01-31&format=xlsx")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="lbx-1c-2026-01-01_2026-01-31.xlsx"' in answer.headers[
        "content-disposition"]
    assert answer.content[:2] == b"PK"


def test_a_bad_export_period_is_named_next_to_its_field(workspace: Workspace) -> None:
    typo = workspace.get(f"{IMPORT}/1c-export?from=2026-13-01&to=2026-01-31&format=xlsx")
    assert typo.status_code == 422
    assert 'id="e-from"' in typo.text
    backwards = workspace.get(f"{IMPORT}/1c-export?from=2026-02-01&to=2026-01-01&format=xlsx")
    assert backwards.status_code == 422
    assert re.search(r'id="e-(from|to)"', backwards.text)


def test_the_1c_message_names_our_company_and_the_period(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(COMPANY, encoding="utf-8")
    services.settings = replace(services.settings, company_file=company)
    on(services, date(2026, 1, 5))
    customer = register(services, "CRM-1", name="ООО Ромашка", inn="7707049388")
    invoice_due(services, customer, date(2026, 1, 20))  # a sale issued on 10 January
    on(services, date(2026, 1, 15))
    answer = workspace.get(f"{IMPORT}/1c-export?from=2026-01-01&to=2026-01-31&format=xml")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/xml")
    text = ET.tostring(ET.fromstring(answer.content), encoding="unicode")  # noqa: S314
    assert "7709543218" in text  # our company
    assert "7707049388" in text  # the customer


def test_an_unreadable_company_file_is_named_next_to_the_format(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    services.settings = replace(services.settings, company_file=tmp_path / "missing.yaml")
    answer = workspace.get(f"{IMPORT}/1c-export?from=2026-01-01&to=2026-01-31&format=xml")
    assert answer.status_code == 422
    assert 'id="e-format"' in answer.text
    assert "missing.yaml" in answer.text


def test_an_admin_registers_an_endpoint_and_sees_its_secret_once(
        services: Services, admin_workspace: Workspace) -> None:
    answer = admin_workspace.submit(IMPORT, f"{IMPORT}/webhooks", {
        "url": "https://crm.example.ru/lbx", "description": "CRM",
        "event_types": "invoice.issued", "days_before": "7"})
    assert answer.status_code == 200, answer.text
    endpoint = re.search(r"/app/integrations/webhooks/([0-9a-f-]{36})", answer.text)
    assert endpoint
    secret = secret_for(services.settings, endpoint.group(1), 1)
    assert f'<code id="secret">{secret}</code>' in answer.text
    services.runner.catch_up()
    listed = admin_workspace.get(IMPORT).text
    assert "https://crm.example.ru/lbx" in listed
    assert secret not in listed
    assert secret not in admin_workspace.get(f"{IMPORT}/webhooks/{endpoint.group(1)}").text


def test_a_bad_endpoint_address_is_refused_next_to_its_field(
        services: Services, admin_workspace: Workspace) -> None:
    head = services.ledger.max_position()
    answer = admin_workspace.submit(IMPORT, f"{IMPORT}/webhooks", {
        "url": "ftp://nowhere", "event_types": "invoice.issued"})
    assert answer.status_code == 422
    assert 'id="e-url"' in answer.text
    nothing = admin_workspace.submit(IMPORT, f"{IMPORT}/webhooks", {
        "url": "https://crm.example.ru/lbx"})
    assert nothing.status_code == 422
    assert 'id="e-event_types"' in nothing.text
    assert services.ledger.max_position() == head


def registered(admin_workspace: Workspace, services: Services) -> str:
    answer = admin_workspace.submit(IMPORT, f"{IMPORT}/webhooks", {
        "url": "https://crm.example.ru/lbx", "event_types": "customer.registered"})
    endpoint = re.search(r"/app/integrations/webhooks/([0-9a-f-]{36})", answer.text)
    assert endpoint
    register(services, "CRM-1", name="ООО Ромашка")
    services.runner.catch_up()
    return endpoint.group(1)


def test_the_delivery_log_lists_what_was_queued_and_a_delivery_can_be_sent_again(
        services: Services, admin_workspace: Workspace) -> None:
    endpoint = registered(admin_workspace, services)
    page_url = f"{IMPORT}/webhooks/{endpoint}"
    log = admin_workspace.get(page_url).text
    assert "customer.registered" in log
    delivery = re.search(r'data-delivery="([0-9a-f-]{36})"', log)
    assert delivery
    on_its_way = admin_workspace.submit(page_url, f"{page_url}/resend",
                                        {"delivery_id": delivery.group(1)})
    assert on_its_way.status_code == 303
    assert "доставка — в очереди: она и так уже в пути" in admin_workspace.get(page_url).text
    with services.store.transaction() as tx:  # as if the worker had delivered it
        tx.execute("UPDATE webhook_deliveries SET status = 'delivered'"
                   " WHERE delivery_id = :id", {"id": delivery.group(1)})
    resent = admin_workspace.submit(page_url, f"{page_url}/resend",
                                    {"delivery_id": delivery.group(1)})
    assert resent.status_code == 303
    assert event_names(services, WEBHOOK_REGISTRY_ID)[-1] == "WebhookDeliveryResent"
    assert "Доставка будет отправлена снова" in admin_workspace.get(page_url).text


def test_an_admin_disables_and_enables_an_endpoint(services: Services,
                                                   admin_workspace: Workspace) -> None:
    endpoint = registered(admin_workspace, services)
    page_url = f"{IMPORT}/webhooks/{endpoint}"
    admin_workspace.submit(page_url, f"{page_url}/disable", {"reason": "Переезд CRM"})
    assert "отключён" in admin_workspace.get(page_url).text
    admin_workspace.submit(page_url, f"{page_url}/enable", {})
    assert "активен" in admin_workspace.get(page_url).text


def test_webhooks_are_an_admins_business(services: Services, workspace: Workspace,
                                         admin_workspace: Workspace) -> None:
    endpoint = registered(admin_workspace, services)
    assert "Адреса вебхуков" not in workspace.get(IMPORT).text
    assert workspace.get(f"{IMPORT}/webhooks/{endpoint}").status_code == 403
    head = services.ledger.max_position()
    refused = workspace.submit(IMPORT, f"{IMPORT}/webhooks", {
        "url": "https://evil.example/x", "event_types": "invoice.issued"})
    assert refused.status_code == 403
    assert services.ledger.max_position() == head


def test_an_unknown_delivery_or_a_disable_without_reason_changes_nothing(
        services: Services, admin_workspace: Workspace) -> None:
    endpoint = registered(admin_workspace, services)
    page_url = f"{IMPORT}/webhooks/{endpoint}"
    head = services.ledger.max_position()
    unknown = admin_workspace.submit(page_url, f"{page_url}/resend", {"delivery_id": "nope"})
    assert unknown.status_code == 404
    silent = admin_workspace.submit(page_url, f"{page_url}/disable", {"reason": ""})
    assert silent.status_code == 303
    assert "Укажите причину" in admin_workspace.get(page_url).text
    assert services.ledger.max_position() == head


LATIN_SENTENCE = re.compile(r"\b[a-z]{3,}\s+[a-z]{2,}\s+[a-z]{2,}\b")
"""Three lowercase Latin words in a row: an English sentence on a Russian page."""


def _field_errors(html: str) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', html)


@pytest.mark.parametrize(("form", "action", "file"), [
    ("/app/payments/import", "/app/payments/import", ("x.txt", b"just a letter\n")),
    ("/app/integrations", "/app/integrations/customer-import/preview",
     ("x.csv", b"a;b\n1;2\n")),
])
def test_a_refused_upload_says_why_in_russian(
        workspace: Workspace, form: str, action: str, file: tuple[str, bytes]) -> None:
    """The readers' reasons go through the workspace's refusal catalogue (errors.po)."""
    answer = workspace.submit(form, action, {}, files={"file": (*file, "text/plain")})
    assert answer.status_code == 422
    (message,) = _field_errors(answer.text)
    assert not LATIN_SENTENCE.search(message), message


def test_a_refused_1c_export_says_why_in_russian(workspace: Workspace) -> None:
    answer = workspace.get("/app/integrations/1c-export?from=2026-02-01&to=2026-01-01")
    assert answer.status_code == 422
    assert _field_errors(answer.text) == ["период заканчивается раньше, чем начинается"]
