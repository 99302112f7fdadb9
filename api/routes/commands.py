"""Commands over HTTP: POST with an ``Idempotency-Key`` header; the answer is the outcome.

A new outcome answers 201; a retry under the same key answers 200 with the original outcome
and ``Idempotent-Replayed: true``; the same key with a different body answers 409.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from api.auth import ACCOUNTANT, ADMIN, SERVICE, key_secret
from api.command_routes import command_route
from commands.base import Command
from commands.cancel_subscription import CancelSubscription
from commands.change_subscription import ChangeSubscription
from commands.close_customer import CloseCustomer
from commands.coupons import CreateCoupon, RedeemCoupon
from commands.grant_discount import GrantDiscount
from commands.issue_api_key import IssueApiKey, RevokeApiKey, key_id_for
from commands.issue_credit_note import IssueCreditNote
from commands.pause_subscription import PauseSubscription, ResumeSubscription
from commands.publish_tariff import PublishTariff
from commands.record_adjustment import RecordAdjustment
from commands.record_charge import RecordCharge
from commands.record_payment import RecordPayment
from commands.record_usage import RecordUsage
from commands.register_customer import RegisterCustomer
from commands.set_individual_price import SetIndividualPrice
from commands.start_subscription import StartSubscription
from commands.update_customer import UpdateCustomer
from commands.void_invoice import VoidInvoice
from ledger.access import Role

if TYPE_CHECKING:
    from api.bootstrap import Services

router = APIRouter(prefix="/v1", tags=["commands"])

SUBSCRIPTION = "subscriptions/{subscription_id}"
INVOICE = "invoices/{invoice_id}"
CUSTOMER_COMMANDS: list[tuple[str, type[Command], tuple[Role, ...], str]] = [
    ("profile", UpdateCustomer, (SERVICE,), "Update a customer's profile"),
    ("subscriptions", StartSubscription, (SERVICE,), "Start a subscription"),
    ("charges", RecordCharge, (SERVICE,), "Record a one-off charge"),
    ("discounts", GrantDiscount, (SERVICE, ACCOUNTANT), "Grant a discount"),
    ("payments", RecordPayment, (SERVICE, ACCOUNTANT), "Record a payment"),
    ("adjustments", RecordAdjustment, (ACCOUNTANT,), "Record a manual adjustment (with reason)"),
    ("close", CloseCustomer, (SERVICE,), "Close a customer"),
    ("usage", RecordUsage, (SERVICE,), "Record usage of a metered component"),
    ("coupons", RedeemCoupon, (SERVICE, ACCOUNTANT), "Redeem a coupon code"),
    (f"{SUBSCRIPTION}/changes", ChangeSubscription, (SERVICE, ACCOUNTANT),
     "Change tariff or quantity (immediate, prorated; or at the end of the term)"),
    (f"{SUBSCRIPTION}/pause", PauseSubscription, (SERVICE, ACCOUNTANT), "Pause billing"),
    (f"{SUBSCRIPTION}/resume", ResumeSubscription, (SERVICE, ACCOUNTANT), "Resume billing"),
    (f"{SUBSCRIPTION}/cancellation", CancelSubscription, (SERVICE, ACCOUNTANT),
     "Cancel a subscription"),
    (f"{SUBSCRIPTION}/individual-prices", SetIndividualPrice, (ACCOUNTANT,),
     "Agree an individual price or tier table for one component"),
    (f"{INVOICE}/void", VoidInvoice, (ACCOUNTANT,), "Void an unpaid invoice"),
    (f"{INVOICE}/credit-notes", IssueCreditNote, (ACCOUNTANT,),
     "Issue a credit note on an invoice (in full or by lines)"),
]
PLAIN_COMMANDS: list[tuple[str, type[Command], tuple[Role, ...], str]] = [
    ("/customers", RegisterCustomer, (SERVICE,), "Register a customer"),
    ("/tariffs", PublishTariff, (ADMIN, ACCOUNTANT), "Publish a tariff or a new version of it"),
    ("/coupons", CreateCoupon, (ADMIN, ACCOUNTANT), "Create a coupon code"),
    ("/keys/revocations", RevokeApiKey, (ADMIN,), "Revoke an API key"),
]

for _path, _type, _roles, _summary in CUSTOMER_COMMANDS:
    command_route(router, f"/customers/{{customer_id}}/{_path}", _type, _roles, _summary)
for _path, _ptype, _roles, _summary in PLAIN_COMMANDS:
    command_route(router, _path, _ptype, _roles, _summary)


def _derived_secret(services: Services, key: str) -> dict[str, Any]:
    """A new key's secret, derived again by a retry under the same ``Idempotency-Key``."""
    return {"secret": key_secret(services.settings, key_id_for(key))}


command_route(router, "/keys", IssueApiKey, (ADMIN,),
              "Issue an API key (a retry under the same key shows the token again)",
              server_fields=_derived_secret)
