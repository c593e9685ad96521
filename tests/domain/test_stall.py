"""Stall escalation (§8.9): candidate states, the stall clock, and the phase-1 / phase-2 boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.lifecycle import State
from steward.domain.rollup import RollupEntry
from steward.domain.stall import (
    ESCALATION_ACTION,
    CommentFact,
    StallDecision,
    escalation_dates,
    is_stall_candidate,
    is_substantive,
    stall_decision,
)

CREATED = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
LAST = datetime(2099, 1, 10, 12, 0, tzinfo=UTC)
COMMENTS = (
    CommentFact("alice", datetime(2099, 1, 5, tzinfo=UTC), True),
    CommentFact("alice", LAST, True),
    CommentFact("widget-bot", datetime(2099, 1, 20, tzinfo=UTC), False),
)


def decide(now: datetime, escalations: tuple[date, ...] = (), **changes: object) -> StallDecision:
    args: dict[str, object] = {
        "state": State.ASSESSED,
        "has_pr": False,
        "created_at": CREATED,
        "comments": COMMENTS,
        "escalations": escalations,
        "now": now,
    }
    args.update(changes)
    return stall_decision(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "has_pr", "expected"),
    [
        (State.NEEDS_TRIAGE, False, True),
        (State.NEEDS_TRIAGE, True, True),
        (State.ASSESSED, False, True),
        (State.CVE_ALLOCATED, False, True),
        (State.CVE_ALLOCATED, True, False),
        (State.PR_CREATED, True, False),
        (State.PR_MERGED, True, False),
        (State.FIX_RELEASED, True, False),
        (State.ANNOUNCED, True, False),
        (State.DRIFT, False, False),
        (State.CLOSED_ANNOUNCED, False, False),
        (State.CLOSED_INVALID, False, False),
    ],
)
def test_candidate_states(state: State, has_pr: bool, expected: bool) -> None:
    assert is_stall_candidate(state, has_pr=has_pr) is expected


@pytest.mark.parametrize(
    ("delta", "phase", "due", "days"),
    [
        (timedelta(days=29, hours=23), 0, False, 29),
        (timedelta(days=30), 0, False, 30),
        (timedelta(days=30, seconds=1), 1, True, 30),
        (timedelta(days=31), 1, True, 31),
        (timedelta(days=400), 1, True, 400),
    ],
)
def test_phase1_boundary_is_strictly_after_stall_days(delta: timedelta, phase: int, due: bool, days: int) -> None:
    decision = decide(LAST + delta)
    assert (decision.phase, decision.drafts_due, decision.days_stalled) == (phase, due, days)
    assert decision.last_substantive == (date(2099, 1, 10), "alice")


def test_stall_days_is_configurable() -> None:
    assert decide(LAST + timedelta(days=11), stall_days=10).phase == 1
    assert decide(LAST + timedelta(days=11), stall_days=11).phase == 0


def test_without_substantive_comments_the_clock_runs_from_creation() -> None:
    comments = (CommentFact("widget-bot", datetime(2099, 1, 20, tzinfo=UTC), False),)
    decision = decide(CREATED + timedelta(days=30, minutes=1), comments=comments)
    assert decision.phase == 1
    assert decision.last_substantive is None
    assert "created 2099-01-01" in decision.reason


def test_non_substantive_comments_do_not_restart_the_clock() -> None:
    noisy = (*COMMENTS, CommentFact("widget-bot", LAST + timedelta(days=29), False))
    assert decide(LAST + timedelta(days=31), comments=noisy).phase == 1


def test_the_newest_substantive_comment_wins_regardless_of_order() -> None:
    shuffled = tuple(reversed(COMMENTS))
    assert decide(LAST + timedelta(days=31), comments=shuffled).last_substantive == (date(2099, 1, 10), "alice")


@pytest.mark.parametrize("state", [State.PR_CREATED, State.CLOSED_ANNOUNCED, State.ANNOUNCED])
def test_other_states_never_escalate(state: State) -> None:
    decision = decide(LAST + timedelta(days=100), state=state)
    assert (decision.phase, decision.drafts_due) == (0, False)
    assert state.value in decision.reason


def test_cve_allocated_with_pr_is_not_escalated() -> None:
    decision = decide(LAST + timedelta(days=100), state=State.CVE_ALLOCATED, has_pr=True)
    assert decision.phase == 0
    assert "with a PR" in decision.reason


PHASE1 = date(2099, 2, 12)


@pytest.mark.parametrize(
    ("now", "phase", "due"),
    [
        (datetime(2099, 2, 12, 23, tzinfo=UTC), 1, False),
        (datetime(2099, 2, 18, 23, 59, tzinfo=UTC), 1, False),
        (datetime(2099, 2, 19, 0, 0, tzinfo=UTC), 2, True),
        (datetime(2099, 3, 30, tzinfo=UTC), 2, True),
    ],
)
def test_phase2_boundary_counts_calendar_days_from_the_phase1_entry(now: datetime, phase: int, due: bool) -> None:
    decision = decide(now, (PHASE1,))
    assert (decision.phase, decision.drafts_due) == (phase, due)


def test_phase2_days_is_configurable() -> None:
    assert decide(datetime(2099, 2, 15, tzinfo=UTC), (PHASE1,), phase2_days=3).phase == 2
    assert decide(datetime(2099, 2, 15, tzinfo=UTC), (PHASE1,), phase2_days=4).phase == 1


def test_after_phase2_drafts_nothing_more_is_due() -> None:
    decision = decide(datetime(2099, 5, 1, tzinfo=UTC), (PHASE1, date(2099, 2, 20)))
    assert (decision.phase, decision.drafts_due) == (2, False)


def test_a_substantive_reply_after_phase1_restarts_the_clock() -> None:
    replied = (*COMMENTS, CommentFact("reporter@example.net", datetime(2099, 2, 14, 8, tzinfo=UTC), True))
    decision = decide(datetime(2099, 2, 25, tzinfo=UTC), (PHASE1,), comments=replied)
    assert (decision.phase, decision.drafts_due, decision.days_stalled) == (0, False, 10)
    later = decide(datetime(2099, 3, 17, tzinfo=UTC), (PHASE1,), comments=replied)
    assert (later.phase, later.drafts_due) == (1, True)


def test_a_reply_on_the_escalation_day_answers_it() -> None:
    replied = (*COMMENTS, CommentFact("alice", datetime(2099, 2, 12, 18, tzinfo=UTC), True))
    assert decide(datetime(2099, 2, 25, tzinfo=UTC), (PHASE1,), comments=replied).phase == 0


def test_escalations_before_the_last_substantive_comment_are_ignored() -> None:
    old = (date(2098, 12, 1), date(2099, 1, 3))
    assert decide(LAST + timedelta(days=10), old).phase == 0
    assert decide(LAST + timedelta(days=31), old).drafts_due


def test_reason_names_days_date_and_author() -> None:
    reason = decide(LAST + timedelta(days=34)).reason
    assert "34 days" in reason and "2099-01-10" in reason and "@alice" in reason


def entry(day: date, action: str) -> RollupEntry:
    return RollupEntry(day, "steward", action, "Escalated", (), "wait", "No reporter notification: x.", "0" * 16)


def test_escalation_dates_reads_only_step4_entries_sorted() -> None:
    entries = [
        entry(date(2099, 3, 1), ESCALATION_ACTION),
        entry(date(2099, 2, 1), "Sync"),
        entry(date(2099, 2, 10), ESCALATION_ACTION),
        entry(date(2099, 2, 11), "Sync (Step 4 escalation) extra"),
    ]
    assert escalation_dates(entries) == [date(2099, 2, 10), date(2099, 3, 1)]


@pytest.mark.parametrize(
    ("author", "body", "expected"),
    [
        ("alice", "I can take this.", True),
        ("ALICE", "I can take this.", True),
        ("alice", "<!-- steward: status-rollup v1 -->\nrollup", False),
        ("reporter@example.net", "Any news?", True),
        ("mallory", "Any news?", False),
    ],
)
def test_is_substantive(author: str, body: str, expected: bool) -> None:
    assert is_substantive(author, body, roster=["alice", "bob"], reporters=["Reporter@Example.net"]) is expected


instants = st.datetimes(min_value=datetime(2099, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC))


@given(
    state=st.sampled_from(list(State)),
    has_pr=st.booleans(),
    comments=st.lists(
        st.builds(CommentFact, st.sampled_from(["alice", "bob", "widget-bot"]), instants, st.booleans()), max_size=6
    ),
    escalations=st.lists(st.dates(min_value=date(2099, 1, 1), max_value=date(2099, 12, 31)), max_size=3),
    steps=st.lists(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), min_size=2, max_size=8),
    stall_days=st.integers(min_value=1, max_value=60),
    phase2_days=st.integers(min_value=1, max_value=30),
)
def test_phase_never_decreases_as_now_grows(  # noqa: PLR0917 - hypothesis passes every strategy by name
    state: State,
    has_pr: bool,
    comments: list[CommentFact],
    escalations: list[date],
    steps: list[timedelta],
    stall_days: int,
    phase2_days: int,
) -> None:
    now = datetime(2100, 1, 1, tzinfo=UTC)
    previous = -1
    for step in steps:
        now += step
        decision = stall_decision(
            state=state,
            has_pr=has_pr,
            created_at=CREATED,
            comments=comments,
            escalations=escalations,
            now=now,
            stall_days=stall_days,
            phase2_days=phase2_days,
        )
        assert decision.phase >= previous
        assert decision.days_stalled >= 0
        if decision.drafts_due:
            assert decision.phase in (1, 2)
        previous = decision.phase
