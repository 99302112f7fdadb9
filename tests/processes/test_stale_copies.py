"""Given two processes on one database (two bootstraps, each with its own aggregate cache, as
a second service instance or an ``lbx`` command beside the server), when one writes, then
the other never decides on its older copy.

A tariff version published elsewhere is the latest one here too, and is billed; a command
that changes nothing is checked against the store, so setting back a value another process
changed is recorded, not answered "unchanged". Within one process, a bill-run batch never
puts back an older copy of a customer it did not bill over a newer one.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from api.bootstrap import bootstrap
from commands.invoicing import issue_due_invoices
from commands.publish_tariff import PublishTariff
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from commands.sync_crm_customer import SyncCrmCustomer
from commands.update_customer import UpdateCustomer
from tests.support.dsl import MONTHLY_1000, publish, register, send

if TYPE_CHECKING:
    from collections.abc import Iterator

    import pytest

    from api.bootstrap import Services

V2 = {"name": "Старт", "currency": "RUB", "vat_rate": "22", "components": [
    {"code": "base", "name": "Абонентская плата", "kind": "flat", "price": "2000.00"}]}
JAN15 = date(2026, 1, 15)


@contextmanager
def other_process(services: Services, backend_env: dict[str, str]) -> Iterator[Services]:
    """A second process on the same database (its own ledger and cache), same clock."""
    elsewhere = bootstrap(backend_env, clock=services.runtime.clock)
    try:
        yield elsewhere
    finally:
        elsewhere.close()


def version_1_here(services: Services) -> None:
    send(services, PublishTariff.model_validate({"code": "start", "definition": MONTHLY_1000}))


def test_a_subscription_takes_the_version_another_process_published(
    services: Services, backend_env: dict[str, str],
) -> None:
    version_1_here(services)
    with other_process(services, backend_env) as elsewhere:
        send(elsewhere, PublishTariff.model_validate({"code": "start", "definition": V2}))
    started = send(services, StartSubscription(customer_id=register(services),
                                               tariff_code="start", start_date=JAN15))
    assert started.result["tariff_version"] == 2


def test_a_bill_run_bills_a_version_another_process_published(
    services: Services, backend_env: dict[str, str],
) -> None:
    version_1_here(services)
    with other_process(services, backend_env) as elsewhere:
        send(elsewhere, PublishTariff.model_validate({"code": "start", "definition": V2}))
        send(elsewhere, StartSubscription(customer_id=register(elsewhere), tariff_code="start",
                                          tariff_version=2, start_date=JAN15))
    report = run_billing(RunBilling(as_of=JAN15), bill_run_context("scheduler"),
                         services.runtime, list(services.ledger.customer_ids()))
    assert (report.skipped, [i.total for i in report.invoices]) == ([], ["2440.00"])


def test_setting_back_what_another_process_changed_is_recorded(
    services: Services, backend_env: dict[str, str],
) -> None:
    customer = register(services, email="old@example.ru")
    with other_process(services, backend_env) as elsewhere:
        send(elsewhere, UpdateCustomer(customer_id=customer, email="new@example.ru"))
    outcome = send(services, UpdateCustomer(customer_id=customer, email="old@example.ru"))
    assert outcome.events == ["CustomerProfileUpdated"]
    assert services.ledger.customer(customer, fresh=True).state.profile.email == "old@example.ru"


def crm_says(services: Services, email: str) -> Any:
    return send(services, SyncCrmCustomer(source="amocrm", record_id="contact:1",
                                          name="ООО Ромашка", email=email))


def test_a_crm_delivery_after_a_change_in_another_process_is_not_lost(
    services: Services, backend_env: dict[str, str],
) -> None:
    customer = crm_says(services, "old@example.ru").target_id
    with other_process(services, backend_env) as elsewhere:
        send(elsewhere, UpdateCustomer(customer_id=customer, email="typed@example.ru"))
    again = crm_says(services, "old@example.ru")
    email = services.ledger.customer(customer, fresh=True).state.profile.email
    assert (again.result["changed"], email) == (True, "old@example.ru")


def slow_batches(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Bill-run batches that take a second to decide; the event is set when one starts."""
    deciding = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        deciding.set()
        time.sleep(1.0)
        return issue_due_invoices(*args, **kwargs)

    monkeypatch.setattr("commands.run_billing.issue_due_invoices", slow)
    return deciding


def test_a_bill_run_batch_never_puts_back_an_older_copy_of_a_customer_it_did_not_bill(
    services: Services, monkeypatch: pytest.MonkeyPatch,
) -> None:
    publish(services)
    billed = register(services, "C-billed")
    send(services, StartSubscription(customer_id=billed, tariff_code="start", start_date=JAN15))
    crm = crm_says(services, "old@example.ru").target_id
    deciding = slow_batches(monkeypatch)
    run = threading.Thread(target=run_billing, args=(
        RunBilling(as_of=JAN15), bill_run_context("scheduler"), services.runtime, [billed, crm]))
    run.start()
    assert deciding.wait(5)
    # the accountant's command waits 0.5 s for the batch's lock, then goes ahead without it
    send(services, UpdateCustomer(customer_id=crm, email="typed@example.ru"))
    run.join()
    again = crm_says(services, "old@example.ru")
    email = services.ledger.customer(crm, fresh=True).state.profile.email
    assert (again.result["changed"], email) == (True, "old@example.ru")

