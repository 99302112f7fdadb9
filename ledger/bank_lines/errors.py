"""The refusals of a bank statement line: not found, not in the queue, not a payment.

Why a module of its own: the commands that resolve, link and dismiss queued lines catch
and explain these, and the API maps them by category (``ledger.errors``), without
needing the aggregate that raises them.
"""

from __future__ import annotations

from ledger.errors import Conflict, NotFound, PossibleDuplicatePayment, Rejected


class BankPaymentNotFound(NotFound):
    """Raised when no bank statement line has the given id."""

    title = "Bank payment not found"
    field = "bank_payment_id"
    template = "no bank payment {bank_payment_id}"


class BankPaymentNotQueued(Conflict):
    """Raised when resolving or dismissing a bank line that is not waiting in the queue.

    Only ``unmatched`` and ``ambiguous`` lines wait; a skipped line is no payment, and a
    matched, resolved or dismissed one has been dealt with already.
    """

    title = "Bank payment not in the queue"
    field = "bank_payment_id"
    terms = frozenset({"status", "verb"})
    template = (
        "bank payment {bank_payment_id} is {status};"
        " only unmatched or ambiguous lines can be {verb}"
    )


class BankReversalIsNoPayment(Rejected):
    """Raised when resolving a queued line that is a reversal: it takes money back.

    Such a line is no customer's payment to record; the accountant records a chargeback
    on the payment it takes back, then dismisses it.
    """

    title = "A reversal is no payment"
    field = "bank_payment_id"
    template = ("bank payment {bank_payment_id} is the bank taking back an earlier credit, not"
                " a payment; record a chargeback on the customer's payment, then dismiss it")


class BankLineLikeTypedPayment(PossibleDuplicatePayment):
    """Raised when a queued line is resolved to a customer with a payment typed in like it.

    ``Customer.possible_duplicate`` finds it, as the import asks. The same problem as the
    other way round (``possible-duplicate-payment``, 409), worded for this side: link the
    line to that payment, or say it is another one.
    """

    template = ("this bank line looks like payment {payment_id} of {received_on}"
                "{reference_text}, already recorded by hand with the same amount; link the"
                " line to it (existing_payment_id), or if it is another payment, send it again"
                " with {override}")
