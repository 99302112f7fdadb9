"""What a CRM knows on the Customer aggregate: tags, source keys, requisites (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from ledger.customers import Customer
from ledger.customers.events import CustomerProfileUpdated, CustomerRegistered
from ledger.events import LedgerEvent, Provenance, canonical_hash

P = Provenance(actor="crm:amocrm", source="crm", recorded_at=datetime(2026, 1, 15, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
DAY = date(2026, 1, 15)


def given_crm_customer() -> Customer:
    customer = Customer.register(
        P, DAY, external_key="amocrm:contact:1", name="ООО Ромашка", currency="RUB",
        manager="Анна Петрова", tags=[" опт", "VIP", "опт", ""],
        external_ids={"amocrm": "contact:1"})
    customer.collect_events()
    return customer


def updates(customer: Customer) -> list[CustomerProfileUpdated]:
    return [e for e in customer.collect_events() if isinstance(e, CustomerProfileUpdated)]


def test_tags_are_kept_trimmed_unique_and_sorted() -> None:
    assert given_crm_customer().state.profile.tags == ["VIP", "опт"]


def test_the_same_tags_in_another_order_are_no_change() -> None:
    customer = given_crm_customer()
    assert customer.update_profile(P, DAY, {"tags": ["опт", "VIP", "VIP"]}) is False
    assert updates(customer) == []


def test_a_new_source_key_is_added_to_the_ones_known() -> None:
    customer = given_crm_customer()
    assert customer.update_profile(P, DAY, {"external_ids": {"bitrix24": "company:7"}})
    (event,) = updates(customer)
    assert event.changes == {"external_ids": {"amocrm": "contact:1", "bitrix24": "company:7"}}
    assert customer.profile_changes({"external_ids": {"amocrm": "contact:1"}}) == {}


def test_only_what_differs_is_recorded() -> None:
    customer = given_crm_customer()
    customer.update_profile(P, DAY, {"name": "ООО Ромашка", "manager": "Иван Сидоров",
                                     "tags": ["VIP"]})
    (event,) = updates(customer)
    assert event.changes == {"manager": "Иван Сидоров", "tags": ["VIP"]}
    assert customer.state.profile.manager == "Иван Сидоров"


def test_a_registration_is_sealed_with_its_crm_fields() -> None:
    customer = Customer.register(P, DAY, external_key="K", name="A", currency="RUB",
                                 tags=["x"], ogrn="1027700132195")
    (registered,) = customer.collect_events()
    assert isinstance(registered, CustomerRegistered)
    assert isinstance(registered, LedgerEvent)
    assert registered.hash == canonical_hash(registered.model_dump(mode="json"))
    assert (registered.tags, registered.ogrn) == (["x"], "1027700132195")
