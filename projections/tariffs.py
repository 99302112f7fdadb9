"""The tariff catalog as a list: every version of every tariff, newest first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from ledger.tariffs.aggregate import TariffPublished, TariffVersionPublished
from projections.base import Projection, on

if TYPE_CHECKING:
    from projections.store import Transaction


class TariffCatalog(Projection):
    """Tariff versions with their definitions, for browsing and price calculators."""

    name = "tariffs"
    tables = ("view_tariffs",)
    schema = (
        "CREATE TABLE IF NOT EXISTS view_tariffs ("
        " code TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL,"
        " currency TEXT NOT NULL, period_unit TEXT NOT NULL, period_count BIGINT NOT NULL,"
        " definition TEXT NOT NULL, published_at TEXT NOT NULL, published_by TEXT NOT NULL,"
        " PRIMARY KEY (code, version))",
    )

    @on(TariffPublished)
    def first(self, tx: Transaction, event: TariffPublished, _: int) -> None:
        """List version 1."""
        self._add(tx, event, event.code, 1)

    @on(TariffVersionPublished)
    def later(self, tx: Transaction, event: TariffVersionPublished, _: int) -> None:
        """List a later version."""
        self._add(tx, event, event.code, event.version)

    def _add(self, tx: Transaction, event: Any, code: str, version: int) -> None:
        definition = event.definition
        tx.execute(
            "INSERT INTO view_tariffs (code, version, name, currency, period_unit,"
            " period_count, definition, published_at, published_by) VALUES (:code, :version,"
            " :name, :currency, :unit, :count, :definition, :at, :by)",
            {
                "code": code, "version": version, "name": definition.name,
                "currency": definition.currency, "unit": definition.period_unit.value,
                "count": definition.period_count,
                "definition": orjson.dumps(definition.model_dump(mode="json")).decode(),
                "at": event.recorded_at.isoformat(), "by": event.meta.actor,
            },
        )
