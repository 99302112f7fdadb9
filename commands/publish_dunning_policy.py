"""PublishDunningPolicy: publish the next version of the installation's dunning policy."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import Command
from commands.unit_of_work import execute
from ledger.dunning import DUNNING_POLICY_ID, DunningPolicy, DunningStep
from ledger.errors import NotFound

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class PublishDunningPolicy(Command):
    """Publish ``steps`` as the next version of the dunning policy.

    Days must be strictly ascending, with at most one suspend and one cancel step, the
    cancel after the suspend. An empty list turns dunning off.
    """

    steps: Annotated[list[DunningStep], Field(max_length=20)]


def handle(command: PublishDunningPolicy, context: Context, runtime: Runtime) -> Outcome:
    """Open the policy on first use, then add a version unless it repeats the latest."""

    def decide(provenance: Provenance) -> Decision:
        today = context.effective_date or runtime.clock.today()
        try:
            policy = runtime.ledger.load(DUNNING_POLICY_ID, DunningPolicy)
        except NotFound:
            policy = DunningPolicy.create(provenance, today)
        version = policy.publish(provenance, today, command.steps)
        return [policy], {"version": version}

    return execute(runtime, context, command, DUNNING_POLICY_ID, decide)
