"""What the tariff pages read: the catalog view, and who is on which version.

The catalog is small by nature (tens of tariffs, a few versions each), so it is read whole
through ``queries.tariffs``. Subscribers are not: with 100,000 customers they are counted
in SQL, grouped by version and status, from the renewal calendar (one row per
subscription, with the version it is billed on).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from projections import queries

if TYPE_CHECKING:
    from projections.store import ReadStore, Row


@dataclass
class CatalogEntry:
    """One tariff: its versions, newest first."""

    code: str
    versions: list[Row] = field(default_factory=list)

    @property
    def latest(self) -> Row:
        """The newest version's row."""
        return self.versions[0]


def catalog(store: ReadStore) -> list[CatalogEntry]:
    """Every tariff with its versions, by code."""
    entries: dict[str, CatalogEntry] = {}
    for row in queries.tariffs(store):
        entries.setdefault(row["code"], CatalogEntry(row["code"])).versions.append(row)
    return list(entries.values())


def entry(store: ReadStore, code: str) -> CatalogEntry | None:
    """One tariff of the catalog, or None."""
    return next((e for e in catalog(store) if e.code == code), None)


def subscribers(store: ReadStore, code: str) -> dict[int, dict[str, int]]:
    """Subscriptions on each version of ``code``, by status (active, paused, cancelled)."""
    rows = store.query(
        "SELECT tariff_version, status, COUNT(*) AS n FROM view_renewals"
        " WHERE tariff_code = :code GROUP BY tariff_version, status", {"code": code})
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(int(row["tariff_version"]), {})[str(row["status"])] = int(row["n"])
    return counts


def subscriber_totals(store: ReadStore) -> dict[str, int]:
    """Live (active or paused) subscriptions per tariff code."""
    rows: list[dict[str, Any]] = store.query(
        "SELECT tariff_code, COUNT(*) AS n FROM view_renewals WHERE status <> 'cancelled'"
        " GROUP BY tariff_code")
    return {str(row["tariff_code"]): int(row["n"]) for row in rows}
