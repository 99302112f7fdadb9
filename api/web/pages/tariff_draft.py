"""The tariff form as typed: every field kept as text, so a refused form redraws as it was.

Why text and not the definition itself: a person edits a tariff in several steps (add a
component, add a tier, calculate, fix a refused price) and the form must come back exactly
as they left it, including what does not parse yet. Field names are flat (``c0_price``,
``c1_t2_up_to``) so that the form works as a plain HTML form, without any script; the
number of component and tier blocks travels in hidden fields (``components``, ``c0_tiers``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

KINDS = ("flat", "seat", "metered", "setup")
MODELS = ("per_unit", "graduated", "volume", "package", "percentage")
TIERED = ("graduated", "volume")
MAX_COMPONENTS = 50
MAX_TIERS = 20


@dataclass
class TierRow:
    """One price band of a graduated or volume model, as typed."""

    up_to: str = ""
    unit_price: str = ""
    flat_fee: str = ""

    @property
    def blank(self) -> bool:
        """A row left empty is not a tier (the form offers spare rows)."""
        return not (self.up_to or self.unit_price or self.flat_fee)


@dataclass
class ComponentRow:
    """One priced part of the tariff, as typed (fields of every kind and model)."""

    code: str = ""
    name: str = ""
    kind: str = "flat"
    price: str = ""
    model: str = "per_unit"
    unit_price: str = ""
    package_price: str = ""
    package_size: str = ""
    free_units: str = ""
    rate: str = ""
    fixed_fee: str = ""
    tiers: list[TierRow] = field(default_factory=lambda: [TierRow(), TierRow()])

    @property
    def blank(self) -> bool:
        """A block left without code, name and price is not a component."""
        return not (self.code or self.name or self.price)


@dataclass
class TariffDraft:
    """The whole tariff form, as typed."""

    code: str = ""
    name: str = ""
    currency: str = "RUB"
    period_unit: str = "month"
    period_count: str = "1"
    timing: str = "in_advance"
    trial_days: str = "0"
    vat_mode: str = "exclusive"
    vat_rate: str = "22"
    minimum: str = ""
    components: list[ComponentRow] = field(default_factory=lambda: [ComponentRow()])


def _count(form: Mapping[str, str], name: str, least: int, most: int) -> int:
    text = form.get(name, "").strip()
    number = int(text) if text.isdigit() else least
    return max(least, min(most, number))


def _tier(form: Mapping[str, str], prefix: str) -> TierRow:
    return TierRow(*(form.get(f"{prefix}_{name}", "").strip()
                     for name in ("up_to", "unit_price", "flat_fee")))


def _component(form: Mapping[str, str], index: int) -> ComponentRow:
    prefix = f"c{index}"
    values = {name: form.get(f"{prefix}_{name}", "").strip()
              for name in ("code", "name", "price", "unit_price", "package_price",
                           "package_size", "free_units", "rate", "fixed_fee")}
    kind = form.get(f"{prefix}_kind", "flat")
    model = form.get(f"{prefix}_model", "per_unit")
    tiers = [_tier(form, f"{prefix}_t{j}")
             for j in range(_count(form, f"{prefix}_tiers", 1, MAX_TIERS))]
    return ComponentRow(kind=kind if kind in KINDS else "flat",
                        model=model if model in MODELS else "per_unit", tiers=tiers, **values)


def read_draft(form: Mapping[str, str], code: str | None = None) -> TariffDraft:
    """The draft a posted form describes (``code`` fixed for a new version of a tariff)."""
    texts = {name: form.get(name, "").strip()
             for name in ("name", "currency", "period_unit", "period_count", "timing",
                          "trial_days", "vat_mode", "vat_rate", "minimum")}
    count = _count(form, "components", 1, MAX_COMPONENTS)
    return TariffDraft(code=code if code is not None else form.get("code", "").strip(),
                       components=[_component(form, i) for i in range(count)], **texts)


def edit(draft: TariffDraft, action: str) -> bool:
    """Apply a form button that changes the form's shape; False if ``action`` is not one.

    ``add_component``, ``remove_component:<i>``, ``add_tier:<i>``, ``remove_tier:<i>:<j>``.
    """
    verb, _, where = action.partition(":")
    places = [int(part) for part in where.split(":") if part.isdigit()]
    components = draft.components
    if verb == "add_component" and len(components) < MAX_COMPONENTS:
        components.append(ComponentRow())
    elif verb == "remove_component" and places and places[0] < len(components) > 1:
        del components[places[0]]
    elif verb == "add_tier" and places and places[0] < len(components):
        tiers = components[places[0]].tiers
        if len(tiers) < MAX_TIERS:
            tiers.append(TierRow())
    elif verb == "remove_tier" and len(places) == 2 and places[0] < len(components):  # noqa: PLR2004
        tiers = components[places[0]].tiers
        if places[1] < len(tiers) > 1:
            del tiers[places[1]]
    else:
        return False
    return True


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _row_of(component: Mapping[str, Any]) -> ComponentRow:
    row = ComponentRow(code=component["code"], name=component["name"],
                       kind=component["kind"], price=_text(component.get("price")))
    pricing: Mapping[str, Any] = component.get("pricing") or {}
    if pricing:
        row.model = str(pricing["kind"])
        row.unit_price = _text(pricing.get("unit_price"))
        row.package_price = _text(pricing.get("package_price"))
        row.package_size = _text(pricing.get("package_size"))
        row.free_units = _text(pricing.get("free_units"))
        row.rate = _text(pricing.get("rate"))
        row.fixed_fee = _text(pricing.get("fixed_fee_per_transaction"))
        tiers = pricing.get("tiers") or []
        if tiers:
            row.tiers = [TierRow(_text(t.get("up_to")), _text(t.get("unit_price")),
                                 _text(t.get("flat_fee"))) for t in tiers]
    return row


def draft_of(code: str, definition: Mapping[str, Any]) -> TariffDraft:
    """The form filled with a published definition (the start of its next version)."""
    return TariffDraft(
        code=code, name=definition["name"], currency=definition["currency"],
        period_unit=definition["period_unit"], period_count=str(definition["period_count"]),
        timing=definition["timing"], trial_days=str(definition["trial_days"]),
        vat_mode=definition["vat_mode"], vat_rate=_text(definition.get("vat_rate")),
        minimum=_text(definition.get("minimum")),
        components=[_row_of(c) for c in definition["components"]],
    )
