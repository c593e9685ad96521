"""Bucket order and the §5.13 selector over `N` and `N:M` for sync proposals."""

from __future__ import annotations

import pytest

from steward.errors import UsageError
from steward.sync.items import Change, SyncItem
from steward.sync.proposal import Skipped, build_proposal, select


def _item(tracker: int, rule: str, cve: bool) -> SyncItem:
    return SyncItem(tracker, rule, f"{tracker}:{rule}:x", f"{rule} on #{tracker}", cve, Change())


PROPOSAL = build_proposal(
    [
        (9, "nine", [_item(9, "S17", True), _item(9, "S13", False)], []),
        (4, "four", [_item(4, "S7", True), _item(4, "S14", False), _item(4, "S13", False)], []),
        (6, "six", [], []),  # nothing to do: no section, no number
    ],
    [Skipped(12, "closed long ago"), Skipped(2, "bad body")],
)


def test_buckets_in_ascending_tracker_order_non_cve_first() -> None:
    assert [s.tracker for s in PROPOSAL.skipped] == [2, 12]
    assert [(s.n, s.tracker) for s in PROPOSAL.sections] == [(1, 4), (2, 9)]
    assert [(ref, i.rule) for ref, i in PROPOSAL.bucket(False)] == [("1:1", "S14"), ("1:2", "S13"), ("2:1", "S13")]
    assert [(ref, i.rule) for ref, i in PROPOSAL.bucket(True)] == [("1:3", "S7"), ("2:2", "S17")]
    data = PROPOSAL.as_json()
    assert list(data) == ["preflight_skipped", "non_cve_affecting", "cve_affecting", "trackers"]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("all", ["4:S14", "4:S13", "4:S7", "9:S13", "9:S17"]),
        ("2", ["9:S13", "9:S17"]),
        ("1:1,3", ["4:S14", "4:S7"]),
        ("all;1:skip", ["9:S13", "9:S17"]),
        ("all;skip 2", ["4:S14", "4:S13", "4:S7"]),
        ("1:2;2:all", ["4:S13", "9:S13", "9:S17"]),
        ("cancel", []),
        ("all;none", []),
    ],
)
def test_select(text: str, want: list[str]) -> None:
    assert [f"{i.tracker}:{i.rule}" for i in select(PROPOSAL, text)] == want


@pytest.mark.parametrize("text", ["3", "1:4", "1:edit title=x", "bogus", "1:merge #2"])
def test_bad_selection_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        select(PROPOSAL, text)


def test_empty_proposal() -> None:
    empty = build_proposal([(3, "three", [], [])])
    assert empty.empty and empty.sections == ()
    assert select(empty, "all") == []
