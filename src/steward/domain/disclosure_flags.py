"""Disclosure window flags (spec §8.10): how old a report is against the project's disclosure promise.

Age counts whole UTC days from the day the report arrived (the root message's date; the tracker's creation date
when there is no thread), so a flag turns on at one midnight for everyone, whatever the time of the sync run.
Every flag is a strict `>` test, so day `window_days` itself is still inside the window. Each flag only ever
turns on as time passes (for fixed labels): that is what lets sync post "one rollup entry per crossing".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from steward.domain.labels import LabelContext
from steward.domain.roles import Label


class WindowSettings(Protocol):
    """The `disclosure.*` keys §8.10 reads; `steward.config.model.Disclosure` satisfies it."""

    @property
    def window_days(self) -> int: ...
    @property
    def grace_period_days(self) -> int: ...
    @property
    def caution_ratio(self) -> float: ...
    @property
    def pre_announce_distributors(self) -> bool: ...


@dataclass(frozen=True)
class Window:
    """Plain settings for callers without a loaded config (tests, the web UI's what-if view)."""

    window_days: int = 90
    grace_period_days: int = 14
    caution_ratio: float = 0.8
    pre_announce_distributors: bool = False


@dataclass(frozen=True)
class DisclosureFlags:
    age_days: int
    approaching_window_end: bool
    overdue_for_disclosure: bool
    grace_period_expired: bool
    distributor_notify_pending: bool
    deadline: date
    """received + window + grace: the date the distributor draft names (§8.10)."""


def _day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        return aware.astimezone(UTC).date()
    return moment


def received_day(received: date | datetime | None, created: date | datetime) -> date:
    """The report's start date: the root message's date, else the tracker's creation date (steward decision)."""
    return _day(received if received is not None else created)


def age_days(received: date | datetime | None, created: date | datetime, now: datetime) -> int:
    """Whole UTC days since the report arrived; never negative (a clock-skewed date counts as today)."""
    return max(0, (_day(now) - received_day(received, created)).days)


def _announced(labels: Iterable[str], ctx: LabelContext) -> bool:
    return bool(ctx.announced(labels))


def _fix_landed(labels: Iterable[str], ctx: LabelContext) -> bool:
    have = set(labels)
    return ctx.of(Label.PR_MERGED) in have or ctx.of(Label.FIX_RELEASED) in have


def approaching_window_end(age: int, settings: WindowSettings) -> bool:
    """An observation: more than `caution_ratio` of the window has passed."""
    return age > settings.caution_ratio * settings.window_days


def overdue_for_disclosure(age: int, labels: Iterable[str], settings: WindowSettings, ctx: LabelContext) -> bool:
    return age > settings.window_days and not _announced(labels, ctx)


def grace_period_expired(age: int, labels: Iterable[str], settings: WindowSettings, ctx: LabelContext) -> bool:
    """The fix has landed, the window and its grace period are over, and there is still no advisory."""
    labels = list(labels)
    limit = settings.window_days + settings.grace_period_days
    return _fix_landed(labels, ctx) and age > limit and not _announced(labels, ctx)


def distributor_notify_pending(labels: Iterable[str], settings: WindowSettings, ctx: LabelContext) -> bool:
    """Distributors get a heads-up once a fix has landed and until the advisory is out."""
    labels = list(labels)
    return settings.pre_announce_distributors and _fix_landed(labels, ctx) and not _announced(labels, ctx)


def disclosure_deadline(received: date | datetime | None, created: date | datetime, settings: WindowSettings) -> date:
    return received_day(received, created) + timedelta(days=settings.window_days + settings.grace_period_days)


def disclosure_flags(
    *,
    received: date | datetime | None,
    created: date | datetime,
    labels: Iterable[str],
    settings: WindowSettings,
    now: datetime,
    ctx: LabelContext | None = None,
) -> DisclosureFlags:
    """All §8.10 flags for one tracker at `now`."""
    labels = list(labels)
    context = ctx if ctx is not None else LabelContext()
    age = age_days(received, created, now)
    return DisclosureFlags(
        age_days=age,
        approaching_window_end=approaching_window_end(age, settings),
        overdue_for_disclosure=overdue_for_disclosure(age, labels, settings, context),
        grace_period_expired=grace_period_expired(age, labels, settings, context),
        distributor_notify_pending=distributor_notify_pending(labels, settings, context),
        deadline=disclosure_deadline(received, created, settings),
    )
