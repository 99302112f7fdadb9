"""Downloads from the workspace: registers with the page's filters, statements, credit notes.

Given a customer with an invoice and a payment, when a reader downloads from the payment
register, the card's statement form or its credit notes, then the file is what the API's
export gives for the same filters, and a filter that cannot be read is refused at it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from typing import TYPE_CHECKING

import yaml

from api.company import demo_company_profile
from api.documents.exports import export_register
from commands.issue_credit_note import IssueCreditNote
from tests.support.dsl import register, send
from tests.web.test_customer_card import (
    auditor_workspace,
    caught_up,
    customer_with_history,
    workspace,
)

if TYPE_CHECKING:
    from pathlib import Path

    from api.bootstrap import Services
    from tests.web.conftest import Workspace

__all__ = ["auditor_workspace", "workspace"]


def rows_of(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_payment_register_downloads_with_its_filters(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    page = workspace.get("/app/payments?customer=CRM-7&date_from=2026-01-01").text
    link = re.search(r'href="(/app/payments/export\.csv[^"]*)"', page)
    assert link
    url = link.group(1).replace("&amp;", "&")
    assert "customer=CRM-7" in url
    assert "date_from=2026-01-01" in url
    answer = workspace.get(url)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    expected = export_register(services, "payments", "csv", customer_id=customer.id,
                               date_from="2026-01-01")
    assert answer.content == expected.content
    assert len(rows_of(answer.content)) == 1
    assert workspace.get("/app/payments/export.xlsx?customer=CRM-7").content.startswith(b"PK")
    assert workspace.get("/app/payments/export.csv?customer=nobody").status_code == 422


def test_the_invoice_register_downloads_with_its_filters(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    answer = workspace.get("/app/invoices/export.csv?customer=CRM-7&status=partially_paid")
    assert answer.status_code == 200, answer.text
    expected = export_register(services, "invoices", "csv", customer_id=customer.id,
                               status="partially_paid")
    assert answer.content == expected.content
    assert len(rows_of(answer.content)) == 1
    assert workspace.get("/app/invoices/export.csv?status=paid").content == export_register(
        services, "invoices", "csv", status="paid").content


def test_the_card_downloads_a_statement_for_a_period(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)
    card = workspace.get(customer.card).text
    assert f'action="/app/customers/{customer.id}/statement.xlsx"' in card
    answer = workspace.get(f"{customer.card}/statement.csv",
                           params={"date_from": "2026-01-01", "date_to": "2026-01-31"})
    assert answer.status_code == 200, answer.text
    assert answer.content == export_register(
        services, "statement", "csv", customer_id=customer.id, date_from="2026-01-01",
        date_to="2026-01-31").content
    assert workspace.get(f"{customer.card}/statement.csv").status_code == 422


def test_the_card_links_its_credit_notes_as_pdf(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                       encoding="utf-8")
    services.settings = replace(services.settings, company_file=company)
    customer = customer_with_history(services)
    card = workspace.get(customer.card).text
    invoice = re.search(r'/invoices/([^"/]+)/invoice\.pdf', card)
    assert invoice
    send(services, IssueCreditNote(customer_id=customer.id, invoice_id=invoice.group(1),
                                   reason="Услуга не оказана"))
    caught_up(services)
    card = workspace.get(customer.card).text
    link = re.search(r'href="(/app/customers/[^"]+/credit-notes/[^"]+\.pdf)"', card)
    assert link
    pdf = workspace.get(link.group(1))
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    other = link.group(1).replace(str(customer.id), "00000000-0000-0000-0000-000000000000")
    assert workspace.get(other).status_code == 404


def test_the_invoice_register_lists_filters_and_downloads(
        services: Services, workspace: Workspace) -> None:
    customer_with_history(services)
    page = workspace.get("/app/invoices?customer=CRM-7&status=partially_paid")
    assert page.status_code == 200, page.text
    assert "ООО Ромашка" in page.text
    assert len(re.findall(r'<tr>\s*<th scope="row">', page.text)) == 1
    link = re.search(r'href="(/app/invoices/export\.xlsx[^"]*)"', page.text)
    assert link
    assert "status=partially_paid" in link.group(1)
    none = workspace.get("/app/invoices?status=paid")
    assert "Нет счетов по этим фильтрам." in none.text
    refused = workspace.get("/app/invoices?customer=nobody&date_from=junk")
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.text
    assert workspace.get("/app/invoices?cursor=junk").status_code == 422


def test_a_statement_downloads_for_a_customer_with_a_cyrillic_key(
        services: Services, workspace: Workspace) -> None:
    """The file is named after the key; the header carries it as RFC 6266 ``filename*``."""
    customer = register(services, "КЛ-17", name="ООО Кириллица")
    caught_up(services)
    answer = workspace.get(f"/app/customers/{customer}/statement.csv",
                           params={"date_from": "2026-01-01", "date_to": "2026-01-15"})
    assert answer.status_code == 200, answer.text
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="statement-_-17-')
    assert "filename*=UTF-8''statement-%D0%9A%D0%9B-17-" in disposition


def test_invoice_pdfs_download_when_invoice_numbers_are_cyrillic(
        services: Services, workspace: Workspace, tmp_path: Path) -> None:
    company = tmp_path / "company.yaml"
    company.write_text(yaml.safe_dump(demo_company_profile().to_data(), allow_unicode=True),
                       encoding="utf-8")
    services.settings = replace(services.settings, company_file=company, invoice_prefix="СЧ")
    services.runtime = replace(services.runtime, invoice_prefix="СЧ")
    customer = customer_with_history(services)
    card = workspace.get(customer.card).text
    assert "СЧ-2026-000001" in card
    link = re.search(r'href="(/app/customers/[^"]+/invoices/[^"]+/invoice\.pdf)"', card)
    assert link
    pdf = workspace.get(link.group(1))
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-disposition"].startswith('inline; filename="_-2026-000001')


def test_the_invoice_register_and_its_export_read_a_compact_date_as_iso(
        services: Services, workspace: Workspace) -> None:
    """``date.fromisoformat`` reads «20260101»; the page, its export and the payment
    register all filter by the date it means, not by the text as typed."""
    customer_with_history(services)
    assert "п/п 17" in workspace.get("/app/payments?date_from=20260101").text
    assert "LBX-2026-000001" in workspace.get("/app/invoices?date_from=20260101").text
    assert "LBX-2026-000001" not in workspace.get("/app/invoices?date_from=20260201").text
    for listed in ("invoices", "payments"):
        compact = workspace.get(f"/app/{listed}/export.csv?date_from=20260101")
        assert compact.status_code == 200, compact.text
        assert compact.content == workspace.get(
            f"/app/{listed}/export.csv?date_from=2026-01-01").content
