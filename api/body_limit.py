"""A limit on request bodies, enforced before the app reads them.

A plain ASGI middleware acts before FastAPI parses JSON, a form or a file, so a body
larger than its path allows is refused without being held in memory: first by its
declared ``Content-Length`` (nothing read at all), then, for a body streamed without
one, by counting its bytes as the app reads them and stopping at the limit. Subclasses
say which requests they limit, to how much, and how they answer: the workspace with a
short text, the API with a problem document.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


class TooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes its limit."""


def declared_over(scope: Scope, limit: int) -> bool:
    """Whether the request's ``Content-Length`` is over ``limit`` (or not a number)."""
    declared = dict(scope.get("headers", [])).get(b"content-length")
    return declared is not None and (not declared.isdigit() or int(declared) > limit)


class BodyLimit(ABC):
    """Answer :meth:`refuse` to a request whose body is larger than :meth:`limit` allows."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    @abstractmethod
    def limit(self, scope: Scope) -> int | None:
        """The largest body this request may carry, or None if it is not ours to limit."""

    @abstractmethod
    async def refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Answer 413 (the body is left unread)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the bytes as the app reads them."""
        limit = self.limit(scope) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        if declared_over(scope, limit):
            await self.refuse(scope, receive, send, limit)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app, counting the body's bytes as it reads them; refuse past ``limit``."""
        seen = 0
        over = started = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # whatever the app makes of a cut body, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except TooLarge:
            if started:
                raise
        if over and not started:
            await self.refuse(scope, receive, send, limit)
