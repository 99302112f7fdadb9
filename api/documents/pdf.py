"""Lay out an invoice (счёт на оплату) or an act (акт оказанных услуг) as a PDF, with fpdf2.

Why the PDF is byte-for-byte reproducible: every input is fixed by the ledger (the
document's content, its date), the fonts are the DejaVu files matplotlib ships (no system
font lookup, no download), and the PDF's creation date — which fpdf2 also hashes into the
file id — is set to the document's date instead of "now"; the payment QR code is vector
squares computed from its text (``qr_code``), not an embedded picture. Same LBX, same bytes.

The Russian invoice follows the common 1C layout: the payee's bank block on top, with the
payment QR code beside it (``payment_qr``), the title, seller and buyer, the lines, VAT per
rate (or «Без НДС»), totals, the total in words, the payment terms and signatures. The act
replaces the bank block and terms by the statement that the services were rendered and both
parties' signatures. A credit note (кредит-нота) lists the credited lines and names the
invoice it reduces and why. A correction (an invoice below zero, «Корректировочный расчёт»)
and a voided invoice («АННУЛИРОВАН …») ask for nothing: no bank block, QR code, due date
or payment purpose.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
from fpdf import FPDF
from fpdf.fonts import FontFace

from api.company import CompanyProfileInvalid
from api.documents.labels import (
    LABELS,
    currency_short,
    date_long,
    date_short,
    money_text,
    quantity_text,
    rate_text,
)
from api.documents.payment_qr import payment_payload
from api.documents.purpose import payment_purpose
from api.documents.qr_code import draw_qr

if TYPE_CHECKING:
    from api.documents.amount_words import Language
    from api.documents.model import DocumentLine, InvoiceDocument

FONT = "DejaVu"
WIDTH = 180.0
"""Printable width of A4 with 15 mm margins."""
GREY = (235, 235, 235)
QR_SIZE = 32.0
"""The payment QR code's square, quiet zone included (a module of about 0.4 mm)."""


def font_dir() -> Path:
    """Where matplotlib keeps its DejaVu fonts (part of the installed package)."""
    return Path(mpl.get_data_path()) / "fonts" / "ttf"


