"""The payment QR code of an invoice (ГОСТ Р 56042-2014): what it says, and when it is printed.

The payload is checked as text first, on documents made here without a ledger; then the PDF
is rasterised (pypdfium2) and the code read back from the picture (zxing-cpp), as a bank app
would read it from paper, and compared byte for byte with the payload.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from api.company import CompanyBook, demo_company_profile
from api.documents import render_credit_note_pdf, render_invoice_pdf
from api.documents.model import (
    Buyer,
    DocumentLine,
    InvoiceDocument,
    VatGroup,
    build_document,
)
from api.documents.payment_qr import (
    LIMITS,
    REQUIRED_BLOCK_BYTES,
    clip,
    has_payment_qr,
    payment_payload,
)
from api.documents.pdf import render_pdf
from api.documents.purpose import payment_purpose
from api.documents.qr_code import dark_runs, encode
from commands.issue_credit_note import IssueCreditNote
from commands.record_payment import RecordPayment
from ledger.money import Money
from tests.api.test_documents import BUYER, charge, text_of
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from api.bootstrap import Services
    from api.company import CompanyProfile

SELLER = demo_company_profile().versions[0]
KNOWN = (
    "ST00012|Name=ООО «ЛБХ Софт»|PersonalAcc=40702810938000012345"
    "|BankName=ПАО Сбербанк, г. Москва|BIC=044525225|CorrespAcc=30101810400000000225"
    "|PayeeINN=7709543218|KPP=770901001"
    "|Purpose=Оплата по счёту № LBX-2026-000001 от 15.01.2026, в т.ч. НДС 22 % — 220,00"
    "|Sum=122000"
)


def rub(text: str) -> Money:
    return Money.parse(text, "RUB")


def document(seller: CompanyProfile = SELLER, **changes: Any) -> InvoiceDocument:
    """An invoice of one 1 000,00 ₽ line with VAT 22 %, as the ledger would give it."""
    line = DocumentLine(position=1, description="Внедрение", quantity=Decimal(1),
                        unit_price=rub("1000.00"), discount=rub("0"), net=rub("1000.00"),
                        vat_rate=Decimal(22), vat=rub("220.00"), total=rub("1220.00"))
    doc = InvoiceDocument(
        kind="invoice", language="ru", number="LBX-2026-000001",
        document_date=date(2026, 1, 15), issued_on=date(2026, 1, 15),
        due_on=date(2026, 1, 25), period_start=None, period_end=None, seller=seller,
        buyer=Buyer(name=BUYER["name"], inn=BUYER["inn"], kpp=BUYER["kpp"], ogrn=None,
                    address=None),
        lines=(line,),
        vat_groups=(VatGroup(rate=Decimal(22), net=rub("1000.00"), vat=rub("220.00")),),
        discount_total=rub("0"), net_total=rub("1000.00"), vat_total=rub("220.00"),
        total=rub("1220.00"), credit_applied=rub("0"), amount_due=rub("1220.00"))
    return replace(doc, **changes)


def fields(payload: str) -> dict[str, str]:
    """The payload's fields by name, after checking the header and that each is key=value."""
    header, *pairs = payload.split("|")
    assert header == "ST00012"
    assert all(pair.count("=") >= 1 for pair in pairs)
    return dict(pair.split("=", 1) for pair in pairs)


def qr_codes(pdf: bytes) -> list[bytes]:
    """The QR codes read from page 1 rasterised at 216 dpi, as their raw bytes."""
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil().convert("L")
    return [code.bytes for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode]


# -- the payload ----------------------------------------------------------------------------


def test_the_payload_of_a_known_invoice_is_exact(services: Services) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    doc = build_document(services, invoice, "invoice", company=demo_company_profile())
    assert payment_payload(doc) == KNOWN
    assert payment_payload(document()) == KNOWN


def test_required_fields_come_first_in_the_standards_order() -> None:
    payload = payment_payload(document())
    assert payload is not None
    assert list(fields(payload)) == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc",
                                     "PayeeINN", "KPP", "Purpose", "Sum"]
    sole_trader = payment_payload(document(SELLER.model_copy(update={"kpp": None})))
    assert "KPP" not in fields(sole_trader or "")  # an ИП has no КПП: the field is left out


