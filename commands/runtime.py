"""What a handler needs from the outside world: the ledger and a clock. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.clock import Clock


@dataclass(frozen=True)
class Runtime:
    """The ledger to load from and save to, and the clock that says when."""

    ledger: Ledger
    clock: Clock
