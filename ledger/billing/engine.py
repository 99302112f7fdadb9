"""``bill``: one pure function from a customer's subscriptions and a date to an invoice.

Why pure: a bill run must give the same invoice however often it is run, and a
person must be able to replay it. ``bill`` reads no clock and no store; the date
is a parameter, and how far each subscription is billed is part of its terms.
It returns the lines, the totals, and the advances the caller records; terms
advanced that way give an empty invoice for the same date, so nothing is billed
twice.

For each subscription, in this order:

1. the one-time (setup) fees, once, from the first day of the subscription;
2. a credit for days already billed beyond the end of service;
3. the recurring fees of every slice from ``billed_until`` on that has started
   (in advance) or ended (in arrears) by ``as_of``;
4. usage of every slice from ``usage_billed_until`` on that has ended by ``as_of``,
   priced on its period's ladder, the minimum of each period whose last served day
   that reaches, then corrections for usage that came late (``usage``).

Then the invoice: lines → the customer's discounts in ``position`` order → VAT
per line → account credit (``invoice_math.compute_invoice``). A credit for days an
earlier invoice billed gives back that invoice's discount on them, whatever the
discounts are today (``credits``), at the VAT rate they were charged at, whatever the
customer's rate is today (``line_rates``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ledger.billing.credits import carried_discounts, same_invoice_charges
from ledger.billing.discounts import active_discounts, periods_used, spec_of
from ledger.billing.fees import fee_lines, setup_lines, unused_credit_lines
from ledger.billing.line_rates import rated_lines
from ledger.billing.model import BillingResult, SubscriptionAdvance
from ledger.billing.schedule import has_arrears_items, plan_on, slices
from ledger.billing.usage import arrears_lines, metered_component
from ledger.errors import CurrencyMismatch, InvalidField
from ledger.invoice_math import DraftLine, compute_invoice
from ledger.periods import Interval
from ledger.vat import VatMode, VatRate

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date

    from ledger.billing.model import DiscountTerms, InvoiceLine, SubscriptionTerms, UsageRecord
    from ledger.billing.schedule import Slice
    from ledger.money import Money


@dataclass(frozen=True, slots=True)
class _Run:
    lines: list[InvoiceLine]
    advance: SubscriptionAdvance | None
    usage_ids: list[str]


def bill(
    as_of: date,
    subscriptions: Sequence[SubscriptionTerms],
    usage: Sequence[UsageRecord],
    discounts: Sequence[DiscountTerms],
    *,
    credit_available: Money,
    currency: str,
    vat_mode: VatMode | None = None,
    vat_rate: VatRate | None = None,
    pending_lines: Sequence[InvoiceLine] = (),
    billed_usage: Sequence[UsageRecord] = (),
) -> BillingResult:
    """Bill a customer's subscriptions for everything due by ``as_of``.

    Args:
        as_of: the invoice date; fees of slices started (in advance) or ended
            (in arrears, usage) on or before it are due.
        subscriptions: the customer's subscriptions and how far each is billed.
        usage: the usage records not yet invoiced (others' subscriptions are ignored).
        discounts: the customer's discounts.
        credit_available: the customer's credit balance, taken off the total.
        currency: the invoice currency; every tariff must be in it.
        vat_mode: the customer's VAT mode; ``None`` takes the tariffs' (which must agree).
        vat_rate: the customer's VAT rate for every line a tariff priced (one-off
            charges keep theirs, and a credit of days an earlier invoice charged keeps
            the rate they were charged at, ``line_rates``); ``None`` takes each tariff's.
        pending_lines: lines made elsewhere (plan changes, one-off charges) to invoice now;
            their subscriptions' tariffs count for the VAT mode.
        billed_usage: records already invoiced, the base late usage is priced on.

    Returns:
        The invoice and the advances to record; ``is_empty`` when nothing is due.

    Raises:
        CurrencyMismatch: a tariff, a line or the credit is in another currency.
        InvalidField: a usage record names no metered component of its plan
            (``component``), or the tariffs disagree on the VAT mode (``vat_mode``).
    """
    _check_currency(subscriptions, credit_available, currency)
    runs = [_run(terms, as_of, usage, billed_usage) for terms in subscriptions]
    lines = rated_lines(
        (*pending_lines, *(line for run in runs for line in run.lines)), subscriptions, vat_rate)
    offered = active_discounts(discounts, as_of) if lines else []
    billed = {line.subscription_id for line in lines}
    carried = carried_discounts(lines, subscriptions)
    mode = _vat_mode(vat_mode, [t for t in subscriptions if t.subscription_id in billed],
                     subscriptions)
    totals = compute_invoice(
        [
            DraftLine(line.amount, line.component, VatRate(line.vat_rate), given_back, charge)
            for line, given_back, charge in zip(
                lines, carried, same_invoice_charges(lines), strict=True)
        ],
        [spec_of(discount) for discount in offered],
        mode,
        VatRate.exempt(),
        credit_available,
    )
    return BillingResult(
        as_of=as_of,
        currency=currency,
        lines=lines,
        totals=totals,
        advances=tuple(run.advance for run in runs if run.advance is not None),
        discounts_applied=tuple(discount.discount_id for discount in offered),
        discount_periods_used=periods_used(offered, lines),
        usage_billed=tuple(usage_id for run in runs for usage_id in run.usage_ids),
        period=_covered(lines),
        vat_mode=mode,
    )


def _check_currency(
    subscriptions: Sequence[SubscriptionTerms], credit: Money, currency: str
) -> None:
    currencies = {credit.currency}
    for terms in subscriptions:
        currencies.add(terms.definition.currency)
        if terms.pending is not None:
            currencies.add(terms.pending.definition.currency)
    for other in sorted(currencies - {currency}):
        raise CurrencyMismatch(expected=currency, got=other)


def _vat_mode(
    vat_mode: VatMode | None,
    billed: Sequence[SubscriptionTerms],
    subscriptions: Sequence[SubscriptionTerms],
) -> VatMode:
    """The customer's VAT mode, else that of the tariffs billed on this invoice (which agree).

    ``billed`` are the subscriptions with a line on the invoice, its pending lines included:
    an invoice holding only a plan change's corrections is read in the mode of the tariffs
    that priced them, not in the fallback (exclusive), which would add VAT to inclusive
    prices. An invoice of one-off charges alone is read in the mode the customer's tariffs
    agree on, as the same charges would be beside a subscription's fee; exclusive when the
    customer has no tariff (or tariffs that disagree, which only older histories can hold).
    Credit lines are read in that mode too: the customer's mode does not change while days a
    credit could give back were billed in another (``UpdateCustomer`` refuses it).
    """
    if vat_mode is not None:
        return vat_mode
    modes = _modes(billed)
    if len(modes) > 1:
        why = "the tariffs on one invoice disagree on the VAT mode; give the customer a vat_mode"
        raise InvalidField(field="vat_mode", why=why)
    if not modes and len(every := _modes(subscriptions)) == 1:
        modes = every
    return next(iter(modes), VatMode.EXCLUSIVE)


def _modes(subscriptions: Sequence[SubscriptionTerms]) -> set[VatMode]:
    modes = {terms.definition.vat_mode for terms in subscriptions}
    return modes | {terms.pending.definition.vat_mode for terms in subscriptions if terms.pending}


def _run(
    terms: SubscriptionTerms,
    as_of: date,
    usage: Sequence[UsageRecord],
    billed: Sequence[UsageRecord],
) -> _Run:
    records = _records_of(terms, usage)
    end = terms.service_end
    served = end is None or end > terms.started_on
    setup_due = served and not terms.setup_billed and as_of >= terms.started_on
    credit_lines, credited_to = unused_credit_lines(terms)
    recurring_terms = terms if credited_to is None else replace(terms, billed_until=credited_to)
    fees, billed_until = _recurring(recurring_terms, as_of)
    metered, usage_until, usage_ids = _arrears(terms, as_of, records, billed)
    before = SubscriptionAdvance(
        terms.subscription_id, terms.billed_until, terms.usage_billed_until, terms.setup_billed
    )
    after = SubscriptionAdvance(
        terms.subscription_id,
        billed_until or recurring_terms.billed_until,
        usage_until or terms.usage_billed_until,
        terms.setup_billed or setup_due,
    )
    setup = setup_lines(terms) if setup_due else []
    lines = [*setup, *credit_lines, *fees, *metered]
    return _Run(lines, None if after == before else after, usage_ids)


def _records_of(terms: SubscriptionTerms, usage: Sequence[UsageRecord]) -> list[UsageRecord]:
    """The subscription's records dated within its service; each checked against its plan."""
    end = terms.service_end
    records = [
        record
        for record in usage
        if record.subscription_id == terms.subscription_id
        and terms.started_on <= record.occurred_on
        and (end is None or record.occurred_on < end)
    ]
    for record in records:
        metered_component(plan_on(terms, record.occurred_on), record)
    return records


