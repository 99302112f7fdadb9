"""Pricing models: how a quantity of usage (or a transacted amount) becomes a charge.

The models follow Lago and Stripe:

- ``PerUnit``: quantity × unit price;
- ``Graduated``: each unit is priced by the tier it falls in; a tier's flat fee is
  charged once when the quantity reaches that tier;
- ``Volume``: every unit is priced by the one tier the whole quantity falls in,
  plus that tier's flat fee;
- ``Package``: after the free units, each started package of ``package_size``
  units costs ``package_price``;
- ``Percentage``: a percent of a transacted amount, plus a fixed fee per transaction.

One job per module:

- ``values``: what a model takes as a price, a count and a quantity (``Decimal``, never
  ``float``; quantities priced as exact fractions), and the refusals naming the field;
- ``tiers``: the ``Tier`` band of the tiered models and the rules tiers obey together;
- ``models``: the five models and their ``price()`` maths, rounded once into ``Money``;
- ``dict_form``: ``to_dict``/``from_dict``/``parse_pricing``, the JSON-ready dicts
  (decimals as strings, a ``kind`` tag) read back through the constructors' validation.

Import from ``ledger.pricing``; the modules are how it is kept, not what it offers.
"""

from __future__ import annotations

from ledger.pricing.dict_form import from_dict, parse_pricing, to_dict
from ledger.pricing.models import Graduated, Package, Percentage, PerUnit, PricingModel, Volume
from ledger.pricing.tiers import Tier
from ledger.pricing.values import PriceDecimal, Quantity

__all__ = [
    "Graduated",
    "Package",
    "PerUnit",
    "Percentage",
    "PriceDecimal",
    "PricingModel",
    "Quantity",
    "Tier",
    "Volume",
    "from_dict",
    "parse_pricing",
    "to_dict",
]
