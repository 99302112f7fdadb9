"""In-process locks per aggregate id: one writer at a time, and safe copies out of the cache.

Two kinds, for two jobs:

- :class:`KeyedLocks` is held from load to save by a writer (a command, one batch of a bill
  run). It only saves work: a second writer of the same aggregate in this process waits
  for the first instead of deciding on the same version and losing the race. Correctness
  never depends on it (other processes are caught by the event store's version check), so
  a wait that runs out proceeds without the lock rather than risk a deadlock.
- :class:`Stripes` guards the short moments when the aggregate cache is touched: a
  reader's deep copy and a writer's taking an aggregate out of the cache must not overlap,
  or the copy could see the writer's changes half made.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from uuid import UUID


class KeyedLocks:
    """A reentrant lock per aggregate id, created on first use and dropped when unused."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._locks: dict[UUID, tuple[threading.RLock, int]] = {}

    @contextmanager
    def hold(self, ids: Iterable[UUID], wait: float) -> Iterator[None]:
        """Hold the locks of ``ids`` (taken in sorted order), waiting at most ``wait`` seconds.

        Locks still not free when the time is up are skipped: the caller proceeds
        optimistically, as it would without any lock.
        """
        keys = sorted(set(ids))
        locks = [self._use(key) for key in keys]
        held: list[threading.RLock] = []
        deadline = time.monotonic() + wait
        try:
            held.extend(lock for lock in locks
                        if lock.acquire(timeout=max(deadline - time.monotonic(), 0.0)))
            yield
        finally:
            for lock in reversed(held):
                lock.release()
            for key in keys:
                self._disuse(key)

    def _use(self, key: UUID) -> threading.RLock:
        with self._mutex:
            lock, users = self._locks.get(key) or (threading.RLock(), 0)
            self._locks[key] = (lock, users + 1)
            return lock

    def _disuse(self, key: UUID) -> None:
        with self._mutex:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class Stripes:
    """A fixed set of plain locks, one chosen per aggregate id, for short critical sections."""

    def __init__(self, count: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(count)]

    def of(self, key: UUID) -> threading.Lock:
        """The lock that guards ``key`` (shared with the ids of the same stripe)."""
        return self._locks[key.int % len(self._locks)]
