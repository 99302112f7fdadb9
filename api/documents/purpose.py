"""The payment purpose (назначение платежа) an invoice asks the buyer to write.

Why one function: п. 4 ст. 168 НК asks for the VAT to be stated separately in settlement
documents, so the purpose carries it («…, в т.ч. НДС 22 % — 220,00» or «НДС не
облагается»). The invoice prints this text and its QR code (``payment_qr``) carries it;
built in one place, a payment made by scanning says exactly what one typed from the page
would. The invoice number comes first: the bank-statement matcher looks for it there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.documents.labels import LABELS, date_short, money_text, rate_text

if TYPE_CHECKING:
    from api.documents.model import InvoiceDocument


def payment_purpose(doc: InvoiceDocument) -> str:
    """«Оплата по счёту № … от …, в т.ч. НДС 22 % — 220,00», in the document's language.

    The invoice's number and date, then :func:`vat_clause`.
    """
    lang = doc.language
    return LABELS[lang]["purpose"].format(
        number=doc.number, date=date_short(doc.issued_on, lang), vat=vat_clause(doc))


def vat_clause(doc: InvoiceDocument) -> str:
    """«в т.ч. НДС 22 % — 220,00, 10 % — 50,00» or «НДС не облагается».

    The VAT is that of the amount to pay: after credit applied, of «Всего к оплате»
    (:meth:`InvoiceDocument.vat_payable`), one amount per rate, highest rate first.
    """
    labels, lang = LABELS[doc.language], doc.language
    if doc.exempt:
        return labels["purpose_no_vat"]
    return labels["purpose_vat"].format(
        amounts=", ".join(f"{rate_text(g.rate, lang)} — {money_text(g.vat, lang)}"
                          for g in doc.vat_payable() if g.rate is not None))
