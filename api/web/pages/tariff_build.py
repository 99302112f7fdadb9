"""From the typed tariff form to a ``PublishTariff`` command, or to messages at the fields.

Why check here before the command does: the definition's own validation knows the rules
(tiers contiguous and ascending, no negative price, no sub-kopeck price) but not which
block of the form a pricing model came from. So each component's pricing model is built
here through the engine's own constructors (``ledger.pricing``), one tier at a time, and a
refusal is pinned to the input that caused it. Whatever passes is then validated again, in
full, by ``PublishTariff`` itself: this module adds places to errors, never rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from api.web.pages.tariff_draft import TIERED
from api.web.refusals import Reading, problem_in, refusal_in
from commands.publish_tariff import PublishTariff
from ledger.errors import InvalidAmount, LedgerError
from ledger.money import Money, minor_digits
from ledger.pricing import Graduated, Package, Percentage, PerUnit, Tier, Volume, to_dict
from ledger.tariffs.definition import Code

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.web.pages.tariff_draft import ComponentRow, TariffDraft
    from ledger.pricing import PricingModel

class FieldError(Exception):
    """A typed value that cannot stand where it was typed (``name`` is the form field)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class Built:
    """The command a valid form makes, or the messages of an invalid one by field."""

    command: PublishTariff | None = None
    errors: dict[str, str] = field(default_factory=dict)


_MESSAGES = {
    "missing": "Required.",
    "string_too_short": "Required.",
    "string_pattern_mismatch": "Not in the expected form.",
    "greater_than_equal": "Too small.",
    "less_than_equal": "Too large.",
    "too_long": "Too many.",
    "too_short": "At least one component is needed.",
}
_CODE: TypeAdapter[str] = TypeAdapter(Code)
_PATTERNS = {
    "code": "Use lower-case Latin letters, digits, dots, dashes and underscores.",
    "currency": "Three capital letters, e.g. RUB.",
}


def number(text: str, name: str, tr: Callable[[str], str], *, whole: bool = False,
           most: Decimal | None = None) -> Decimal:
    """A number as a person types it (``1 990,50`` too); refuse anything else at ``name``."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise FieldError(name, tr("Enter a number.")) from None
    if not value.is_finite() or "e" in cleaned.lower():
        raise FieldError(name, tr("Enter a number."))
    if value < 0:
        raise FieldError(name, tr("Must not be negative."))
    if whole and value != value.to_integral_value():
        raise FieldError(name, tr("Enter a whole number."))
    if most is not None and value > most:
        raise FieldError(name, tr("Too large."))
    return value


def _optional(text: str, name: str, tr: Callable[[str], str], *, whole: bool = False,
              ) -> Decimal | None:
    return number(text, name, tr, whole=whole) if text else None


def _money_text(text: str, name: str, currency: str, tr: Callable[[str], str]) -> str:
    """A price of a flat, seat or setup fee or a minimum: exact to the currency's minor unit."""
    value = number(text, name, tr)
    try:
        Money.parse(format(value, "f"), currency)
    except InvalidAmount:
        raise FieldError(name, tr("Too many decimal places for the currency.")) from None
    except LedgerError:
        pass  # an unknown currency is refused at its own field
    return format(value, "f")


def _tiers(row: ComponentRow, prefix: str, tr: Callable[[str], str]) -> tuple[Tier, ...]:
    tiers: list[Tier] = []
    for j, typed in enumerate(row.tiers):
        if typed.blank:
            continue
        place = f"{prefix}_t{j}"
        bound = _optional(typed.up_to, f"{place}_up_to", tr, whole=True)
        unit = _optional(typed.unit_price, f"{place}_unit_price", tr) or Decimal(0)
        flat = _optional(typed.flat_fee, f"{place}_flat_fee", tr) or Decimal(0)
        if bound is not None and bound < 1:
            raise FieldError(f"{place}_up_to", tr("A tier ends at unit 1 or later."))
        tiers.append(Tier(None if bound is None else int(bound), unit, flat))
    return tuple(tiers)


def pricing_model(row: ComponentRow, prefix: str, tr: Callable[[str], str]) -> PricingModel:
    """The metered component's pricing model, built by the engine's constructors.

    Raises:
        FieldError: at the input at fault (a tier's field, or the tier table as a whole).
    """
    try:
        if row.model in TIERED:
            tiers = _tiers(row, prefix, tr)
            kind = Graduated if row.model == "graduated" else Volume
            return kind(tiers)
        if row.model == "package":
            return Package(number(row.package_price, f"{prefix}_package_price", tr),
                           int(number(row.package_size, f"{prefix}_package_size", tr,
                                      whole=True)),
                           int(_optional(row.free_units, f"{prefix}_free_units", tr,
                                         whole=True) or 0))
        if row.model == "percentage":
            return Percentage(number(row.rate, f"{prefix}_rate", tr),
                              _optional(row.fixed_fee, f"{prefix}_fixed_fee", tr) or Decimal(0))
        return PerUnit(number(row.unit_price, f"{prefix}_unit_price", tr))
    except LedgerError as error:
        where = "tiers" if row.model in TIERED else (error.field or "unit_price")
        where = {"fixed_fee_per_transaction": "fixed_fee"}.get(where, where)
        refused = refusal_in(Reading.translating(tr), error)
        raise FieldError(f"{prefix}_{where}", f"{tr('Refused')}: {refused}") from None


