"""The dunning policy: when, after an invoice's due date, to remind, suspend and cancel.

There is one policy per installation (the aggregate's id follows from the fixed name
``"default"``), and it is versioned like a tariff: each publication adds a version and
never edits an earlier one, so every ``DunningStepTaken`` can name the version it obeyed.

Until a policy is published, :data:`DEFAULT_TERMS` applies (version 0): reminders 1, 7 and
14 days after the due date, suspension at 30 days, cancellation at 90.

Steps are keyed by their day rather than by their position, so that a customer's record of
steps taken (``CustomerState.dunning``: invoice id → day of the last step taken) stays
meaningful when a new version adds, moves or removes steps. The day alone is not enough
for the two steps that act (``ACTING``): a version that moves the cancellation to a day
at or before the last step taken would never reach it, and one that moves it later would
take it again. So those are judged by whether the invoice has had them
(``CustomerState.dunning_actions``), whatever the day of the last step.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from ledger.aggregate import LedgerAggregate, StateEvent
from ledger.errors import InvalidField
from ledger.events import GENESIS_HASH, EventMeta, LedgerCreated

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from datetime import date

    from ledger.events import Provenance

DunningAction = Literal["remind", "suspend", "cancel"]

ACTING: frozenset[str] = frozenset({"suspend", "cancel"})
"""The actions taken at most once per invoice under any policy version: they change the
service, so none is skipped because a version moved it, nor repeated because it moved later."""

POLICY_NAME = "default"
DUNNING_POLICY_ID: UUID = uuid5(NAMESPACE_URL, f"https://lbx.dev/dunning-policies/{POLICY_NAME}")


class DunningStep(BaseModel):
    """One step: what to do once an invoice is ``days_after_due`` days overdue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days_after_due: Annotated[int, Field(ge=1, le=3650)]
    action: DunningAction


class DunningTerms(BaseModel):
    """A version of the policy, as the Customer aggregate decides with it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    steps: tuple[DunningStep, ...]

    @property
    def suspension_days(self) -> int | None:
        """Days overdue at which service is suspended (None: this version never suspends)."""
        return next((s.days_after_due for s in self.steps if s.action == "suspend"), None)

    def due(
        self, days_overdue: int, last_taken: int, taken: Collection[str] = (),
    ) -> list[tuple[int, DunningStep]]:
        """Steps (numbered from 1) reached by ``days_overdue`` and not yet taken.

        A missed run catches up: every step between the last one taken and today is due.
        A reminder is due when its day is later than ``last_taken``; a suspension or a
        cancellation when the invoice has not had it (``taken``: the actions it had), on
        whichever day a newer version put it, so that no version skips or repeats one.
        """
        return [
            (number, step) for number, step in enumerate(self.steps, start=1)
            if step.days_after_due <= days_overdue and (
                step.action not in taken if step.action in ACTING
                else last_taken < step.days_after_due)
        ]


def _step(days: int, action: DunningAction) -> DunningStep:
    return DunningStep(days_after_due=days, action=action)


DEFAULT_TERMS = DunningTerms(
    version=0,
    steps=(_step(1, "remind"), _step(7, "remind"), _step(14, "remind"),
           _step(30, "suspend"), _step(90, "cancel")),
)
"""The policy in force until one is published."""


def validated(steps: Sequence[DunningStep]) -> tuple[DunningStep, ...]:
    """Check that steps make a coherent policy; an empty list turns dunning off.

    Raises:
        InvalidField: days not strictly ascending, more than one suspension or
            cancellation, or a cancellation not after the suspension.
    """
    days = [s.days_after_due for s in steps]
    if any(later <= earlier for earlier, later in pairwise(days)):
        raise InvalidField(field="steps", why="days_after_due must be strictly ascending")
    actions = [s.action for s in steps]
    for action in ("suspend", "cancel"):
        if actions.count(action) > 1:
            raise InvalidField(field="steps", why="at most one {action} step", action=action)
    if "cancel" in actions and (
        "suspend" not in actions or actions.index("cancel") < actions.index("suspend")
    ):
        raise InvalidField(field="steps", why="cancellation must come after a suspension step")
    return tuple(steps)


class DunningPolicyState(BaseModel):
    """Every published version's steps."""

    model_config = ConfigDict(extra="forbid")

    versions: dict[int, list[DunningStep]] = Field(default_factory=dict)

    @property
    def latest(self) -> int:
        """The newest version (0 when none has been published)."""
        return max(self.versions, default=0)


class DunningPolicyCreated(LedgerCreated):
    """The installation's dunning policy was opened (its versions follow)."""

    name: str

    def apply(self, aggregate: Any) -> None:
        """Start with no published version."""
        aggregate.begin(DunningPolicyState())
        aggregate.chain(self)


class DunningPolicyPublished(StateEvent):
    """A version of the dunning policy was published; earlier versions stay as they were."""

    version: int
    steps: list[DunningStep]

    def change(self, state: DunningPolicyState) -> None:
        """Add the version."""
        state.versions[self.version] = list(self.steps)


class DunningPolicy(LedgerAggregate[DunningPolicyState]):
    """The versioned dunning policy."""

    state_class: ClassVar[type[DunningPolicyState]] = DunningPolicyState

    @classmethod
    def create(cls, provenance: Provenance, effective_date: date) -> DunningPolicy:
        """Open the policy (no version yet: :data:`DEFAULT_TERMS` still applies)."""
        return cls._create(
            DunningPolicyCreated, id=DUNNING_POLICY_ID, timestamp=provenance.recorded_at,
            meta=EventMeta.stamp(provenance, effective_date, None), prev_hash=GENESIS_HASH,
            name=POLICY_NAME,
        )

    def publish(
        self, provenance: Provenance, effective_date: date, steps: Sequence[DunningStep]
    ) -> int:
        """Publish ``steps`` as the next version unless they repeat the latest; return it."""
        checked = validated(steps)
        latest = self.state.latest
        if latest and tuple(self.state.versions[latest]) == checked:
            return latest
        self.record(DunningPolicyPublished, provenance, effective_date,
                    version=latest + 1, steps=list(checked))
        return latest + 1

    def terms(self) -> DunningTerms:
        """The latest version (the default terms if none is published)."""
        latest = self.state.latest
        if not latest:
            return DEFAULT_TERMS
        return DunningTerms(version=latest, steps=tuple(self.state.versions[latest]))
