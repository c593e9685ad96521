"""S7, S13, S14 (with the §2.8 repair property), S17 and S19 on pure facts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_rule_support import BASE

from steward.domain.labels import invariant_violations
from steward.domain.roles import DEFAULT_LABELS, TLP_LABELS, CloseReason, Field
from steward.domain.rollup import RollupEntry, append_entry
from steward.sync.body import append_related
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.rules.s07_title import s7_title
from steward.sync.rules.s13_board import s13_board
from steward.sync.rules.s14_labels import repair_labels, s14_labels
from steward.sync.rules.s17_cve_json import regenerate, s17_cve_json
from steward.sync.rules.s19_drafts_gone import s19_drafts_gone

Make = Callable[..., TrackerFacts]
CVE = "CVE-2031-1234"


# ---------------------------------------------------------------- S7


def test_s7_strips_a_prefix_and_keeps_the_token(make: Make, ctx: SyncContext) -> None:
    item = s7_title(make(title="Re: [SECURITY] Template loader follows symlinks outside the root"), ctx)
    assert item is not None and item.cve_affecting
    assert item.change.title == "Template loader follows symlinks outside the root"
    assert "[SECURITY]" in item.change.related


def test_s7_none_on_a_fixpoint(make: Make, ctx: SyncContext) -> None:
    assert s7_title(make(title="Template loader follows symlinks outside the root"), ctx) is None


def test_s7_none_on_an_over_strip(make: Make, ctx: SyncContext) -> None:
    assert s7_title(make(title="[SECURITY] Bug"), ctx) is None


def test_related_references_section_is_appended_once(ctx: SyncContext) -> None:
    body = "### The issue description\n\nText.\n"
    once = append_related(body, ["SECURITY"], ctx.headings)
    assert "### Related references\n\n- SECURITY\n" in once
    assert append_related(once, ["security"], ctx.headings) == once
    assert append_related(once, ["GHSA-aaaa-bbbb-cccc"], ctx.headings).count("### Related references") == 1


# ---------------------------------------------------------------- S13


@pytest.mark.parametrize(
    ("labels", "board", "want"),
    [
        ([*BASE, "pr created"], "CVE allocated", "PR created"),
        ([*BASE], None, "CVE allocated"),
        (["security issue", "TLP:AMBER+STRICT", "needs triage"], "Assessed", "Needs triage"),
    ],
)
def test_s13_moves_a_drifted_column(
    make: Make, ctx: SyncContext, labels: list[str], board: str | None, want: str
) -> None:
    item = s13_board(make(labels=labels, board=board), ctx)
    assert item is not None and item.key.endswith(f":S13:{want}") and item.change.board


def test_s13_none_when_right_closed_or_disabled(make: Make, ctx: SyncContext) -> None:
    from sync_rule_support import make_ctx

    assert s13_board(make(labels=[*BASE, "pr created"], board="PR created"), ctx) is None
    assert s13_board(make(labels=[*BASE, "invalid"], closed="not planned", board="Assessed"), ctx) is None
    off = make_ctx(tracker={"upstream_repo": "example/widget", "project_board_enabled": False})
    assert s13_board(make(labels=[*BASE], board="Announced"), off) is None


# ---------------------------------------------------------------- S14


@pytest.mark.parametrize(
    ("labels", "added", "removed"),
    [
        (["TLP:AMBER+STRICT", "widget", "pr created"], {"security issue"}, set()),
        ([*BASE, "pr created", "pr merged"], set(), {"pr created"}),
        ([*BASE, "announced"], {"announced - emails sent"}, set()),
        ([*BASE, "needs triage", "pr created"], set(), {"needs triage"}),
        (["security issue", "widget", "TLP:RED", "TLP:GREEN"], set(), {"TLP:GREEN"}),
        (["security issue", "widget"], {"TLP:AMBER+STRICT"}, set()),
        (["security issue", "TLP:AMBER"], {"widget"}, set()),
        ([*BASE, "wontfix"], set(), {"wontfix"}),
    ],
)
def test_s14_repairs(make: Make, ctx: SyncContext, labels: list[str], added: set[str], removed: set[str]) -> None:
    item = s14_labels(make(labels=labels), ctx)
    assert item is not None
    assert item.change.add_labels == added and item.change.remove_labels == removed


def test_s14_none_when_invariants_hold(make: Make, ctx: SyncContext) -> None:
    assert s14_labels(make(labels=[*BASE, "pr created"]), ctx) is None
    assert s14_labels(make(labels=["security issue", "TLP:CLEAR", "invalid"], closed="not planned"), ctx) is None


_NAMES = sorted({*DEFAULT_LABELS.values(), *TLP_LABELS, "widget", "other-scope", "free label"} - {"rejections-ledger"})


@settings(max_examples=300, deadline=None)
@given(
    labels=st.frozensets(st.sampled_from(_NAMES)),
    closed=st.booleans(),
    reason=st.sampled_from([None, CloseReason.COMPLETED, CloseReason.NOT_PLANNED]),
    scopes=st.sampled_from([frozenset({"widget"}), frozenset({"widget", "other-scope"})]),
)
def test_s14_repair_leaves_only_human_rules(
    labels: frozenset[str], closed: bool, reason: CloseReason | None, scopes: frozenset[str], ctx: SyncContext
) -> None:
    from dataclasses import replace

    labels_ctx = replace(ctx.labels, scopes=scopes)
    reason = reason if closed else None
    repair = repair_labels(labels, closed, reason, labels_ctx, "TLP:AMBER+STRICT")
    left = {v.rule for v in invariant_violations(repair.labels, closed, reason, labels_ctx)}
    assert left == set(repair.unresolved)
    assert left <= {"L-scope", "L-disposition"}
    if "L-disposition" in left:  # only a not-planned close without any disposition label needs a human
        assert closed and reason is CloseReason.NOT_PLANNED and not labels_ctx.dispositions(repair.labels)
    again = repair_labels(repair.labels, closed, reason, labels_ctx, "TLP:AMBER+STRICT")
    assert again.labels == repair.labels  # idempotent: the re-run proposes nothing


# ---------------------------------------------------------------- S17


def _allocated(make: Make, **kw: object) -> TrackerFacts:
    fields = {Field.CVE_TOOL_LINK: CVE, Field.SEVERITY: "medium"}
    return make(labels=[*BASE], board="CVE allocated", cve_id=CVE, fields=fields, **kw)


def test_s17_proposes_a_missing_or_stale_block(make: Make, ctx: SyncContext) -> None:
    facts = _allocated(make)
    item = s17_cve_json(facts, ctx)
    assert item is not None and item.change.push and item.cve_affecting
    fresh, _ = regenerate(facts.row, CVE, ctx)
    stale = fresh.replace('"medium"', '"low"')
    assert stale != fresh
    from dataclasses import replace

    assert s17_cve_json(replace(facts, row=replace(facts.row, body=stale)), ctx) is not None


def test_s17_none_when_the_block_is_current_or_not_wanted(make: Make, ctx: SyncContext) -> None:
    from dataclasses import replace

    facts = _allocated(make)
    fresh, _ = regenerate(facts.row, CVE, ctx)
    assert s17_cve_json(replace(facts, row=replace(facts.row, body=fresh)), ctx) is None
    assert s17_cve_json(make(labels=[*BASE]), ctx) is None  # no CVE id
    dup = make(labels=["security issue", "TLP:AMBER", "duplicate"], closed="not planned", cve_id=CVE)
    assert s17_cve_json(dup, ctx) is None


# ---------------------------------------------------------------- S19

KEY_A, KEY_B = "a" * 32, "b" * 32


def _rollup(*notifications: str, items: tuple[str, ...] = ()) -> list[str]:
    import datetime as dt

    bodies: list[str] = []
    for text in notifications:
        entry = RollupEntry(dt.date(2031, 5, 1), "alex", "Import (report, Lee)", "Imported.", items or ("x",),
                            "triage", text, "0" * 16)  # fmt: skip
        bodies = append_entry(bodies, entry)
    return bodies


def test_s19_names_drafts_gone_from_the_sink(make: Make, ctx: SyncContext) -> None:
    bodies = _rollup(f"Reporter notification drafted: {KEY_A}.", f"Reporter notification drafted: {KEY_B}.")
    item = s19_drafts_gone(make(rollup_bodies=bodies, sink_keys=frozenset({KEY_B})), ctx)
    assert item is not None and item.change.gone_drafts == (KEY_A,)


def test_s19_none_when_present_recorded_or_unread(make: Make, ctx: SyncContext) -> None:
    drafted = _rollup(f"Reporter notification drafted: {KEY_A}.")
    assert s19_drafts_gone(make(rollup_bodies=drafted, sink_keys=frozenset({KEY_A})), ctx) is None
    assert s19_drafts_gone(make(rollup_bodies=drafted, sink_keys=None), ctx) is None
    recorded = _rollup(
        f"Reporter notification drafted: {KEY_A}.",
        f"Reporter draft {KEY_A} is no longer in Drafts — sent or discarded.",
    )
    assert s19_drafts_gone(make(rollup_bodies=recorded, sink_keys=frozenset()), ctx) is None
