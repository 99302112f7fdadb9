"""MRR from events fed straight into the projection over a SQLite read store.

Why not through the commands: plan changes, pauses, cancellations and special prices are
stated here as the facts they are. The events are built with the Customer aggregate
(``change_subscription``, else ``record``), so these tests pin the MRR rules whatever the
command layer does in front of them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from ledger.customers import Customer, ServiceStatus
from ledger.customers import billing_events as ev
from ledger.events import Provenance
from ledger.tariffs import Tariff, TariffDefinition
from projections.mrr import MrrMovements
from projections.sqlite import SQLiteReadStore
from tests.projections.test_mrr import SEATS, Move, flat, moves

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Book:
    """One customer's history, built with the aggregates and fed into an MRR projection."""

    store: SQLiteReadStore
    projection: MrrMovements = field(default_factory=MrrMovements)
    catalog: dict[tuple[str, int], TariffDefinition] = field(default_factory=dict)
    positions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    customer: Customer | None = None
    key: str = "K-1"

    def __post_init__(self) -> None:
        self.store.create(self.projection.schema)

    @staticmethod
    def provenance() -> Provenance:
        return Provenance(actor="tester", source="api", correlation_id=uuid4(),
                          recorded_at=datetime(2026, 1, 1, tzinfo=UTC))

    def feed(self, aggregate: Any) -> None:
        with self.store.transaction() as tx:
            for event in aggregate.collect_events():
                self.projection.process(tx, event, next(self.positions))

    def tariff(self, code: str, definition: dict[str, Any]) -> None:
        parsed = TariffDefinition.model_validate(definition)
        self.catalog[code, 1] = parsed
        self.feed(Tariff.publish_first(self.provenance(), date(2025, 1, 1), code, parsed))

    @property
    def me(self) -> Customer:
        if self.customer is None:
            self.customer = Customer.register(
                self.provenance(), date(2025, 1, 1), external_key=self.key, name="K",
                currency="RUB", vat_rate=None)
        return self.customer

    def start(self, sid: str, code: str, on: date, quantity: int = 1, **terms: Any) -> None:
        definition = self.catalog[code, 1]
        self.me.start_subscription(
            self.provenance(), on, subscription_id=sid, tariff_code=code, tariff_version=1,
            started_on=on, anchor_day=on.day, quantity=quantity,
            period_unit=definition.period_unit, period_count=definition.period_count,
            timing=definition.timing, first_renewal=on, **terms)
        self.feed(self.me)

    def change(self, sid: str, code: str, quantity: int, on: date) -> None:
        self.me.change_subscription(
            self.provenance(), subscription_id=sid, tariff_code=code, tariff_version=1,
            quantity=quantity, change_on=on, when="immediate",
            catalog=lambda c, v: self.catalog[c, v])
        self.feed(self.me)

    def record(self, event_class: type[Any], on: date, **fields: Any) -> None:
        self.me.record(event_class, self.provenance(), on, **fields)
        self.feed(self.me)

    @property
    def moves(self) -> list[Move]:
        return moves(self.store, self.me.id)


@pytest.fixture
def book(tmp_path: Path) -> Book:
    store = SQLiteReadStore(str(tmp_path / "views.sqlite"))
    built = Book(store)
    built.tariff("start", flat("1000.00"))
    built.tariff("pro", flat("3000.00"))
    built.tariff("seats", SEATS)
    return built


def test_more_seats_expand_a_cheaper_tariff_contracts(book: Book) -> None:
    book.start("s1", "seats", date(2026, 1, 10), quantity=2)
    book.start("s2", "pro", date(2026, 1, 20))
    book.change("s1", "seats", 5, date(2026, 2, 10))
    book.change("s2", "start", 1, date(2026, 3, 10))
    assert book.moves == [
        ("2026-01-10", "new", 200000, 200000, "SubscriptionStarted"),
        ("2026-01-20", "expansion", 300000, 500000, "SubscriptionStarted"),
        ("2026-02-10", "expansion", 150000, 650000, "SubscriptionChanged"),
        ("2026-03-10", "contraction", -200000, 450000, "SubscriptionChanged"),
    ]


def test_customers_may_choose_the_same_subscription_id(book: Book) -> None:
    other = Book(book.store, book.projection, book.catalog, book.positions, key="K-2")
    book.start("main", "start", date(2026, 1, 1))
    other.start("main", "pro", date(2026, 1, 1))
    rows = book.store.query("SELECT mrr FROM view_mrr_subscriptions WHERE subscription_id = 'main'")
    assert sorted(r["mrr"] for r in rows) == [100000, 300000]


