"""The period of an export and the instant it is "as known at": what makes a file reproducible.

An export covers business dates ``[date_from, date_to]`` (both included) and reads only the
events the ledger had *recorded* by ``as_known_at``. Events recorded later — a payment typed
in next month but dated in this one, a late void — never change a file made with an earlier
cut-off: asked again with the same period and cut-off, LBX returns the same bytes.

Without an explicit cut-off the export uses the moment the period ended (midnight after
``date_to`` in the company's time zone) plus :data:`GRACE`, the days in which late bank
statements usually arrive before the accountant closes the month. Until that moment has
passed the default is "now" less :data:`SETTLE`: the file is preliminary and says so by its
cut-off. Why not "now" itself: an event's recorded time is stamped when the command is
decided, a moment before it commits, so a command deciding at the export's instant could
commit afterwards with a recorded time at or before it. Asked again with that cut-off, the
file would then hold an event the first one lacked. A minute back, everything recorded by
the cut-off has committed, and the cut-off the file states gives the same file again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ledger.errors import InvalidField

if TYPE_CHECKING:
    from ledger.clock import Clock

GRACE = timedelta(days=5)
"""How long after a period ends the default cut-off waits for late records."""
SETTLE = timedelta(minutes=1)
"""How far a default cut-off stays behind "now": commands stamped earlier have committed."""
MAX_DAYS = 366
"""The longest period one export may cover (a year, leap or not)."""
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
"""Business dates outside these are typos (the same bounds as command bodies)."""


@dataclass(frozen=True)
class ExportPeriod:
    """Which business dates an export covers, and the recorded instant it is as known at."""

    date_from: date
    date_to: date
    as_known_at: datetime
    """In UTC, however it was given: the same instant always writes the same bytes."""
    zone: ZoneInfo

    @property
    def preliminary(self) -> bool:
        """True when the cut-off comes before the default one (the period may still change)."""
        return self.as_known_at < period_end(self.date_to, self.zone) + GRACE

    def local_cutoff(self) -> datetime:
        """The cut-off in the company's time zone (how the files state it)."""
        return self.as_known_at.astimezone(self.zone)


def period_end(date_to: date, zone: ZoneInfo) -> datetime:
    """The instant the period ends: midnight after its last day, in the company's zone."""
    return datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=zone)


def resolve_period(
    date_from: date, date_to: date, as_known_at: datetime | None, *, clock: Clock, zone: str,
) -> ExportPeriod:
    """Check a requested period and settle its cut-off.

    Args:
        date_from: the first business date exported.
        date_to: the last business date exported (included).
        as_known_at: the recorded-time cut-off asked for, with a time zone; ``None`` takes
            the period's end plus :data:`GRACE`, or now less :data:`SETTLE` if that has not
            come yet.
        clock: tells "now" (a cut-off in the future would claim knowledge LBX lacks).
        zone: the company's time zone name (``LBX_TIMEZONE``).

    Raises:
        InvalidField: naming ``from``, ``to`` or ``as_known_at``.
    """
    for name, day in (("from", date_from), ("to", date_to)):
        if not EARLIEST <= day <= LATEST:
            raise InvalidField(field=name, why="{day}: expected a date in {earliest}–{latest}",
                               day=day.isoformat(), earliest=EARLIEST.year, latest=LATEST.year)
    if date_to < date_from:
        raise InvalidField(field="to", why="the period ends before it starts")
    if (date_to - date_from).days >= MAX_DAYS:
        raise InvalidField(field="to", why="export at most {most} days at a time",
                           most=MAX_DAYS)
    tz = ZoneInfo(zone)
    now = clock.now()
    if as_known_at is None:
        cutoff = min(period_end(date_to, tz) + GRACE, now - SETTLE)
        return ExportPeriod(date_from, date_to, cutoff.astimezone(UTC), tz)
    if as_known_at.tzinfo is None or as_known_at.utcoffset() is None:
        raise InvalidField(field="as_known_at",
                           why="give a time zone, e.g. 2026-02-05T00:00:00+03:00")
    lowest = datetime.combine(EARLIEST, time(0), tzinfo=UTC)
    if not lowest <= as_known_at <= now:
        raise InvalidField(field="as_known_at",
                           why="a cut-off lies between 2000 and now (the ledger cannot know "
                               "the future)")
    return ExportPeriod(date_from, date_to, as_known_at.astimezone(UTC), tz)
