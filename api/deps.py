"""FastAPI dependencies: the services built at start-up, and the views read after a write."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from api.bootstrap import Services


def get_services(request: Request) -> Services:
    """The services the app was created with."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


WaitFor = Annotated[int | None, Query(ge=0, description="a command outcome's position")]


def read_your_writes(services: ServicesDep, wait_for: WaitFor = None) -> Services:
    """The services, once the views have read the log up to ``wait_for`` (read your writes)."""
    if wait_for:
        services.await_position(wait_for)
    return services


Views = Annotated[Services, Depends(read_your_writes)]
