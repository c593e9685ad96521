"""Spec §8.10: every flag's boundary, the age's start date, and monotonicity in time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.config.model import Disclosure
from steward.domain.disclosure_flags import (
    Window,
    age_days,
    approaching_window_end,
    disclosure_deadline,
    disclosure_flags,
    distributor_notify_pending,
    grace_period_expired,
    overdue_for_disclosure,
    received_day,
)
from steward.domain.labels import LabelContext, LabelNames
from steward.domain.roles import Label

CTX = LabelContext()
DEFAULT = Window()
RECEIVED = date(2026, 1, 1)
MERGED = ["security issue", "pr merged"]
RELEASED = ["security issue", "fix released"]
ANNOUNCED = ["security issue", "announced", "announced - emails sent"]


def _at(days: int, hour: int = 12) -> datetime:
    return datetime(2026, 1, 1, hour, tzinfo=UTC) + timedelta(days=days)


def test_age_counts_whole_utc_days_from_the_received_date() -> None:
    assert age_days(RECEIVED, date(2025, 12, 1), _at(0, hour=0)) == 0
    assert age_days(RECEIVED, date(2025, 12, 1), _at(0, hour=23)) == 0
    assert age_days(RECEIVED, date(2025, 12, 1), _at(1, hour=0)) == 1
    received = datetime(2026, 1, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30 UTC on Jan 2
    assert received_day(received, RECEIVED) == date(2026, 1, 2)


def test_without_a_thread_the_creation_date_counts() -> None:
    assert age_days(None, datetime(2026, 1, 11, 8, 0), _at(20)) == 10


def test_a_future_received_date_is_age_zero() -> None:
    assert age_days(date(2026, 3, 1), RECEIVED, _at(0)) == 0


@pytest.mark.parametrize(("age", "expected"), [(71, False), (72, False), (73, True)])
def test_approaching_is_strictly_past_the_caution_ratio(age: int, expected: bool) -> None:
    assert approaching_window_end(age, DEFAULT) is expected  # 0.8 x 90 = 72


def test_approaching_with_a_fractional_threshold() -> None:
    assert approaching_window_end(7, Window(window_days=10, caution_ratio=0.75)) is False
    assert approaching_window_end(8, Window(window_days=10, caution_ratio=0.75)) is True


@pytest.mark.parametrize(
    ("age", "labels", "expected"),
    [
        (90, MERGED, False),
        (91, MERGED, True),
        (91, ["security issue"], True),
        (91, ANNOUNCED, False),
        (91, ["announced"], False),
    ],
)
def test_overdue_is_past_the_window_without_announced(age: int, labels: list[str], expected: bool) -> None:
    assert overdue_for_disclosure(age, labels, DEFAULT, CTX) is expected


@pytest.mark.parametrize(
    ("age", "labels", "expected"),
    [
        (104, MERGED, False),
        (105, MERGED, True),
        (105, RELEASED, True),
        (105, ["security issue", "pr created"], False),
        (105, ["security issue"], False),
        (105, [*RELEASED, "announced"], False),
    ],
)
def test_grace_expired_needs_a_landed_fix_and_window_plus_grace(age: int, labels: list[str], expected: bool) -> None:
    assert grace_period_expired(age, labels, DEFAULT, CTX) is expected


@pytest.mark.parametrize(
    ("enabled", "labels", "expected"),
    [
        (True, MERGED, True),
        (True, RELEASED, True),
        (True, ["security issue", "pr created"], False),
        (True, [*MERGED, "announced - emails sent"], False),
        (False, MERGED, False),
    ],
)
def test_distributor_notice_pending(enabled: bool, labels: list[str], expected: bool) -> None:
    assert distributor_notify_pending(labels, Window(pre_announce_distributors=enabled), CTX) is expected


def test_the_deadline_is_received_plus_window_plus_grace() -> None:
    assert disclosure_deadline(RECEIVED, date(2025, 1, 1), DEFAULT) == date(2026, 4, 15)


def test_configured_label_names_are_honoured() -> None:
    ctx = LabelContext(names=LabelNames({Label.PR_MERGED: "merged", Label.ANNOUNCED: "public"}))
    assert grace_period_expired(200, ["merged"], DEFAULT, ctx)
    assert not grace_period_expired(200, ["pr merged"], DEFAULT, ctx)
    assert not overdue_for_disclosure(200, ["public"], DEFAULT, ctx)


def test_the_config_block_is_accepted_as_settings() -> None:
    settings = Disclosure(window_days=30, grace_period_days=5, caution_ratio=0.5, pre_announce_distributors=True)
    flags = disclosure_flags(received=RECEIVED, created=RECEIVED, labels=MERGED, settings=settings, now=_at(36))
    assert flags.age_days == 36
    assert (flags.approaching_window_end, flags.overdue_for_disclosure, flags.grace_period_expired) == (
        True,
        True,
        True,
    )
    assert flags.distributor_notify_pending
    assert flags.deadline == date(2026, 2, 5)


def test_all_flags_off_on_day_zero() -> None:
    flags = disclosure_flags(received=RECEIVED, created=RECEIVED, labels=MERGED, settings=DEFAULT, now=_at(0))
    assert not (flags.approaching_window_end or flags.overdue_for_disclosure or flags.grace_period_expired)


_LABELS = st.lists(
    st.sampled_from(
        ["security issue", "pr created", "pr merged", "fix released", "announced", "announced - emails sent"]
    ),
    unique=True,
)
_SETTINGS = st.builds(
    Window,
    window_days=st.integers(0, 400),
    grace_period_days=st.integers(0, 60),
    caution_ratio=st.floats(0.01, 1.0),
    pre_announce_distributors=st.booleans(),
)
_MOMENT = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC))


@given(
    received=st.one_of(st.none(), _MOMENT),
    created=_MOMENT,
    labels=_LABELS,
    settings=_SETTINGS,
    earlier=_MOMENT,
    later_by=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
)
def test_flags_are_monotonic_in_now(
    *,
    received: datetime | None,
    created: datetime,
    labels: list[str],
    settings: Window,
    earlier: datetime,
    later_by: timedelta,
) -> None:
    before = disclosure_flags(received=received, created=created, labels=labels, settings=settings, now=earlier)
    after = disclosure_flags(
        received=received, created=created, labels=labels, settings=settings, now=earlier + later_by
    )
    assert after.age_days >= before.age_days >= 0
    for name in (
        "approaching_window_end",
        "overdue_for_disclosure",
        "grace_period_expired",
        "distributor_notify_pending",
    ):
        assert getattr(after, name) >= getattr(before, name), name
    assert after.deadline == before.deadline
    # grace expiry implies overdue, which implies approaching
    assert not after.grace_period_expired or after.overdue_for_disclosure
    assert not after.overdue_for_disclosure or after.approaching_window_end
