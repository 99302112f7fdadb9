"""Invoices and acts as PDF: what they say, that they never change, and how HTTP serves them.

Each test reads the PDF back as text (pypdf) and checks the figures an accountant checks:
both parties' requisites, every line, VAT per rate or «Без НДС», totals, the total in words.
One rendering is rasterised (pypdfium2) into ``test-artifacts/`` to look at.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pypdfium2
import pytest
import yaml
from fastapi.routing import APIRoute
from PIL import Image
from pypdf import PdfReader

from api.app import create_app
from api.company import CompanyBook, CompanyProfileInvalid, demo_company_profile
from api.documents import render_invoice_pdf
from api.routes import documents
from commands.issue_credit_note import IssueCreditNote
from commands.record_charge import RecordCharge
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer
from ledger.access import Role
from ledger.errors import InvalidField, NotFound
from tests.api.conftest import auth
from tests.support.collections import on
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi.testclient import TestClient

    from api.bootstrap import Services
    from ledger.clock import SimulatedClock

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
BUYER = {"name": "ООО «Ромашка»", "inn": "7707049388", "kpp": "770701001"}


def text_of(pdf: bytes) -> str:
    """Every page's text, whitespace folded to single spaces."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def charge(services: Services, customer: UUID, amount: str, **fields: object) -> str:
    """Charge the customer; return the invoice issued (or "" when it waits)."""
    result = send(services, RecordCharge.model_validate(
        {"customer_id": customer, "amount": amount, "description": "Внедрение", **fields}))
    services.runner.catch_up()
    return str(result.result.get("invoice_id", ""))


def use_company(services: Services, tmp_path: Path, book: CompanyBook) -> Path:
    """Write ``book`` as the company file and point the services' settings at it."""
    path = tmp_path / "company.yaml"
    path.write_text(yaml.safe_dump(book.to_data(), allow_unicode=True), encoding="utf-8")
    services.settings = replace(services.settings, company_file=path)
    return path


def test_an_invoice_shows_both_parties_the_lines_vat_totals_and_words(
    services: Services,
) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22),
                        address="г. Москва, ул. Тверская, д. 1")
    invoice = charge(services, customer, "1000.00")
    pdf = render_invoice_pdf(services, invoice, "invoice", company=demo_company_profile())
    text = text_of(pdf)
    assert "Счёт на оплату № LBX-2026-000001 от 15 января 2026 г." in text
    for seller in ("ООО «ЛБХ Софт»", "ИНН 7709543218", "КПП 770901001", "БИК 044525225",
                   "40702810938000012345", "30101810400000000225", "ПАО Сбербанк"):
        assert seller in text, seller
    assert "Покупатель: ООО «Ромашка», ИНН 7707049388, КПП 770701001, г. Москва" in text
    assert "1 Внедрение 1 усл. 1 000,00 1 000,00 22 % 220,00 1 220,00" in text
    assert "Итого без НДС: 2 000,00" not in text
    assert "Итого без НДС: 1 000,00 НДС 22 %: 220,00 Итого с НДС: 1 220,00" in text
    assert "Одна тысяча двести двадцать рублей 00 копеек" in text
    assert "Оплатить не позднее 25.01.2026." in text
    assert "в т.ч. НДС 22 % — 220,00" in text
    _save_png(pdf, "invoice-ru.png")


def _save_png(pdf: bytes, name: str) -> None:
    """Rasterise page 1 into test-artifacts/ and check that something is drawn on it."""
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=1).to_pil().convert("L")
    ARTIFACTS.mkdir(exist_ok=True)
    image.save(ARTIFACTS / name)
    histogram = image.histogram()
    dark, pixels = sum(histogram[:128]), image.width * image.height
    assert image.width > 500
    assert 0.01 * pixels < dark < 0.5 * pixels  # text and rules, on a white page


