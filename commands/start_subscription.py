"""StartSubscription: put a customer on a tariff version from a start date."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from commands.base import CustomerCommand
from commands.unit_of_work import execute
from ledger.customers.vat_modes import ensure_one_vat_mode
from ledger.errors import CurrencyMismatch, InvalidField, TariffNotFound
from ledger.periods import BillingPeriod, next_boundary
from ledger.tariffs import Tariff, tariff_id_for
from ledger.tariffs.definition import Code

if TYPE_CHECKING:
    from commands.base import Context, Outcome
    from commands.runtime import Runtime
    from commands.unit_of_work import Decision
    from ledger.events import Provenance


class StartSubscription(CustomerCommand):
    """Subscribe from ``start_date``; the anchor day defaults to the start date's day."""

    tariff_code: Code
    tariff_version: Annotated[int, Field(ge=1)] | None = None
    start_date: date
    anchor_day: Annotated[int, Field(ge=1, le=31)] | None = None
    quantity: Annotated[int, Field(ge=1, le=1_000_000)] = 1
    term_end: date | None = None
    auto_renew: bool = True
    subscription_id: Annotated[
        str, Field(min_length=1, max_length=100, pattern=r"^[\w.@/-]+$")] | None = None


def handle(command: StartSubscription, context: Context, runtime: Runtime) -> Outcome:
    """Check the tariff version, currency and VAT mode, work out the first renewal, record it."""

    def decide(provenance: Provenance) -> Decision:
        customer = runtime.ledger.customer(command.customer_id, for_update=True)
        try:  # read now: another process may have published a newer version
            runtime.ledger.forget(tariff_id_for(command.tariff_code))
            tariff = runtime.ledger.load(tariff_id_for(command.tariff_code), Tariff)
        except TariffNotFound:
            raise
        except Exception:  # noqa: BLE001  (any miss is an unknown tariff to the caller)
            raise TariffNotFound(code=command.tariff_code, version_text="") from None
        version, definition = tariff.definition_of(command.tariff_version)
        if definition.currency != customer.state.profile.currency:
            raise CurrencyMismatch(
                field="tariff_code", expected=customer.state.profile.currency,
                got=definition.currency,
            )
        ensure_one_vat_mode(customer.state, runtime.definition, command.tariff_code,
                            definition, command.start_date)
        if command.term_end is not None and command.term_end <= command.start_date:
            raise InvalidField(field="term_end", why="the term must end after it starts")
        anchor = command.anchor_day or command.start_date.day
        period = BillingPeriod(definition.period_unit, definition.period_count)
        if not period.months and anchor != command.start_date.day:
            raise InvalidField(field="anchor_day", why=(
                "{tariff_code} bills by days or weeks counted from the start date, so an"
                " anchor day other than the start's ({day}) would be ignored"),
                tariff_code=command.tariff_code, day=command.start_date.day)
        anchor_arg = anchor if period.months else command.start_date
        trial_end = (
            command.start_date + timedelta(days=definition.trial_days)
            if definition.trial_days else None
        )
        billing_start = trial_end or command.start_date
        subscription_id = command.subscription_id or context.derive_id(customer.id, "subscription")
        customer.start_subscription(
            provenance, command.start_date,
            subscription_id=subscription_id, tariff_code=command.tariff_code,
            tariff_version=version, started_on=command.start_date, anchor_day=anchor,
            quantity=command.quantity, period_unit=definition.period_unit,
            period_count=definition.period_count, timing=definition.timing,
            trial_end=trial_end,
            first_renewal=next_boundary(anchor_arg, period, billing_start, billing_start),
            term_end=command.term_end, auto_renew=command.auto_renew,
        )
        return [customer], {"subscription_id": subscription_id, "tariff_version": version}

    return execute(runtime, context, command, command.customer_id, decide)
