"""The HTTP application: /v1 commands, queries and audit, /health, OpenAPI at /docs.

``create_app`` takes ready-built services (tests, embedding) or builds them from the
environment at start-up (``lbx serve``, ``make run``); nothing is built at import.
The projection worker and the webhook delivery worker run beside the API unless
``LBX_WORKER=0``; the web workspace is served under ``/app``. Before any route reads a
body, a keyed route's request is refused 401 without a live key (``key_check.py``) and
a body larger than its path allows is refused 413 (``limits.py``).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from api import access_log, errors, web
from api.bootstrap import Services, bootstrap
from api.key_check import KeyCheck
from api.limits import ApiBodyLimit
from api.routes import (
    accounting,
    audit,
    bank,
    billing,
    collections,
    commands,
    documents,
    gateways,
    integrations,
    queries,
    reports,
    webhooks,
)
from api.scheduler import DailyScheduler
from api.webhooks.worker import WebhookWorker

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

DESCRIPTION = """
LBX is an event-sourced billing ledger. Commands (POST) record immutable events on a
customer's book and must carry an `Idempotency-Key` header; queries (GET) read
projections rebuilt from those events; audit endpoints replay and verify the events
themselves. Errors are RFC 9457 `application/problem+json` and name the field at fault.
Amounts are decimal strings (`"1500.00"`) beside an ISO 4217 currency; never floats.
Authenticate with `Authorization: Bearer lbx_<key id>_<secret>`; each operation lists the
roles it admits in `x-roles`.
"""


def create_app(services: Services | None = None) -> FastAPI:
    """Build the app around ``services`` (or around services built from the environment)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services if services is not None else bootstrap()
        scheduler = None
        sender = None
        if owned and app.state.services.settings.run_worker:
            app.state.services.start_worker()
            sender = WebhookWorker(app.state.services)  # webhooks go where projections run
            sender.start()
        if owned and app.state.services.settings.run_scheduler:
            scheduler = DailyScheduler(app.state.services)
            scheduler.start()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            if sender is not None:
                sender.stop()
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="LBX billing ledger",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    errors.install(app)
    keyed = [m.router for m in (commands, billing, queries, reports, audit, bank, collections,
                                documents, webhooks, integrations, accounting)]
    for router in keyed:
        app.include_router(router, responses=errors.KEYED_PROBLEMS)
    app.include_router(gateways.router)  # no API key; each gateway answers in its own way
    app.include_router(integrations.inbound)  # CRM webhooks prove themselves their own way
    web.install(app)  # the workspace: HTML pages under /app, signed-in by session cookie
    app.add_middleware(ApiBodyLimit)
    # added last, so it runs first: without a live key, nothing of the body is read
    app.add_middleware(KeyCheck, routers=[*keyed, gateways.router, integrations.inbound])
    access_log.install()  # CRM webhook secrets stay out of the access log

    @app.get("/health", tags=["health"], summary="Liveness and projection lag")
    def health() -> dict[str, Any]:
        """Answers 200 while the service runs; shows how far the views lag."""
        current: Services = app.state.services
        lag = max((s.lag for s in current.runner.status()), default=0)
        return {
            "status": "ok" if current.worker_error is None else "degraded",
            "backend": current.settings.backend,
            "projection_lag": lag,
        }

    return app
