"""Sending a claimed batch: one lane per endpoint, the lanes side by side.

Why lanes: a receiver that hangs costs the whole send deadline (10 s) for each of its
deliveries. Sent one after another, a batch holding a few of them would keep every other
endpoint waiting that long, round after round. Here each endpoint's share of the batch goes
out in a thread of its own, in claim order (a customer's deliveries never overtake each
other: only the earliest unfinished one of a customer is ever claimed). A lane that is done
while a slower lane of the same round is still sending claims more of its own endpoint's
due deliveries (it tops up), so a healthy endpoint keeps going meanwhile. The round ends
when every lane has sent what the round first claimed for it, and no later: it lasts about
as long as the slowest endpoint's share, whatever the number of customers waiting there.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from concurrent.futures import Executor

    from projections.webhook_deliveries import Claim


class Round:
    """One batch sent in lanes; :meth:`run` returns how many deliveries were sent."""

    def __init__(self, pool: Executor, send: Callable[[Claim], object],
                 top_up: Callable[[str], list[Claim]]) -> None:
        """``send`` sends one delivery; ``top_up`` claims more due ones of an endpoint."""
        self._pool, self._send, self._top_up = pool, send, top_up
        self._lock = threading.Lock()
        self._first_shares_left = 0

    def run(self, held: list[Claim]) -> int:
        """Send ``held``: inline for a single endpoint, else a lane per endpoint at once."""
        lanes: dict[str, list[Claim]] = {}
        for delivery in held:
            lanes.setdefault(delivery.endpoint_id, []).append(delivery)
        if len(lanes) <= 1:
            return self._send_all(held)
        self._first_shares_left = len(lanes)
        running = [self._pool.submit(self._lane, share) for share in lanes.values()]
        return sum(lane.result() for lane in running)

    def _lane(self, share: list[Claim]) -> int:
        try:
            sent = self._send_all(share)
        finally:
            with self._lock:
                self._first_shares_left -= 1
        while self._still_open():
            more = self._top_up(share[0].endpoint_id)
            if not more:
                break
            sent += self._send_all(more)
        return sent

    def _send_all(self, share: list[Claim]) -> int:
        for delivery in share:
            self._send(delivery)
        return len(share)

    def _still_open(self) -> bool:
        with self._lock:
            return self._first_shares_left > 0
