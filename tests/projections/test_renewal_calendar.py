"""The renewal calendar and the directory's tariff filter, as the ledger bills.

Given a subscription's history, when the views have caught up, then ``/v1/renewals``
(``queries.renewals``) lists the days the subscription is really billed for a new period,
and ``/v1/customers?tariff=`` the customers really on that tariff.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from projections import queries
from tests.support.collections import on
from tests.support.dsl import MONTHLY_1000, publish, send
from tests.support.subscriptions import bill, subscribe

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

ARREARS = {**MONTHLY_1000, "timing": "in_arrears"}
PRO = {**MONTHLY_1000, "name": "Про", "components": [
    {"code": "base", "name": "Абонентская плата", "kind": "flat", "price": "3000.00"}]}


def billed_for_january(services: Services) -> tuple[UUID, str]:
    """C-1 on «start» (1,000.00 a month in advance) from 1 January, billed on 1 January."""
    publish(services)
    customer, sid = subscribe(services)
    bill(services, date(2026, 1, 1))
    return customer, sid


def renewals(services: Services, date_from: str | None = None) -> list[str]:
    """The renewal days listed (from ``date_from`` on), in order."""
    services.runner.catch_up()
    page = queries.renewals(services.store, date_from=date_from)
    return [row["next_renewal"] for row in page.items]


def listed_on(services: Services, tariff: str) -> list[str]:
    """The external keys of the customers listed under ``tariff``."""
    services.runner.catch_up()
    return [r["external_key"] for r in queries.customers(services.store, tariff=tariff).items]


def test_in_arrears_the_next_renewal_is_the_end_of_the_running_period(
    services: Services,
) -> None:
    """Billed on 1 February for January, the subscription is next billed on 1 March."""
    publish(services, "arrears", ARREARS)
    subscribe(services, "arrears")
    assert renewals(services) == ["2026-02-01"]
    assert bill(services, date(2026, 2, 1)) == 1
    assert renewals(services, date_from="2026-02-02") == ["2026-03-01"]


def test_in_advance_the_next_renewal_is_the_first_unbilled_day(services: Services) -> None:
    publish(services)
    subscribe(services)
    bill(services, date(2026, 1, 1))
    bill(services, date(2026, 2, 1))
    assert renewals(services) == ["2026-03-01"]


def test_a_pause_dated_later_keeps_the_renewals_before_it(services: Services) -> None:
    """Paused from 15 February (recorded 20 January): 1 February is still a renewal."""
    customer, sid = billed_for_january(services)
    on(services, date(2026, 1, 20))
    send(services, PauseSubscription(customer_id=customer, subscription_id=sid,
                                     effective_date=date(2026, 2, 15)))
    assert renewals(services) == ["2026-02-01"]
    assert bill(services, date(2026, 2, 1)) == 1
    assert renewals(services) == [], "billed up to the pause: nothing renews after it"


def test_an_immediate_cancellation_dated_later_keeps_the_renewals_before_it(
    services: Services,
) -> None:
    """Cancelled from 15 March (recorded 20 January): 1 February and 1 March still renew."""
    customer, sid = billed_for_january(services)
    on(services, date(2026, 1, 20))
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 3, 15), when="immediate"))
    assert renewals(services) == ["2026-02-01"]
    bill(services, date(2026, 2, 1))
    assert renewals(services) == ["2026-03-01"]
    bill(services, date(2026, 3, 1))
    assert renewals(services) == []


def test_a_cancellation_at_the_end_of_the_term_renews_no_more(services: Services) -> None:
    customer, sid = billed_for_january(services)
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 1, 20), when="end_of_term"))
    assert renewals(services) == []


def test_a_resumed_subscription_renews_from_its_billing_cursor(services: Services) -> None:
    """Paused 10–20 January: billed again on the resumption, then on 1 February."""
    customer, sid = billed_for_january(services)
    on(services, date(2026, 1, 10))
    send(services, PauseSubscription(customer_id=customer, subscription_id=sid,
                                     effective_date=date(2026, 1, 10)))
    assert renewals(services) == []
    on(services, date(2026, 1, 20))
    send(services, ResumeSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 1, 20)))
    state = services.ledger.customer(customer, fresh=True).state
    assert state.subscriptions[sid].billed_until == date(2026, 1, 20)
    assert renewals(services) == ["2026-01-20"], "the resumed days are billed from 20 January"
    bill(services, date(2026, 1, 20))
    assert renewals(services) == ["2026-02-01"]


def test_renewal_pages_keep_customers_whose_subscriptions_share_an_id(
    services: Services,
) -> None:
    """Subscription ids are the client's and unique per customer only."""
    publish(services)
    for key in ("C-1", "C-2", "C-3"):
        subscribe(services, key=key, subscription_id="main")
    services.runner.catch_up()
    seen: list[str] = []
    page = queries.renewals(services.store, limit=1)
    seen += [row["customer_id"] for row in page.items]
    while page.next_cursor:
        page = queries.renewals(services.store, limit=1, cursor=page.next_cursor)
        seen += [row["customer_id"] for row in page.items]
    assert len(seen) == len(set(seen)) == 3


def test_the_end_of_a_fixed_term_is_not_a_renewal(services: Services) -> None:
    """January to March without auto-renewal: billed through 1 April, it ends then."""
    publish(services)
    subscribe(services, term_end=date(2026, 4, 1), auto_renew=False)
    for month in (1, 2, 3):
        bill(services, date(2026, month, 1))
    assert bill(services, date(2026, 4, 1)) == 0
    assert renewals(services) == []


def test_the_tariff_filter_follows_a_billed_plan_change(services: Services) -> None:
    """C-1 moved from «start» to «pro» on 15 January, billed on 1 February."""
    publish(services)
    publish(services, "pro", PRO)
    customer, sid = subscribe(services)
    send(services, ChangeSubscription(customer_id=customer, subscription_id=sid,
                                      tariff_code="pro", effective_date=date(2026, 1, 15)))
    bill(services, date(2026, 2, 1))
    assert listed_on(services, "pro") == ["C-1"]
    assert listed_on(services, "start") == []
    assert queries.customers(services.store).items[0]["tariffs"] == ["pro"]


def test_the_tariff_filter_leaves_out_cancelled_subscriptions(services: Services) -> None:
    publish(services)
    customer, sid = subscribe(services)
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=date(2026, 1, 10), when="immediate"))
    assert listed_on(services, "start") == []
    assert queries.customers(services.store).items[0]["tariffs"] == []


def test_the_tariff_filter_matches_the_whole_code(services: Services) -> None:
    """A customer on «quickstart» is not on «start»."""
    publish(services)
    publish(services, "quickstart")
    subscribe(services, "quickstart")
    assert listed_on(services, "start") == []
    assert listed_on(services, "quickstart") == ["C-1"]


def test_a_rebuild_gives_the_same_calendar(services: Services) -> None:
    publish(services)
    publish(services, "arrears", ARREARS)
    customer, sid = subscribe(services)
    subscribe(services, "arrears", key="C-2")
    bill(services, date(2026, 1, 1))
    send(services, PauseSubscription(customer_id=customer, subscription_id=sid,
                                     effective_date=date(2026, 3, 10)))
    bill(services, date(2026, 2, 1))
    services.runner.catch_up()
    before = services.store.query("SELECT * FROM view_renewals ORDER BY customer_id")
    services.runner.rebuild("renewals")
    assert services.store.query("SELECT * FROM view_renewals ORDER BY customer_id") == before
