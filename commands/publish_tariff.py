"""PublishTariff: add a tariff to the catalog, or publish a new version of it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from commands.base import Command, Context, Outcome
from commands.unit_of_work import execute
from ledger.errors import NotFound
from ledger.tariffs import Tariff, TariffDefinition, tariff_id_for
from ledger.tariffs.definition import Code

if TYPE_CHECKING:
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class PublishTariff(Command):
    """Publish ``definition`` as the next version of tariff ``code``."""

    target_from_body: ClassVar[bool] = True

    code: Code
    definition: TariffDefinition


def handle(command: PublishTariff, context: Context, runtime: Runtime) -> Outcome:
    """Create the tariff, or add a version if the definition differs from the latest."""
    tariff_id = tariff_id_for(command.code)

    def decide(provenance: Provenance) -> Decision:
        today = context.effective_date or runtime.clock.today()
        try:
            tariff = runtime.ledger.load(tariff_id, Tariff)
        except NotFound:
            tariff = Tariff.publish_first(provenance, today, command.code, command.definition)
            return [tariff], {"code": command.code, "version": 1}
        version = tariff.publish_version(provenance, today, command.definition)
        return [tariff], {"code": command.code, "version": version}

    return execute(runtime, context, command, tariff_id, decide)
