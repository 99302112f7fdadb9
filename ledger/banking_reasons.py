"""The clauses of a bank line's match reason, as the matcher writes them into the event.

A reason is its clauses joined by ``"; "`` (``"ИНН 7701234567 matches ООО Ромашка; amount
equals open 12 200.00"``). The matcher (``banking_match.py``) and the import
(``commands/import_bank_statement.py``) write each clause from its template here, and the
workspace reads the clauses back with the same templates to show them in the reader's
language (``projections/bank_reasons.py``); see :mod:`ledger.system_texts`. The reasons
for a reversal that takes back a credit are the import's, written instead of the
classifier's word when the reversed line is found.
"""

from __future__ import annotations

from ledger.system_texts import DIGITS, ISO_DATE, SystemText

SEPARATOR = "; "
"""Between the clauses of one reason."""
_AMOUNT = r"\d{1,3}(?: \d{3})*(?:\.\d+)?"
"""An amount as ``banking_match.grouped`` writes it: ``12 200.00``."""

INN_MATCHES = SystemText("ИНН {inn} matches {name}", {"inn": r"\d+"})
KPP_MATCHES = SystemText("КПП {kpp} matches")
INVOICE_FOUND = SystemText("invoice {numbers} found in purpose")
INVOICE_FOUND_FOR = SystemText("invoice {numbers} found in purpose (customer {name})")
AMOUNT_EQUALS = SystemText("amount equals open {amount}", {"amount": _AMOUNT})
AMOUNT_EQUALS_OF = SystemText("amount equals open {amount} of invoice {number}",
                              {"amount": _AMOUNT})
INN_SHARED = SystemText("ИНН {inn} belongs to {count} customers ({names})",
                        {"inn": r"\d+", "count": DIGITS})
INVOICES_OF_SEVERAL = SystemText("the invoices in the purpose belong to different customers")
INVOICE_OF_ANOTHER = SystemText(
    "but invoice {numbers} in the purpose belongs to another customer")
NO_CUSTOMER_WITH_INN = SystemText("no customer has ИНН {inn}")
NO_INN = SystemText("the payer gave no ИНН")
NO_INVOICE_NUMBER = SystemText("no invoice number of ours in the purpose")
OTHER_CURRENCY = SystemText("the payment is in {currency} but {name} is billed in {billed}",
                            {"currency": r"[A-Z]{3}", "billed": r"[A-Z]{3}"})
LOW_SCORE = SystemText("score {score} is below {threshold}",
                       {"score": DIGITS, "threshold": DIGITS})
BOOK_REFUSED = SystemText("the customer's book refused it: {detail}")
POSSIBLE_DUPLICATE = SystemText(
    "possible duplicate of payment {payment_id} of {received_on} recorded by hand;"
    " link it or record it", {"received_on": ISO_DATE})
UNSPLIT_BATCH = SystemText(
    "a batch of {count} transfers that do not add up to the amount booked names no single"
    " payer; split it by hand", {"count": DIGITS})
REVERSAL_OF_PAYMENT = SystemText(
    "reversal of bank line №{number} of {booked_on}: the bank took back payment {payment_id};"
    " record a chargeback on it, then dismiss this line", {"booked_on": ISO_DATE})
REVERSAL_OF_UNPAID_LINE = SystemText(
    "reversal of bank line №{number} of {booked_on}, which paid no customer; dismiss it if it"
    " still waits, and this line", {"booked_on": ISO_DATE})
RECLASSIFIED = SystemText("re-imported with other own accounts or ИНН: was skipped as {was}")
"""Why a skipped line was classified again (``meta.reason`` of ``BankPaymentReclassified``)."""
