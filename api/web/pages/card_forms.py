"""The choices the card's action forms offer: tariffs, the customer's subscriptions, components.

Read from the tariff catalog view and the customer's replayed state, so a form never offers
a subscription that has ended or a component its tariff does not have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from projections import queries

if TYPE_CHECKING:
    from api.bootstrap import Services


def form_options(services: Services, customer: Any) -> dict[str, Any]:
    """Select options and defaults for the action forms of ``customer``."""
    catalog = queries.tariffs(services.store)
    latest: dict[str, dict[str, Any]] = {}
    for row in catalog:  # newest version first per code
        latest.setdefault(row["code"], row)
    state = customer.state
    live = [s for s in state.subscriptions.values() if s.status != "cancelled"]
    components: dict[str, str] = {}
    for sub in live:
        for row in catalog:
            if row["code"] == sub.tariff_code and row["version"] == sub.tariff_version:
                for component in row["definition"].get("components", []):
                    components.setdefault(component["code"], component.get("name", ""))
    return {
        "tariff_options": [
            (code, f"{row['name']} ({code}, v{row['version']}, {row['currency']})")
            for code, row in sorted(latest.items())
        ],
        "subscription_options": [
            (s.subscription_id, f"{s.tariff_code} v{s.tariff_version} × {s.quantity}"
             f" · {s.status} · {s.subscription_id[:8]}")
            for s in live
        ],
        "paused_options": [
            (s.subscription_id, f"{s.tariff_code} × {s.quantity} · {s.subscription_id[:8]}")
            for s in live if s.status == "paused"
        ],
        "component_options": sorted(components.items()),
        "today": services.runtime.clock.today().isoformat(),
        "currency": state.profile.currency,
    }
