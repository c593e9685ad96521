"""The pure parts of the scan review's checks: file paths, the ledger match, the statement, the suggestion."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from steward.intake.scan_findings import ScanFinding
from steward.intake.signals import Duplicate, Strength
from steward.services import scan_checks as files
from steward.store import RejectionRow

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def finding(*paths: str) -> ScanFinding:
    return ScanFinding("r:1", "Title", "HIGH", None, (), paths, "", "", "")


def row(summary: str, day: date, canned: str = "negative-assessment") -> RejectionRow:
    return RejectionRow(1, day, "kim@mail.example.net", canned, "<t@mail.example.net>", None, summary)


def test_paths_lose_line_suffixes_and_repeats() -> None:
    got = files.finding_paths(finding("src/a.py:12", "src/a.py:40", "src/b.py", " ", "src/c.py:3:7", "d.py:1 :2 "))
    assert got == ["src/a.py", "src/b.py", "src/c.py", "d.py"]


@given(st.lists(st.text(max_size=40), max_size=6))
def test_paths_never_crash_and_are_a_fixpoint(values: list[str]) -> None:
    once = files.finding_paths(finding(*values))
    assert all(p and not re.search(r":[0-9]+$", p) for p in once)
    assert files.finding_paths(finding(*once)) == once
    assert len(once) == len(set(once))


def test_ledger_window_is_inclusive_and_needs_two_keywords() -> None:
    rows = [
        row("path traversal in export", date(2030, 12, 3)),  # exactly 180 days before NOW
        row("path traversal in export", date(2030, 12, 2)),  # 181 days
        row("traversal only", date(2031, 5, 30)),
    ]
    got = files.ledger_precedents(["path", "traversal", "export"], rows, NOW, 180)
    assert [p.date for p in got] == ["2030-12-03"]


@given(st.text(max_size=200), st.lists(st.text(max_size=20), max_size=5))
def test_ledger_match_never_crashes(summary: str, keywords: list[str]) -> None:
    files.ledger_precedents(keywords, [row(summary, date(2031, 5, 1))], NOW, 180)


def test_statement_is_always_made() -> None:
    assert files.rejection_statement([], [], 90) == "no prior rejection in the last 90 days"
    entry = files.LedgerPrecedent(4, "2031-05-01", "beg-bounty", "Header\nreport")
    assert files.rejection_statement([7], [entry], 90) == (
        "reject-class precedent: #7; rejections ledger: 2031-05-01 beg-bounty: Header report"
    )


UNCHECKED = files.FixedSince(False, "not checked: no code host configured")
CHANGED = files.FixedSince(True, "possibly fixed", (files.SinceCommit("a" * 40, "Fix", "https://example.org/c"),))


def dup(strength: Strength, tracker: int = 3) -> Duplicate:
    return Duplicate(tracker, None, "semantic", strength)


def test_suggestions_in_order() -> None:
    assert files.suggest_bucket([dup(Strength.MEDIUM), dup(Strength.STRONG, 5)], [9], CHANGED) == (
        "duplicate",
        "STRONG semantic match with #5",
    )
    assert files.suggest_bucket([dup(Strength.MEDIUM)], [9], UNCHECKED) == ("already-fixed", "names upstream PR #9")
    assert files.suggest_bucket([], [], CHANGED)[0] == "already-fixed"
    assert files.suggest_bucket([dup(Strength.MEDIUM), dup(Strength.WEAK)], [], UNCHECKED) == (None, None)
