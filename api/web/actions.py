"""Acting from the workspace: a form becomes a command, sent like any other way in.

The workspace is one more way in, beside HTTP, the CLI and the scheduler: it dispatches the
same commands, recording the signed-in person as the actor and ``web`` as the source. Each
form carries an idempotency key minted when the form was drawn, so a double click or a
re-post sends the command once. After a write the views are caught up before the next page
is drawn, so the person sees the effect of what they just did.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from commands.base import Context, Outcome
from commands.dispatch import dispatch

if TYPE_CHECKING:
    from api.bootstrap import Services
    from api.web.session import WebUser
    from commands.base import Command

IDEMPOTENCY_FIELD = "idempotency_key"
ALREADY_SENT = "This form was already sent; check the card, then send again."
"""Why a form whose key was used for other values is drawn again with a new key (the
person went Back, changed a value and sent the old form again)."""


def new_form_key() -> str:
    """A fresh idempotency key for a form being drawn."""
    return f"web-{uuid.uuid4()}"


def send(services: Services, user: WebUser, command: Command, form_key: str) -> Outcome:
    """Dispatch ``command`` for ``user`` and wait until the views show it.

    Raises:
        LedgerError: the command was refused; nothing was written.
    """
    context = Context(actor=user.actor, source="web", idempotency_key=form_key or new_form_key())
    outcome = dispatch(command, context, services.runtime)
    services.await_position(outcome.position)
    return outcome
