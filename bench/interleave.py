"""Alternate short runs of several workloads, so that all of them meet the same noise.

The benchmark machine is shared (test suites, other databases); a baseline measured in the
first second and LBX measured a minute later can differ by 2x for reasons that have
nothing to do with LBX. Running them in alternating rounds and summing each one's time
makes the ratio between them trustworthy even when the absolute numbers are not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def interleave(rounds: int, workloads: Sequence[Callable[[int], float]]) -> list[float]:
    """Run round ``r`` of every workload in turn, for ``r`` in ``range(rounds)``.

    Returns each workload's total seconds, in the order given.
    """
    totals = [0.0] * len(workloads)
    for round_number in range(rounds):
        for index, workload in enumerate(workloads):
            totals[index] += workload(round_number)
    return totals
