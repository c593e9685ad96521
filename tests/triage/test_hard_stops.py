"""Invalidation hard stops, the reporter path (spec §6.3) and the dedupe blockers (§6.2)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.labels import LabelContext
from steward.domain.lifecycle import RecordState, TrackerFacts
from steward.domain.threads import ThreadRef
from steward.triage.hard_stops import (
    Ask,
    DedupeSide,
    NoOp,
    Stop,
    dedupe_blockers,
    invalidation_stop,
    keep_side,
    reporter_path,
)

CTX = LabelContext(scopes=frozenset({"core", "web"}))
BASE = frozenset({"security issue", "TLP:AMBER"})
TRIAGE = BASE | {"needs triage"}
CVE = BASE | {"core", "cve allocated"}

STOP_CASES = [
    ("none-proceeds", RecordState.NONE, TRIAGE, False, False, None, None),
    ("not-read-no-cve-proceeds", None, TRIAGE, False, False, None, None),
    ("retracted-proceeds", RecordState.RETRACTED, CVE, False, True, None, None),
    ("allocated", RecordState.ALLOCATED, CVE, False, True, Stop, "H-retract-first"),
    ("review-ready", RecordState.REVIEW_READY, CVE, False, True, Stop, "H-retract-first"),
    ("publish-ready", RecordState.PUBLISH_READY, CVE, False, True, Stop, "H-escalate"),
    ("public", RecordState.PUBLIC, CVE, False, True, Stop, "H-escalate"),
    ("unknown-asks", RecordState.UNKNOWN, CVE, False, True, Ask, "H-unknown"),
    ("not-read-with-cve-asks", None, CVE, False, False, Ask, "H-unknown"),
    ("unknown-without-cve-proceeds", RecordState.UNKNOWN, TRIAGE, False, False, None, None),
    ("fix-released", RecordState.NONE, BASE | {"core", "fix released"}, False, False, Stop, "H-shipped"),
    ("announced", RecordState.PUBLIC, BASE | {"announced", "announced - emails sent"}, False, True, Stop, "H-shipped"),
    ("closed-noop", RecordState.ALLOCATED, CVE | {"invalid"}, True, True, NoOp, "H-closed"),
]


@pytest.mark.parametrize("case", STOP_CASES, ids=[c[0] for c in STOP_CASES])
def test_invalidation_stop_table(case: tuple[object, ...]) -> None:
    _, record, labels, closed, has_cve, kind, rule = case
    result = invalidation_stop(
        record,  # type: ignore[arg-type]
        labels,  # type: ignore[arg-type]
        bool(closed),
        CTX,
        bool(has_cve),
        tracker_id="7",
        escalation_contact="escalation@widget.invalid",
    )
    if kind is None:
        assert result is None
    else:
        assert isinstance(result, kind)  # type: ignore[arg-type]
        assert result.rule == rule  # type: ignore[union-attr]


def test_messages_say_what_clears() -> None:
    stop = invalidation_stop(RecordState.ALLOCATED, CVE, False, CTX, True, tracker_id="7")
    assert isinstance(stop, Stop)
    assert "retract first (steward cve retract 7 --reason TEXT)" in stop.message
    escalate = invalidation_stop(RecordState.PUBLIC, CVE, False, CTX, True, escalation_contact="esc@widget.invalid")
    assert isinstance(escalate, Stop)
    assert escalate.escalate_to == "esc@widget.invalid" and "esc@widget.invalid" in escalate.message


T1 = "https://lists.example.org/t/1 · Root Message-ID: `<one@example.org>`"
T2 = "Root Message-ID: `<two@example.net>` (via huntr)"
T3 = "Root Message-ID: `<three@example.net>`"


@pytest.mark.parametrize(
    ("value", "kind", "message_id"),
    [
        (T1, "draft", "<one@example.org>"),
        (f"{T1}\n{T2}", "primary", "<one@example.org>"),
        (f"{T1}\n{T3}", "ask", None),
        ("N/A — opened from public PR example/widget#12; no security@widget.example.org thread", "none", None),
        ("_No response_", "ask", None),
        (None, "ask", None),
        ("something odd", "ask", None),
    ],
)
def test_reporter_path(value: str | None, kind: str, message_id: str | None) -> None:
    path = reporter_path(value)
    assert path.kind == kind
    if message_id is None:
        assert path.thread is None
    else:
        assert isinstance(path.thread, ThreadRef) and path.thread.message_id == message_id


def test_reporter_path_ambiguous_lists_candidates() -> None:
    assert len(reporter_path(f"{T1}\n{T3}").candidates) == 2


@given(st.text(max_size=200))
def test_reporter_path_never_crashes(text: str) -> None:
    assert reporter_path(text).kind in ("draft", "primary", "none", "ask")


OLD, NEW = datetime(2024, 1, 1), datetime(2024, 2, 1)


def side(number: int, labels: frozenset[str], created: datetime, **facts: object) -> DedupeSide:
    return DedupeSide(TrackerFacts(labels=labels, number=number, **facts), created)  # type: ignore[arg-type]


OPEN = BASE | {"core"}


def rules(keep: DedupeSide, drop: DedupeSide, gate: bool = True) -> list[str]:
    return [b.rule for b in dedupe_blockers(keep, drop, CTX, gate)]


def test_clean_pair_has_no_blockers() -> None:
    assert rules(side(1, OPEN, OLD), side(2, OPEN, NEW)) == []


def test_keep_side_rule() -> None:
    older, newer = side(1, OPEN, OLD), side(2, OPEN, NEW)
    with_cve = side(3, CVE, NEW, has_cve_id=True, record_state=RecordState.ALLOCATED)
    further = side(4, CVE, NEW, has_cve_id=True, record_state=RecordState.REVIEW_READY)
    assert keep_side(older, newer, CTX) is older
    assert keep_side(older, with_cve, CTX) is with_cve
    assert keep_side(with_cve, further, CTX) is further
    blockers = dedupe_blockers(newer, older, CTX, True)
    assert [b.rule for b in blockers] == ["D-keep-side"]
    assert blockers[0].keep == 1 and "steward dedupe 1 2" in blockers[0].message


@pytest.mark.parametrize(
    ("keep", "drop", "gate", "expected"),
    [
        (side(1, OPEN, OLD, closed=True), side(2, OPEN, NEW), True, ["D-closed"]),
        (side(1, OPEN, OLD), side(2, BASE | {"web"}, NEW), True, ["D-scope"]),
        (side(1, OPEN, OLD), side(2, OPEN | {"duplicate"}, NEW), True, ["D-duplicate"]),
        (side(1, OPEN | {"announced", "announced - emails sent"}, OLD), side(2, OPEN, NEW), True, ["D-announced"]),
        (
            side(1, CVE, OLD, has_cve_id=True, record_state=RecordState.PUBLIC),
            side(2, CVE, NEW, has_cve_id=True, record_state=RecordState.ALLOCATED),
            True,
            ["D-record"],
        ),
        (
            side(1, CVE, OLD, has_cve_id=True, record_state=RecordState.ALLOCATED),
            side(2, CVE, NEW, has_cve_id=True, record_state=RecordState.ALLOCATED),
            False,
            ["D-gate"],
        ),
        (
            side(1, CVE, OLD, has_cve_id=True, record_state=RecordState.ALLOCATED),
            side(2, CVE, NEW, has_cve_id=True, record_state=RecordState.ALLOCATED),
            True,
            [],
        ),
        (side(1, OPEN, OLD), side(1, OPEN, OLD), True, ["D-same"]),
    ],
)
def test_dedupe_blockers(keep: DedupeSide, drop: DedupeSide, gate: bool, expected: list[str]) -> None:
    assert rules(keep, drop, gate) == expected
