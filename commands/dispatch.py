"""Send a command to its handler: the single entry every way in (HTTP, CLI, scheduler) uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from commands import HANDLERS

if TYPE_CHECKING:
    from commands.base import Command, Context, Outcome
    from commands.runtime import Runtime


def dispatch(command: Command, context: Context, runtime: Runtime) -> Outcome:
    """Run ``command`` through its handler.

    Raises:
        LookupError: no handler is registered for the command's type (a programming error).
    """
    handler = HANDLERS.get(type(command))
    if handler is None:
        msg = f"no handler for {type(command).__name__}"
        raise LookupError(msg)
    outcome: Outcome = handler(command, context, runtime)
    return outcome
