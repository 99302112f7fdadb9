"""A snapshot of an older state version is passed over: the book replays and loses nothing.

Version 1 snapshots were taken before subscriptions kept their plan history; loaded, they
would forget the plans a subscription had (version 7 ones the dunning actions taken and what
credits gave back of each invoice, and version 8 ones the first day of each individual price
and which prices a pending change ends, version 10 ones the VAT rate each billed fee was
charged at). The ledger reads only snapshots of the
aggregate's current ``state_version``, so such a book is rebuilt from its events, on every
load path (one book, a batch, a past version).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.set_individual_price import SetIndividualPrice
from commands.update_customer import UpdateCustomer
from commands.void_invoice import VoidInvoice
from ledger.aggregate import LedgerSnapshot
from ledger.customers import Customer
from tests.scenarios.support import Story, flat_tariff
from tests.scenarios.test_plan_history import change
from tests.support.collections import dun
from tests.support.dsl import publish, send

if TYPE_CHECKING:
    from collections.abc import Callable
    from uuid import UUID

    from api.bootstrap import Services


def test_a_version_1_snapshot_is_ignored_and_the_history_replayed(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    change(story, date(2026, 1, 10), quantity=2, when="end_of_term")
    story.bill(date(2026, 2, 1))  # the change is billed through: January is history
    ledger, customer = services.ledger, story.customer
    book = ledger.customer(customer)
    assert len(book.state.subscriptions[story.subscription].history) == 1
    old = LedgerSnapshot.take(book)
    old.state.pop("state_version")
    for sub in old.state["state"]["subscriptions"].values():
        sub.pop("history")  # what version 1 stored
        sub.pop("billed")
    assert ledger.snapshots is not None
    ledger.snapshots.put([old])

    assert not old.is_current
    assert LedgerSnapshot.take(book).is_current
    assert Customer.state_version == 11
    ledger.forget(customer)
    for loaded in (ledger.customer(customer), ledger.customers([customer])[0],
                   ledger.customer(customer, version=book.version)):
        assert loaded.state == book.state
        assert loaded.version == book.version


def test_a_version_4_snapshot_is_ignored_and_voided_fees_replay_withdrawn(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    send(services, VoidInvoice(customer_id=story.customer,
                               invoice_id=story.invoices()[0].invoice_id, reason="wrong"))
    # what version 4 stored: the fee still stands
    loaded = reloaded_past_older_snapshot(services, story.customer, 4, (
        "invoice_id", "line_id", "withdrawn", "given_back", "given_back_on"))
    assert [fee.withdrawn for fee in loaded.state.subscriptions[story.subscription].billed] == [
        True]


def test_a_version_5_snapshot_is_ignored_and_credited_days_replay_given_back(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    services.runtime.clock.move_to(date(2026, 1, 17))  # type: ignore[attr-defined]
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 17), when="immediate"))
    story.bill(date(2026, 2, 1))
    # what version 5 stored: nothing given back yet
    loaded = reloaded_past_older_snapshot(services, story.customer, 5,
                                          ("given_back", "given_back_on"))
    assert [str(fee.given_back) for fee in loaded.state.subscriptions[story.subscription].billed
            ] == ["483.87 RUB"]


def test_a_version_7_snapshot_is_ignored_and_dunning_actions_and_given_back_replay(
    services: Services,
) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    dun(services, story.customer, date(2026, 3, 1))  # January's invoice: suspended for it
    services.runtime.clock.move_to(date(2026, 3, 2))  # type: ignore[attr-defined]
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 17), when="immediate"))
    story.bill(date(2026, 3, 2))
    ledger = services.ledger
    book = ledger.customer(story.customer)
    january = story.invoices()[0].invoice_id
    assert book.state.dunning_actions == {january: {"suspend"}}
    assert book.state.invoices[january].given_back == 48387  # 15 of 31 days

    def version_7(state: dict[str, Any]) -> None:  # no dunning actions, nothing given back
        state.pop("dunning_actions")
        for invoice in state["invoices"].values():
            invoice.pop("given_back")

    reloaded_past_older_snapshot(services, story.customer, 7, older=version_7)


def test_a_version_8_snapshot_is_ignored_and_price_starts_and_lapses_replay(
    services: Services,
) -> None:
    # given 800.00 from February, agreed after January was billed, and a move at the end of
    # January's term to a tariff without that component (so the price lapses then)
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    send(services, SetIndividualPrice(
        customer_id=story.customer, subscription_id=story.subscription, component="base",
        price=Decimal(800), effective_from=date(2026, 2, 1), note="loyalty", agreed_by="D"))
    publish(services, "b", {"name": "B", "currency": "RUB", "components": [
        {"code": "fee", "name": "Fee", "kind": "flat", "price": "900.00"}]})
    send(services, ChangeSubscription(
        customer_id=story.customer, subscription_id=story.subscription, tariff_code="b",
        effective_date=date(2026, 1, 20), when="end_of_term"))
    ledger = services.ledger
    book = ledger.customer(story.customer)
    sub = book.state.subscriptions[story.subscription]
    assert sub.overrides["base"].effective_from == date(2026, 2, 1)
    assert sub.pending is not None
    assert sub.pending.lapsed_overrides == ["base"]

    def version_8(state: dict[str, Any]) -> None:  # no lapses, no price starts
        for stored in state["subscriptions"].values():
            stored["pending"].pop("lapsed_overrides")
            for override in stored["overrides"].values():
                override.pop("effective_from")

    reloaded_past_older_snapshot(services, story.customer, 8, older=version_8)


def test_a_version_9_snapshot_is_ignored_and_the_price_a_new_one_follows_replays(
    services: Services,
) -> None:
    # given 800.00 agreed for February, then 700.00 from March, before February is billed
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A"), date(2026, 1, 1),
                        anchor_day=1, code="a")
    story.bill(date(2026, 1, 1))
    for price, start in ((800, date(2026, 2, 1)), (700, date(2026, 3, 1))):
        send(services, SetIndividualPrice(
            customer_id=story.customer, subscription_id=story.subscription, component="base",
            price=Decimal(price), effective_from=start, note="deal", agreed_by="D"))
    sub = services.ledger.customer(story.customer).state.subscriptions[story.subscription]
    earlier = sub.overrides["base"].earlier
    assert earlier is not None
    assert (earlier.price, earlier.until) == (Decimal(800), date(2026, 3, 1))

    def version_9(state: dict[str, Any]) -> None:  # the price followed was forgotten
        for stored in state["subscriptions"].values():
            for override in stored["overrides"].values():
                override.pop("earlier")

    reloaded_past_older_snapshot(services, story.customer, 9, older=version_9)
    story.bill(date(2026, 2, 1))
    assert story.totals()[-1] == "800.00"


def test_a_version_10_snapshot_is_ignored_and_the_rate_each_fee_was_charged_at_replays(
    services: Services,
) -> None:
    # given January billed at the customer's 20 %, then the customer moved to 22 %
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A", vat_rate="22"),
                        date(2026, 1, 1), anchor_day=1, code="a", vat_rate=Decimal(20))
    story.bill(date(2026, 1, 1))
    send(services, UpdateCustomer(customer_id=story.customer, vat_rate=Decimal(22)))
    # what version 10 stored: no rate on the fee (read back as «без НДС»)
    loaded = reloaded_past_older_snapshot(services, story.customer, 10, ("vat_rate",))
    assert [fee.vat_rate for fee in loaded.state.subscriptions[story.subscription].billed] == [
        Decimal(20)]
    # and a credit of January's days gives back the 20 % they were charged
    services.runtime.clock.move_to(date(2026, 1, 17))  # type: ignore[attr-defined]
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 17), when="immediate"))
    story.bill(date(2026, 2, 1))
    assert story.totals() == ["1200.00", "-580.64"]  # 483.87 + 20 %


def reloaded_past_older_snapshot(
    services: Services, customer: UUID, version: int, missing: tuple[str, ...] = (),
    *, older: Callable[[dict[str, Any]], None] | None = None,
) -> Customer:
    """Store a snapshot of state ``version``, as it stored it, and reload the book cold.

    ``missing``: the fields its billed fees lacked; ``older``: what else it lacked, taken
    out of the stored state. The reload must pass it over and replay the events: the state
    equals the live one.
    """
    ledger = services.ledger
    book = ledger.customer(customer)
    old = LedgerSnapshot.take(book)
    old.state["state_version"] = version
    for sub in old.state["state"]["subscriptions"].values():
        for fee in sub["billed"]:
            for field in missing:
                fee.pop(field, None)
    if older is not None:
        older(old.state["state"])
    assert ledger.snapshots is not None
    ledger.snapshots.put([old])
    assert not old.is_current
    ledger.forget(customer)
    loaded = ledger.customer(customer)
    assert loaded.state == book.state
    return loaded
