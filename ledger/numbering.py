"""Document numbering: gapless, sequential per series, allocated when a document is issued.

A series (``LBX-2026`` for invoices, ``LBX-CN-2026`` for credit notes) is an aggregate of
its own. Numbers follow dates, as Russian rules require of счета-фактуры (ПП РФ № 1137): a
document is never dated before one the series already numbered, so a document meant for an
earlier day (a missed bill run made late, a backdated credit note) is dated the latest day
numbered instead (:meth:`NumberSeries.dated`).

Numbers are allocated in the same transaction that records the documents, so a failed
save allocates nothing and a number is never skipped or reused; two writers racing for the
same series conflict, and the loser takes the next numbers on retry.

This is the one write that crosses customers. To shard customers later, give each shard
its own series prefix.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ledger.events import Provenance

_SERIES = uuid5(NAMESPACE_URL, "https://lbx.dev/number-series/")


def series_name(prefix: str, kind: str, year: int) -> str:
    """The series of a document kind in a year: ``LBX-2026`` or ``LBX-CN-2026``."""
    return f"{prefix}-{year}" if kind == "invoice" else f"{prefix}-CN-{year}"


def series_id_for(series: str) -> UUID:
    """The aggregate id of a numbering series."""
    return uuid5(_SERIES, series)


class SeriesState(BaseModel):
    """The last number issued in a series, and the latest date a numbered document carries."""

    model_config = ConfigDict(extra="forbid")

    series: str
    last: int = 0
    last_on: date | None = None


class SeriesOpened(LedgerCreated):
    """A numbering series was opened (its first document is being issued)."""

    series: str

    def apply(self, aggregate: Any) -> None:
        """Start at zero."""
        aggregate.begin(SeriesState(series=self.series))
        aggregate.chain(self)


class NumbersAllocated(StateEvent):
    """Consecutive numbers were given to documents: ``documents[i]`` got ``first + i``."""

    first: int
    documents: list[str]

    def change(self, state: SeriesState) -> None:
        """Move the counter past the allocated numbers (dated the event's business date)."""
        state.last = self.first + len(self.documents) - 1
        on = self.meta.effective_date
        state.last_on = on if state.last_on is None else max(state.last_on, on)


class NumberSeries(LedgerAggregate[SeriesState]):
    """One gapless sequence of document numbers."""

    state_class: ClassVar[type[SeriesState]] = SeriesState

    @classmethod
    def open(cls, provenance: Provenance, effective_date: date, series: str) -> NumberSeries:
        """Open a series before its first number."""
        return cls._create(
            SeriesOpened, id=series_id_for(series), timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None), prev_hash=GENESIS_HASH,
            series=series,
        )

    def dated(self, on: date) -> date:
        """The date a document meant for ``on`` carries: never before one already numbered."""
        return on if self.state.last_on is None else max(on, self.state.last_on)

    def allocate(
        self, provenance: Provenance, effective_date: date, documents: Sequence[str]
    ) -> list[str]:
        """Give the next numbers to ``documents`` (ids), in order; return the formatted numbers.

        ``effective_date`` is the documents' date, which :meth:`dated` gives.

        Raises:
            ValueError: ``effective_date`` is before a date already numbered (the caller
                did not ask :meth:`dated`): the numbers would go back in time.
        """
        if not documents:
            return []
        if effective_date != self.dated(effective_date):  # a caller skipped dated()
            msg = (f"{self.state.series} already numbered a document dated"
                   f" {self.state.last_on}: one dated {effective_date} would go back in time")
            raise ValueError(msg)
        first = self.state.last + 1
        self.record(NumbersAllocated, provenance, effective_date,
                    first=first, documents=list(documents))
        return [self.format(first + i) for i in range(len(documents))]

    def format(self, number: int) -> str:
        """A number as printed: ``LBX-2026-000042``."""
        return f"{self.state.series}-{number:06d}"