def render_pdf(doc: InvoiceDocument) -> bytes:
    """The document as PDF bytes; the same document always gives the same bytes."""
    pdf = _new_pdf(doc)
    labels = LABELS[doc.language]
    _logo(pdf, doc)
    if doc.kind == "invoice" and doc.voided is None:
        _bank_block(pdf, doc)
    _title(pdf, doc)
    _void_banner(pdf, doc)
    _parties(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    _in_words(pdf, doc)
    if doc.voided is not None:
        _void_banner(pdf, doc)
        _signatures_invoice(pdf, doc)
    elif doc.kind == "invoice":
        _payment_terms(pdf, doc)
        _signatures_invoice(pdf, doc)
    elif doc.kind == "correction":
        _paragraph(pdf, labels["correction_text"])
        pdf.ln(4)
        _signatures_invoice(pdf, doc)
    elif doc.corrects is not None:  # a credit note
        number, issued = doc.corrects
        _paragraph(pdf, labels["corrects"].format(
            number=number, date=date_short(issued, doc.language), reason=doc.reason))
        pdf.ln(4)
        _signatures_invoice(pdf, doc)
    else:
        _paragraph(pdf, labels["act_text"])
        _signatures_act(pdf, doc)
    return bytes(pdf.output())


def _new_pdf(doc: InvoiceDocument) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    fonts = font_dir()
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_creation_date(datetime.combine(doc.document_date, time(), tzinfo=UTC))
    labels = LABELS[doc.language]
    pdf.set_title(f"{labels[doc.kind]} {labels['no']} {doc.number}")
    pdf.set_author(doc.seller.name)
    pdf.set_creator("LBX")
    pdf.set_lang(doc.language)
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    return pdf


def _logo(pdf: FPDF, doc: InvoiceDocument) -> None:
    logo = doc.seller.logo
    if logo is None:
        return
    try:
        pdf.image(str(logo), x=15, y=10, h=14)
    except (OSError, ValueError, RuntimeError) as error:
        raise CompanyProfileInvalid(path=str(logo), why="logo: {problem}",
                                     problem=str(error)) from None
    pdf.set_y(27)


def _bank_block(pdf: FPDF, doc: InvoiceDocument) -> None:
    """The payee's bank details, the box a bank client copies the payment order from.

    Beside it, on the right, the payment QR code when the invoice has one
    (:func:`api.documents.payment_qr.has_payment_qr`): the same details, read by a phone.
    """
    s, lab = doc.seller, LABELS[doc.language]
    payee = f"{lab['inn']} {s.inn}" + (f"    {lab['kpp']} {s.kpp}" if s.kpp else "")
    payload, top = payment_payload(doc), pdf.get_y()
    widths = (100, 20, 60) if payload is None else (78, 18, 50)
    with pdf.table(col_widths=widths, width=sum(widths), align="LEFT",
                   first_row_as_headings=False, line_height=4.5, text_align="LEFT") as table:
        row = table.row()
        row.cell(f"{s.bank_name}\n{lab['bank']}", rowspan=2)
        row.cell(lab["bik"])
        row.cell(s.bik)
        row = table.row()
        row.cell(lab["acc_corr"])
        row.cell(s.correspondent_account or "")
        row = table.row()
        row.cell(f"{payee}\n{s.name}\n{lab['payee']}")
        row.cell(lab["acc"])
        row.cell(s.account)
    if payload is not None:
        _payment_qr(pdf, payload, top, lab["qr_caption"])
    pdf.ln(4)


def _payment_qr(pdf: FPDF, payload: str, top: float, caption: str) -> None:
    """The QR code at the right margin from ``top``, captioned; continue below both."""
    below_table, x = pdf.get_y(), 15 + WIDTH - QR_SIZE
    draw_qr(pdf, payload, x, top, QR_SIZE)
    pdf.set_xy(x, top + QR_SIZE)
    pdf.set_font(FONT, size=7.5)
    pdf.cell(QR_SIZE, 3.5, caption, align="C")
    pdf.set_font(FONT, size=9)
    pdf.set_xy(15, max(below_table, top + QR_SIZE + 3.5))


def _title(pdf: FPDF, doc: InvoiceDocument) -> None:
    lab = doc.language
    labels = LABELS[lab]
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(WIDTH, 7, f"{labels[doc.kind]} {labels['no']} {doc.number} {labels['of']} "
                   f"{date_long(doc.document_date, lab)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0, 0, 0)
    pdf.line(15, pdf.get_y() + 1, 15 + WIDTH, pdf.get_y() + 1)
    pdf.ln(4)
    pdf.set_font(FONT, size=9)


def _void_banner(pdf: FPDF, doc: InvoiceDocument) -> None:
    """«АННУЛИРОВАН <date>. Причина: …» in bold, when the invoice was voided."""
    if doc.voided is None:
        return
    day, reason = doc.voided
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(WIDTH, 6, LABELS[doc.language]["voided"].format(
        date=date_short(day, doc.language), reason=reason or "—"), new_x="LMARGIN",
        new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.ln(3)


def _parties(pdf: FPDF, doc: InvoiceDocument) -> None:
    labels, s, b = LABELS[doc.language], doc.seller, doc.buyer
    seller = [s.name, f"{labels['inn']} {s.inn}"]
    seller += [f"{labels['kpp']} {s.kpp}"] if s.kpp else []
    seller += [f"{labels['ogrn']} {s.ogrn}"] if s.ogrn else []
    seller += [s.address]
    seller += [f"{labels['account']} {s.account} {labels['in_bank']} {s.bank_name}, "
               f"{labels['bik']} {s.bik}" + (f", {labels['corr']} {s.correspondent_account}"
                                           if s.correspondent_account else "")]
    buyer = [b.name]
    buyer += [f"{labels['inn']} {b.inn}"] if b.inn else []
    buyer += [f"{labels['kpp']} {b.kpp}"] if b.kpp else []
    buyer += [f"{labels['ogrn']} {b.ogrn}"] if b.ogrn else []
    buyer += [b.address] if b.address else []
    for role, parts in ((f"seller_{doc.kind}", seller), (f"buyer_{doc.kind}", buyer)):
        pdf.set_font(FONT, "B", 9)
        pdf.cell(30, 4.5, f"{labels[role]}:")
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(WIDTH - 30, 4.5, ", ".join(parts), align="L", new_x="LMARGIN",
                       new_y="NEXT")
        pdf.ln(1.5)
    if doc.period_start and doc.period_end:
        _paragraph(pdf, labels["period"].format(
            start=date_short(doc.period_start, doc.language),
            end=date_short(doc.period_end - timedelta(days=1), doc.language)))
    pdf.ln(2)


def _lines(pdf: FPDF, doc: InvoiceDocument) -> None:
    """The lines table; a discount column only when something was discounted."""
    labels, lang = LABELS[doc.language], doc.language
    discounted = any(line.discount.minor for line in doc.lines)
    if doc.prices_include_vat:  # price with VAT: its sum is the one with VAT, VAT inside
        heads = ["pos", f"item_{doc.kind}", "qty", "unit", "price_incl",
                 *(["discount"] if discounted else []), "sum_incl", "rate", "vat_incl", "net"]
    else:
        heads = ["pos", f"item_{doc.kind}", "qty", "unit", "price",
                 *(["discount"] if discounted else []), "net", "rate", "vat", "gross"]
    widths = [7, 55 - (16 if discounted else 0), 13, 10, 20, *([16] if discounted else []),
              22, 13, 18, 22]
    pdf.set_font(FONT, size=7.5)
    heading = FontFace(emphasis="BOLD", fill_color=GREY)
    with pdf.table(col_widths=widths, width=WIDTH, line_height=4, headings_style=heading,
                   text_align="LEFT") as table:
        row = table.row()
        for key in heads:
            row.cell(labels[key], align="C")
        for line in doc.lines:
            row = table.row()
            for text, align in _line_cells(line, labels["unit_name"], lang, discounted):
                row.cell(text, align=align)
    pdf.set_font(FONT, size=9)
    pdf.ln(2)


def _line_cells(
    line: DocumentLine, unit: str, language: Language, discounted: bool
) -> list[tuple[str, str]]:
    cells = [(str(line.position), "C"), (line.description, "L"),
             (quantity_text(line.quantity, language), "R"), (unit, "C"),
             (money_text(line.unit_price, language), "R")]
    if discounted:
        cells.append((money_text(line.discount, language), "R"))
    other = line.net if line.price_includes_vat else line.total
    return [*cells, (money_text(line.amount, language), "R"),
            (rate_text(line.vat_rate, language), "C"),
            (money_text(line.vat, language), "R") if line.vat_rate is not None else ("—", "C"),
            (money_text(other, language), "R")]


def _totals(pdf: FPDF, doc: InvoiceDocument) -> None:
    """Net, VAT per rate (or «Без НДС»), total, and for an invoice the credit and amount due."""
    labels, lang = LABELS[doc.language], doc.language
    rows: list[tuple[str, str]] = []
    if doc.exempt:
        rows += [(f"{labels['no_vat']}:", "—"),
                 (labels["total_exempt"], money_text(doc.total, lang))]
    else:
        rows.append((labels["net_total"], money_text(doc.net_total, lang)))
        rows += [(f"{labels['vat_of']} {rate_text(g.rate, lang)}:", money_text(g.vat, lang))
                 if g.rate is not None else (f"{labels['no_vat']}:", "—") for g in doc.vat_groups]
        rows.append((labels["total"], money_text(doc.total, lang)))
    if doc.kind == "invoice" and doc.credit_applied.minor:
        rows += [(labels["credit"], money_text(doc.credit_applied, lang)),
                 (labels["due_total"], money_text(doc.amount_due, lang))]
    for label, value in rows:
        pdf.set_font(FONT, "B", 9)
        pdf.cell(WIDTH - 35, 5, label, align="R")
        pdf.cell(35, 5, value, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.ln(2)


def _in_words(pdf: FPDF, doc: InvoiceDocument) -> None:
    labels, lang = LABELS[doc.language], doc.language
    cur = currency_short(doc.total.currency, lang)
    _paragraph(pdf, labels[f"count_{doc.kind}"].format(
        n=len(doc.lines), amount=money_text(doc.total, lang), cur=cur))
    if doc.credited:  # the words say what is to be paid, after the credit
        _paragraph(pdf, labels["credit_words"].format(
            credit=money_text(doc.credit_applied, lang), due=money_text(doc.amount_due, lang),
            cur=cur))
    elif doc.kind == "correction":  # the words say by how much the debt goes down
        _paragraph(pdf, labels["correction_words"])
    pdf.set_font(FONT, "B", 9)
    pdf.multi_cell(WIDTH, 5, doc.total_in_words, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, size=9)
    pdf.ln(3)


def _payment_terms(pdf: FPDF, doc: InvoiceDocument) -> None:
    """The due date and the payment purpose, with VAT stated as п. 4 ст. 168 НК asks."""
    labels = LABELS[doc.language]
    _paragraph(pdf, labels["pay_by"].format(date=date_short(doc.due_on, doc.language)))
    _paragraph(pdf, labels["purpose_hint"].format(purpose=payment_purpose(doc)))
    pdf.ln(6)


def _signatures_invoice(pdf: FPDF, doc: InvoiceDocument) -> None:
    labels, s = LABELS[doc.language], doc.seller
    for role, person in (("director", s.director), ("accountant", s.accountant or s.director)):
        pdf.set_font(FONT, "B", 9)
        pdf.cell(35, 8, labels[role])
        pdf.set_font(FONT, size=9)
        pdf.cell(50, 8, "_" * 24)
        pdf.cell(95, 8, f"/ {person} /", new_x="LMARGIN", new_y="NEXT")


def _signatures_act(pdf: FPDF, doc: InvoiceDocument) -> None:
    labels = LABELS[doc.language]
    pdf.ln(6)
    top = pdf.get_y()
    sides = ((labels["seller_act"], doc.seller.name,
              f"{labels['director']} / {doc.seller.director} /"),
             (labels["buyer_act"], doc.buyer.name, f"/{' ' * 30}/"))
    for column, (role, name, signer) in enumerate(sides):
        x = 15 + column * 92
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(86, 5, role.upper(), new_x="LEFT", new_y="NEXT")
        pdf.set_font(FONT, size=9)
        pdf.multi_cell(86, 5, name, new_x="LEFT", new_y="NEXT")
        pdf.set_xy(x, pdf.get_y() + 6)
        for text in ("_" * 30, signer, labels["stamp"]):
            pdf.multi_cell(86, 5, text, new_x="LEFT", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(WIDTH, 4.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
