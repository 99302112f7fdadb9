"""The Tariff aggregate: a catalog entry whose versions are published, never edited.

Its id follows from its code, so publishing a code for the first time creates it and
every later publication adds a version. A subscription names the version it is on; a
new version changes nothing that existing events said.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.errors import TariffNotFound
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated
from ledger.tariffs.definition import TariffDefinition, unused_price_refusal

if TYPE_CHECKING:
    from datetime import date

    from ledger.events import Provenance

TARIFF_NAMESPACE = uuid5(NAMESPACE_URL, "https://lbx.dev/tariffs/")


def tariff_id_for(code: str) -> UUID:
    """The tariff's aggregate id, derived from its code."""
    return uuid5(TARIFF_NAMESPACE, code)


class TariffState(BaseModel):
    """The versions of one tariff."""

    model_config = ConfigDict(extra="forbid")

    code: str
    versions: dict[int, TariffDefinition] = Field(default_factory=dict)

    @property
    def latest(self) -> int:
        """The newest version number."""
        return max(self.versions)


class TariffPublished(LedgerCreated):
    """A new tariff appeared in the catalog with its first version."""

    code: str
    definition: TariffDefinition

    def apply(self, aggregate: Any) -> None:
        """Open the catalog entry with version 1."""
        aggregate.begin(TariffState(code=self.code, versions={1: self.definition}))
        aggregate.chain(self)


class TariffVersionPublished(StateEvent):
    """A new version of a tariff was published; earlier versions stay as they were."""

    code: str
    version: int
    definition: TariffDefinition

    def change(self, state: TariffState) -> None:
        """Add the version."""
        state.versions[self.version] = self.definition


class Tariff(LedgerAggregate[TariffState]):
    """A tariff of the catalog and all its versions."""

    state_class: ClassVar[type[TariffState]] = TariffState

    @classmethod
    def publish_first(
        cls, provenance: Provenance, effective_date: date, code: str, definition: TariffDefinition
    ) -> Tariff:
        """Create the tariff with its first version.

        Raises:
            InvalidField: a price its component never reads (``definition.components.0.price``).
        """
        _refuse_unused_prices(definition)
        return cls._create(
            TariffPublished,
            id=tariff_id_for(code),
            timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None),
            prev_hash=GENESIS_HASH,
            code=code,
            definition=definition,
        )

    def publish_version(
        self, provenance: Provenance, effective_date: date, definition: TariffDefinition
    ) -> int:
        """Publish a new version unless it says exactly what the latest one says.

        Raises:
            InvalidField: a price its component never reads (``definition.components.0.price``).
        """
        _refuse_unused_prices(definition)
        latest = self.state.latest
        if self.state.versions[latest] == definition:
            return latest
        self.record(
            TariffVersionPublished, provenance, effective_date,
            code=self.state.code, version=latest + 1, definition=definition,
        )
        return latest + 1

    def definition_of(self, number: int | None) -> tuple[int, TariffDefinition]:
        """A version's definition (the latest when ``number`` is None)."""
        chosen = self.state.latest if number is None else number
        if chosen not in self.state.versions:
            raise TariffNotFound("no tariff {code!r} version {version}", code=self.state.code,
                                 version=number)
        return chosen, self.state.versions[chosen]


def _refuse_unused_prices(definition: TariffDefinition) -> None:
    refused = unused_price_refusal(definition, "definition.")
    if refused is not None:
        raise refused