def test_the_purpose_is_the_one_the_invoice_prints_with_its_vat() -> None:
    exempt = document(vat_groups=(VatGroup(rate=None, net=rub("1000.00"), vat=rub("0")),),
                      total=rub("1000.00"), amount_due=rub("1000.00"))
    two_rates = document(vat_groups=(
        VatGroup(rate=Decimal(22), net=rub("1000.00"), vat=rub("220.00")),
        VatGroup(rate=Decimal(10), net=rub("500.00"), vat=rub("50.00"))),
        total=rub("1770.00"), amount_due=rub("1770.00"))
    expected = {
        exempt: "Оплата по счёту № LBX-2026-000001 от 15.01.2026, НДС не облагается",
        two_rates: "Оплата по счёту № LBX-2026-000001 от 15.01.2026, "
                   "в т.ч. НДС 22 % — 220,00, 10 % — 50,00",
    }
    for doc, purpose in expected.items():
        payload = payment_payload(doc)
        assert payload is not None
        assert fields(payload)["Purpose"] == payment_purpose(doc) == purpose


def test_the_sum_is_the_amount_due_in_kopecks_as_an_integer() -> None:
    credited = document(credit_applied=rub("500.00"), amount_due=rub("720.00"))
    odd = document(total=rub("1220.01"), amount_due=rub("1220.01"))
    small = document(total=rub("0.05"), amount_due=rub("0.05"))
    sums = [fields(payment_payload(doc) or "")["Sum"] for doc in (credited, odd, small)]
    assert sums == ["72000", "122001", "5"]
    # the credited invoice's purpose states the VAT of what is paid: 220.00 × 720 / 1220
    assert fields(payment_payload(credited) or "")["Purpose"].endswith("22 % — 129,84")


def test_a_separator_or_a_line_break_inside_a_value_cannot_split_a_field() -> None:
    seller = SELLER.model_copy(update={"name": "ООО «Альфа|Омега»\nфилиал  №2",
                                       "bank_name": "АО\t«Банк|Плюс»"})
    payload = payment_payload(document(seller))
    assert payload is not None
    assert payload.count("|") == 9  # the header and nine fields
    assert "\n" not in payload
    assert "\t" not in payload
    assert fields(payload)["Name"] == "ООО «Альфа/Омега» филиал №2"
    assert fields(payload)["BankName"] == "АО «Банк/Плюс»"


LONG_NAME = "Общество с ограниченной ответственностью «" + "Очень длинное название " * 8 + "»"
LONG_BANK = "Публичное акционерное общество «Сбербанк России», г. Москва"


def test_long_values_are_cut_at_a_word_to_the_standards_limits() -> None:
    seller = SELLER.model_copy(update={"name": LONG_NAME, "bank_name": LONG_BANK})
    payload = payment_payload(document(seller, number="LBX-" + "9" * 200))
    assert payload is not None
    values = fields(payload)
    for key in ("Name", "BankName", "Purpose"):
        assert len(values[key]) <= LIMITS[key], key
        assert "…" in values[key], key
        assert " …" not in values[key], key
    assert values["BankName"] == "Публичное акционерное общество «Сбербанк…"
    assert values["Name"].startswith("Общество с ограниченной ответственностью «Очень")
    assert values["Name"].endswith("…")
    assert values["Purpose"].startswith("Оплата по счёту № LBX-999")
    assert values["Purpose"].endswith("…, в т.ч. НДС 22 % — 220,00")  # the VAT is kept
    required = payload.split("|", 1)[1].split("|PayeeINN=", 1)[0]
    assert len(required.encode()) <= REQUIRED_BLOCK_BYTES  # Cyrillic: two bytes a letter
    assert values["Sum"] == "122000"  # numbers are never cut


def test_clip_cuts_at_a_word_unless_that_loses_too_much() -> None:
    assert clip("Оплата по счёту", 15) == "Оплата по счёту"
    assert clip("Оплата по счёту", 14) == "Оплата по…"
    assert clip("Оплата, по счёту", 10) == "Оплата…"  # no comma before the ellipsis
    assert clip("Сверхдлинноеслово", 10) == "Сверхдлин…"


