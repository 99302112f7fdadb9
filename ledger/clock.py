"""Clocks: where "now" and "today" come from, so that tests and simulations can set them.

The business day is taken in the company's time zone (``LBX_TIMEZONE``, Europe/Moscow by
default), because a payment received at 01:00 Moscow time belongs to that Moscow day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Tells the time."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...

    def today(self) -> date:
        """The current business date."""
        ...


@dataclass
class SystemClock:
    """The real time, with the business day in the company's zone."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))

    def now(self) -> datetime:
        """The current instant."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Today in the company's time zone."""
        return datetime.now(self.zone).date()


@dataclass
class SimulatedClock:
    """A clock that stands still until moved: for tests and billing simulations."""

    current: datetime
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Moscow"))

    def now(self) -> datetime:
        """The set instant."""
        return self.current

    def today(self) -> date:
        """The set instant's date in the company's time zone."""
        return self.current.astimezone(self.zone).date()

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward."""
        self.current += delta

    def move_to(self, day: date) -> None:
        """Jump to noon of a business day."""
        self.current = datetime(day.year, day.month, day.day, 12, tzinfo=self.zone)
