"""A billing story in code: a company, a customer, a clock, bill runs on given days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from commands.run_billing import BillRunReport, RunBilling, bill_run_context, run_billing
from commands.start_subscription import StartSubscription
from ledger.customers.billing_events import InvoiceIssued
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from datetime import date
    from uuid import UUID

    from api.bootstrap import Services


def flat_tariff(price: str, currency: str = "USD", **extra: Any) -> dict[str, Any]:
    """A tariff with one flat recurring fee (and whatever ``extra`` adds)."""
    components = [{"code": "base", "name": "Subscription", "kind": "flat", "price": price}]
    components += extra.pop("components", [])
    return {"name": extra.pop("name", f"Plan {price}"), "currency": currency,
            "components": components, **extra}


@dataclass
class Story:
    """One customer on one tariff, billed on the days the test says."""

    services: Services
    customer: UUID
    subscription: str

    @classmethod
    def begin(cls, services: Services, tariff: dict[str, Any], start: date,
              anchor_day: int | None = None, quantity: int = 1, code: str = "plan",
              **customer: Any) -> Story:
        publish(services, code, tariff)
        customer.setdefault("currency", tariff["currency"])
        customer_id = register(services, "C-1", **customer)
        sub = send(services, StartSubscription(
            customer_id=customer_id, tariff_code=code, start_date=start,
            anchor_day=anchor_day, quantity=quantity)).result["subscription_id"]
        return cls(services, customer_id, sub)

    def bill(self, on: date) -> BillRunReport:
        """Run billing for everyone as of ``on`` (the clock moves there too)."""
        self.services.runtime.clock.move_to(on)  # type: ignore[attr-defined]
        return run_billing(RunBilling(as_of=on), bill_run_context("test"), self.services.runtime,
                           list(self.services.ledger.customer_ids()))

    def invoices(self) -> list[InvoiceIssued]:
        """Every invoice of the customer, oldest first."""
        return [e for e in self.services.ledger.history(self.customer)
                if isinstance(e, InvoiceIssued)]

    def totals(self) -> list[str]:
        """Each invoice's total, as decimal strings."""
        return [i.total.to_decimal_string() for i in self.invoices()]

    def last_lines(self) -> list[tuple[str, str]]:
        """The last invoice's lines: (amount before discount and VAT, formula)."""
        return [(line.amount.to_decimal_string(), line.formula)
                for line in self.invoices()[-1].lines]