def _component(row: ComponentRow, index: int, currency: str,
               tr: Callable[[str], str]) -> dict[str, Any]:
    prefix = f"c{index}"
    data: dict[str, Any] = {"code": row.code, "name": row.name, "kind": row.kind}
    if row.kind == "metered":
        data["pricing"] = to_dict(pricing_model(row, prefix, tr))
    elif row.price:
        data["price"] = _money_text(row.price, f"{prefix}_price", currency, tr)
    return data


def _settings(draft: TariffDraft, tr: Callable[[str], str],
              errors: dict[str, str]) -> dict[str, Any]:
    """The tariff-wide fields; each bad one adds its message to ``errors``."""
    currency = draft.currency.upper()
    data: dict[str, Any] = {
        "name": draft.name, "currency": currency, "period_unit": draft.period_unit,
        "timing": draft.timing, "vat_mode": draft.vat_mode,
    }
    readers: dict[str, Callable[[], Any]] = {
        "period_count": lambda: int(number(draft.period_count, "period_count", tr, whole=True)),
        "trial_days": lambda: int(_optional(draft.trial_days, "trial_days", tr, whole=True) or 0),
        "vat_rate": lambda: (format(number(draft.vat_rate, "vat_rate", tr), "f")
                             if draft.vat_rate else None),
        "minimum": lambda: (_money_text(draft.minimum, "minimum", currency, tr)
                            if draft.minimum else None),
    }
    try:
        minor_digits(currency)
    except LedgerError:
        errors["currency"] = tr("Not a known ISO 4217 currency.")
    for name, read in readers.items():
        try:
            data[name] = read()
        except FieldError as error:
            errors[error.name] = error.message
    return data


def definition_of(
    draft: TariffDraft, tr: Callable[[str], str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The definition a draft describes (JSON-ready), and the messages of its bad fields.

    Each component remembers its block (``_index``) so later errors land on it even when
    blank blocks before it were left out.
    """
    errors: dict[str, str] = {}
    data = _settings(draft, tr, errors)
    components: list[dict[str, Any]] = []
    for index, row in enumerate(draft.components):
        if row.blank and not (row.kind == "metered" and any(not t.blank for t in row.tiers)):
            continue
        try:
            components.append({**_component(row, index, data["currency"], tr), "_index": index})
        except FieldError as error:
            errors.setdefault(error.name, error.message)
    data["components"] = components
    return data, errors


def _field_of(location: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """The form field a pydantic error location points at (``definition.components.0.price``)."""
    parts = list(location)
    if parts[:1] == ["definition"]:
        parts = parts[1:]
    if not parts:
        return "components"
    if parts[0] == "components" and len(parts) > 1 and isinstance(parts[1], int):
        components = data.get("components", [])
        index = components[parts[1]]["_index"] if parts[1] < len(components) else parts[1]
        rest = [str(p) for p in parts[2:3]] or ["code"]
        return f"c{index}_{rest[0] if rest[0] != 'pricing' else 'model'}"
    return str(parts[0])


def _explain(error: ValidationError, data: dict[str, Any],
             tr: Callable[[str], str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in error.errors():
        name = _field_of(problem["loc"], data)
        kind = str(problem["type"])
        message = _MESSAGES.get(kind)
        if kind == "string_pattern_mismatch":
            message = _PATTERNS.get(name, message)
        errors.setdefault(name, tr(message) if message is not None
                          else problem_in(Reading.translating(tr), problem))
    return errors


def build(draft: TariffDraft, tr: Callable[[str], str]) -> Built:
    """The ``PublishTariff`` a draft makes, or the messages at its fields."""
    data, errors = definition_of(draft, tr)
    if errors:
        try:  # the code's own rule, so that its message is not held back until the rest is fixed
            _CODE.validate_python(draft.code)
        except ValidationError:
            errors["code"] = tr(_PATTERNS["code"])
        return Built(errors=errors)
    if not data["components"]:
        return Built(errors={"components": tr("At least one component is needed.")})
    try:
        clean = {**data, "components": [{k: v for k, v in c.items() if k != "_index"}
                                        for c in data["components"]]}
        return Built(PublishTariff.model_validate({"code": draft.code, "definition": clean}))
    except ValidationError as error:
        return Built(errors=_explain(error, data, tr))
    except LedgerError as error:
        refused = refusal_in(Reading.translating(tr), error)
        return Built(errors={error.field or "components": f"{tr('Refused')}: {refused}"})