@pytest.mark.parametrize(("why", "changes"), [
    ("an act", {"kind": "act"}),
    ("a credit note", {"kind": "credit_note"}),
    ("the English layout", {"language": "en"}),
    ("not roubles", {"total": Money.parse("1220.00", "USD"),
                     "amount_due": Money.parse("1220.00", "USD")}),
    ("nothing to pay", {"credit_applied": rub("1220.00"), "amount_due": rub("0")}),
    ("a foreign seller", {"seller": SELLER.model_copy(update={"country": "DE"})}),
    ("no correspondent account", {
        "seller": SELLER.model_copy(update={"correspondent_account": None})}),
])
def test_no_qr_code_when_it_could_not_pay_this_invoice(
    why: str, changes: dict[str, Any],
) -> None:
    doc = document(**changes)
    assert not has_payment_qr(doc), why
    assert payment_payload(doc) is None, why


def test_the_matrix_is_the_same_for_the_same_text() -> None:
    first, second = encode(KNOWN), encode(KNOWN)
    assert first == second
    assert len(first) == len(first[0]) >= 21
    assert list(dark_runs(bytearray([1, 1, 0, 1, 0, 0, 1]))) == [(0, 2), (3, 1), (6, 1)]


# -- on the invoice -------------------------------------------------------------------------


def test_the_longest_payload_still_reads_back_from_the_page() -> None:
    seller = SELLER.model_copy(update={"name": LONG_NAME, "bank_name": LONG_BANK})
    doc = document(seller, number="LBX-" + "9" * 200)
    assert [code.decode() for code in qr_codes(render_pdf(doc))] == [payment_payload(doc)]


def test_the_invoice_pdf_carries_a_qr_code_that_reads_back_as_the_payload(
    services: Services,
) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    pdf = render_invoice_pdf(services, invoice, company=demo_company_profile())
    assert [code.decode() for code in qr_codes(pdf)] == [KNOWN]
    text = text_of(pdf)
    assert "Оплата по QR-коду" in text
    purpose = fields(KNOWN)["Purpose"]
    assert f"В назначении платежа укажите: «{purpose}»." in text  # one text, two places
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0  # drawn, not pasted
    assert render_invoice_pdf(services, invoice, company=demo_company_profile()) == pdf


def test_an_invoice_paid_in_part_from_credit_asks_for_the_amount_due(
    services: Services,
) -> None:
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    send(services, RecordPayment(customer_id=customer, amount="500.00", currency="RUB",
                                 reference="п/п 5", received_on=date(2026, 1, 10)))
    invoice = charge(services, customer, "1000.00")
    (code,) = qr_codes(render_invoice_pdf(services, invoice, company=demo_company_profile()))
    values = fields(code.decode())
    assert values["Sum"] == "72000"
    assert values["Purpose"].endswith("в т.ч. НДС 22 % — 129,84")


def test_documents_that_ask_for_no_rouble_payment_have_no_qr_code(
    services: Services,
) -> None:
    book = demo_company_profile()
    english = CompanyBook(versions=[book.versions[0].model_copy(update={"language": "en"})])
    customer = register(services, "C-1", **BUYER, vat_rate=Decimal(22))
    invoice = charge(services, customer, "1000.00")
    dollars = charge(services, register(services, "C-2", **{**BUYER, "inn": "7736207543"},
                                        currency="USD"), "100.00")
    send(services, RecordPayment(customer_id=customer, amount="2440.00", currency="RUB",
                                 reference="п/п 7", received_on=date(2026, 1, 15)))
    prepaid = charge(services, customer, "1000.00")  # wholly from the credit
    note = send(services, IssueCreditNote(customer_id=customer, invoice_id=invoice,
                                          reason="Услуга не оказана")).result
    services.runner.catch_up()
    assert build_document(services, prepaid, "invoice", company=book).amount_due.minor == 0
    assert build_document(services, dollars, "invoice", company=book).total.currency == "USD"
    pdfs = {
        "act": render_invoice_pdf(services, invoice, "act", company=book),
        "english": render_invoice_pdf(services, invoice, company=english),
        "dollars": render_invoice_pdf(services, dollars, company=book),
        "prepaid": render_invoice_pdf(services, prepaid, company=book),
        "credit note": render_credit_note_pdf(services, invoice, note["credit_note_id"],
                                              company=book),
    }
    for what, pdf in pdfs.items():
        assert qr_codes(pdf) == [], what
        assert "QR" not in text_of(pdf), what
