"""VAT of plan changes, one VAT mode per customer, and closing after an end-of-term cancel.

Each story goes through the command layer, as the daily scheduler would: a change on the
16th is invoiced on its own by the bill run of that day.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from commands.base import Context
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription, PreviewSubscriptionChange, preview
from commands.close_customer import CloseCustomer
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer
from ledger.errors import InvalidField
from ledger.vat import VatMode
from tests.scenarios.support import Story, flat_tariff
from tests.support.dsl import event_names, publish, register, send

if TYPE_CHECKING:
    from api.bootstrap import Services

JAN1, JAN16 = date(2026, 1, 1), date(2026, 1, 16)


def inclusive(price: str, name: str) -> dict[str, Any]:
    return flat_tariff(price, "RUB", name=name, vat_rate="22", vat_mode="inclusive")


def upgrade(story: Story, code: str, on: date = JAN16) -> None:
    story.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
    send(story.services, ChangeSubscription(customer_id=story.customer,
                                            subscription_id=story.subscription,
                                            tariff_code=code, effective_date=on))


def test_a_change_invoiced_on_its_own_keeps_vat_inside_an_inclusive_tariff(
        services: Services) -> None:
    story = Story.begin(services, inclusive("1220.00", "A"), JAN1, anchor_day=1, code="a")
    publish(services, "b", inclusive("2440.00", "B"))
    story.bill(JAN1)
    upgrade(story, "b")
    story.bill(JAN16)
    story.bill(date(2026, 2, 1))
    change = story.invoices()[1]
    assert [(line.kind, line.amount.to_decimal_string()) for line in change.lines] == [
        ("proration_credit", "-629.68"), ("proration_charge", "1259.35")]
    assert (change.total.to_decimal_string(), change.vat_total.to_decimal_string()) == (
        "629.67", "113.55")  # 1259.35 − 629.68, VAT inside: 227.10 − 113.55
    assert story.totals() == ["1220.00", "629.67", "2440.00"]


def test_the_customers_vat_rate_applies_to_plan_change_lines(services: Services) -> None:
    story = Story.begin(services, flat_tariff("1000.00", "RUB", name="A", vat_rate="22"),
                        JAN1, anchor_day=1, code="a", vat_rate=Decimal(10))
    publish(services, "b", flat_tariff("2000.00", "RUB", name="B", vat_rate="22"))
    story.bill(JAN1)
    upgrade(story, "b")
    story.bill(date(2026, 2, 1))
    last = story.invoices()[-1]
    assert [(line.kind, line.vat_rate, line.vat.to_decimal_string()) for line in last.lines] == [
        ("proration_credit", Decimal(10), "-51.61"),   # −516.13 × 10 %
        ("proration_charge", Decimal(10), "103.23"),   # 1032.26 × 10 %
        ("recurring", Decimal(10), "200.00"),
    ]
    assert last.total.to_decimal_string() == "2767.75"  # 2516.13 + 251.62


@pytest.mark.parametrize(("timing", "lines"), [
    ("in_advance", [("proration_credit", "-2200.00")]),   # 3100 × 22/31, Jan 10 → Feb 1
    ("in_arrears", [("recurring", "900.00")]),            # 3100 × 9/31, Jan 1 → Jan 10
])
def test_closing_ends_a_subscription_cancelled_at_the_end_of_its_term(
        services: Services, timing: str, lines: list[tuple[str, str]]) -> None:
    story = Story.begin(services, flat_tariff("3100.00", "RUB", timing=timing), JAN1,
                        anchor_day=1)
    story.bill(JAN1)
    services.runtime.clock.move_to(date(2026, 1, 5))  # type: ignore[attr-defined]
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=date(2026, 1, 5), when="end_of_term"))
    services.runtime.clock.move_to(date(2026, 1, 10))  # type: ignore[attr-defined]
    send(services, CloseCustomer(customer_id=story.customer, reason="contract terminated"))
    sub = services.ledger.customer(story.customer).state.subscriptions[story.subscription]
    assert (sub.status, sub.cancel_at) == ("cancelled", date(2026, 1, 10))
    before = len(story.invoices())
    for day in (date(2026, 1, 10), date(2026, 2, 1), date(2026, 3, 1)):
        story.bill(day)
    final = story.invoices()[before:]
    assert [[(line.kind, line.amount.to_decimal_string()) for line in invoice.lines]
            for invoice in final] == [lines]
    assert final[0].issued_on == date(2026, 1, 10)


def test_closing_leaves_a_subscription_that_ended_before_the_close_as_it_was(
        services: Services) -> None:
    story = Story.begin(services, flat_tariff("3100.00", "RUB"), JAN1, anchor_day=1)
    story.bill(JAN1)
    send(services, CancelSubscription(customer_id=story.customer,
                                      subscription_id=story.subscription,
                                      effective_date=JAN1, when="end_of_term"))
    services.runtime.clock.move_to(date(2026, 2, 10))  # type: ignore[attr-defined]
    send(services, CloseCustomer(customer_id=story.customer, reason="gone"))
    assert event_names(services, story.customer).count("SubscriptionCancelled") == 1


def mixed_customer(services: Services, **profile: Any) -> Any:
    publish(services, "inc", inclusive("1220.00", "Inc"))
    publish(services, "exc", flat_tariff("1000.00", "RUB", name="Exc", vat_rate="22"))
    customer = register(services, "C-1", currency="RUB", **profile)
    first = send(services, StartSubscription(customer_id=customer, tariff_code="inc",
                                             start_date=JAN1, anchor_day=1))
    return customer, first.result["subscription_id"]


def test_a_second_tariff_of_another_vat_mode_is_refused_naming_the_tariff(
        services: Services) -> None:
    customer, _ = mixed_customer(services)
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as refused:
        send(services, StartSubscription(customer_id=customer, tariff_code="exc",
                                         start_date=JAN1, anchor_day=1))
    assert refused.value.field == "tariff_code"
    assert "vat_mode" in refused.value.detail
    assert event_names(services, customer) == before


def test_a_change_to_a_tariff_of_another_vat_mode_is_refused_and_so_is_its_preview(
        services: Services) -> None:
    customer, sub = mixed_customer(services)
    before = event_names(services, customer)
    change = {"customer_id": customer, "subscription_id": sub, "tariff_code": "exc",
              "effective_date": JAN16}
    with pytest.raises(InvalidField) as refused:
        send(services, ChangeSubscription(**change))
    assert refused.value.field == "tariff_code"
    with pytest.raises(InvalidField):
        preview(PreviewSubscriptionChange(**change),
                Context(actor="tester", source="api", idempotency_key="preview"),
                services.runtime)
    assert event_names(services, customer) == before
    # a quantity change on the same tariff is no change of mode
    send(services, ChangeSubscription(customer_id=customer, subscription_id=sub, quantity=2,
                                      effective_date=JAN16))


def test_with_a_vat_mode_of_its_own_the_customer_may_mix_tariffs(services: Services) -> None:
    customer, _ = mixed_customer(services, vat_mode=VatMode.EXCLUSIVE)
    send(services, StartSubscription(customer_id=customer, tariff_code="exc",
                                     start_date=JAN1, anchor_day=1))
    story = Story(services, customer, "")
    story.bill(JAN1)
    assert story.totals() == ["2708.40"]  # (1220.00 + 1000.00) + 22 % on top


def test_the_customers_vat_mode_cannot_be_cleared_while_its_tariffs_mix(
        services: Services) -> None:
    customer, _ = mixed_customer(services, vat_mode=VatMode.EXCLUSIVE)
    mixed = send(services, StartSubscription(customer_id=customer, tariff_code="exc",
                                             start_date=JAN1, anchor_day=1))
    before = event_names(services, customer)
    with pytest.raises(InvalidField) as refused:
        send(services, UpdateCustomer(customer_id=customer, vat_mode=None, name="Ромашка"))
    assert refused.value.field == "vat_mode"
    assert "exclusive, inclusive" in refused.value.detail
    assert event_names(services, customer) == before
    # another mode of its own still governs, and fields other than vat_mode pass
    send(services, UpdateCustomer(customer_id=customer, vat_mode=VatMode.INCLUSIVE))
    send(services, UpdateCustomer(customer_id=customer, name="Ромашка"))
    send(services, CancelSubscription(customer_id=customer,
                                      subscription_id=mixed.result["subscription_id"],
                                      effective_date=JAN1, when="immediate"))
    send(services, UpdateCustomer(customer_id=customer, vat_mode=None))  # one mode left
    assert services.ledger.customer(customer).state.profile.vat_mode is None


def test_a_tariff_of_another_mode_is_accepted_once_the_old_one_has_ended_and_is_billed(
        services: Services) -> None:
    customer, sub = mixed_customer(services)
    story = Story(services, customer, sub)
    story.bill(JAN1)
    send(services, CancelSubscription(customer_id=customer, subscription_id=sub,
                                      effective_date=JAN1, when="end_of_term"))
    with pytest.raises(InvalidField):  # it still serves (and may be credited) until February
        send(services, StartSubscription(customer_id=customer, tariff_code="exc",
                                         start_date=JAN16, anchor_day=1))
    send(services, StartSubscription(customer_id=customer, tariff_code="exc",
                                     start_date=date(2026, 2, 1), anchor_day=1))
    story.bill(date(2026, 2, 1))
    assert story.totals() == ["1220.00", "1220.00"]  # 1000.00 + 22 % on top
