"""Use cases: one pydantic command and one ``handle`` per module, routed by this table.

A handler loads the aggregate(s) it needs from the ledger, decides, and saves through
:func:`commands.unit_of_work.execute`, which makes it idempotent under the client key and
retries lost optimistic-concurrency races. Handlers never read projections.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commands import (
    cancel_subscription,
    change_subscription,
    close_customer,
    coupons,
    dismiss_bank_payment,
    grant_discount,
    issue_api_key,
    issue_credit_note,
    pause_subscription,
    publish_dunning_policy,
    publish_tariff,
    reallocate_payment,
    record_adjustment,
    record_charge,
    record_chargeback,
    record_payment,
    record_usage,
    refund_payment,
    register_customer,
    resolve_bank_payment,
    run_dunning,
    set_individual_price,
    start_subscription,
    sync_crm_customer,
    update_customer,
    void_invoice,
    webhooks,
    write_off_debt,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from commands.base import Command

HANDLERS: dict[type[Command], Callable[..., Any]] = {
    register_customer.RegisterCustomer: register_customer.handle,
    update_customer.UpdateCustomer: update_customer.handle,
    sync_crm_customer.SyncCrmCustomer: sync_crm_customer.handle,
    publish_tariff.PublishTariff: publish_tariff.handle,
    start_subscription.StartSubscription: start_subscription.handle,
    record_charge.RecordCharge: record_charge.handle,
    grant_discount.GrantDiscount: grant_discount.handle,
    record_payment.RecordPayment: record_payment.handle,
    record_adjustment.RecordAdjustment: record_adjustment.handle,
    close_customer.CloseCustomer: close_customer.handle,
    issue_api_key.IssueApiKey: issue_api_key.handle_issue,
    issue_api_key.RevokeApiKey: issue_api_key.handle_revoke,
    record_usage.RecordUsage: record_usage.handle,
    coupons.CreateCoupon: coupons.handle_create,
    coupons.RedeemCoupon: coupons.handle_redeem,
    change_subscription.ChangeSubscription: change_subscription.handle,
    pause_subscription.PauseSubscription: pause_subscription.handle_pause,
    pause_subscription.ResumeSubscription: pause_subscription.handle_resume,
    cancel_subscription.CancelSubscription: cancel_subscription.handle,
    set_individual_price.SetIndividualPrice: set_individual_price.handle,
    void_invoice.VoidInvoice: void_invoice.handle,
    issue_credit_note.IssueCreditNote: issue_credit_note.handle,
    resolve_bank_payment.ResolveBankPayment: resolve_bank_payment.handle,
    dismiss_bank_payment.DismissBankPayment: dismiss_bank_payment.handle,
    reallocate_payment.ReallocatePayment: reallocate_payment.handle,
    refund_payment.RefundPayment: refund_payment.handle,
    record_chargeback.RecordChargeback: record_chargeback.handle,
    write_off_debt.WriteOffDebt: write_off_debt.handle,
    publish_dunning_policy.PublishDunningPolicy: publish_dunning_policy.handle,
    run_dunning.RunDunning: run_dunning.handle,
    webhooks.RegisterWebhookEndpoint: webhooks.handle_register,
    webhooks.ChangeWebhookEventTypes: webhooks.handle_change,
    webhooks.RotateWebhookSecret: webhooks.handle_rotate,
    webhooks.DisableWebhookEndpoint: webhooks.handle_disable,
    webhooks.EnableWebhookEndpoint: webhooks.handle_enable,
    webhooks.ResendWebhookDelivery: webhooks.handle_resend,
    webhooks.MarkWebhookEndpointFailing: webhooks.handle_mark_failing,
}
