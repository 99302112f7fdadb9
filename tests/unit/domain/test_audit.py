"""Audit: a tampered history is caught at the first broken version; replay as of a point."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import uuid4

from ledger.audit import replay, verify_chain
from ledger.customers import Customer
from ledger.events import Provenance
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.tariffs import TariffDefinition


def _no_tariffs(code: str, version: int) -> TariffDefinition:
    raise AssertionError(code, version)


def history() -> list[object]:
    start = datetime(2026, 1, 10, 9, tzinfo=UTC)

    def at(days: int) -> Provenance:
        return Provenance(actor="t", source="api", recorded_at=start + timedelta(days=days),
                          correlation_id=uuid4())

    customer = Customer.register(at(0), date(2026, 1, 10), external_key="C", name="C",
                                 currency="RUB")
    customer.record_charge(at(1), date(2026, 1, 11), charge_id="c1",
                           amount=Money(100000, "RUB"), vat_rate=None, description="Январь")
    draft = customer.draft_invoice(date(2026, 1, 11), _no_tariffs)
    assert draft is not None
    customer.issue_invoice(at(1), draft, invoice_id="i1", number="LBX-2026-000001")
    customer.receive_payment(at(2), date(2026, 1, 12), payment_id="p1", amount=Money(40000, "RUB"))
    # recorded on the 20th, but effective on the 11th (a backdated correction)
    customer.record_adjustment(at(10), date(2026, 1, 11), adjustment_id="a1",
                               amount=Money(-10000, "RUB"), reason="Скидка за простой")
    return list(customer.collect_events())


def stored(events: list[object]) -> list[dict[str, object]]:
    return [e.model_dump(mode="json") for e in events]  # type: ignore[attr-defined]


def test_an_untouched_history_verifies() -> None:
    events = history()
    report = verify_chain(events[0].originator_id, stored(events))  # type: ignore[attr-defined]
    assert report.ok
    assert report.events == 5


def test_a_changed_amount_breaks_the_chain_at_that_version() -> None:
    events = history()
    states = stored(events)
    states[3]["amount"] = {"minor": 4000, "currency": "RUB"}
    report = verify_chain(events[0].originator_id, states)  # type: ignore[attr-defined]
    assert not report.ok
    assert report.first_broken_version == 4
    assert report.problem == "content does not match its hash"


def test_a_removed_event_breaks_the_chain() -> None:
    events = history()
    states = stored(events)
    del states[1]
    report = verify_chain(events[0].originator_id, states)  # type: ignore[attr-defined]
    assert report.first_broken_version == 2


def test_a_rehashed_forgery_is_still_caught_by_the_next_link() -> None:
    from ledger.events import canonical_hash

    events = history()
    states = stored(events)
    states[1]["description"] = "Февраль"
    states[1]["hash"] = canonical_hash(states[1])
    report = verify_chain(events[0].originator_id, states)  # type: ignore[attr-defined]
    assert report.first_broken_version == 3
    assert report.problem == "link to the previous event is broken"


def test_replay_as_of_a_version() -> None:
    customer = replay(history(), version=3)  # type: ignore[arg-type]
    assert customer.version == 3
    assert customer.state.balances["RUB"].receivable == Money(100000, "RUB")


def test_replay_as_of_a_recorded_instant_ignores_later_corrections() -> None:
    customer = replay(history(), recorded_at=datetime(2026, 1, 15, tzinfo=UTC))  # type: ignore[arg-type]
    assert customer.state.balances["RUB"].receivable == Money(60000, "RUB")


def test_replay_as_of_a_business_date_includes_backdated_corrections() -> None:
    customer = replay(history(), effective_on=date(2026, 1, 11))  # type: ignore[arg-type]
    assert customer.state.balances["RUB"].receivable == Money(90000, "RUB")


def test_replay_before_the_customer_existed_is_nothing() -> None:
    assert replay(history(), effective_on=date(2026, 1, 1)) is None  # type: ignore[arg-type]


def test_a_business_date_that_cannot_be_reconstructed_is_refused_not_crashed() -> None:
    import pytest

    from ledger.errors import InvalidField

    start = datetime(2026, 2, 1, 9, tzinfo=UTC)
    p = Provenance(actor="t", source="api", recorded_at=start, correlation_id=uuid4())
    customer = Customer.register(p, date(2026, 1, 1), external_key="C", name="C",
                                 currency="RUB")
    customer.record_charge(p, date(2026, 2, 1), charge_id="c1", amount=Money(100000, "RUB"),
                           vat_rate=None, description="Февраль")
    draft = customer.draft_invoice(date(2026, 2, 1), _no_tariffs)
    assert draft is not None
    customer.issue_invoice(p, draft, invoice_id="i1", number="N-1")
    # paid with a date before the invoice existed: FIFO settles the invoice of 1 February
    customer.receive_payment(p, date(2026, 1, 30), payment_id="p1", amount=Money(100000, "RUB"))
    with pytest.raises(InvalidField) as caught:
        replay(list(customer.collect_events()), effective_on=date(2026, 1, 31))  # type: ignore[arg-type]
    assert caught.value.field == "effective_on"


def test_replay_as_of_an_instant_stops_at_the_first_event_recorded_after_it() -> None:
    # v3 was stamped 10:10, v4 at 09:10 but saved after v3 (its writer waited for the lock)
    start = datetime(2026, 1, 15, 9, tzinfo=UTC)

    def at(minutes: int) -> Provenance:
        return Provenance(actor="t", source="api", recorded_at=start + timedelta(minutes=minutes),
                          correlation_id=uuid4())

    customer = Customer.register(at(0), date(2026, 1, 15), external_key="C", name="C",
                                 currency="RUB")
    for payment, minutes in (("p1", 0), ("p2", 70), ("p3", 10)):
        customer.receive_payment(at(minutes), date(2026, 1, 15), payment_id=payment,
                                 amount=Money(10000, "RUB"))
    events = list(customer.collect_events())

    held = replay(events, recorded_at=start + timedelta(minutes=30))  # type: ignore[arg-type]
    later = replay(events, recorded_at=start + timedelta(minutes=70))  # type: ignore[arg-type]

    assert held.version == 2  # v4 (09:10) is not shown before v3, which it follows
    assert set(held.state.payments) == {"p1"}
    assert later.version == 4
