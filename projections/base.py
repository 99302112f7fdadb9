"""The projection base: a named read model with its tables and one handler per event type.

A projection never has side effects beyond its own tables, and it never decides anything:
it folds events into rows. The runner calls it inside the transaction that also moves its
tracking position, so each event is applied exactly once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.store import Transaction

Handler = "Callable[[Any, Transaction, Any, int], None]"


def on(*event_types: type[Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a method as the handler of the given event types."""

    def mark(method: Callable[..., None]) -> Callable[..., None]:
        method.__handles__ = event_types  # type: ignore[attr-defined]
        return method

    return mark


class Projection:
    """A read model: ``schema`` creates its ``tables``; ``@on`` methods fill them."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    schema: ClassVar[tuple[str, ...]]
    revision: ClassVar[int] = 1
    """Bump when handlers change what existing rows should hold: the view is then replayed."""
    handlers: ClassVar[dict[type[Any], Callable[..., None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers = dict(cls.handlers)
        for member in cls.__dict__.values():
            for event_type in getattr(member, "__handles__", ()):
                handlers[event_type] = member
        cls.handlers = handlers

    @property
    def topics(self) -> tuple[type[Any], ...]:
        """The event types this projection reads."""
        return tuple(self.handlers)

    def process(self, tx: Transaction, event: Any, position: int) -> None:
        """Fold one event into the tables (events of other types are passed over)."""
        handler = self.handlers.get(type(event))
        if handler is not None:
            handler(self, tx, event, position)

    def reset(self, tx: Transaction) -> None:
        """Empty the tables, for a rebuild."""
        for table in self.tables:
            tx.execute(f"DELETE FROM {table}")  # noqa: S608  (table names are class constants)
