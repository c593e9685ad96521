"""§8.13 pre-flight classifier, first match wins, over fictional `widget` trackers; and urgent trackers come first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
from sync_rule_support import NOW, Maker, make_ctx

from steward.domain.rollup import RollupEntry
from steward.store import CommentRow
from steward.sync.context import SyncContext
from steward.sync.items import Change, SyncItem
from steward.sync.network_facts import published_line
from steward.sync.preflight import Dispatch, classify, is_steward_or_bot
from steward.sync.proposal import build_proposal

BASE = ["security issue", "TLP:AMBER+STRICT", "widget", "cve allocated"]
ROLLUP = "<!-- steward: status-rollup v1 -->\nSync"


@pytest.fixture(scope="module")
def pctx() -> SyncContext:
    return make_ctx(tracker={"upstream_repo": "example/widget", "bot_logins": ["widget-ci"]})


def said(author: str, body: str, hours_ago: float) -> CommentRow:
    at = NOW - timedelta(hours=hours_ago)
    return CommentRow(1, 4, author, body, at, at)


def row(ctx: SyncContext, *, labels: list[str], closed_days: int | None = None, updated_days: int = 60) -> Any:
    facts = Maker(ctx)(labels=labels, closed="completed" if closed_days is not None else None, cve_id="CVE-2099-0001")
    closed_at = NOW - timedelta(days=closed_days) if closed_days is not None else None
    return replace(facts.row, closed_at=closed_at, updated_at=NOW - timedelta(days=updated_days))


PUBLISHED = RollupEntry(
    NOW.date(), "alex", "Sync (S21)", "done", (published_line("CVE-2099-0001"),), "-", "-", "0" * 16
)
MERGED = [*BASE, "pr merged"]
RELEASED = [*BASE, "fix released"]
ANNOUNCED = [*BASE, "announced", "announced - emails sent"]


@dataclass(frozen=True)
class Case:
    shape: dict[str, Any]
    comments: tuple[CommentRow, ...]
    expected: Dispatch
    rollup: tuple[RollupEntry, ...] = ()
    named: bool = False


def case(name: str, expected: Dispatch, comments: tuple[CommentRow, ...] = (), **kw: Any) -> Any:
    rollup, named = kw.pop("rollup", ()), kw.pop("named", False)
    return pytest.param(Case(kw, comments, expected, rollup, named), id=name)


STEWARD = said("alex", ROLLUP, 100)
CASES = [
    case("named wins over everything", Dispatch.DISPATCH, labels=MERGED, closed_days=400, named=True),
    case("human within 24 h", Dispatch.URGENT, (said("kit-example", "Looks good", 2),), labels=MERGED),
    case("human 3 days ago, updated recently", Dispatch.DISPATCH, (said("kit", "ok", 72),), labels=MERGED,
         updated_days=3),
    case("closed 100 days ago", Dispatch.SKIP, (said("alex", ROLLUP, 900),), labels=ANNOUNCED, closed_days=100),
    case("closed 40 days, announced, published", Dispatch.SKIP, labels=ANNOUNCED, closed_days=40,
         rollup=(PUBLISHED,)),
    case("closed 40 days, publication not recorded", Dispatch.DISPATCH, labels=ANNOUNCED, closed_days=40),
    case("closed 10 days, published", Dispatch.DISPATCH, labels=ANNOUNCED, closed_days=10, rollup=(PUBLISHED,)),
    case("pr merged, steward last", Dispatch.RELEASE_WATCH, (said("kit", "hi", 200), STEWARD), labels=MERGED),
    case("pr merged, bot login last", Dispatch.RELEASE_WATCH, (said("widget-ci", "CI passed", 100),), labels=MERGED),
    case("pr merged, [bot] last", Dispatch.RELEASE_WATCH, (said("dependabot[bot]", "bump", 100),), labels=MERGED),
    case("pr merged, human last, old", Dispatch.DISPATCH, (said("kit", "waiting", 100),), labels=MERGED),
    case("fix released, steward last", Dispatch.ARCHIVE_WATCH, (STEWARD,), labels=RELEASED),
    case("no comments at all", Dispatch.DISPATCH, labels=MERGED),
    case("a steward comment within 24 h is not urgent", Dispatch.ARCHIVE_WATCH, (said("alex", ROLLUP, 1),),
         labels=RELEASED),
]  # fmt: skip


@pytest.mark.parametrize("c", CASES)
def test_first_match_wins(pctx: SyncContext, c: Case) -> None:
    verdict = classify(row(pctx, **c.shape), c.comments, c.rollup, pctx, named=c.named)
    assert verdict.kind is c.expected, verdict.reason


def test_steward_marker_counts_only_at_the_start(pctx: SyncContext) -> None:
    assert is_steward_or_bot(said("kit", "<!-- steward: status-rollup v1 -->", 1), pctx)
    assert not is_steward_or_bot(said("kit", "quoting <!-- steward: status-rollup v1 -->", 1), pctx)


def test_urgent_trackers_are_numbered_first() -> None:
    item = SyncItem(9, "S13", "9:S13:x", "move", False, Change(board=True))
    other = SyncItem(2, "S13", "2:S13:x", "move", False, Change(board=True))
    proposal = build_proposal([(2, "b", [other], []), (9, "a", [item], [])], classes={9: "dispatch-urgent"})
    assert [(s.n, s.tracker, s.preflight) for s in proposal.sections] == [(1, 9, "dispatch-urgent"), (2, 2, None)]
    assert [ref for ref, _ in proposal.bucket(False)] == ["1:1", "2:1"]
