"""Dunning through the command layer, on both backends: every step on its exact day.

The invoice in each story is issued on 15 January and falls due on 25 January 2026, so
"day N" below is 25 January + N days.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest

from commands.cancel_subscription import CancelSubscription
from commands.publish_dunning_policy import PublishDunningPolicy
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_chargeback import RecordChargeback
from commands.record_payment import RecordPayment
from commands.run_dunning import RunDunning, run_dunning_for
from commands.start_subscription import StartSubscription
from commands.write_off_debt import WriteOffDebt
from ledger.customers import ServiceStatus
from ledger.customers.collections_events import DunningStepTaken
from ledger.errors import InvalidField
from tests.support.collections import dun, invoice_due, on, pay
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

DUE = date(2026, 1, 25)
CUSTOM = [(3, "remind"), (10, "remind"), (20, "suspend"), (45, "cancel")]


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def status(services: Services, customer: UUID) -> ServiceStatus:
    return services.ledger.customer(customer, fresh=True).state.status


def suspended(services: Services) -> UUID:
    """A customer suspended by the default policy on day 30 of an invoice 1000.00 overdue."""
    customer = register(services)
    invoice_due(services, customer, DUE)
    assert dun(services, customer, day(30))[-1] == "suspend"  # after the missed reminders
    return customer


def publish_policy(services: Services, steps: list[tuple[int, str]]) -> int:
    command = PublishDunningPolicy.model_validate(
        {"steps": [{"days_after_due": d, "action": a} for d, a in steps]})
    return int(send(services, command, actor="admin:root").result["version"])


def test_each_step_is_taken_on_its_exact_day_and_not_the_day_before(services: Services) -> None:
    assert publish_policy(services, CUSTOM) == 1
    customer = register(services)
    invoice_due(services, customer, DUE)
    active, suspended = ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED
    for days, action in CUSTOM:
        assert dun(services, customer, day(days - 1)) == [], f"day {days - 1}"
        assert status(services, customer) is (active if days <= 20 else suspended)
        assert dun(services, customer, day(days)) == [action], f"day {days}"
        assert status(services, customer) is (active if days < 20 else suspended)
    taken = [e for e in services.ledger.history(customer) if isinstance(e, DunningStepTaken)]
    assert [(e.step, e.days_overdue, e.policy_version) for e in taken] == [
        (1, 3, 1), (2, 10, 1), (3, 20, 1), (4, 45, 1)]


def test_a_missed_run_takes_every_step_since_and_a_second_run_repeats_nothing(
    services: Services,
) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    assert dun(services, customer, day(20)) == ["remind", "remind", "remind"]
    assert dun(services, customer, day(20)) == []
    assert dun(services, customer, day(29)) == []
    assert status(services, customer) is ServiceStatus.ACTIVE


def test_the_default_policy_suspends_at_30_days(services: Services) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    dun(services, customer, day(29))
    assert status(services, customer) is ServiceStatus.ACTIVE
    assert dun(services, customer, day(30)) == ["suspend"]
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_a_payment_that_clears_the_debt_reactivates_in_the_same_command(
    services: Services,
) -> None:
    customer = suspended(services)
    on(services, day(33))
    outcome = send(services, RecordPayment(customer_id=customer, amount="1000.00",
                                           currency="RUB"))
    assert outcome.events == ["PaymentReceived", "ServiceStatusChanged"]
    assert status(services, customer) is ServiceStatus.ACTIVE


def test_a_payment_leaving_only_younger_debt_reactivates(services: Services) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    invoice_due(services, customer, day(31))
    dun(services, customer, day(30))
    pay(services, customer, "1000.00", day(35))  # settles the older invoice (FIFO)
    assert status(services, customer) is ServiceStatus.ACTIVE


def test_a_payment_leaving_debt_past_the_bar_keeps_the_suspension(services: Services) -> None:
    customer = suspended(services)
    pay(services, customer, "999.99", day(31))
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_a_write_off_of_the_overdue_debt_reactivates(services: Services) -> None:
    customer = register(services)
    invoice = invoice_due(services, customer, DUE)
    dun(services, customer, day(30))
    on(services, day(40))
    outcome = send(services, WriteOffDebt(customer_id=customer, invoice_id=invoice,
                                          reason="Безнадёжный долг", approver="boris"))
    assert outcome.result["status"] == "active"


def test_a_credit_adjustment_that_clears_the_debt_reactivates_in_the_same_command(
    services: Services,
) -> None:
    customer = suspended(services)
    on(services, day(31))
    outcome = send(services, RecordAdjustment(customer_id=customer, amount="-1000.00",
                                              currency="RUB", reason="Goodwill: service outage"))
    assert outcome.events == ["AdjustmentRecorded", "ServiceStatusChanged"]
    assert status(services, customer) is ServiceStatus.ACTIVE


def test_a_credit_adjustment_that_leaves_debt_past_the_bar_keeps_the_suspension(
    services: Services,
) -> None:
    customer = suspended(services)
    outcome = send(services, RecordAdjustment(customer_id=customer, amount="-999.99",
                                              currency="RUB", reason="Partial goodwill"))
    assert outcome.events == ["AdjustmentRecorded"]
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_a_run_for_an_earlier_day_does_not_lift_a_suspension_for_unpaid_debt(
    services: Services,
) -> None:
    """Today is day 31; the operator runs the missed day 20, when the invoice was younger."""
    customer = suspended(services)
    on(services, day(31))
    outcome = send(services, RunDunning(customer_id=customer, as_of=day(20)), source="scheduler")
    assert outcome.events == []
    assert status(services, customer) is ServiceStatus.SUSPENDED
    report = run_dunning_for(services.runtime, [customer], day(10))
    assert (report.steps, report.reactivated) == ([], [])
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_a_run_for_a_missed_earlier_day_still_takes_its_steps_and_suspends(
    services: Services,
) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    on(services, day(31))
    outcome = send(services, RunDunning(customer_id=customer, as_of=day(30)), source="scheduler")
    assert [step["action"] for step in outcome.result["steps"]] == [
        "remind", "remind", "remind", "suspend"]
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_a_reopened_invoice_suspends_again_without_repeating_its_step(
    services: Services,
) -> None:
    customer = suspended(services)
    payment = pay(services, customer, "1000.00", day(31))
    assert status(services, customer) is ServiceStatus.ACTIVE
    send(services, RecordChargeback(customer_id=customer, payment_id=payment, amount="1000.00",
                                    currency="RUB"))
    assert dun(services, customer, day(32)) == []
    assert status(services, customer) is ServiceStatus.SUSPENDED


def test_cancellation_cancels_every_subscription(services: Services) -> None:
    publish(services)
    customer = register(services)
    on(services, date(2026, 1, 15))
    sub = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=date(2026, 1, 15)))
    send(services, RecordCharge(customer_id=customer, amount="100.00", description="Setup"))
    assert dun(services, customer, day(89)) == ["remind", "remind", "remind", "suspend"]
    assert dun(services, customer, day(90)) == ["cancel"]
    book = services.ledger.customer(customer, fresh=True).state
    assert book.subscriptions[sub.result["subscription_id"]].status == "cancelled"
    assert book.status is ServiceStatus.SUSPENDED


def test_what_dunning_does_names_the_overdue_invoice_as_its_cause(services: Services) -> None:
    publish(services)
    customer = register(services)
    on(services, date(2026, 1, 15))
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 15)))
    invoice = invoice_due(services, customer, DUE)
    assert dun(services, customer, day(90))[-1] == "cancel"
    caused = {(type(e).__name__, str(e.meta.causation_id))
              for e in services.ledger.history(customer)
              if type(e).__name__ in {"DunningStepTaken", "ServiceStatusChanged",
                                      "SubscriptionCancelled"}}
    assert caused == {("DunningStepTaken", invoice), ("ServiceStatusChanged", invoice),
                      ("SubscriptionCancelled", invoice)}


def test_cancellation_ends_a_subscription_already_set_to_end_at_its_term(
    services: Services,
) -> None:
    """Docs: 'every subscription is cancelled immediately' — including one that would serve
    until the end of its term (20 May) and the account with it."""
    publish(services)
    customer = register(services)
    invoice_due(services, customer, DUE, "100.00")
    start = day(85)  # 20 April
    on(services, start)
    sid = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=start)).result["subscription_id"]
    send(services, CancelSubscription(customer_id=customer, subscription_id=sid,
                                      effective_date=start, when="end_of_term"))
    assert dun(services, customer, day(90))[-2:] == ["suspend", "cancel"]
    sub = services.ledger.customer(customer, fresh=True).state.subscriptions[sid]
    assert (sub.status, sub.cancel_at) == ("cancelled", day(90))


def test_cancellation_ends_a_subscription_that_starts_later_on_its_first_day(
    services: Services,
) -> None:
    publish(services)
    customer = register(services)
    invoice_due(services, customer, DUE, "100.00")
    on(services, day(80))
    sid = send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                           start_date=day(100))).result["subscription_id"]
    assert dun(services, customer, day(90))[-2:] == ["suspend", "cancel"]
    sub = services.ledger.customer(customer, fresh=True).state.subscriptions[sid]
    assert (sub.status, sub.cancel_at) == ("cancelled", day(100))  # it never serves


def test_a_cancellation_moved_before_the_last_step_taken_is_still_taken(
    services: Services,
) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    assert dun(services, customer, day(30)) == ["remind", "remind", "remind", "suspend"]
    publish_policy(services, [(3, "remind"), (10, "suspend"), (20, "cancel")])
    assert dun(services, customer, day(35)) == ["cancel"]  # past day 20, never cancelled
    assert dun(services, customer, day(36)) == []


def test_a_suspension_or_cancellation_moved_later_is_not_taken_again(
    services: Services,
) -> None:
    customer = register(services)
    invoice_due(services, customer, DUE)
    assert dun(services, customer, day(90)) == ["remind", "remind", "remind", "suspend",
                                                "cancel"]
    publish_policy(services, [(95, "remind"), (100, "suspend"), (120, "cancel")])
    assert dun(services, customer, day(120)) == ["remind"]


def test_a_customer_named_twice_in_a_run_is_dunned_once(services: Services) -> None:
    first, second = register(services, "A"), register(services, "B")
    invoice_due(services, first, DUE)
    invoice_due(services, second, DUE)
    on(services, day(30))
    report = run_dunning_for(services.runtime, [first, second, first], day(30))
    assert (report.skipped, report.customers) == ([], 2)
    assert report.suspended == [str(first), str(second)]
    assert [cid for cid, s in report.steps if s.action == "suspend"] == [str(first),
                                                                          str(second)]


def test_the_daily_run_duns_every_customer_in_batches_and_once(services: Services) -> None:
    fine, late, later = (register(services, key) for key in ("A", "B", "C"))
    invoice_due(services, later, day(-30))  # issued in date order: numbers follow dates
    invoice_due(services, late, day(-1))
    invoice_due(services, fine, day(5))
    report = run_dunning_for(services.runtime, [fine, late, later], DUE, batch_size=2)
    assert report.customers == 3
    assert sorted((cid, s.action) for cid, s in report.steps if s.action != "remind") == [
        (str(later), "suspend")]
    assert {cid for cid, _ in report.steps} == {str(late), str(later)}
    assert report.suspended == [str(later)]
    again = run_dunning_for(services.runtime, [fine, late, later], DUE)
    assert (again.steps, again.suspended) == ([], [])


def test_a_policy_version_is_published_once_and_checked(services: Services) -> None:
    assert publish_policy(services, CUSTOM) == 1
    assert publish_policy(services, CUSTOM) == 1
    assert publish_policy(services, [(5, "remind")]) == 2
    with pytest.raises(InvalidField) as caught:
        publish_policy(services, [(30, "cancel"), (40, "suspend")])
    assert caught.value.field == "steps"


def test_an_empty_policy_turns_dunning_off(services: Services) -> None:
    publish_policy(services, [])
    customer = register(services)
    invoice_due(services, customer, DUE)
    assert dun(services, customer, day(400)) == []
    assert status(services, customer) is ServiceStatus.ACTIVE
