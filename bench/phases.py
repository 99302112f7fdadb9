"""Where one command's time goes: timers wrapped around the ledger's steps, and cProfile.

The timers are installed on one ledger instance (and, for ``deepcopy`` and
``Command.fingerprint``, on their modules for the duration) and removed afterwards, so the
breakdown costs nothing elsewhere. What the timers do not cover is reported as "other
Python": pydantic models of commands and events, event hashes, the outcome and the
idempotency record.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import eventsourcing.application
from rich.table import Table

from bench import scenarios
from commands.base import Command
from ledger.aggregate import LedgerSnapshot
from ledger.customers import Customer
from ledger.idempotency import IdempotencyRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from uuid import UUID

    from commands.runtime import Runtime
    from ledger.application import Ledger

PHASES = (
    ("load: SELECT newer events (cache fast-forward)", "select"),
    ("load: deepcopy of the cached aggregate", "deepcopy"),
    ("decide: Customer.receive_payment (event model + hash)", "decide"),
    ("idempotency: IdempotencyRecord.use (event model + hash)", "record"),
    ("idempotency: command fingerprint (model_dump_json + sha256)", "fingerprint"),
    ("save: encode events (model_dump + orjson)", "encode"),
    ("save: INSERT transaction (pool, LOCK, NOTIFY, INSERT, COMMIT)", "insert"),
    ("save: snapshot", "snapshot"),
)


@contextmanager
def patched(owner: Any, attribute: str,
            wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Iterator[None]:
    """Replace ``owner.attribute`` by ``wrap(original)`` until the block ends."""
    original: Callable[..., Any] = getattr(owner, attribute)
    own = vars(owner).get(attribute)  # the raw descriptor (a classmethod stays one)
    setattr(owner, attribute, wrap(original))
    try:
        yield
    finally:
        if own is not None:
            setattr(owner, attribute, own)
        else:
            delattr(owner, attribute)


class Timers:
    """Accumulated seconds per phase, filled by wrapped callables."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrapped(self, owner: Any, attribute: str, phase: str) -> AbstractContextManager[None]:
        """Time every call of ``owner.attribute`` under ``phase`` until the block ends."""

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                begun = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.seconds[phase] += time.perf_counter() - begun
            return timed

        return patched(owner, attribute, wrap)


def phase_table(title: str, unit: str, *, phases: Sequence[tuple[str, str]],
                seconds: Mapping[str, float], count: int, total: float,
                other: str, digits: int = 3) -> Table:
    """Milliseconds per ``unit`` in each phase, the rest as ``other``, and the total."""
    out = Table(title=title, title_justify="left")
    out.add_column("phase")
    out.add_column(f"ms/{unit}", justify="right")
    out.add_column("share", justify="right")
    covered = 0.0
    for label, phase in phases:
        spent = seconds.get(phase, 0.0)
        covered += spent
        out.add_row(label, f"{spent / count * 1000:.{digits}f}", f"{spent / total:.0%}")
    rest = total - covered
    out.add_row(other, f"{rest / count * 1000:.{digits}f}", f"{rest / total:.0%}")
    out.add_row("[bold]total[/]", f"{total / count * 1000:.{digits}f}", "100%")
    return out


def profile_table(profile: cProfile.Profile, count: int, unit: str, title: str,
                  top: int) -> Table:
    """The functions with the most own time in ``profile``, per ``unit``."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    out = Table(title=title.format(per_unit=total / count * 1000), title_justify="left")
    out.add_column("function")
    out.add_column(f"calls/{unit}", justify="right")
    out.add_column(f"own ms/{unit}", justify="right")
    out.add_column("share", justify="right")
    for (path, line, name), row in sorted(stats.items(), key=lambda item: item[1][2],
                                          reverse=True)[:top]:
        where = "/".join(path.split("/")[-2:])
        out.add_row(f"{where}:{line}({name})", f"{row[1] / count:.1f}",
                    f"{row[2] / count * 1000:.3f}", f"{row[2] / total:.0%}")
    return out


def breakdown(
    runtime: Runtime, ids: list[UUID], count: int, baseline_ms: float, title: str = ""
) -> Table:
    """Milliseconds per command in each phase, over ``count`` RecordPayment commands."""
    ledger = runtime.ledger
    timers = Timers()
    with ExitStack() as stack:
        stack.enter_context(timers.wrapped(ledger.recorder, "select_events", "select"))
        stack.enter_context(timers.wrapped(eventsourcing.application, "deepcopy", "deepcopy"))
        stack.enter_context(timers.wrapped(ledger.mapper, "to_stored_event", "encode"))
        stack.enter_context(timers.wrapped(ledger.recorder, "insert_events", "insert"))
        stack.enter_context(timers.wrapped(ledger, "take_snapshot", "snapshot"))
        stack.enter_context(timers.wrapped(Command, "fingerprint", "fingerprint"))
        stack.enter_context(timers.wrapped(Customer, "receive_payment", "decide"))
        stack.enter_context(timers.wrapped(IdempotencyRecord, "use", "record"))
        total = scenarios.record_payments(runtime, ids, count, f"phases{len(ids)}").seconds
    out = phase_table(f"One RecordPayment{title}, by phase (mean of {count:,})", "command",
                      phases=PHASES, seconds=timers.seconds, count=count, total=total,
                      other="other (command/context/outcome models, save bookkeeping)")
    out.add_row("baseline A: one BEGIN; INSERT; COMMIT", f"{baseline_ms:.3f}", "")
    return out


def hotspots(runtime: Runtime, ids: list[UUID], count: int, top: int = 15) -> Table:
    """The functions with the most own time over ``count`` commands, under cProfile.

    cProfile roughly doubles the Python part of the cost, so read shares, not milliseconds.
    """
    profile = cProfile.Profile()
    profile.enable()
    scenarios.record_payments(runtime, ids, count, "profile")
    profile.disable()
    return profile_table(profile, count, "cmd",
                         f"Hot spots over {count:,} commands (cProfile, own time)", top)


LOAD_PHASES = (
    ("SELECT latest snapshot", "snapshot_select"),
    ("SELECT events after it", "events_select"),
    ("decode rows (orjson + event/snapshot models)", "decode"),
    ("snapshot -> CustomerState.model_validate", "restore"),
    ("deepcopy into the cache's copy", "deepcopy"),
)


def load_breakdown(ledger: Ledger, customer_id: UUID, count: int) -> Table:
    """Milliseconds per cold load of one customer in each phase, over ``count`` loads."""
    timers = Timers()
    snapshots = ledger.snapshots
    assert snapshots is not None
    with ExitStack() as stack:
        stack.enter_context(timers.wrapped(snapshots.recorder, "select_events",
                                           "snapshot_select"))
        stack.enter_context(timers.wrapped(ledger.recorder, "select_events", "events_select"))
        stack.enter_context(timers.wrapped(ledger.mapper, "to_domain_event", "decode"))
        stack.enter_context(timers.wrapped(LedgerSnapshot, "mutate", "restore"))
        stack.enter_context(timers.wrapped(eventsourcing.application, "deepcopy", "deepcopy"))
        total = sum(scenarios.loads(ledger, customer_id, count))
    return phase_table(f"One cold load of the long customer, by phase (mean of {count})",
                       "load", phases=LOAD_PHASES, seconds=timers.seconds, count=count,
                       total=total,
                       other="other (replaying the events after the snapshot, cache)",
                       digits=2)
