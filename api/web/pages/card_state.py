"""The customer card's point in time: now, or as of a past date or version (audit replay).

The card reads a customer's own state (profile, subscriptions with their individual
conditions, discounts) by replaying the history through :func:`ledger.audit.replay` — the
same definition of "as of" an auditor's ``/v1/audit/.../replay`` uses — so that the present
card and a card of any past moment are drawn from one source and cannot disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from ledger.audit import replay
from ledger.errors import InvalidField

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from uuid import UUID

    from api.bootstrap import Services
    from ledger.events import LedgerEvent

Basis = Literal["recorded", "effective"]
VERSION = re.compile(r"[0-9]{1,9}")
"""A version number as typed: ASCII digits only (``str.isdigit`` admits «²»)."""


@dataclass(frozen=True)
class AsOf:
    """Which moment the card shows: a version, or a date read as recorded or as effective."""

    version: int | None = None
    day: date | None = None
    basis: Basis = "recorded"

    @property
    def active(self) -> bool:
        """True when the card shows the past (and so offers no actions)."""
        return self.version is not None or self.day is not None

    def query(self) -> dict[str, str]:
        """The query parameters that reopen the card at this moment."""
        if self.version is not None:
            return {"version": str(self.version)}
        if self.day is not None:
            return {"as_of": self.day.isoformat(), "basis": self.basis}
        return {}


def parse_as_of(params: Mapping[str, str]) -> AsOf:
    """Read the card's as-of control from the query string.

    Raises:
        InvalidField: a value is not a date or a positive version number (names the field).
    """
    version_text = params.get("version", "").strip()
    day_text = params.get("as_of", "").strip()
    basis: Basis = "effective" if params.get("basis") == "effective" else "recorded"
    if version_text:
        if not VERSION.fullmatch(version_text) or int(version_text) < 1:
            raise InvalidField(field="version", why="give a version number from 1 up")
        return AsOf(version=int(version_text))
    if day_text:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise InvalidField(field="as_of", why="give a date such as 2026-01-31") from None
        return AsOf(day=day, basis=basis)
    return AsOf()


@dataclass(frozen=True)
class Replayed:
    """The customer rebuilt as of a moment, and the events that built it."""

    customer: Any
    events: Sequence[LedgerEvent]


def replayed(services: Services, customer_id: UUID, as_of: AsOf) -> Replayed | None:
    """The customer as of ``as_of`` (now when inactive); None if it did not exist yet.

    Raises:
        CustomerNotFound: no such customer.
        InvalidField: an effective-date replay meets an event that depends on a later one.
    """
    history = services.ledger.customer_history(customer_id)
    recorded_at = None
    effective_on = None
    if as_of.day is not None and as_of.basis == "recorded":
        zone = ZoneInfo(services.settings.timezone)
        recorded_at = datetime.combine(as_of.day, time.max, tzinfo=zone)
    elif as_of.day is not None:
        effective_on = as_of.day
    customer = replay(history, version=as_of.version, recorded_at=recorded_at,
                      effective_on=effective_on)
    if customer is None:
        return None
    shown = [e for e in history if e.originator_version <= customer.version
             and (effective_on is None or e.originator_version == 1
                  or e.meta.effective_date <= effective_on)]
    return Replayed(customer, shown)
