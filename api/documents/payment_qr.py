"""What the payment QR code of an invoice says (ГОСТ Р 56042-2014), as text.

Why: a bank app reads the payee's requisites, the purpose and the sum from the code, so the
buyer's accountant types nothing and mistypes nothing. The payload is built from the
document model alone, so the code of a past invoice never changes.

The format: ``ST0001`` (format and version) ``2`` (UTF-8) ``|``, then ``key=value`` fields
separated by ``|`` — the required block ``Name``, ``PersonalAcc``, ``BankName``, ``BIC``,
``CorrespAcc`` in that order, then ``PayeeINN``, ``KPP`` (when the seller has one),
``Purpose`` (the invoice's own, :func:`api.documents.purpose.payment_purpose`) and ``Sum``
(the amount due in kopecks, an integer). The separator cannot be escaped, so a ``|`` inside
a value becomes ``/``; line breaks and other unprintable characters become spaces, and runs
of spaces one. A value longer than the standard allows (Name 160, BankName 45, Purpose 210
characters; the required block 300 bytes) is cut at a word boundary and ends with «…»; the
purpose keeps its VAT clause whole (п. 4 ст. 168 НК) and gives up words before it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.documents.purpose import payment_purpose, vat_clause

if TYPE_CHECKING:
    from api.documents.model import InvoiceDocument

HEADER = "ST00012"
"""Format ``ST``, version ``0001``, encoding ``2`` (UTF-8)."""
SEPARATOR = "|"
SEPARATOR_STANDIN = "/"
"""What a ``|`` inside a value is printed as (the standard has no escape)."""
ELLIPSIS = "…"
REQUIRED_BLOCK_BYTES = 300
"""The required fields (``Name=…|…|CorrespAcc=…``) fit in this many bytes."""
LIMITS = {"Name": 160, "PersonalAcc": 20, "BankName": 45, "BIC": 9, "CorrespAcc": 20,
          "PayeeINN": 12, "KPP": 9, "Purpose": 210, "Sum": 18}
"""The longest value of each field the standard allows, in characters (``Sum``: digits)."""


def has_payment_qr(doc: InvoiceDocument) -> bool:
    """True when the document gets a payment QR code.

    Only a Russian счёт that asks for payment (not an act, a credit note or a correction,
    not a voided invoice, not the English layout) of a Russian seller with its full bank
    requisites (the correspondent account is required by the standard), in roubles, with
    something left to pay.
    """
    seller = doc.seller
    return (doc.asks_payment and doc.language == "ru" and seller.country == "RU"
            and doc.amount_due.currency == "RUB"
            and all(value and value.strip() for value in (
                seller.name, seller.account, seller.bank_name, seller.bik,
                seller.correspondent_account)))


def payment_payload(doc: InvoiceDocument) -> str | None:
    """The QR code's text for an invoice, or None when it gets none (:func:`has_payment_qr`).

    For example ``ST00012|Name=ООО «ЛБХ Софт»|PersonalAcc=40702810938000012345|BankName=…
    |BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Purpose=Оплата по счёту № … от …, в т.ч. НДС 22 % —
    220,00|Sum=122000``. The seller's name gives way when the required block would
    exceed its bytes (a long name in Cyrillic, two bytes a letter).
    """
    if not has_payment_qr(doc):
        return None
    seller = doc.seller
    rest = {key: _fit(key, value) for key, value in (
        ("PersonalAcc", seller.account), ("BankName", seller.bank_name), ("BIC", seller.bik),
        ("CorrespAcc", seller.correspondent_account or ""))}
    budget = REQUIRED_BLOCK_BYTES - len(_join({"Name": "", **rest}).encode())
    fields = {"Name": _fit("Name", seller.name, budget), **rest}
    optional = {"PayeeINN": _fit("PayeeINN", seller.inn), "KPP": _fit("KPP", seller.kpp or ""),
                "Purpose": _purpose(doc), "Sum": str(doc.amount_due.minor)}
    fields.update({key: value for key, value in optional.items() if value})
    return SEPARATOR.join((HEADER, _join(fields)))


def _purpose(doc: InvoiceDocument) -> str:
    """The invoice's payment purpose in 210 characters, its VAT clause kept whole.

    Only the words before the clause are cut, so the VAT the law asks for stays; the
    invoice number, first, stays unless it alone is longer than the room left.
    """
    text, vat, limit = clean(payment_purpose(doc)), clean(vat_clause(doc)), LIMITS["Purpose"]
    if len(text) <= limit or not text.endswith(vat) or len(vat) > limit // 2:
        return clip(text, limit)
    head = text.removesuffix(vat).rstrip(", ")
    return f"{clip(head, limit - len(vat) - 2)}, {vat}"


def _join(fields: dict[str, str]) -> str:
    return SEPARATOR.join(f"{key}={value}" for key, value in fields.items())


def _fit(key: str, value: str, max_bytes: int | None = None) -> str:
    """``value`` cleaned of separators and cut to the field's length (and ``max_bytes``)."""
    text = clean(value)
    limit = LIMITS[key]
    fitted = clip(text, limit)
    while max_bytes is not None and len(fitted.encode()) > max_bytes and limit > 1:
        limit -= 1
        fitted = clip(text, limit)
    return fitted


def clean(value: str) -> str:
    """One line without the separator: ``|`` → ``/``, unprintables → spaces, spaces folded."""
    text = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(text.replace(SEPARATOR, SEPARATOR_STANDIN).split())


def clip(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else cut at a word boundary plus «…».

    A word is cut only when the last space would lose more than half of what fits.
    """
    if len(text) <= limit:
        return text
    head = text[:limit - len(ELLIPSIS)]
    space = head.rfind(" ")
    if space > len(head) // 2:
        head = head[:space]
    return head.rstrip(" ,;:.-—") + ELLIPSIS
