"""The auditor's API against a history altered behind the ledger's back.

Given a customer built through commands, when someone edits, deletes or forges stored rows
(events or snapshots), then ``/v1/audit`` still answers from what is stored: the chain
check names the broken version, every customer is found by its stored events, a forged
snapshot is reported, and the raw events are the rows as stored, whose hashes an auditor
recomputes. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import orjson

from commands.record_payment import RecordPayment
from ledger.access import Role
from ledger.aggregate import LedgerSnapshot
from ledger.audit import replay
from ledger.events import canonical_hash
from tests.api.conftest import auth
from tests.support.dsl import register, send
from tests.support.tampering import (
    delete_row,
    edit_row,
    relabel_row,
    rewrite_history,
    stored_before_seals,
)

if TYPE_CHECKING:
    from uuid import UUID

    from fastapi.testclient import TestClient

    from api.bootstrap import Services

ENVELOPE = ("event_type", "topic", "class_version")


def paid_customer(services: Services, key: str = "C-1") -> UUID:
    """C-1 registered (v1) and paid 1500.00 (v2)."""
    customer = register(services, key, name="ООО Ромашка", inn="7707083893")
    send(services, RecordPayment(customer_id=customer, amount="1500.00", currency="RUB"))
    return customer


def verify(client: TestClient, keys: dict[Role, str], customer: UUID) -> Any:
    answer = client.get(f"/v1/audit/customers/{customer}/verify",
                        headers=auth(keys[Role.AUDITOR]))
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- a tampered event is reported at its version, before anything parses it -----------------

def test_an_event_missing_a_field_is_a_broken_chain_not_an_invalid_request(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    edit_row(services, customer, 2, lambda state: state.pop("payment_id"))

    report = verify(client, keys, customer)
    raw = client.get(f"/v1/audit/customers/{customer}/events", headers=auth(keys[Role.AUDITOR]))
    replayed = client.get(f"/v1/audit/customers/{customer}/replay?version=2",
                          headers=auth(keys[Role.AUDITOR]))

    assert (report["ok"], report["first_broken_version"]) == (False, 2)
    assert report["problem"] == "content does not match its hash"
    assert raw.status_code == 200
    assert "payment_id" not in raw.json()["items"][1]  # shown as stored
    assert replayed.status_code == 409
    assert "stored event v2" in replayed.json()["detail"]


def test_an_event_with_an_added_field_is_a_broken_chain(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    edit_row(services, customer, 2, lambda state: state.update(note="paid in cash"))

    report = verify(client, keys, customer)

    assert (report["ok"], report["first_broken_version"]) == (False, 2)


# -- every customer is found by its stored events, not by its registration -------------------

def test_a_customer_whose_registration_was_deleted_is_broken_at_version_1(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    paid_customer(services, "C-2")
    delete_row(services, customer, 1)

    everyone = client.get("/v1/audit/verify", headers=auth(keys[Role.AUDITOR])).json()
    one = verify(client, keys, customer)

    assert everyone["ok"] is False
    assert everyone["customers"] == 2
    assert everyone["broken"] == [{
        "customer_id": str(customer), "first_broken_version": 1,
        "problem": "version 2 out of sequence", "forged_snapshot": None,
        "snapshot_problem": None}]
    assert (one["ok"], one["first_broken_version"]) == (False, 1)


def test_a_registration_turned_into_another_event_is_broken_at_version_1(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    relabel_row(services, customer, 1, "ledger.customers.events:CustomerProfileUpdated")

    report = verify(client, keys, customer)

    assert (report["ok"], report["first_broken_version"]) == (False, 1)
    assert report["problem"] == (
        "stored as CustomerProfileUpdated, but it was sealed as CustomerRegistered")


def test_a_registration_stored_before_seals_turned_into_another_event_is_broken_too(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    stored_before_seals(services, customer)
    relabel_row(services, customer, 1, "ledger.customers.events:CustomerProfileUpdated")

    report = verify(client, keys, customer)

    assert (report["ok"], report["first_broken_version"]) == (False, 1)
    assert report["problem"] == "version 1 is not the customer's registration"


def test_an_id_with_no_customer_events_has_no_audit_trail(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    paid_customer(services)
    tariff_or_nothing = "00000000-0000-0000-0000-000000000001"

    answer = client.get(f"/v1/audit/customers/{tariff_or_nothing}/verify",
                        headers=auth(keys[Role.AUDITOR]))

    assert answer.status_code == 404


# -- stored snapshots are covered by verification ----------------------------------------------

def _snapshot(services: Services, customer: UUID, change: Any = None) -> LedgerSnapshot:
    """The customer's snapshot as of now, its stored state edited by ``change``."""
    snapshot = LedgerSnapshot.take(services.ledger.customer(customer, fresh=True))
    if change is None:
        return snapshot
    state = orjson.loads(orjson.dumps(snapshot.state))
    change(state)
    return snapshot.model_copy(update={"state": state})


