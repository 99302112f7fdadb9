"""A small vocabulary for tests: send a command as someone, read what the ledger holds."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from commands.base import Context
from commands.dispatch import dispatch
from commands.publish_tariff import PublishTariff
from commands.register_customer import RegisterCustomer

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.base import Command, Outcome
    from ledger.events import Source

_keys = itertools.count(1)


def send(services: Services, command: Command, key: str | None = None,
         actor: str = "tester", source: Source = "api") -> Outcome:
    """Dispatch a command under a fresh (or the given) idempotency key."""
    context = Context(actor=actor, source=source,
                      idempotency_key=key or f"test-{next(_keys)}")
    return dispatch(command, context, services.runtime)


def register(services: Services, key: str = "C-1", **fields: Any) -> UUID:
    """Register a customer and return its id."""
    fields.setdefault("name", f"Customer {key}")
    return send(services, RegisterCustomer(external_key=key, **fields)).target_id


MONTHLY_1000 = {
    "name": "Старт", "currency": "RUB", "vat_rate": "22",
    "components": [{"code": "base", "name": "Абонентская плата", "kind": "flat",
                    "price": "1000.00"}],
}


def publish(
    services: Services, code: str = "start", definition: dict[str, Any] | None = None
) -> int:
    """Publish a tariff (a monthly 1000.00 RUB flat fee by default); return its version."""
    outcome = send(services, PublishTariff.model_validate(
        {"code": code, "definition": definition or MONTHLY_1000}))
    return int(outcome.result["version"])


def event_names(services: Services, aggregate_id: UUID) -> list[str]:
    """The names of an aggregate's events, oldest first."""
    return [type(e).__name__ for e in services.ledger.history(aggregate_id)]
