"""The concrete ``Rejected`` errors of the billing arithmetic.

Why a module of their own: periods, prices, proration, VAT and invoice totals are
pure functions that other engineers call from commands and catalog loaders. Each
refusal names the field at fault, so that the API can point at it, and every one
is a ``Rejected`` (HTTP 422): the arithmetic never writes anything, so there is
nothing to conflict with.
"""

from __future__ import annotations

from ledger.errors import Rejected


class InvalidPeriod(Rejected):
    """Raised when a billing period, anchor or interval cannot describe a time span."""

    title = "Invalid period"
    field = "period"

    template = "{why}"


class InvalidTiers(Rejected):
    """Raised when price tiers are empty, out of order or not bounded as required."""

    title = "Invalid tiers"
    field = "tiers"

    template = "{why}"


class InvalidPrice(Rejected):
    """Raised when a price, fee or rate in a pricing model is negative or not a decimal."""

    title = "Invalid price"
    field = "unit_price"

    template = "{value}: {why}"


class InvalidQuantity(Rejected):
    """Raised when a quantity to price is negative, fractional where it must not be, or a float."""

    title = "Invalid quantity"
    field = "quantity"

    template = "{value}: {why}"


class InvalidPricingModel(Rejected):
    """Raised when a stored or typed pricing model cannot be read back."""

    title = "Invalid pricing model"
    field = "pricing"

    template = "{why}"


class InvalidDiscount(Rejected):
    """Raised when a discount is neither a percent in 0–100 nor a non-negative amount."""

    title = "Invalid discount"
    field = "percent"

    template = "{value}: {why}"


class InvalidVatRate(Rejected):
    """Raised when a VAT rate is negative or not a decimal percent."""

    title = "Invalid VAT rate"
    field = "vat_rate"

    template = "{value}: {why}"
