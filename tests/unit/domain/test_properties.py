"""Properties that hold for any history (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.customers import Customer
from ledger.events import Provenance
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.tariffs import TariffDefinition

P = Provenance(actor="t", source="api", recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
               correlation_id=uuid4())
Step = tuple[str, int]
steps = st.lists(
    st.tuples(st.sampled_from(["charge", "pay", "adjust"]),
              st.integers(min_value=1, max_value=10**9)),
    max_size=40,
)


def _no_tariffs(code: str, version: int) -> TariffDefinition:
    raise AssertionError(code, version)


@settings(max_examples=100, deadline=None)
@given(steps, st.lists(st.booleans(), min_size=40, max_size=40))
def test_balance_is_charges_minus_payments_plus_adjustments(
    history: list[Step], signs: list[bool]
) -> None:
    customer = Customer.register(P, date(2026, 1, 1), external_key="C", name="C", currency="RUB")
    expected = 0
    for n, (kind, minor) in enumerate(history):
        amount = Money(minor, "RUB")
        if kind == "charge":
            customer.record_charge(P, date(2026, 1, 1), charge_id=f"c{n}", amount=amount,
                                   vat_rate=None, description="x")
            draft = customer.draft_invoice(date(2026, 1, 1), _no_tariffs)
            assert draft is not None
            customer.issue_invoice(P, draft, invoice_id=f"i{n}", number=f"N-{n}")
            expected += minor
        elif kind == "pay":
            customer.receive_payment(P, date(2026, 1, 1), payment_id=f"p{n}", amount=amount)
            expected -= minor
        else:
            signed = amount if signs[n] else -amount
            customer.record_adjustment(P, date(2026, 1, 1), adjustment_id=f"a{n}",
                                       amount=signed, reason="property")
            expected += signed.minor
    balance = customer.state.balance("RUB")
    assert balance.receivable.minor - balance.credit.minor == expected
    assert min(balance.receivable.minor, balance.credit.minor) == 0
