"""The retry schedule: exponential backoff with jitter, for up to three days.

Why these numbers: a receiver that is down for a deploy is back within minutes, one that
is broken is usually fixed within a working day, and after three days of silence a human
must look (the endpoint is then marked failing). The delay doubles from 30 s up to 6 h;
jitter takes up to half of each delay off at random, so that deliveries that failed
together (an outage) do not all come back in the same second. The last attempt happens at
the three-day deadline exactly. Tests inject their own policy (and random source).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class RetryPolicy:
    """When to try a failed delivery again, and when to give up."""

    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(hours=6)
    give_up_after: timedelta = timedelta(days=3)
    jitter: float = 0.5
    """The share of each delay that is random (0: none; 0.5: between half and all of it)."""
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, failures: int) -> timedelta:
        """The wait after the ``failures``-th failed attempt in a row (1, 2, ...)."""
        exponent = max(failures - 1, 0)
        ceiling = self.max_delay.total_seconds()
        base = min(self.first_delay.total_seconds() * self.factor ** min(exponent, 64), ceiling)
        spread = base * self.jitter
        return timedelta(seconds=base - spread * self.rng.random())

    def next_attempt(self, failures: int, first_attempt_at: datetime,
                     now: datetime) -> datetime | None:
        """When to try again after ``failures`` failed attempts; None: give up now."""
        deadline = first_attempt_at + self.give_up_after
        if now >= deadline:
            return None
        return min(now + self.delay(failures), deadline)