def test_a_customer_billed_without_vat_gets_an_invoice_that_says_no_vat(
    services: Services,
) -> None:
    customer = register(services, "C-1", **BUYER, vat_mode="none", vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    text = text_of(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    assert "1 Внедрение 1 усл. 1 000,00 1 000,00 Без НДС — 1 000,00" in text
    assert "Без НДС: — Итого: 1 000,00" in text
    assert "НДС 22 %" not in text
    assert "НДС не облагается" in text
    assert "Одна тысяча рублей 00 копеек" in text


def test_vat_is_shown_per_rate(services: Services) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    charge(services, customer, "1000.00", invoice_now=False)
    invoice = charge(services, customer, "500.00", vat_rate="10")
    text = text_of(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    assert "Итого без НДС: 1 500,00 НДС 22 %: 220,00 НДС 10 %: 50,00 Итого с НДС: 1 770,00" in text
    assert "Одна тысяча семьсот семьдесят рублей 00 копеек" in text
    assert "в т.ч. НДС 22 % — 220,00, 10 % — 50,00" in text


def test_an_act_is_dated_the_last_day_of_the_period_and_signed_by_both(
    services: Services,
) -> None:
    publish(services)
    customer = register(services, "C-1", **BUYER)
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 1), anchor_day=1))
    invoice = charge(services, customer, "100.00")
    on(services, date(2026, 1, 31))  # the act is made once January's services are rendered
    pdf = render_invoice_pdf(services, invoice, "act", company=demo_company_profile())
    text = text_of(pdf)
    assert "Акт оказанных услуг № LBX-2026-000001 от 31 января 2026 г." in text
    assert "Исполнитель: ООО «ЛБХ Софт»" in text
    assert "Заказчик: ООО «Ромашка»" in text
    assert "Период оказания услуг: 01.01.2026 — 31.01.2026." in text
    assert "Вышеперечисленные услуги выполнены полностью и в срок" in text
    assert "ИСПОЛНИТЕЛЬ" in text
    assert "ЗАКАЗЧИК" in text
    assert "Банк получателя" not in text  # the bank block belongs to the invoice
    _save_png(pdf, "act-ru.png")


def test_an_english_seller_gets_the_english_layout(services: Services) -> None:
    book = CompanyBook(versions=[
        demo_company_profile().versions[0].model_copy(update={"language": "en"})])
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    text = text_of(render_invoice_pdf(services, invoice, company=book))
    assert "Invoice No. LBX-2026-000001 of 15 January 2026" in text
    assert "Net total: 1,000.00 VAT 22 %: 220.00 Total incl. VAT: 1,220.00" in text
    assert "One thousand, two hundred and twenty roubles and 00 kopecks" in text
    russian = text_of(render_invoice_pdf(services, invoice, language="ru", company=book))
    assert "Счёт на оплату" in russian


def test_an_old_invoice_renders_to_the_same_bytes_after_the_seller_and_buyer_change(
    services: Services, clock: SimulatedClock, tmp_path: Path,
) -> None:
    use_company(services, tmp_path, demo_company_profile())
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    old = charge(services, customer, "1000.00")
    first = render_invoice_pdf(services, old)
    assert render_invoice_pdf(services, old) == first
    moved = demo_company_profile().versions[0].model_copy(update={
        "valid_from": date(2026, 2, 1), "address": "г. Казань, ул. Баумана, д. 1",
        "bank_name": "АО «ТБанк»", "bik": "044525974",
        "correspondent_account": "30101810145250000974", "account": "40702810010000098765"})
    use_company(services, tmp_path, CompanyBook(versions=[
        demo_company_profile().versions[0], moved]))
    send(services, UpdateCustomer(customer_id=customer, name="ООО «Ромашка-Плюс»",
                                  kpp="770702001"))
    services.runner.catch_up()
    assert render_invoice_pdf(services, old) == first
    clock.move_to(date(2026, 2, 10))
    new = text_of(render_invoice_pdf(services, charge(services, customer, "10.00")))
    assert "БИК 044525974" in new
    assert "г. Казань" in new
    assert "ООО «Ромашка-Плюс», ИНН 7707049388, КПП 770702001" in new
    old_text = text_of(first)
    assert "БИК 044525225" in old_text
    assert "ООО «Ромашка», ИНН 7707049388, КПП 770701001" in old_text


def test_an_unknown_invoice_or_kind_is_refused_naming_the_field(services: Services) -> None:
    with pytest.raises(NotFound) as missing:
        render_invoice_pdf(services, "no-such-invoice", company=demo_company_profile())
    assert missing.value.field == "invoice_id"
    customer = register(services, "C-1", **BUYER)
    invoice = charge(services, customer, "1.00")
    with pytest.raises(InvalidField) as kind:
        render_invoice_pdf(services, invoice, "receipt",  # type: ignore[arg-type]
                           company=demo_company_profile())
    assert kind.value.field == "kind"


