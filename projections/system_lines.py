"""What LBX wrote itself into an event (a reason, a reference, a formula), as a line.

The ledger writes these texts in English from the templates of ``ledger/system_texts.py``,
and events keep them so forever. :func:`said` recognises a text by the same template and
gives a :class:`~projections.messages.Line` with typed values, so that each reader sees it
in their own language — old events included, since nothing stored changes. A text no
template knows (a reason a person typed) comes back exactly as it was.

Each message id here is the ledger's template itself, its values written the way the
ledger wrote them (numbers as they are, dates as ISO dates), so that the English line is
the stored text; only the formulas show their amounts as money (with the currency).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger import system_texts as st
from ledger.money import Money
from projections.messages import Line, declare

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from projections.messages import Message, Value

DUNNING_STEP = {action: declare(st.DUNNING_STEP.template.replace("{action}", action))
                for action in ("remind", "suspend", "cancel")}
DUNNING_SUSPENSION = declare(st.DUNNING_SUSPENSION.template)
DEBT_SETTLED = declare(st.DEBT_SETTLED.template)
DUNNING_CANCELLATION = declare(st.DUNNING_CANCELLATION.template)
BANK_REFERENCE = declare(st.BANK_REFERENCE.template)
BANK_REFERENCE_UNNUMBERED = declare(st.BANK_REFERENCE_UNNUMBERED.template)
ANOTHER_PAYMENT = declare(st.ANOTHER_PAYMENT.template)
COUPON = declare(st.COUPON.template)
UNPAID_CREDIT = declare(st.UNPAID_CREDIT.template)
UNUSED_PART_LINE = declare(st.UNUSED_PART_LINE.template)
REMAINING_PART_LINE = declare(st.REMAINING_PART_LINE.template)
UNUSED_PART = declare(st.UNUSED_PART.template)
REMAINING_PART = declare(st.REMAINING_PART.template)
SEPARATED = declare("{first}; {rest}")
"""Two parts of an enumeration (the rest may be another)."""


def _dunning_step(fields: Mapping[str, str]) -> Line:
    return Line(DUNNING_STEP[fields["action"]], {
        "version": int(fields["version"]), "step": int(fields["step"]),
        "days_after_due": int(fields["days_after_due"])})


def reader(message: Message, *, numbers: tuple[str, ...] = (),
            dates: tuple[str, ...] = ()) -> Callable[[Mapping[str, str]], Line]:
    """A reader of a template's fields: ``numbers`` as whole numbers, ``dates`` as dates."""

    def read(fields: Mapping[str, str]) -> Line:
        values: dict[str, Value] = {}
        for name, text in fields.items():
            values[name] = (int(text) if name in numbers
                            else date.fromisoformat(text) if name in dates else text)
        return Line(message, values)

    return read


READERS: tuple[tuple[st.SystemText, Callable[[Mapping[str, str]], Line]], ...] = (
    (st.DUNNING_STEP, _dunning_step),
    (st.DUNNING_SUSPENSION, reader(DUNNING_SUSPENSION, numbers=("days", "bar"))),
    (st.DEBT_SETTLED, reader(DEBT_SETTLED, numbers=("bar",))),
    (st.DUNNING_CANCELLATION, reader(DUNNING_CANCELLATION)),
    (st.BANK_REFERENCE, reader(BANK_REFERENCE, dates=("booked_on",))),
    (st.BANK_REFERENCE_UNNUMBERED, reader(BANK_REFERENCE_UNNUMBERED, dates=("booked_on",))),
    (st.ANOTHER_PAYMENT, reader(ANOTHER_PAYMENT, dates=("received_on",))),
    (st.COUPON, reader(COUPON)),
    (st.UNPAID_CREDIT, reader(UNPAID_CREDIT)),
    (st.UNUSED_PART_LINE, reader(UNUSED_PART_LINE, dates=("start", "end"))),
    (st.REMAINING_PART_LINE, reader(REMAINING_PART_LINE, dates=("start", "end"))),
)
"""The system's own texts that need nothing but themselves to be read."""


def said(text: str | None) -> Value:
    """``text`` as a line if the system wrote it from a template, else ``text`` as it is."""
    if not text:
        return ""
    for template, read in READERS:
        fields = template.read(text)
        if fields is not None:
            return read(fields)
    return text


def correction(formula: str, currency: str) -> Value:
    """A plan-change correction's formula (``−500.00 = 1000.00 × 15/30, unused part of A``).

    The formula writes its amounts without the currency, so the line's ``currency`` is
    given; a formula of another shape comes back as it is.
    """
    for template, message in ((st.UNUSED_PART, UNUSED_PART),
                              (st.REMAINING_PART, REMAINING_PART)):
        fields = template.read(formula)
        if fields is not None:
            return Line(message, {
                "amount": _money(fields["amount"], currency),
                "price": _money(fields["price"], currency),
                "days": int(fields["days"]), "period_days": int(fields["period_days"]),
                "plan": fields["plan"]})
    return formula


def _money(text: str, currency: str) -> Money:
    return Money.of(Decimal(text.replace("−", "-")), currency)


def enumeration(parts: tuple[Value, ...]) -> Value:
    """Parts read one after another, separated by semicolons (in any language)."""
    if len(parts) == 1:
        return parts[0]
    return Line(SEPARATED, {"first": parts[0], "rest": enumeration(parts[1:])})
