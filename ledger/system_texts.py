"""The texts LBX writes itself into events (reasons, references, formulas): one template each.

Why a template and not an f-string: events are immutable and keep these texts in English
forever, while the workspace shows them in the reader's language. The workspace can only
do that by recognising the text again, so the code that writes a text and the code that
reads it back (``projections/system_lines.py``; ``bank_reasons.py`` for the clauses of
``banking_reasons.py``) share the one :class:`SystemText`, and cannot drift apart. Text a
person typed matches no template and is shown as typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from string import Formatter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

ANY = r".+?"
"""What a field matches unless told otherwise: any text, as short as the rest allows."""
DIGITS = r"\d+"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
SIGNED_DECIMAL = r"[−-]?\d+(?:\.\d+)?"
"""A formula's amount: ``−500.00`` (a typographic minus) or ``1000.00``."""


@dataclass(frozen=True)
class SystemText:
    """A fixed English sentence with named fields, written into events by the system."""

    template: str
    fields: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Patterns of fields that are not free text (digits, dates): a safer recognition."""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = []
        for literal, name, _spec, _conversion in Formatter().parse(self.template):
            parts.append(re.escape(literal))
            if name:
                parts.append(f"(?P<{name}>{self.fields.get(name, ANY)})")
        object.__setattr__(self, "pattern", re.compile("".join(parts), re.DOTALL))

    def write(self, **values: object) -> str:
        """The sentence with its fields filled in."""
        return self.template.format(**values)

    def read(self, text: str) -> dict[str, str] | None:
        """The fields of ``text`` if it is this sentence, else None."""
        found = self.pattern.fullmatch(text)
        return found.groupdict() if found else None


# -- dunning ----------------------------------------------------------------------------

DUNNING_STEP = SystemText(
    "dunning policy v{version}, step {step}: {action} {days_after_due} days after due",
    {"version": DIGITS, "step": DIGITS, "action": r"remind|suspend|cancel",
     "days_after_due": DIGITS})
"""Why a dunning step was taken (``meta.reason`` of ``DunningStepTaken``)."""
DUNNING_SUSPENSION = SystemText(
    "dunning: invoice {number} overdue {days} days (suspension at {bar})",
    {"days": DIGITS, "bar": DIGITS})
"""Why dunning suspended the customer (``ServiceStatusChanged``)."""
DEBT_SETTLED = SystemText("debt settled: no invoice overdue {bar} days or more", {"bar": DIGITS})
"""Why a customer suspended by dunning was reactivated (``ServiceStatusChanged``)."""
DUNNING_CANCELLATION = SystemText("dunning: cancelled for non-payment")
"""Why a cancellation step cancelled a subscription (``SubscriptionCancelled``)."""

# -- payments and discounts -------------------------------------------------------------

BANK_REFERENCE = SystemText("bank document №{number} of {booked_on}", {"booked_on": ISO_DATE})
"""The reference of a payment that came from a bank statement line."""
BANK_REFERENCE_UNNUMBERED = SystemText("bank document of {booked_on}",
                                       {"booked_on": ISO_DATE})
"""The same, for a bank document without a number."""
ANOTHER_PAYMENT = SystemText(
    "not_a_duplicate: another payment than {payment_id} of {received_on} from the bank"
    " statement, of the same amount", {"received_on": ISO_DATE})
"""Why a payment like one from the bank statement was recorded all the same (the sender
said it is another payment: ``RecordPayment.not_a_duplicate``)."""
COUPON = SystemText("Coupon {code}")
"""The description of a discount granted by redeeming a coupon."""
UNPAID_CREDIT = SystemText(
    "credit of invoice {number} for days of invoice {charged} that were written off"
    " and never paid is not given back")
"""Why the part of a credit for written-off days is taken back (``AdjustmentRecorded``;
``charged`` may name several invoices, comma-separated)."""

# -- plan-change corrections ------------------------------------------------------------

_AMOUNTS = {"amount": SIGNED_DECIMAL, "price": SIGNED_DECIMAL, "days": DIGITS,
            "period_days": DIGITS}
UNUSED_PART = SystemText("{amount} = {price} × {days}/{period_days}, unused part of {plan}",
                         _AMOUNTS)
"""The formula of the credit for the unused part of the old plan."""
REMAINING_PART = SystemText(
    "{amount} = {price} × {days}/{period_days}, remaining part of {plan}", _AMOUNTS)
"""The formula of the charge for the remaining part on the new plan."""
_PERIOD = {"start": ISO_DATE, "end": ISO_DATE}
UNUSED_PART_LINE = SystemText("{plan}: unused part {start} → {end}", _PERIOD)
"""The description of the credit line (``{plan}`` is the tariff's name)."""
REMAINING_PART_LINE = SystemText("{plan}: remaining part {start} → {end}", _PERIOD)
"""The description of the charge line."""
