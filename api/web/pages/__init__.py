"""The workspace's areas, one router each, in the order of the navigation bar."""

from fastapi import APIRouter

from api.web.pages import (
    analytics,
    audit,
    customer_card,
    customers,
    dashboard,
    debts,
    downloads,
    integrations,
    operations,
    payments,
    renewals,
    sign_in,
    tariffs,
)

ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (sign_in, dashboard, customers, customer_card, debts, renewals, tariffs,
                   payments, analytics, audit, integrations, operations, downloads)
)
