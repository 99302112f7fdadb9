"""FastAPI dependencies: the services, the views read after a write, and query filters.

The filters every list shares are declared once: a period (``from``/``to``, refused when it
ends before it starts, naming ``to``) and a currency (an ISO 4217 code, as in bodies).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from api.bootstrap import Services
from ledger.errors import InvalidField


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


CurrencyQuery = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$", description="ISO 4217: RUB")]
"""An optional ``currency`` filter: a code as bodies take it, not any string."""

DayFrom = Annotated[date | None, Query(alias="from", description="first day, included")]
DayTo = Annotated[date | None, Query(alias="to", description="last day, included")]


@dataclass(frozen=True)
class Period:
    """A list's date filter: from one day to another, both included, either open."""

    start: date | None = None
    end: date | None = None
    end_name: str = "to"
    """The query parameter that gave ``end``, named when the period is refused."""

    def __post_init__(self) -> None:
        """Refuse a period that ends before it starts (it would answer nothing, silently)."""
        if self.start is not None and self.end is not None and self.end < self.start:
            raise InvalidField(field=self.end_name, why="the period ends before it starts")

    @property
    def start_text(self) -> str | None:
        """The first day as ISO text (what the views compare), or None."""
        return self.start.isoformat() if self.start else None

    @property
    def end_text(self) -> str | None:
        """The last day as ISO text, or None."""
        return self.end.isoformat() if self.end else None


def period(date_from: DayFrom = None, date_to: DayTo = None) -> Period:
    """The ``from``/``to`` query parameters of a list."""
    return Period(date_from, date_to)


PeriodQuery = Annotated[Period, Depends(period)]
