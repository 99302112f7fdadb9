"""Given a price as text, when the ledger reads it, then only plain decimal text is a price.

docs/money-policy.md: a price crosses every boundary as a decimal string such as
``"1500.00"``; an exponent, ``_``, spaces, a sign or digits other than 0-9 are refused naming
the field. What the ledger already recorded is read back as recorded, so a version published
before the rule still replays.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pytest
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from ledger.decimal_text import (
    AS_RECORDED,
    NOT_DECIMAL_TEXT,
    first_float,
    is_decimal_text,
    price_text,
)
from ledger.pricing import PerUnit, from_dict, parse_pricing, to_dict
from ledger.pricing_errors import InvalidPricingModel
from ledger.tariffs.definition import TariffDefinition

PRICE: TypeAdapter[Decimal] = TypeAdapter(Annotated[Decimal, BeforeValidator(price_text)])

PLAIN = ["0", "7", "1500", "1500.00", "0.0006", "007.50"]
NOT_PLAIN = ["1e3", "1E+3", "1.5e-2", "1_000", "1_000.00", " 1000", "1000 ", "1 000",
             "1000\n", "+1", "-1", "1,5", "1.", ".5", "", "NaN", "Infinity",
             "١٢٣", "１２３", "१२३"]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_decimal_text_is_a_price(text: str) -> None:
    assert is_decimal_text(text)
    assert PRICE.validate_python(text) == Decimal(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_else_is_refused_with_the_wording_and_the_value(text: str) -> None:
    assert not is_decimal_text(text)
    with pytest.raises(ValidationError) as refused:
        PRICE.validate_python(text)
    (error,) = refused.value.errors()
    assert error["ctx"] == {"wording": NOT_DECIMAL_TEXT, "value": repr(text)}
    assert error["msg"] == (f"Value error, {text!r} is not a decimal string such as '1500.00':"
                            " digits and a '.' only, no sign, exponent, '_' or spaces")


def test_a_float_is_refused_even_as_recorded() -> None:
    for context in (None, AS_RECORDED):
        with pytest.raises(ValidationError, match=r"10\.5 is a float; quote it"):
            PRICE.validate_python(10.5, context=context)


def test_a_whole_number_and_a_decimal_are_exact_and_accepted() -> None:
    assert PRICE.validate_python(1000) == Decimal(1000)
    assert PRICE.validate_python(Decimal("12.50")) == Decimal("12.50")


def test_a_decimal_in_exponent_form_is_given_its_plain_form() -> None:
    read = PRICE.validate_python(Decimal("1E+3"))
    assert read == 1000
    assert str(read) == "1000"


def test_what_was_recorded_is_read_back_as_recorded() -> None:
    assert PRICE.validate_python("1E+3", context=AS_RECORDED) == 1000
    assert PRICE.validate_python(" 1_000 ", context=AS_RECORDED) == 1000


def test_a_pricing_model_given_now_names_the_price_at_fault() -> None:
    with pytest.raises(InvalidPricingModel) as refused:
        parse_pricing({"kind": "graduated", "tiers": [
            {"up_to": 10, "unit_price": "1.00"}, {"up_to": None, "unit_price": "5e-1"}]})

    assert refused.value.field == "pricing.tiers.1.unit_price"
    assert refused.value.detail == ("pricing.tiers.1.unit_price: '5e-1' is not a decimal string"
                                    " such as '1500.00': digits and a '.' only, no sign,"
                                    " exponent, '_' or spaces")


def test_a_recorded_pricing_model_still_reads_back_and_bills() -> None:
    model = from_dict({"kind": "per_unit", "unit_price": "5e-1"})
    assert str(model.price(10, "RUB")) == "5.00 RUB"


def test_a_pricing_model_is_written_as_plain_text_and_reads_back() -> None:
    written = to_dict(PerUnit(Decimal("0.0000001")))
    assert written == {"kind": "per_unit", "unit_price": "0.0000001"}  # not "1E-7"
    assert parse_pricing(written) == PerUnit(Decimal("0.0000001"))


def _tariff(price: str, unit_price: str) -> dict[str, object]:
    return {"name": "API", "currency": "RUB", "components": [
        {"code": "base", "name": "Fee", "kind": "flat", "price": price},
        {"code": "calls", "name": "Calls", "kind": "metered",
         "pricing": {"kind": "per_unit", "unit_price": unit_price}}]}


def test_a_tariff_given_now_is_held_to_the_rule_a_recorded_one_is_not() -> None:
    with pytest.raises(ValidationError) as refused:
        TariffDefinition.model_validate(_tariff("1e3", "1.00"))
    assert refused.value.errors()[0]["loc"] == ("components", 0, "price")
    with pytest.raises(InvalidPricingModel) as metered:
        TariffDefinition.model_validate(_tariff("1000.00", "1_000"))
    assert metered.value.field == "pricing.unit_price"

    recorded = TariffDefinition.model_validate(_tariff("1E+3", "1_000"), context=AS_RECORDED)

    assert recorded.components[0].price == 1000
    assert str(recorded.components[1].model().price(2, "RUB")) == "2000.00 RUB"


@pytest.mark.parametrize(("value", "found"), [
    ({"tiers": [{"up_to": 10, "unit_price": "1.00"}, {"unit_price": 0.5}]},
     ("pricing.tiers.1.unit_price", 0.5)),
    ([1, "2.5", (3, 4.25)], ("pricing.2.1", 4.25)),
    ({"unit_price": "0.50", "free": 10}, None),
])
def test_the_first_float_is_found_where_it_was_written(
    value: object, found: tuple[str, float] | None,
) -> None:
    assert first_float(value, "pricing") == found
