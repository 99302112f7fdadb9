"""A view whose tables change between releases is rebuilt on start-up, by itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ledger.customers.events import CustomerRegistered
from projections.base import Projection, on
from projections.runner import ProjectionRunner
from tests.support.dsl import register

if TYPE_CHECKING:
    from api.bootstrap import Services
    from projections.store import Transaction


class NamesV1(Projection):
    """Release 1: customer names."""

    name = "toy_names"
    tables: ClassVar[tuple[str, ...]] = ("view_toy_names",)
    schema: ClassVar[tuple[str, ...]] = (
        "CREATE TABLE IF NOT EXISTS view_toy_names (customer_id TEXT PRIMARY KEY, name TEXT)",
    )

    @on(CustomerRegistered)
    def registered(self, tx: Transaction, event: Any, _position: int) -> None:
        tx.execute("INSERT INTO view_toy_names (customer_id, name) VALUES (:id, :name)",
                   {"id": str(event.originator_id), "name": event.name})


class NamesV2(Projection):
    """Release 2: the same view gains the external key."""

    name = "toy_names"
    tables: ClassVar[tuple[str, ...]] = ("view_toy_names",)
    schema: ClassVar[tuple[str, ...]] = (
        "CREATE TABLE IF NOT EXISTS view_toy_names"
        " (customer_id TEXT PRIMARY KEY, name TEXT, external_key TEXT)",
    )

    @on(CustomerRegistered)
    def registered(self, tx: Transaction, event: Any, _position: int) -> None:
        tx.execute("INSERT INTO view_toy_names (customer_id, name, external_key)"
                   " VALUES (:id, :name, :key)",
                   {"id": str(event.originator_id), "name": event.name,
                    "key": event.external_key})


def test_a_changed_view_is_dropped_and_replayed_from_the_log(services: Services) -> None:
    register(services, "C-1", name="Альфа")
    register(services, "C-2", name="Бета")
    release_1 = ProjectionRunner(services.ledger, services.store, [NamesV1()])
    release_1.setup()
    release_1.catch_up()
    assert release_1.positions()["toy_names"] > 0

    release_2 = ProjectionRunner(services.ledger, services.store, [NamesV2()])
    release_2.setup()
    assert release_2.positions()["toy_names"] == 0
    release_2.catch_up()

    rows = services.store.query(
        "SELECT name, external_key FROM view_toy_names ORDER BY external_key")
    assert rows == [{"name": "Альфа", "external_key": "C-1"},
                    {"name": "Бета", "external_key": "C-2"}]


def test_an_unchanged_view_keeps_its_rows_and_position(services: Services) -> None:
    register(services, "C-1", name="Альфа")
    first = ProjectionRunner(services.ledger, services.store, [NamesV1()])
    first.setup()
    first.catch_up()
    position = first.positions()["toy_names"]

    again = ProjectionRunner(services.ledger, services.store, [NamesV1()])
    again.setup()
    assert again.positions()["toy_names"] == position
    assert services.store.query("SELECT name FROM view_toy_names") == [{"name": "Альфа"}]


class NamesV1Indexed(NamesV1):
    """Release 1 with an index added later: the rows stay as they are."""

    schema: ClassVar[tuple[str, ...]] = (
        *NamesV1.schema,
        "CREATE INDEX IF NOT EXISTS view_toy_names_name ON view_toy_names (name)",
    )


def test_an_added_index_is_created_in_place_without_a_replay(services: Services) -> None:
    register(services, "C-1", name="Альфа")
    first = ProjectionRunner(services.ledger, services.store, [NamesV1()])
    first.setup()
    first.catch_up()
    position = first.positions()["toy_names"]

    indexed = ProjectionRunner(services.ledger, services.store, [NamesV1Indexed()])
    indexed.setup()
    assert indexed.positions()["toy_names"] == position
    assert services.store.query("SELECT name FROM view_toy_names") == [{"name": "Альфа"}]


def test_a_view_made_before_fingerprints_existed_is_replayed(services: Services) -> None:
    register(services, "C-1", name="Альфа")
    old = ProjectionRunner(services.ledger, services.store, [NamesV1()])
    old.setup()
    old.catch_up()
    with services.store.transaction() as tx:  # as a release without lbx_schema left it
        tx.execute("DELETE FROM lbx_schema")

    upgraded = ProjectionRunner(services.ledger, services.store, [NamesV2()])
    upgraded.setup()
    assert upgraded.positions()["toy_names"] == 0
    upgraded.catch_up()
    assert services.store.query("SELECT name, external_key FROM view_toy_names") == [
        {"name": "Альфа", "external_key": "C-1"}]
