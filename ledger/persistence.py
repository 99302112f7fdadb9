"""How events become rows and back: pydantic models as orjson, with upcasting.

The library's own mapper works with dataclass events; ours are pydantic models, so this
mapper dumps them with ``model_dump(mode="json")`` and validates them back. It also does
what the documented pydantic recipe leaves out: it writes ``class_version`` when a class is
past version 1 and, on read, runs ``upcast_vN_vN+1`` until the stored state is current.

The PostgreSQL recorder LBX uses (one statement per save) is infrastructure, not domain: it
lives in the composition root, ``api/postgres_store.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

if TYPE_CHECKING:

    from eventsourcing.domain import DomainEventProtocol
    from pydantic import BaseModel


class OrjsonTranscoder(Transcoder):
    """Plain JSON through orjson: the event models have already made it JSON-safe."""

    def encode(self, obj: Any) -> bytes:
        """Serialise a JSON-safe dict."""
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        """Parse JSON bytes."""
        return orjson.loads(data)


def upcast(cls: type[Any], state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state up to the class's current ``class_version`` in place."""
    version = state.pop("class_version", 1)
    current = getattr(cls, "class_version", 1)
    while version < current:
        getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
    return state


class PydanticMapper(Mapper[UUID]):
    """Maps pydantic event models to stored events and back, upcasting old versions."""

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        """Dump the event to (optionally compressed and encrypted) JSON bytes."""
        cls = type(domain_event)
        state = cast("BaseModel", domain_event).model_dump(mode="json")
        version = getattr(cls, "class_version", 1)
        if version > 1:
            state["class_version"] = version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(cls),
            state=self._seal(self.transcoder.encode(state)),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        """Read the event back as its current class, upcasting if it is older."""
        cls = resolve_topic(stored_event.topic)
        state = self.decode_state(stored_event)
        return cast("DomainEventProtocol[UUID]", cls.model_validate(upcast(cls, state)))

    def decode_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The event's state exactly as stored (before upcasting): what the hash covers."""
        data = stored_event.state
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return cast("dict[str, Any]", self.transcoder.decode(data))

    def _seal(self, data: bytes) -> bytes:
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return data
