"""Signing out on the server: when each key last signed out, in the read store.

A session cookie is signed, not stored, so deleting it in one browser would leave a copied
cookie alive. Each session therefore carries the moment it was issued, and signing out
records the moment for the key in ``web_sign_outs``, a small table of the read store that
every process of the service shares; a session issued before its key's last sign-out is
refused. The table is the workspace's own (no projection writes it; a rebuild leaves it).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from projections.store import ReadStore

TABLE = (
    "CREATE TABLE IF NOT EXISTS web_sign_outs ("
    "key_id TEXT PRIMARY KEY, at_ns BIGINT NOT NULL)"
)
_READY: weakref.WeakSet[ReadStore] = weakref.WeakSet()
_LOCK = threading.Lock()


def now_ns() -> int:
    """The moment a session is issued or ended (wall clock, nanoseconds)."""
    return time.time_ns()


def _ensure(store: ReadStore) -> None:
    with _LOCK:
        if store not in _READY:
            store.create([TABLE])
            _READY.add(store)


def record_sign_out(store: ReadStore, key_id: str, at_ns: int) -> None:
    """Remember that ``key_id`` signed out at ``at_ns``: its earlier sessions end."""
    _ensure(store)
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO web_sign_outs (key_id, at_ns) VALUES (:key_id, :at) "
            "ON CONFLICT (key_id) DO UPDATE SET at_ns = excluded.at_ns",
            {"key_id": key_id, "at": at_ns})


def signed_out_after(store: ReadStore, key_id: str, issued_ns: int) -> bool:
    """Whether ``key_id`` signed out after a session issued at ``issued_ns``."""
    _ensure(store)
    row = store.query_one("SELECT at_ns FROM web_sign_outs WHERE key_id = :key_id",
                          {"key_id": key_id})
    return row is not None and int(row["at_ns"]) >= issued_ns
