"""What the next bill run starts from once an invoice is recorded.

Why spelled out: the engine remembers nothing between runs; how far each
subscription is billed, how many periods a discount has used and which usage is
invoiced all travel in its inputs. The command layer records a result's advances
as events and rebuilds the inputs from state; these helpers do the same in
memory (for previews and tests) and show exactly which fields move, and the fees
charged, which a later credit gives back at their net.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ledger.billing.model import FEE_KINDS, BilledCharge
from ledger.billing.schedule import settle

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.billing.model import (
        BillingResult,
        DiscountTerms,
        SubscriptionAdvance,
        SubscriptionTerms,
        UsageRecord,
    )


def advance_subscriptions(
    subscriptions: Sequence[SubscriptionTerms], result: BillingResult
) -> tuple[SubscriptionTerms, ...]:
    """Move each subscription's billing cursors as ``result`` says; fold plan changes now due.

    Each also keeps the fees ``result`` charged it (``SubscriptionTerms.billed``), which a
    later credit of their days gives back at their net.
    """
    advances = {advance.subscription_id: advance for advance in result.advances}
    return tuple(
        settle(_moved(_charged(terms, result), advances.get(terms.subscription_id)))
        for terms in subscriptions
    )


def _charged(terms: SubscriptionTerms, result: BillingResult) -> SubscriptionTerms:
    fees = tuple(
        BilledCharge(line.component, line.period, figures.before_discount, figures.discount,
                     figures.vat_rate.percent)
        for line, figures in zip(result.lines, result.totals.lines, strict=True)
        if line.subscription_id == terms.subscription_id and line.kind in FEE_KINDS
        and line.component is not None and line.period is not None and line.amount.minor > 0
    )
    return replace(terms, billed=terms.billed + fees) if fees else terms


def _moved(terms: SubscriptionTerms, advance: SubscriptionAdvance | None) -> SubscriptionTerms:
    if advance is None:
        return terms
    return replace(
        terms,
        billed_until=advance.billed_until,
        usage_billed_until=advance.usage_billed_until,
        setup_billed=advance.setup_billed,
    )


def use_discounts(
    discounts: Sequence[DiscountTerms], result: BillingResult
) -> tuple[DiscountTerms, ...]:
    """Count the invoice against each limited discount it used."""
    used = result.discount_periods_used
    return tuple(
        replace(d, periods_used=used[d.discount_id]) if d.discount_id in used else d
        for d in discounts
    )


def unbilled_usage(usage: Sequence[UsageRecord], result: BillingResult) -> tuple[UsageRecord, ...]:
    """The records still to invoice after ``result``."""
    billed = set(result.usage_billed)
    return tuple(record for record in usage if record.usage_id not in billed)