def test_a_credit_note_names_the_invoice_it_reduces(
    services: Services, client: TestClient, keys: dict[Role, str], tmp_path: Path,
) -> None:
    use_company(services, tmp_path, demo_company_profile())
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    note = send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice,
                                          reason="Услуга не оказана")).result
    services.runner.catch_up()
    path = f"/v1/invoices/{invoice}/credit-notes/{note['credit_note_id']}/document.pdf"
    response = client.get(path, headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 200, response.text
    text = text_of(response.content)
    assert f"Кредит-нота № {note['number']} от 15 января 2026 г." in text
    assert "К счёту № LBX-2026-000001 от 15.01.2026. Основание: Услуга не оказана." in text
    assert "Итого с НДС: 1 220,00" in text
    assert "Одна тысяча двести двадцать рублей 00 копеек" in text
    missing = client.get(f"/v1/invoices/{invoice}/credit-notes/nope/document.pdf",
                         headers=auth(keys[Role.ACCOUNTANT]))
    assert (missing.status_code, missing.json()["field"]) == (404, "credit_note_id")


def test_the_logo_from_the_company_file_is_drawn(services: Services, tmp_path: Path) -> None:
    Image.new("RGB", (120, 40), (200, 30, 30)).save(tmp_path / "logo.png")
    book = CompanyBook(versions=[
        demo_company_profile().versions[0].model_copy(update={"logo": Path("logo.png")})])
    use_company(services, tmp_path, book)
    invoice = charge(services, register(services, "C-1", **BUYER), "1.00")
    page = PdfReader(io.BytesIO(render_invoice_pdf(services, invoice))).pages[0]
    assert len(page.images) == 1
    (tmp_path / "logo.png").write_bytes(b"not an image")
    with pytest.raises(CompanyProfileInvalid):
        render_invoice_pdf(services, invoice)


# -- over HTTP ----------------------------------------------------------------------------------


def test_the_pdf_is_served_to_accountants_and_auditors(
    client: TestClient, keys: dict[Role, str], services: Services, tmp_path: Path,
) -> None:
    use_company(services, tmp_path, demo_company_profile())
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    for role in (Role.ACCOUNTANT, Role.AUDITOR):
        response = client.get(f"/v1/invoices/{invoice}/document.pdf?kind=act",
                              headers=auth(keys[role]))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert "attachment" in response.headers["content-disposition"]
        assert "Акт оказанных услуг" in text_of(response.content)
    refused = client.get(f"/v1/invoices/{invoice}/document.pdf", headers=auth(keys[Role.SERVICE]))
    assert refused.status_code == 403


@pytest.mark.parametrize(("path", "status", "field"), [
    ("/v1/invoices/nope/document.pdf", 404, "invoice_id"),
    ("/v1/invoices/{invoice}/document.pdf?kind=receipt", 422, "kind"),
    ("/v1/invoices/{invoice}/document.pdf?language=de", 422, "language"),
])
def test_bad_document_requests_are_problems_naming_the_field(
    client: TestClient, keys: dict[Role, str], services: Services, tmp_path: Path,
    path: str, status: int, field: str,
) -> None:
    use_company(services, tmp_path, demo_company_profile())
    invoice = charge(services, register(services, "C-1", **BUYER), "1.00")
    response = client.get(path.format(invoice=invoice), headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field


def test_without_company_requisites_the_document_is_refused_not_a_crash(
    client: TestClient, keys: dict[Role, str], services: Services, tmp_path: Path,
) -> None:
    services.settings = replace(services.settings, company_file=tmp_path / "absent.yaml")
    invoice = charge(services, register(services, "C-1", **BUYER), "1.00")
    response = client.get(f"/v1/invoices/{invoice}/document.pdf",
                          headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 422
    assert response.json()["title"] == "Company requisites invalid"


def test_document_routes_refuse_the_roles_they_do_not_admit(
    client: TestClient, keys: dict[Role, str],
) -> None:
    checked = 0
    for route in documents.router.routes:
        assert isinstance(route, APIRoute)
        admitted = set((route.openapi_extra or {}).get("x-roles", []))
        assert admitted == {"accountant", "auditor", "admin"}
        path = route.path.format(invoice_id="none", credit_note_id="none",
                                 register="invoices", fmt="csv")
        for role in Role:
            if role.value not in admitted:
                assert client.get(path, headers=auth(keys[role])).status_code == 403
                checked += 1
        assert client.get(path).status_code == 401
    assert checked == len(documents.router.routes)  # the service role, on each


def test_the_openapi_document_declares_the_files() -> None:
    paths = create_app().openapi()["paths"]
    pdf = paths["/v1/invoices/{invoice_id}/document.pdf"]["get"]["responses"]
    assert set(pdf["200"]["content"]) == {"application/pdf"}
    assert set(pdf["404"]["content"]) == {"application/problem+json"}
    export = paths["/v1/exports/{register}.{fmt}"]["get"]["responses"]
    assert "text/csv; charset=utf-8" in export["200"]["content"]