def _recurring(terms: SubscriptionTerms, as_of: date) -> tuple[list[InvoiceLine], date | None]:
    """The fees of the slices due by ``as_of``, and the new ``billed_until``."""
    since = max(terms.billing_start, terms.billed_until or terms.billing_start)
    lines: list[InvoiceLine] = []
    until = None
    for piece in slices(terms, since):
        in_advance = piece.plan.definition.timing == "in_advance"
        if (piece.part.start if in_advance else piece.part.end) > as_of:
            break
        lines += fee_lines(terms.subscription_id, piece, "recurring")
        until = piece.part.end
        if until > as_of:
            # The next slice starts where this one ends, after as_of: due neither in
            # advance nor in arrears. Stopping here spares building it only to drop it.
            break
    return lines, until


def _arrears(
    terms: SubscriptionTerms,
    as_of: date,
    records: Sequence[UsageRecord],
    billed: Sequence[UsageRecord],
) -> tuple[list[InvoiceLine], date | None, list[str]]:
    """Usage, minimums and late corrections, the new ``usage_billed_until``, the records used."""
    since = max(terms.started_on, terms.usage_billed_until or terms.started_on)
    late = [record for record in records if record.occurred_on < since]
    plans = [terms.definition] + ([terms.pending.definition] if terms.pending else [])
    if not any(has_arrears_items(definition) for definition in plans):
        # usage of days under a past metered plan can still come late
        return arrears_lines(terms, (), (), late, billed), None, [r.usage_id for r in late]
    due: list[Slice] = []
    for piece in slices(terms, since):
        if piece.part.end > as_of:
            break
        due.append(piece)
    until = due[-1].part.end if due else None
    fresh = [r for r in records if until is not None and since <= r.occurred_on < until]
    lines = arrears_lines(terms, due, fresh, late, billed)
    return lines, until, [record.usage_id for record in (*fresh, *late)]


def _covered(lines: Sequence[InvoiceLine]) -> Interval | None:
    periods = [line.period for line in lines if line.period is not None]
    if not periods:
        return None
    return Interval(min(p.start for p in periods), max(p.end for p in periods))
