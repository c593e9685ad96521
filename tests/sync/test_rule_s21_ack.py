"""§11.1 acknowledgement SLA: one rollup note per crossing of `disclosure.ack_sla_hours`, never for an answered one."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sync_rule_support import NOW, Maker, make_ctx, message

from steward.domain.rollup import RollupEntry
from steward.sync.facts import TrackerFacts
from steward.sync.rules.s21_ack import ack_line, s21_ack_overdue

ROSTER = {"members": [{"handle": "alex", "emails": ["alex@widget.example.org"], "roles": ["triager"]}]}
CTX = make_ctx(roster=ROSTER)
make = Maker(CTX)
ROOT = "<report-4@mail.example.net>"


def report(hours_ago: float, *extra: object) -> TrackerFacts:
    sent = NOW - timedelta(hours=hours_ago)
    root = message(ROOT, ROOT, "Kai Example", "kai@mail.example.net", sent)
    return make(labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], messages=[root, *extra])


def test_an_unanswered_report_past_the_sla_is_flagged_once_by_its_crossing() -> None:
    facts = report(50)
    item = s21_ack_overdue(facts, CTX)
    assert item is not None and not item.cve_affecting
    deadline = NOW - timedelta(hours=2)
    assert item.key == f"4:S21:ack:{deadline.isoformat()}"
    assert ack_line(deadline, 48) in item.summary
    recorded = RollupEntry(NOW.date(), "alex", "Sync (S21)", "1 applied.", (item.summary,), "unchanged", "", "0" * 16)
    assert s21_ack_overdue(replace(facts, rollup=(recorded,)), CTX) is None


def test_within_the_sla_nothing() -> None:
    assert s21_ack_overdue(report(47), CTX) is None


def test_a_roster_reply_after_receipt_acknowledges() -> None:
    reply = message("<r@widget.example.org>", ROOT, "Alex", "ALEX@widget.example.org", NOW - timedelta(hours=40))
    assert s21_ack_overdue(report(50, reply), CTX) is None


def test_a_reply_from_outside_the_roster_does_not() -> None:
    other = message("<o@mail.example.net>", ROOT, "Bo", "bo@mail.example.net", NOW - timedelta(hours=40))
    assert s21_ack_overdue(report(50, other), CTX) is not None


def test_a_draft_for_the_tracker_acknowledges() -> None:
    facts = replace(report(50), draft_templates=frozenset({"report-received"}))
    assert s21_ack_overdue(facts, CTX) is None


def test_closed_or_threadless_trackers_are_not_flagged() -> None:
    assert s21_ack_overdue(make(closed="completed"), CTX) is None
    assert s21_ack_overdue(make(), CTX) is None


def test_the_sla_comes_from_config() -> None:
    ctx = make_ctx(roster=ROSTER, disclosure={"ack_sla_hours": 72})
    assert s21_ack_overdue(report(50), ctx) is None
    assert s21_ack_overdue(report(73), ctx) is not None


def test_approaching_window_end_is_a_note_until_the_window_is_crossed() -> None:
    """§8.10: age > 0.8 × 90 days is listed, not proposed; once overdue the rollup item takes over."""
    from steward.sync.rules.s21_disclosure import window_notes

    assert window_notes(report(24 * 60), CTX) == []
    assert window_notes(report(24 * 73), CTX) == [
        "approaching the end of the 90-day disclosure window: report is 73 days old"
    ]
    assert window_notes(report(24 * 91), CTX) == []
    announced = replace(report(24 * 73), row=replace(report(24 * 73).row, labels=("security issue", "announced")))
    assert window_notes(announced, CTX) == []