def _put_snapshot(services: Services, customer: UUID, change: Any = None) -> None:
    assert services.ledger.snapshots is not None
    services.ledger.snapshots.put([_snapshot(services, customer, change)])
    services.ledger.forget(customer)


def test_an_honest_snapshot_verifies(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)
    _put_snapshot(services, customer)

    report = verify(client, keys, customer)

    assert (report["ok"], report["snapshots"], report["forged_snapshot"]) == (True, 1, None)


def test_a_forged_snapshot_is_reported_at_its_version(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)

    def paid_more(state: dict[str, Any]) -> None:
        state["state"]["balances"]["RUB"]["paid"] = 99_999_900

    _put_snapshot(services, customer, paid_more)

    report = verify(client, keys, customer)
    everyone = client.get("/v1/audit/verify", headers=auth(keys[Role.AUDITOR])).json()

    assert report["first_broken_version"] is None  # the events themselves hold
    assert (report["ok"], report["forged_snapshot"]) == (False, 2)
    assert report["snapshot_problem"] == ("its state is not what the events up to its version"
                                          " replay to")
    assert everyone["ok"] is False
    assert everyone["broken"][0]["forged_snapshot"] == 2


def test_a_snapshot_whose_head_the_next_event_does_not_continue_is_not_loaded(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)

    def forged(state: dict[str, Any]) -> None:
        state["state"]["balances"]["RUB"]["paid"] = 99_999_900
        state["last_hash"] = "f" * 64

    at_version_2 = _snapshot(services, customer, forged)
    send(services, RecordPayment(customer_id=customer, amount="1.00", currency="RUB"))
    assert services.ledger.snapshots is not None
    services.ledger.snapshots.put([at_version_2])  # slipped in under the event after it

    loaded = services.ledger.customer(customer, fresh=True)
    (batched,) = services.ledger.customers([customer])
    replayed = replay(services.ledger.customer_history(customer))

    assert loaded.state.balances["RUB"].paid == replayed.state.balances["RUB"].paid == 150100
    assert batched.state.balances["RUB"].paid == 150100
    assert verify(client, keys, customer)["snapshot_problem"] == (
        "its chain head is not the hash of the event at its version")


# -- the raw events and the export are the rows as stored --------------------------------------

def test_raw_events_are_stored_rows_whose_hashes_an_auditor_recomputes(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)

    def as_first_release(version: int, state: dict[str, Any]) -> None:  # no seals, payment v1
        state.pop("sealed_as")
        if version == 2:
            for name in ("class_version", "payer_inn", "method", "allocations"):
                state.pop(name, None)

    rewrite_history(services, customer, as_first_release)
    headers = auth(keys[Role.AUDITOR])
    assert verify(client, keys, customer)["ok"] is True  # a genuine old history

    items = client.get(f"/v1/audit/customers/{customer}/events", headers=headers).json()["items"]
    exported = orjson.loads(client.get(f"/v1/audit/customers/{customer}/export?format=json",
                                       headers=headers).content)

    assert exported == items
    for item in items:
        stored = {k: v for k, v in item.items() if k not in ENVELOPE}
        assert canonical_hash(stored) == item["hash"], item["event_type"]
    registration, payment = items
    assert (registration["event_type"], registration["class_version"]) == (
        "CustomerRegistered", 2)
    assert registration["topic"] == "ledger.customers.events:CustomerRegistered"
    assert (payment["event_type"], payment["class_version"]) == ("PaymentReceived", 1)
    assert "method" not in payment  # not the upcast form


def test_a_sealed_raw_event_shows_its_seal_and_its_hash_is_recomputed_the_same_way(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)

    items = client.get(f"/v1/audit/customers/{customer}/events",
                       headers=auth(keys[Role.AUDITOR])).json()["items"]

    assert [(i["event_type"], i["class_version"], i["sealed_as"]) for i in items] == [
        ("CustomerRegistered", 2, {"kind": "CustomerRegistered", "version": 2}),
        ("PaymentReceived", 3, {"kind": "PaymentReceived", "version": 3})]
    for item in items:
        stored = {k: v for k, v in item.items() if k not in ENVELOPE}
        assert canonical_hash(stored) == item["hash"], item["event_type"]


def test_the_csv_export_names_each_rows_topic_schema_version_and_causation(
    services: Services, client: TestClient, keys: dict[Role, str],
) -> None:
    customer = paid_customer(services)

    exported = client.get(f"/v1/audit/customers/{customer}/export?format=csv",
                          headers=auth(keys[Role.AUDITOR]))

    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["event_type"], r["class_version"]) for r in rows] == [
        ("CustomerRegistered", "2"), ("PaymentReceived", "3")]
    assert rows[1]["topic"] == "ledger.customers.events:PaymentReceived"
    assert "causation_id" in rows[1]
