"""What a CRM knows about a customer, through the command layer, on both backends.

A CRM record becomes a customer whose id follows from the CRM and the record alone; later
deliveries record only what changed, and a delivery that changes nothing writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from commands.register_customer import RegisterCustomer
from commands.sync_crm_customer import SyncCrmCustomer, delivery_key
from commands.update_customer import UpdateCustomer
from ledger.customers import customer_id_for
from ledger.customers.events import CustomerProfileUpdated, CustomerRegistered
from ledger.persistence import upcast
from projections.customers import customer_by_external_id, tags_of
from projections.queries import customers
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from typing import Any

    from api.bootstrap import Services
    from commands.base import Outcome

ROMASHKA = {"source": "amocrm", "record_id": "contact:12345", "name": "ООО Ромашка",
            "inn": "7707049388", "kpp": "770701001", "manager": "Анна Петрова",
            "tags": ["опт", "VIP"]}


def sync(services: Services, **fields: Any) -> Outcome:
    command = SyncCrmCustomer(**{**ROMASHKA, **fields})
    return send(services, command, key=delivery_key(command, services.runtime),
                actor="crm:amocrm", source="crm")


def test_a_crm_record_becomes_a_customer_whose_id_follows_from_the_record(
    services: Services,
) -> None:
    outcome = sync(services)
    customer_id = customer_id_for("amocrm:contact:12345")
    assert outcome.target_id == customer_id
    assert outcome.result == {"customer_id": str(customer_id), "created": True, "changed": True}
    profile = services.ledger.customer(customer_id).state.profile
    assert profile.external_key == "amocrm:contact:12345"
    assert profile.external_ids == {"amocrm": "contact:12345"}
    assert profile.manager == "Анна Петрова"
    assert profile.tags == ["VIP", "опт"]
    (registered,) = services.ledger.history(customer_id)
    assert (registered.meta.actor, registered.meta.source) == ("crm:amocrm", "crm")


def test_the_same_delivery_again_writes_nothing_at_all(services: Services) -> None:
    sync(services)
    head = services.ledger.max_position()
    again = sync(services, tags=["VIP", "опт", "VIP"])  # same tags, another order, repeated
    assert again.result["changed"] is False
    assert again.events == []
    assert services.ledger.max_position() == head  # not even an idempotency record


def test_only_the_fields_that_changed_are_recorded_as_the_crms_change(services: Services) -> None:
    sync(services)
    sync(services, manager="Иван Сидоров", tags=["VIP"])
    customer_id = customer_id_for("amocrm:contact:12345")
    updated = services.ledger.history(customer_id)[-1]
    assert isinstance(updated, CustomerProfileUpdated)
    assert updated.changes == {"manager": "Иван Сидоров", "tags": ["VIP"]}
    assert (updated.meta.actor, updated.meta.source) == ("crm:amocrm", "crm")


@pytest.mark.parametrize("no_tags", [None, []], ids=["tags-absent", "tags-empty"])
def test_a_field_the_crm_leaves_empty_is_not_erased(
    services: Services, no_tags: list[str] | None,
) -> None:
    sync(services)
    outcome = sync(services, inn=None, kpp=None, manager=None, tags=no_tags)
    assert outcome.result["changed"] is False
    profile = services.ledger.customer(outcome.target_id).state.profile
    assert (profile.inn, profile.manager, profile.tags) == ("7707049388", "Анна Петрова",
                                                           ["VIP", "опт"])


def test_returning_to_an_earlier_content_is_a_change_not_a_retry(services: Services) -> None:
    sync(services)
    sync(services, manager="Иван Сидоров")
    back = sync(services, manager="Анна Петрова")
    assert back.replayed is False
    assert back.result["changed"] is True
    assert services.ledger.customer(back.target_id).state.profile.manager == "Анна Петрова"
    assert event_names(services, back.target_id) == [
        "CustomerRegistered", "CustomerProfileUpdated", "CustomerProfileUpdated"]


def test_a_linked_customer_is_updated_instead_of_created(services: Services) -> None:
    customer = register(services, "CRM-42", name="ООО Ромашка")
    outcome = sync(services, customer_id=customer)
    assert outcome.target_id == customer
    assert not services.ledger.exists(customer_id_for("amocrm:contact:12345"))
    profile = services.ledger.customer(customer).state.profile
    assert profile.external_ids == {"amocrm": "contact:12345"}
    assert profile.external_key == "CRM-42"


def test_a_wrong_inn_from_the_crm_is_refused_before_anything_is_written() -> None:
    with pytest.raises(ValidationError) as caught:
        SyncCrmCustomer(**{**ROMASHKA, "inn": "7707049389"})
    assert caught.value.errors()[0]["loc"] == ("inn",)


def test_registration_and_updates_carry_the_new_requisites(services: Services) -> None:
    customer = send(services, RegisterCustomer(
        external_key="CRM-7", name="ИП Смирнов", inn="500100732259", ogrn="304500116000157",
        phone="+7 495 123-45-67", address="Москва, ул. Ленина, 1", tags=["b", "a", "a"],
        external_ids={"bitrix24": "company:7"})).target_id
    profile = services.ledger.customer(customer).state.profile
    assert profile.tags == ["a", "b"]
    send(services, UpdateCustomer(customer_id=customer, external_ids={"amocrm": "company:9"}))
    profile = services.ledger.customer(customer).state.profile
    assert profile.external_ids == {"amocrm": "company:9", "bitrix24": "company:7"}


def test_a_first_version_registration_reads_with_no_crm_fields() -> None:
    stored: dict[str, Any] = {"external_key": "OLD-1", "name": "Old", "currency": "RUB"}
    upcast(CustomerRegistered, stored)
    assert stored["tags"] == []
    assert stored["external_ids"] == {}
    assert stored["ogrn"] is None


def test_the_directory_filters_by_manager_and_keeps_tags_and_keys(services: Services) -> None:
    sync(services)
    sync(services, record_id="contact:2", name="ООО Лютик", inn=None, kpp=None,
         manager="Иван Сидоров", tags=[])
    services.runner.catch_up()
    page = customers(services.store, manager="Анна Петрова")
    assert [row["name"] for row in page.items] == ["ООО Ромашка"]
    customer_id = str(customer_id_for("amocrm:contact:12345"))
    assert tags_of(services.store, customer_id) == ["VIP", "опт"]
    assert customer_by_external_id(services.store, "amocrm", "contact:12345") == customer_id
    sync(services, tags=["розница"])
    services.runner.catch_up()
    assert tags_of(services.store, customer_id) == ["розница"]


def test_a_rebuilt_directory_has_the_same_tags_and_keys(services: Services) -> None:
    sync(services)
    sync(services, tags=["VIP"])
    services.runner.catch_up()
    services.runner.rebuild("customers")
    customer_id = str(customer_id_for("amocrm:contact:12345"))
    assert tags_of(services.store, customer_id) == ["VIP"]
    assert customer_by_external_id(services.store, "amocrm", "contact:12345") == customer_id


def test_a_record_without_a_name_leaves_the_customers_name_as_it_is(
    services: Services,
) -> None:
    sync(services)
    customer_id = customer_id_for("amocrm:contact:12345")
    head = services.ledger.max_position()
    outcome = sync(services, name=None)
    assert outcome.result["changed"] is False
    assert services.ledger.max_position() == head
    assert services.ledger.customer(customer_id).state.profile.name == "ООО Ромашка"
    sync(services, name=None, manager="Иван Сидоров")
    profile = services.ledger.customer(customer_id).state.profile
    assert (profile.name, profile.manager) == ("ООО Ромашка", "Иван Сидоров")


def test_a_customer_registered_without_a_name_gets_a_placeholder_until_the_crm_names_it(
    services: Services,
) -> None:
    sync(services, name=None)
    customer_id = customer_id_for("amocrm:contact:12345")
    assert services.ledger.customer(customer_id).state.profile.name == "amoCRM contact 12345"
    sync(services, name="ООО Ромашка")
    assert services.ledger.customer(customer_id).state.profile.name == "ООО Ромашка"
