"""Time-to-ack (spec §11.1): report received → the team's first answer. Pure; the dashboard gathers the facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def utc(value: datetime) -> datetime:
    """Stores may hand back naive UTC (SQLite); compare everything as aware UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Ack:
    """One report's acknowledgement facts."""

    number: int
    title: str
    received: datetime
    """The earliest recorded message of the tracker's threads."""
    acked: datetime | None
    """The first roster reply on the thread or draft written for the tracker, whichever came first."""
    is_open: bool

    @property
    def took(self) -> timedelta | None:
        return None if self.acked is None else self.acked - self.received

    def waiting(self, now: datetime) -> timedelta | None:
        """How long an unacknowledged report has waited; None once acknowledged."""
        return now - self.received if self.acked is None else None

    def overdue(self, now: datetime, sla: timedelta) -> bool:
        took = self.took if self.acked is not None else self.waiting(now)
        return took is not None and took > sla


def first_ack(received: datetime, answers: Iterable[datetime]) -> datetime | None:
    """The earliest answer not before receipt: a reply dated before the report cannot acknowledge it."""
    start = utc(received)
    later = [utc(a) for a in answers if utc(a) >= start]
    return min(later, default=None)


def median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
