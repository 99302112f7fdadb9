"""The MRR projection: MRR per tariff version, subscription and customer, and its movements.

The rules themselves live in :mod:`projections.mrr_rules`; this module keeps their inputs.
Why it re-derives a customer on each relevant event instead of adding a delta: every fact
has an effective date, and dates arrive out of order (an end-of-term cancellation dated
next month is recorded before a discount dated today; a trial ends after a later
purchase). So the projection stores each customer's facts (``view_mrr_facts``) and
replays them into the step function of the customer's MRR over dates. Each movement then
sits on its own date and is judged against what was true that day, and a rebuild gives
exactly the rows that incremental updates gave. A backdated event may rewrite a month
already reported: the view says what the history says now. The cost is a replay of one
customer's few facts per relevant event (invoices, payments and usage are not facts here).
"Current" MRR in the views is the figure once every recorded change has taken effect.
Nothing here reads "today".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import orjson

from ledger.customers.billing_events import (
    IndividualPriceSet,
    SubscriptionCancelled,
    SubscriptionChanged,
    SubscriptionPaused,
    SubscriptionResumed,
)
from ledger.customers.events import (
    CustomerClosed,
    CustomerProfileUpdated,
    CustomerRegistered,
    DiscountGranted,
    ServiceStatusChanged,
    SubscriptionStarted,
)
from ledger.money import Money
from ledger.tariffs.aggregate import TariffPublished, TariffVersionPublished
from projections.base import Projection, on
from projections.mrr_rules import TICK, Fact, Tariff, figure, per_month, replay, tariff_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from projections.store import Row, Transaction


class MrrMovements(Projection):
    """MRR per tariff version, subscription and customer, and every movement of it."""

    name = "mrr"
    revision = 3  # 2: a backdated plan change drops the later-dated changes it replaces;
    # 3: individual prices count from their effective_from and carry over as billing decides
    tables = ("view_mrr_tariffs", "view_mrr_facts", "view_mrr_subscriptions",
              "view_mrr_customers", "view_mrr_movements")
    schema = (
        "CREATE TABLE IF NOT EXISTS view_mrr_tariffs ("
        " code TEXT NOT NULL, version BIGINT NOT NULL, currency TEXT NOT NULL,"
        " period_unit TEXT NOT NULL, period_count BIGINT NOT NULL, vat_mode TEXT NOT NULL,"
        " vat_rate TEXT, components TEXT NOT NULL, flat_monthly BIGINT NOT NULL,"
        " seat_monthly BIGINT NOT NULL, PRIMARY KEY (code, version))",
        "CREATE TABLE IF NOT EXISTS view_mrr_facts ("
        " customer_id TEXT NOT NULL, position BIGINT NOT NULL, seq BIGINT NOT NULL,"
        " effective_date TEXT NOT NULL, subscription_id TEXT, op TEXT NOT NULL,"
        " cause TEXT NOT NULL, fact TEXT NOT NULL, PRIMARY KEY (customer_id, position, seq))",
        "CREATE TABLE IF NOT EXISTS view_mrr_subscriptions ("
        " customer_id TEXT NOT NULL, subscription_id TEXT NOT NULL,"
        " tariff_code TEXT NOT NULL, tariff_version BIGINT NOT NULL, quantity BIGINT NOT NULL,"
        " status TEXT NOT NULL, currency TEXT NOT NULL, mrr BIGINT NOT NULL,"
        " PRIMARY KEY (customer_id, subscription_id))",  # clients may choose subscription ids
        "CREATE TABLE IF NOT EXISTS view_mrr_customers ("
        " customer_id TEXT PRIMARY KEY, currency TEXT NOT NULL, mrr BIGINT NOT NULL,"
        " changed_on TEXT)",
        "CREATE TABLE IF NOT EXISTS view_mrr_movements ("
        " customer_id TEXT NOT NULL, month TEXT NOT NULL, effective_date TEXT NOT NULL,"
        " kind TEXT NOT NULL, delta BIGINT NOT NULL, mrr_after BIGINT NOT NULL,"
        " currency TEXT NOT NULL, cause TEXT NOT NULL, position BIGINT NOT NULL,"
        " PRIMARY KEY (customer_id, effective_date))",
        "CREATE INDEX IF NOT EXISTS view_mrr_movements_month ON view_mrr_movements (month)",
    )

    # -- the catalog -----------------------------------------------------------------------

    @on(TariffPublished, TariffVersionPublished)
    def published(self, tx: Transaction, event: Any, _: int) -> None:
        """Keep a version's recurring components and their monthly prices."""
        definition = event.definition
        version = getattr(event, "version", 1)
        recurring = [[c.code, c.kind, str(c.price)] for c in definition.components
                     if c.kind in {"flat", "seat"} and c.price is not None]
        share = per_month(definition.period_unit.value, definition.period_count)

        def monthly(kind: str) -> int:
            prices = sum((Fraction(Decimal(p)) for _, k, p in recurring if k == kind), Fraction())
            return Money.of(prices * share, definition.currency).minor

        tx.execute(
            "INSERT INTO view_mrr_tariffs (code, version, currency, period_unit, period_count,"
            " vat_mode, vat_rate, components, flat_monthly, seat_monthly) VALUES (:code,"
            " :version, :currency, :unit, :count, :mode, :rate, :components, :flat, :seat)",
            {"code": event.code, "version": version, "currency": definition.currency,
             "unit": definition.period_unit.value, "count": definition.period_count,
             "mode": definition.vat_mode.value, "rate": _text(definition.vat_rate),
             "components": orjson.dumps(recurring).decode(),
             "flat": monthly("flat"), "seat": monthly("seat")},
        )

    # -- the customer's facts --------------------------------------------------------------

    @on(CustomerRegistered)
    def registered(self, tx: Transaction, event: CustomerRegistered, position: int) -> None:
        """The currency and the VAT terms the customer is billed in."""
        self._record(tx, event, position, [(event.effective_date, None, {
            "op": "profile", "currency": event.currency, "vat_mode": _text(event.vat_mode),
            "vat_rate": _text(event.vat_rate)})])

    @on(CustomerProfileUpdated)
    def profile_updated(self, tx: Transaction, event: CustomerProfileUpdated, pos: int) -> None:
        """A change of VAT terms changes what a VAT-inclusive price is worth net."""
        vat = {k: _text(v) for k, v in event.changes.items() if k in {"vat_mode", "vat_rate"}}
        if vat:
            self._record(tx, event, pos, [(event.effective_date, None, {"op": "profile", **vat})])

    @on(SubscriptionStarted)
    def started(self, tx: Transaction, event: SubscriptionStarted, position: int) -> None:
        """A subscription counts from its first billed day until a non-renewing term ends."""
        billing_from = max(event.started_on, event.trial_end or event.started_on)
        ends_on = None if event.auto_renew else event.term_end
        sid = event.subscription_id
        facts: list[tuple[date, str | None, Fact]] = [(event.started_on, sid, {
            "op": "start", "sid": sid, "code": event.tariff_code,
            "version": event.tariff_version, "quantity": event.quantity,
            "billing_from": billing_from.isoformat(), "ends_on": _text(ends_on)})]
        facts += [(day, sid, TICK) for day in (billing_from, ends_on)
                  if day is not None and day > event.started_on]
        self._record(tx, event, position, facts)

    @on(SubscriptionChanged)
    def changed(self, tx: Transaction, event: SubscriptionChanged, position: int) -> None:
        """The new tariff or quantity counts from the change's effective date.

        As in the ledger, the plans from that date on are this change's own: a change of
        the subscription dated that day or later, recorded before it, is dropped.
        """
        tx.execute(
            "DELETE FROM view_mrr_facts WHERE customer_id = :cid AND subscription_id = :sid"
            " AND op = 'change' AND effective_date >= :day",
            {"cid": str(event.originator_id), "sid": event.subscription_id,
             "day": event.effective_on.isoformat()},
        )
        self._record(tx, event, position, [(event.effective_on, event.subscription_id, {
            "op": "change", "sid": event.subscription_id, "code": event.tariff_code,
            "version": event.tariff_version, "quantity": event.quantity,
            "lapsed": event.lapsed_overrides})])

    @on(SubscriptionPaused, SubscriptionResumed, SubscriptionCancelled)
    def status(self, tx: Transaction, event: Any, position: int) -> None:
        """Paused from ``paused_from``, active again from ``resumed_on``, ended at ``cancel_at``."""
        if isinstance(event, SubscriptionPaused):
            day, status = event.paused_from, "paused"
        elif isinstance(event, SubscriptionResumed):
            day, status = event.resumed_on, "active"
        else:
            day, status = event.cancel_at, "cancelled"
        self._record(tx, event, position, [(day, event.subscription_id, {
            "op": "status", "sid": event.subscription_id, "status": status})])

    @on(IndividualPriceSet)
    def priced(self, tx: Transaction, event: IndividualPriceSet, position: int) -> None:
        """A special price for a flat or seat component, in force until ``until``."""
        if event.price is None:
            return  # special tiers of a metered component: usage is not MRR
        sid = event.subscription_id
        since = event.effective_from or event.effective_date  # older events: as recorded
        facts: list[tuple[date, str | None, Fact]] = [(since, sid, {
            "op": "price", "sid": sid, "component": event.component,
            "price": str(event.price), "until": _text(event.until)})]
        if event.until is not None:
            facts.append((event.until, sid, TICK))
        self._record(tx, event, position, facts)

    @on(DiscountGranted)
    def discounted(self, tx: Transaction, event: DiscountGranted, position: int) -> None:
        """Only an open-ended percent discount lowers the run rate."""
        if event.kind != "percent" or event.percent is None or event.periods or event.until:
            return
        self._record(tx, event, position, [(event.effective_date, None, {
            "op": "discount", "percent": str(event.percent), "component": event.component})])

    @on(CustomerClosed, ServiceStatusChanged)
    def closed(self, tx: Transaction, event: Any, position: int) -> None:
        """Closing the customer ends every subscription; a suspension ends nothing."""
        if isinstance(event, CustomerClosed) or event.status == "closed":
            self._record(tx, event, position, [(event.effective_date, None, {"op": "close"})])

    # -- re-deriving a customer ------------------------------------------------------------

    def _record(self, tx: Transaction, event: Any, position: int,
                facts: list[tuple[date, str | None, Fact]]) -> None:
        customer_id = str(event.originator_id)
        for seq, (day, sid, fact) in enumerate(facts):
            tx.execute(
                "INSERT INTO view_mrr_facts (customer_id, position, seq, effective_date,"
                " subscription_id, op, cause, fact) VALUES (:cid, :position, :seq, :day, :sid,"
                " :op, :cause, :fact)",
                {"cid": customer_id, "position": position, "seq": seq, "day": day.isoformat(),
                 "sid": sid, "op": fact["op"], "cause": type(event).__name__,
                 "fact": orjson.dumps(fact).decode()},
            )
        self._derive(tx, customer_id)

    def _derive(self, tx: Transaction, customer_id: str) -> None:
        """Replace the customer's subscription, customer and movement rows."""
        params = {"cid": customer_id}
        facts = tx.query("SELECT * FROM view_mrr_facts WHERE customer_id = :cid", params)
        tariffs = _tariffs(tx, facts)
        book, movements, last = replay(facts, tariffs)
        for table in ("view_mrr_movements", "view_mrr_subscriptions", "view_mrr_customers"):
            tx.execute(f"DELETE FROM {table} WHERE customer_id = :cid", params)  # noqa: S608
        for m in movements:
            tx.execute(
                "INSERT INTO view_mrr_movements (customer_id, month, effective_date, kind, delta,"
                " mrr_after, currency, cause, position) VALUES (:cid, :month, :day, :kind,"
                " :delta, :after, :currency, :cause, :position)",
                {**params, "month": m.effective_date.isoformat()[:7],
                 "day": m.effective_date.isoformat(), "kind": m.kind, "delta": m.delta,
                 "after": m.mrr_after, "currency": book.currency, "cause": m.cause,
                 "position": m.position},
            )
        total = 0
        for sid, sub in book.subs.items():
            mrr = figure(book, sub, tariffs[sub.tariff], last) if last else 0
            total += mrr
            tx.execute(
                "INSERT INTO view_mrr_subscriptions (subscription_id, customer_id, tariff_code,"
                " tariff_version, quantity, status, currency, mrr) VALUES (:sid, :cid, :code,"
                " :version, :quantity, :status, :currency, :mrr)",
                {**params, "sid": sid, "code": sub.tariff[0], "version": sub.tariff[1],
                 "quantity": sub.quantity, "status": "closed" if book.closed else sub.status,
                 "currency": book.currency, "mrr": mrr},
            )
        tx.execute(
            "INSERT INTO view_mrr_customers (customer_id, currency, mrr, changed_on)"
            " VALUES (:cid, :currency, :mrr, :on)",
            {**params, "currency": book.currency, "mrr": total,
             "on": movements[-1].effective_date.isoformat() if movements else None},
        )


def _tariffs(tx: Transaction, facts: Sequence[Row]) -> dict[tuple[str, int], Tariff]:
    """The tariff versions the customer's subscriptions have been on."""
    found: dict[tuple[str, int], Tariff] = {}
    for row in facts:
        if row["op"] not in {"start", "change"}:
            continue
        fact = orjson.loads(row["fact"])
        key = (fact["code"], int(fact["version"]))
        if key in found:
            continue
        hit = tx.query("SELECT * FROM view_mrr_tariffs WHERE code = :code AND version = :v",
                       {"code": key[0], "v": key[1]})
        if not hit:
            raise LookupError(f"mrr: tariff {key[0]} version {key[1]} was never published")
        found[key] = tariff_of(hit[0])
    return found


def _text(value: Any) -> str | None:
    """A value as stored in a fact: ISO dates, decimal strings, enum values, or None."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)