def test_a_pause_churns_and_a_resume_reactivates(book: Book) -> None:
    book.start("s1", "pro", date(2026, 1, 1))
    book.record(ev.SubscriptionPaused, date(2026, 2, 1), subscription_id="s1",
                paused_from=date(2026, 2, 1))
    book.record(ev.SubscriptionResumed, date(2026, 4, 1), subscription_id="s1",
                resumed_on=date(2026, 4, 1))
    assert [(m[0], m[1], m[2]) for m in book.moves] == [
        ("2026-01-01", "new", 300000),
        ("2026-02-01", "churn", -300000),
        ("2026-04-01", "reactivation", 300000),
    ]


def test_an_end_of_term_cancellation_churns_on_its_date_whatever_is_recorded_after(
    book: Book,
) -> None:
    book.start("s1", "start", date(2026, 1, 1))
    book.start("s2", "pro", date(2026, 1, 1))
    book.record(ev.SubscriptionCancelled, date(2026, 1, 20), subscription_id="s1",
                when="end_of_term", cancel_at=date(2026, 2, 1))
    book.record(ev.SubscriptionCancelled, date(2026, 1, 25), subscription_id="s2",
                when="end_of_term", cancel_at=date(2026, 3, 1))
    # recorded later, but dated before the cancellations take effect
    book.record(ev.IndividualPriceSet, date(2026, 1, 26), subscription_id="s2",
                component="base", price=Decimal("2500.00"))
    assert book.moves == [
        ("2026-01-01", "new", 400000, 400000, "SubscriptionStarted"),
        ("2026-01-26", "contraction", -50000, 350000, "IndividualPriceSet"),
        ("2026-02-01", "contraction", -100000, 250000, "SubscriptionCancelled"),
        ("2026-03-01", "churn", -250000, 0, "SubscriptionCancelled"),
    ]
    book.start("s3", "start", date(2026, 5, 1))
    assert book.moves[-1] == ("2026-05-01", "reactivation", 100000, 100000,
                              "SubscriptionStarted")


def test_an_individual_price_holds_until_its_end(book: Book) -> None:
    book.start("s1", "seats", date(2026, 1, 1), quantity=4)
    book.record(ev.IndividualPriceSet, date(2026, 2, 1), subscription_id="s1",
                component="seat", price=Decimal("400.00"), until=date(2026, 7, 1))
    assert [(m[0], m[2]) for m in book.moves] == [
        ("2026-01-01", 300000), ("2026-02-01", -40000), ("2026-07-01", 40000)]
    row = book.store.query_one("SELECT * FROM view_mrr_subscriptions WHERE subscription_id = 's1'")
    assert row is not None
    assert (row["mrr"], row["status"]) == (300000, "active")


def test_a_tariff_change_drops_the_old_special_price(book: Book) -> None:
    book.start("s1", "start", date(2026, 1, 1))
    book.record(ev.IndividualPriceSet, date(2026, 1, 1), subscription_id="s1",
                component="base", price=Decimal("800.00"))
    book.change("s1", "pro", 1, date(2026, 2, 1))
    assert [(m[0], m[3]) for m in book.moves] == [("2026-01-01", 80000), ("2026-02-01", 300000)]


def test_a_term_without_renewal_ends_on_its_date(book: Book) -> None:
    book.start("s1", "start", date(2026, 1, 1), term_end=date(2026, 7, 1), auto_renew=False)
    assert [(m[0], m[1]) for m in book.moves] == [("2026-01-01", "new"), ("2026-07-01", "churn")]


def test_a_suspension_for_debt_changes_nothing(book: Book) -> None:
    book.start("s1", "start", date(2026, 1, 1))
    book.me.change_status(book.provenance(), date(2026, 2, 1), ServiceStatus.SUSPENDED, "долг")
    book.feed(book.me)
    assert len(book.moves) == 1


def test_weeks_and_days_count_365_25_over_12_days_to_the_month(book: Book) -> None:
    book.tariff("weekly", flat("100.00", "week"))
    book.tariff("daily", flat("10.00", "day", 2))
    book.start("w", "weekly", date(2026, 1, 1))
    book.start("d", "daily", date(2026, 1, 1))
    rows = book.store.query("SELECT subscription_id, mrr FROM view_mrr_subscriptions")
    # 100.00 × 30.4375 / 7 = 434.821…; 10.00 × 30.4375 / 2 = 152.1875 → HALF_UP
    assert {r["subscription_id"]: r["mrr"] for r in rows} == {"w": 43482, "d": 15219}


def test_mrr_excludes_vat_from_inclusive_prices(book: Book) -> None:
    book.tariff("gross", flat("1220.00", vat_mode="inclusive", vat_rate="22"))
    book.start("s1", "gross", date(2026, 1, 1))
    assert book.moves[0][2] == 100000
