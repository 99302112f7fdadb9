"""How rows and states leave the API: money as exact decimal strings beside its currency."""

from __future__ import annotations

from typing import Any

from ledger.money import Money

MONEY_COLUMNS = frozenset(
    {"charged", "credited", "paid", "adjusted", "refunded", "written_off", "net", "debt",
     "amount", "vat", "subtotal", "discount_total", "vat_total", "total", "open", "discount"}
)


def money_text(minor: int, currency: str) -> str:
    """Minor units as a decimal string with every minor digit (``"1500.00"``)."""
    return Money(int(minor), currency).to_decimal_string()


def row(data: dict[str, Any]) -> dict[str, Any]:
    """A view row with its amounts as decimal strings (it must carry a ``currency``)."""
    currency = data.get("currency")
    if not currency:
        return data
    return {
        k: money_text(v, currency) if k in MONEY_COLUMNS and isinstance(v, int) else v
        for k, v in data.items()
    }


def rows(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Several rows, each presented."""
    return [row(r) for r in data]
