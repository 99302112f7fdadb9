"""The hash chain covers each event's kind and schema version, through the event's seal.

A stored row names its event's class (the topic) and schema version (``class_version``)
beside its state, where the hash does not reach. Every event recorded now carries a seal
inside its state: the stable name of its kind and its version. Given a customer's history
built through commands, when someone with write access to the database relabels a row,
changes its schema version, or strips its seal, then ``verify`` reports that version and
loading refuses the row; a history stored before seals existed still verifies, and still
reads back exactly as stored. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from eventsourcing.utils import get_topic

import ledger
from commands.record_adjustment import RecordAdjustment
from commands.record_payment import RecordPayment
from ledger.audit import HistoryUnreadable
from ledger.customers.collections_events import RefundIssued
from ledger.customers.events import PaymentReceived
from ledger.events import LedgerEvent, canonical_hash
from ledger.money import Money
from tests.support.dsl import register, send
from tests.support.tampering import (
    edit_row,
    relabel_row,
    rewrite_history,
    stored_before_seals,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from uuid import UUID

    from api.bootstrap import Services


def a_paying_customer(services: Services) -> UUID:
    """Registered (v1), paid 1500.00 (v2), adjusted by +100.00 (v3), paid 100.00 (v4)."""
    customer = register(services, "C-1", name="ООО Ромашка", inn="7707083893")
    send(services, RecordPayment(customer_id=customer, amount="1500.00", currency="RUB"))
    send(services, RecordAdjustment(customer_id=customer, amount="100.00", currency="RUB",
                                    reason="Доплата за выезд"))
    send(services, RecordPayment(customer_id=customer, amount="100.00", currency="RUB"))
    return customer


def stored(services: Services, customer: UUID) -> list[dict[str, Any]]:
    return [state for _, state in services.ledger.stored_states(customer)]


def broken_at(services: Services, customer: UUID) -> tuple[int | None, str | None]:
    report = services.ledger.verify_customer(customer)
    return report.first_broken_version, report.problem


# -- what is sealed -----------------------------------------------------------------------------

def test_every_event_recorded_is_sealed_with_its_kind_and_version(services: Services) -> None:
    customer = a_paying_customer(services)

    seals = [state["sealed_as"] for state in stored(services, customer)]

    assert seals == [{"kind": "CustomerRegistered", "version": 2},
                     {"kind": "PaymentReceived", "version": 3},
                     {"kind": "AdjustmentRecorded", "version": 1},
                     {"kind": "PaymentReceived", "version": 3}]
    assert services.ledger.verify_customer(customer).ok


def _ledger_event_classes() -> Iterator[type[LedgerEvent]]:
    for module in pkgutil.walk_packages(ledger.__path__, "ledger."):
        importlib.import_module(module.name)
    pending: list[type[LedgerEvent]] = [LedgerEvent]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("ledger."):
            yield cls


def test_no_two_event_classes_share_a_kind_and_no_kind_is_a_module_path() -> None:
    classes = set(_ledger_event_classes())

    kinds = [cls.kind_name() for cls in classes]

    assert len(classes) > 50
    assert len(set(kinds)) == len(kinds)
    assert not [kind for kind in kinds if "ledger" in kind or ":" in kind]


# -- relabelling a row as another kind of event -----------------------------------------------

def test_a_payment_relabelled_as_a_refund_is_broken_at_its_version(services: Services) -> None:
    customer = a_paying_customer(services)

    relabel_row(services, customer, 2, get_topic(RefundIssued))

    assert broken_at(services, customer) == (
        2, "stored as RefundIssued, but it was sealed as PaymentReceived")
    with pytest.raises(HistoryUnreadable):  # and the ledger will not read it as a refund
        services.ledger.history(customer)


def test_a_row_relabelled_with_a_topic_that_names_no_class_is_broken(services: Services) -> None:
    customer = a_paying_customer(services)

    relabel_row(services, customer, 3, "ledger.customers.events:AdjustmentWaived")

    assert broken_at(services, customer) == (
        3, "its topic names no event class, but it was sealed as AdjustmentRecorded")


def test_a_seal_rewritten_to_match_a_relabel_breaks_the_hash(services: Services) -> None:
    customer = a_paying_customer(services)

    relabel_row(services, customer, 2, get_topic(RefundIssued))
    edit_row(services, customer, 2,
             lambda state: state.update(sealed_as={"kind": "RefundIssued", "version": 1}))

    assert broken_at(services, customer) == (2, "content does not match its hash")


# -- changing a row's schema version -----------------------------------------------------------

def test_a_payment_stored_as_an_older_version_is_broken_though_its_hash_holds(
    services: Services,
) -> None:
    customer = a_paying_customer(services)

    edit_row(services, customer, 2, lambda state: state.update(class_version=1))

    assert canonical_hash(stored(services, customer)[1]) == stored(services, customer)[1]["hash"]
    assert broken_at(services, customer) == (
        2, "stored as version 1 of its class, but it was sealed as version 3")
    with pytest.raises(HistoryUnreadable):  # and the ledger will not upcast it again
        services.ledger.history(customer)


def test_a_registration_whose_schema_version_is_removed_is_broken(services: Services) -> None:
    customer = a_paying_customer(services)

    edit_row(services, customer, 1, lambda state: state.pop("class_version"))

    assert broken_at(services, customer) == (
        1, "stored as version 1 of its class, but it was sealed as version 2")


# -- stripping a seal, to pass an event off as one recorded before seals ------------------------

def test_an_event_stripped_of_its_seal_no_longer_matches_its_hash(services: Services) -> None:
    customer = a_paying_customer(services)

    edit_row(services, customer, 2, lambda state: state.pop("sealed_as"))

    assert broken_at(services, customer) == (2, "content does not match its hash")


def test_an_event_stripped_of_its_seal_and_rehashed_is_broken_at_its_own_version(
    services: Services,
) -> None:
    customer = a_paying_customer(services)

    def unsealed(state: dict[str, Any]) -> None:
        state.pop("sealed_as")
        state["hash"] = canonical_hash(state)

    edit_row(services, customer, 2, unsealed)

    assert broken_at(services, customer) == (2, "it has no seal, but an event before it has one")


def test_the_newest_event_stripped_of_its_seal_and_rehashed_is_still_broken(
    services: Services,
) -> None:
    customer = a_paying_customer(services)

    def unsealed_and_relabelled(state: dict[str, Any]) -> None:
        state.pop("sealed_as")
        state["hash"] = canonical_hash(state)

    edit_row(services, customer, 4, unsealed_and_relabelled)
    relabel_row(services, customer, 4, get_topic(RefundIssued))

    assert broken_at(services, customer) == (
        4, "it has no seal, but an event before it has one")


# -- histories stored before seals, and upcasting ---------------------------------------------

def test_a_history_stored_before_seals_verifies_and_reads_back_exactly_as_stored(
    services: Services,
) -> None:
    customer = a_paying_customer(services)
    stored_before_seals(services, customer)

    events = services.ledger.history(customer)
    mapper = services.ledger.mapper

    assert services.ledger.verify_customer(customer).ok
    assert [e.sealed_as for e in events] == [None] * 4
    assert [orjson.loads(mapper.to_stored_event(e).state) for e in events] == stored(
        services, customer)
    assert services.ledger.customer(customer).state.balances["RUB"].credit == Money(
        150000, "RUB")


def test_a_payment_stored_before_seals_at_version_1_verifies_and_is_upcast(
    services: Services,
) -> None:
    customer = a_paying_customer(services)

    def first_release(version: int, state: dict[str, Any]) -> None:
        state.pop("sealed_as")
        if version == 2:
            for name in ("class_version", "payer_inn", "method", "allocations"):
                state.pop(name, None)

    rewrite_history(services, customer, first_release)

    payment = services.ledger.history(customer)[1]
    assert services.ledger.verify_customer(customer).ok
    assert isinstance(payment, PaymentReceived)
    assert (payment.method, payment.allocations) == ("bank_transfer", {})


def test_a_sealed_event_still_verifies_and_loads_after_its_class_gains_a_version(
    services: Services, monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = a_paying_customer(services)
    monkeypatch.setattr(PaymentReceived, "class_version", 4)
    monkeypatch.setattr(PaymentReceived, "upcast_v3_v4", staticmethod(lambda _: None),
                        raising=False)
    services.ledger.forget(customer)

    send(services, RecordPayment(customer_id=customer, amount="1.00", currency="RUB"))
    payments = [e for e in services.ledger.history(customer) if isinstance(e, PaymentReceived)]

    assert services.ledger.verify_customer(customer).ok
    assert [(p.sealed_as.version if p.sealed_as else None) for p in payments] == [3, 3, 4]
    assert stored(services, customer)[-1]["class_version"] == 4
