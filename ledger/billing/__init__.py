"""Billing: the pure engine that turns subscriptions, usage and a date into invoice lines.

Design overview. Nothing here touches a clock, a store or a framework; dates are
parameters and every value is a frozen dataclass (``model``), so a bill run can be
previewed, replayed and tested as a function.

- ``model``: the inputs (``SubscriptionTerms`` with its billing cursors
  ``billed_until``/``usage_billed_until``/``setup_billed`` and its plans before the
  current one, ``PastPlan``; ``PriceOverride``, ``PendingChange``, ``UsageRecord``,
  ``DiscountTerms``) and the outputs
  (``InvoiceLine`` with a checkable formula, ``SubscriptionAdvance``, ``BillingResult``).
- ``schedule``: one ``BillingCycle`` per subscription, cut into *slices*: the part
  of a billing period within the service, split wherever another plan takes over
  (a past plan's end, a pending change), so each day is priced by its own plan.
- ``fees``: flat and seat fees (prorated over the full period: "7.24 = 24.95 × 9/31"),
  setup fees, and credits for days billed beyond the end of service.
- ``usage``: metered charges of ended slices, priced per billing period on one ladder
  (``ladder``: tiers and free units count once however a period is cut), the
  period's minimum top-up (``minimum``), late-usage corrections.
- ``discounts``: which discounts apply, and the periods they use up.
- ``credits``: the discount a credit gives back: the share the invoice that billed
  its days took off (``BilledCharge``), not today's discounts.
- ``engine.bill``: the bill run; ``changes.change_plan``: plan and quantity changes
  (also their preview), with ``individual`` deciding which individual prices carry over
  to the new plan and which lapse; ``feedback``: builds the next run's inputs from a result.

The money policy is ``ledger.money``/``ledger.proration``'s: integer minor units,
one half-up rounding per line, half-open periods ``[start, end)``. Idempotence is a
contract: recording a result's advances and billing again for the same date gives
an empty invoice.
"""

from __future__ import annotations

from ledger.billing.changes import ChangeResult, change_plan
from ledger.billing.engine import bill
from ledger.billing.feedback import advance_subscriptions, unbilled_usage, use_discounts
from ledger.billing.model import (
    BilledCharge,
    BillingResult,
    DiscountTerms,
    InvoiceLine,
    PastPlan,
    PendingChange,
    PriceOverride,
    SubscriptionAdvance,
    SubscriptionTerms,
    UsageRecord,
)

__all__ = [
    "BilledCharge",
    "BillingResult",
    "ChangeResult",
    "DiscountTerms",
    "InvoiceLine",
    "PastPlan",
    "PendingChange",
    "PriceOverride",
    "SubscriptionAdvance",
    "SubscriptionTerms",
    "UsageRecord",
    "advance_subscriptions",
    "bill",
    "change_plan",
    "unbilled_usage",
    "use_discounts",
]
