from __future__ import annotations

from dataclasses import replace
from typing import cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain import lifecycle as lc
from steward.domain.labels import LabelContext, invariant_violations
from steward.domain.lifecycle import RecordState, State, TrackerFacts
from steward.domain.roles import CloseReason, Label
from steward.errors import Refused, UsageError

CTX = LabelContext(scopes=frozenset({"core", "ui"}))
NP = CloseReason.NOT_PLANNED
BASE = frozenset({"security issue", "TLP:AMBER"})


def facts(*labels: str, **kw: object) -> TrackerFacts:
    return replace(TrackerFacts(BASE | frozenset(labels), number=12), **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------- §3.1 states


@pytest.mark.parametrize(
    ("labels", "closed", "reason", "state", "row"),
    [
        ({"core", "announced", "announced - emails sent"}, True, CloseReason.COMPLETED, State.CLOSED_ANNOUNCED, 1),
        ({"invalid"}, True, NP, State.CLOSED_INVALID, 2),
        ({"not CVE worthy"}, True, NP, State.CLOSED_NOT_CVE_WORTHY, 2),
        ({"duplicate", "core"}, True, NP, State.CLOSED_DUPLICATE, 2),
        ({"wontfix"}, True, NP, State.CLOSED_WONTFIX, 2),
        ({"invalid", "wontfix"}, True, NP, State.DRIFT, 3),
        ({"core"}, True, CloseReason.COMPLETED, State.DRIFT, 3),
        ({"announced"}, True, NP, State.DRIFT, 3),
        ({"core"}, True, None, State.DRIFT, 3),
        ({"core", "announced", "fix released"}, False, None, State.ANNOUNCED, 4),
        ({"core", "fix released", "pr merged"}, False, None, State.FIX_RELEASED, 5),
        ({"core", "pr merged", "pr created"}, False, None, State.PR_MERGED, 5),
        ({"core", "pr created", "needs triage"}, False, None, State.PR_CREATED, 5),
        ({"needs triage", "cve allocated"}, False, None, State.NEEDS_TRIAGE, 6),
        ({"core", "cve allocated"}, False, None, State.CVE_ALLOCATED, 7),
        ({"ui"}, False, None, State.ASSESSED, 8),
        (set(), False, None, State.DRIFT, 9),
        ({"announced - emails sent"}, False, None, State.DRIFT, 9),
    ],
)
def test_state_rows(labels: set[str], closed: bool, reason: CloseReason | None, state: State, row: int) -> None:
    have = BASE | labels
    assert lc.state_row(have, closed, reason, CTX) == row
    assert lc.state_of(have, closed, reason, CTX) is state


def test_drift_is_neither_open_nor_closed_set() -> None:
    assert State.DRIFT not in lc.OPEN_STATES
    assert State.DRIFT not in lc.CLOSED_STATES
    assert len(lc.OPEN_STATES | lc.CLOSED_STATES) == len(State) - 1


ALL_NAMES = sorted(set(CTX.names.all()) | set(CTX.scopes) | set(CTX.tlp) | {"help wanted", "backport"})


def _rows_matching(labels: frozenset[str], closed: bool, reason: CloseReason | None) -> list[int]:
    """An independent reading of the §3.1 predicates: every row that matches."""
    disp = CTX.dispositions(labels)
    rows = []
    if closed and reason is CloseReason.COMPLETED and "announced" in labels:
        rows.append(1)
    if closed and reason is NP and len(disp) == 1:
        rows.append(2)
    if closed:
        rows.append(3)
    if not closed:
        rows += [4] if "announced" in labels else []
        rows += [5] if CTX.fix_axis(labels) else []
        rows += [6] if "needs triage" in labels else []
        rows += [7] if "cve allocated" in labels else []
        rows += [8] if CTX.scope_labels(labels) else []
        rows.append(9)
    return rows


@given(
    st.frozensets(st.sampled_from(ALL_NAMES)),
    st.booleans(),
    st.sampled_from([None, CloseReason.COMPLETED, NP]),
)
def test_state_of_is_total_and_first_match(labels: frozenset[str], closed: bool, reason: CloseReason | None) -> None:
    state = lc.state_of(labels, closed, reason, CTX)
    assert isinstance(state, State)
    assert lc.state_row(labels, closed, reason, CTX) == _rows_matching(labels, closed, reason)[0]
    if state in lc.OPEN_STATES:
        assert not closed
    if state in lc.CLOSED_STATES:
        assert closed


# ---------------------------------------------------------------- transitions as data


def test_transition_table_complete() -> None:
    assert [t.id for t in lc.TRANSITIONS] == [f"T{i}" for i in range(1, 18)]
    for t in lc.TRANSITIONS:
        assert State.DRIFT not in t.to
        assert t.trigger and t.guard
    assert lc.TRANSITION_BY_ID["T3"].from_states == frozenset()
    assert lc.TRANSITION_BY_ID["T6"].from_states == lc.TRANSITION_BY_ID["T5"].from_states | {State.FIX_RELEASED}
    assert State.CLOSED_ANNOUNCED not in lc.TRANSITION_BY_ID["T17"].from_states


# ---------------------------------------------------------------- label effects


def test_created_and_import_pr_labels() -> None:
    assert lc.created_labels(CTX, "TLP:AMBER") == {"needs triage", "security issue", "TLP:AMBER"}
    with pytest.raises(UsageError):
        lc.created_labels(CTX, "TLP:PURPLE")
    labels = lc.import_pr_labels(CTX, "core", True, "TLP:AMBER", untracked=True, milestone_resolvable=True)
    assert labels == {"core", "pr merged", "security issue", "TLP:AMBER"}
    assert lc.state_of(labels, False, None, CTX) is State.PR_MERGED
    with pytest.raises(Refused, match="T3"):
        lc.import_pr_labels(CTX, "docs", False, "TLP:AMBER", untracked=True, milestone_resolvable=True)
    with pytest.raises(Refused, match="--force"):
        lc.import_pr_labels(CTX, "core", False, "TLP:AMBER", untracked=False, milestone_resolvable=True)


def test_t4() -> None:
    effect = lc.triage_valid_effect(facts("needs triage"), CTX, "core", quorum=True)
    assert effect.labels == BASE | {"core"}
    assert effect.transition == "T4"
    assert effect.removed == {"needs triage"}
    with pytest.raises(Refused, match="T4 needs exactly one scope label; add one with --scope"):
        lc.triage_valid_effect(facts("needs triage"), CTX, None, quorum=True)
    with pytest.raises(Refused, match="quorum"):
        lc.triage_valid_effect(facts("needs triage"), CTX, "core", quorum=False)
    with pytest.raises(Refused, match="core, ui"):
        lc.triage_valid_effect(facts("needs triage", "ui"), CTX, "core", quorum=True)
    kept = lc.triage_valid_effect(facts("needs triage", "ui", "cve allocated"), CTX, None, quorum=True)
    assert lc.state_of(kept.labels, False, None, CTX) is State.CVE_ALLOCATED
    with pytest.raises(Refused, match="T4 applies to needs-triage"):
        lc.triage_valid_effect(facts("core"), CTX, "core", quorum=True)


def test_t5_labels_and_hard_stops() -> None:
    tracker = facts("core", "cve allocated", "pr merged", "rc voting", has_cve_id=True)
    effect = lc.close_effect(replace(tracker, record_state=RecordState.RETRACTED), CTX, Label.INVALID, quorum=True)
    assert effect.labels == BASE | {"cve allocated", "rc voting", "invalid"}
    assert effect.closed and effect.close_reason is NP
    for record, match in [
        (RecordState.ALLOCATED, "retract it first"),
        (RecordState.REVIEW_READY, "retract it first"),
        (RecordState.PUBLISH_READY, "escalate"),
        (RecordState.PUBLIC, "escalate"),
        (None, "unknown"),
        (RecordState.UNKNOWN, "unknown"),
    ]:
        with pytest.raises(Refused, match=match):
            lc.close_effect(replace(tracker, record_state=record), CTX, Label.WONTFIX, quorum=True)
    confirmed = lc.close_effect(tracker, CTX, Label.WONTFIX, quorum=True, unknown_record_confirmed=True)
    assert "wontfix" in confirmed.labels
    with pytest.raises(Refused, match="shipped fix"):
        lc.close_effect(facts("core", "fix released"), CTX, Label.INVALID, quorum=True)
    with pytest.raises(Refused, match="announced"):
        lc.close_effect(facts("core", "announced", "announced - emails sent"), CTX, Label.INVALID, quorum=True)
    with pytest.raises(Refused, match="quorum"):
        lc.close_effect(facts("needs triage"), CTX, Label.NOT_CVE_WORTHY, quorum=False)
    with pytest.raises(UsageError):
        lc.close_effect(facts("needs triage"), CTX, Label.DUPLICATE, quorum=True)
    closed = facts("invalid", closed=True, close_reason=NP)
    assert not lc.close_effect(closed, CTX, Label.INVALID, quorum=True).changed


def test_t5_from_needs_triage_has_no_cve() -> None:
    effect = lc.close_effect(facts("needs triage"), CTX, Label.NOT_CVE_WORTHY, quorum=True)
    assert effect.labels == BASE | {"not CVE worthy"}
    assert lc.state_of(effect.labels, effect.closed, effect.close_reason, CTX) is State.CLOSED_NOT_CVE_WORTHY


def test_t6() -> None:
    effect = lc.duplicate_effect(facts("core", "fix released"), CTX, pair_clear=True)
    assert effect.labels == BASE | {"core", "fix released", "duplicate"}
    assert lc.duplicate_effect(facts("needs triage"), CTX, pair_clear=True).labels == BASE | {"duplicate"}
    with pytest.raises(Refused, match="publish-ready"):
        lc.duplicate_effect(facts("core", record_state=RecordState.PUBLISH_READY), CTX, pair_clear=True)
    with pytest.raises(Refused, match="already closed"):
        lc.duplicate_effect(facts("invalid", closed=True, close_reason=NP), CTX, pair_clear=True)
    with pytest.raises(Refused, match=r"§6\.2"):
        lc.duplicate_effect(facts("core"), CTX, pair_clear=False)


def test_t7() -> None:
    ok = facts("core", has_cve_id=True)
    assert lc.cve_allocated_effect(ok, CTX, gate_passed=True).added == {"cve allocated"}
    assert lc.cve_allocated_effect(facts("ui", "pr created", has_cve_id=True), CTX, gate_passed=True).changed
    cases = [
        (facts("core"), "valid CVE id"),
        (facts("needs triage", has_cve_id=True), "needs triage"),
        (facts("core", "cve allocated", has_cve_id=True), "already"),
        (facts("core", "ui", has_cve_id=True), "exactly one scope"),
        (facts("core", "fix released", has_cve_id=True), "T7 applies"),
        (facts("duplicate", closed=True, close_reason=NP, has_cve_id=True), "closed"),
    ]
    for tracker, match in cases:
        with pytest.raises(Refused, match=match):
            lc.cve_allocated_effect(tracker, CTX, gate_passed=True)
    with pytest.raises(Refused, match="gate"):
        lc.cve_allocated_effect(ok, CTX, gate_passed=False)


def test_t8_to_t12_chain() -> None:
    tracker = facts("core", "cve allocated", has_pr_url=True)
    tracker = tracker.apply(lc.pr_created_effect(tracker, CTX))
    assert tracker.state(CTX) is State.PR_CREATED
    tracker = tracker.apply(lc.pr_merged_effect(tracker, CTX, merged=True))
    assert tracker.labels == BASE | {"core", "cve allocated", "pr merged"}
    tracker = replace(tracker, labels=tracker.labels | {"rc voting"})
    tracker = tracker.apply(lc.fix_released_effect(tracker, CTX, released=True, gate_passed=True))
    assert tracker.labels == BASE | {"core", "cve allocated", "fix released"}
    half = tracker.apply(lc.close_out_effect(tracker, CTX, archived=True, close=False))
    assert half.state(CTX) is State.ANNOUNCED
    done = half.apply(lc.close_out_effect(half, CTX, archived=True))
    assert done.labels == {
        "security issue",
        "TLP:CLEAR",
        "core",
        "cve allocated",
        "announced",
        "announced - emails sent",
    }
    assert done.state(CTX) is State.CLOSED_ANNOUNCED
    assert not lc.cve_published_check(done, CTX, recorded=False).changed
    with pytest.raises(Refused, match="already recorded"):
        lc.cve_published_check(done, CTX, recorded=True)
    with pytest.raises(Refused, match="T14"):
        lc.credit_check(done, CTX, authorised=False)
    with pytest.raises(Refused, match="never reopens"):
        lc.reopen_effect(done, CTX, roster_member=True)


def test_t8_refusals() -> None:
    with pytest.raises(Refused, match="fix link 12 URL"):
        lc.pr_created_effect(facts("core"), CTX)
    with pytest.raises(Refused, match="validity decision"):
        lc.pr_created_effect(facts("needs triage", has_pr_url=True), CTX)


def test_t9_t10_t11_guards() -> None:
    pr = facts("core", "pr created")
    with pytest.raises(Refused, match="steward sync 12"):
        lc.pr_merged_effect(pr, CTX, merged=False)
    assert lc.pr_closed_unmerged_effect(pr, CTX, other_pr=False).labels == BASE | {"core"}
    with pytest.raises(Refused, match="another PR"):
        lc.pr_closed_unmerged_effect(pr, CTX, other_pr=True)
    merged = facts("core", "pr merged")
    with pytest.raises(Refused, match="two-stage"):
        lc.fix_released_effect(merged, CTX, released=True, gate_passed=False)
    with pytest.raises(Refused, match="T12 applies"):
        lc.close_out_effect(merged, CTX, archived=True)


def test_t15_t16() -> None:
    with pytest.raises(Refused, match="not stalled"):
        lc.stall_check(facts("core"), CTX, stalled=False)
    anchor = facts("core", "pr created", "cve allocated", "TLP:RED")
    anchor = replace(anchor, labels=anchor.labels - {"TLP:AMBER"})
    assert lc.split_labels(anchor, CTX, "ui", shared_cve=True, confirmed=True) == {
        "ui",
        "security issue",
        "TLP:RED",
        "pr created",
        "cve allocated",
    }
    assert lc.split_labels(facts("needs triage", "core"), CTX, "ui", shared_cve=False, confirmed=True) == (
        BASE | {"ui", "needs triage"}
    )
    with pytest.raises(Refused, match="anchor"):
        lc.split_labels(anchor, CTX, "core", shared_cve=False, confirmed=True)


def test_t17() -> None:
    dup = facts("duplicate", "core", "fix released", "cve allocated", closed=True, close_reason=NP)
    effect = lc.reopen_effect(dup, CTX, roster_member=True)
    assert effect.labels == BASE | {"core", "cve allocated", "needs triage"}
    assert not effect.closed and effect.close_reason is None
    with pytest.raises(Refused, match="roster"):
        lc.reopen_effect(dup, CTX, roster_member=False)
    with pytest.raises(Refused, match="T17 applies"):
        lc.reopen_effect(facts("core"), CTX, roster_member=True)


def test_disposition_from_states() -> None:
    with pytest.raises(Refused, match="needs-triage through fix-released"):
        lc.check_disposition(facts(), CTX, Label.DUPLICATE)
    lc.check_disposition(facts("core", "fix released"), CTX, Label.DUPLICATE)
    with pytest.raises(Refused, match="through pr-merged"):
        lc.check_disposition(facts("core", "fix released"), CTX, Label.INVALID)


# ---------------------------------------------------------------- steward label


def edit(tracker: TrackerFacts, add: list[str] = [], remove: list[str] = [], **kw: bool) -> lc.LabelEdit:  # noqa: B006
    return lc.check_label_edit(tracker, CTX, add, remove, **kw)


def test_free_labels() -> None:
    result = edit(facts("core"), add=["help wanted", "rc voting"])
    assert result.new_labels == BASE | {"core", "help wanted", "rc voting"}
    assert result.rule == "L-free" and result.transition is None
    assert edit(facts("core", "rc voting"), remove=["rc voting"]).new_labels == BASE | {"core"}


def test_noop() -> None:
    result = edit(facts("core"), add=["core"], remove=["pr merged"])
    assert result.new_labels == facts("core").labels
    assert result.rule == "noop"


def test_tlp_replace() -> None:
    result = edit(facts("core"), add=["TLP:GREEN"])
    assert result.new_labels == {"security issue", "TLP:GREEN", "core"}
    assert result.rule == "L-tlp"
    with pytest.raises(Refused, match="without a TLP label"):
        edit(facts("core"), remove=["TLP:AMBER"])
    with pytest.raises(Refused, match="never stacked"):
        edit(facts("core"), add=["TLP:GREEN", "TLP:RED"])
    repaired = edit(facts("core", "TLP:RED"), remove=["TLP:RED"])
    assert repaired.new_labels == BASE | {"core"}
    closed = edit(facts("invalid", closed=True, close_reason=NP), add=["TLP:CLEAR"])
    assert "TLP:CLEAR" in closed.new_labels


def test_scope_replace() -> None:
    result = edit(facts("core", "pr created"), add=["ui"])
    assert result.new_labels == BASE | {"ui", "pr created"}
    assert result.rule == "L-scope"
    assert edit(facts("core"), add=["ui"], remove=["core"]).new_labels == BASE | {"ui"}
    with pytest.raises(Refused, match="T4"):
        edit(facts("needs triage"), add=["core"])
    with pytest.raises(Refused, match="without a scope label"):
        edit(facts("core"), remove=["core"])
    with pytest.raises(Refused, match="closed"):
        edit(facts("core", "duplicate", closed=True, close_reason=NP), add=["ui"])


def test_scope_add_second_refused() -> None:
    ctx3 = LabelContext(scopes=frozenset({"core", "ui", "cli"}))
    with pytest.raises(Refused, match="L-scope"):
        lc.check_label_edit(facts("core"), ctx3, ["ui", "cli"], [])


def test_transitions_by_label() -> None:
    t8 = edit(facts("core", "cve allocated", has_pr_url=True), add=["pr created"])
    assert t8.transition == "T8" and t8.rule == "T8"
    assert "pr created" in t8.new_labels
    t7 = edit(facts("core", has_cve_id=True), add=["cve allocated", "help wanted"], gate_passed=True)
    assert t7.transition == "T7" and t7.rule == "L-free+T7"
    with pytest.raises(Refused, match="gate"):
        edit(facts("core", has_cve_id=True), add=["cve allocated"])
    with pytest.raises(Refused, match="fix link"):
        edit(facts("core"), add=["pr created"])
    with pytest.raises(Refused, match="one lifecycle label"):
        edit(facts("core", has_cve_id=True, has_pr_url=True), add=["cve allocated", "pr created"], gate_passed=True)


@pytest.mark.parametrize(
    ("labels", "add", "remove", "match"),
    [
        (("core", "pr created"), ["pr merged"], [], r"label 'pr merged' changes only through T9 .*steward sync 12"),
        (("core", "pr merged"), [], ["pr merged"], "T11"),
        (("core", "pr created"), [], ["pr created"], "T9 or T10"),
        (("core", "pr merged"), ["fix released"], [], "T11"),
        (("core", "fix released"), [], ["fix released"], "T12"),
        (("core", "fix released"), ["announced"], [], "D4"),
        (("core", "fix released"), ["announced - emails sent"], [], "D4"),
        (("core",), ["invalid"], [], "L-disposition"),
        (("core",), ["needs triage"], [], "T17"),
        (("needs triage",), [], ["needs triage"], "triage decision"),
        (("core",), [], ["security issue"], "L-marker"),
        (("core", "cve allocated"), [], ["cve allocated"], "retract"),
        (("core",), ["rejections-ledger"], [], "ledger"),
    ],
)
def test_label_edit_refusals(labels: tuple[str, ...], add: list[str], remove: list[str], match: str) -> None:
    with pytest.raises(Refused, match=match):
        edit(facts(*labels), add=add, remove=remove)


def test_label_in_add_and_remove_is_usage_error() -> None:
    with pytest.raises(UsageError):
        edit(facts("core"), add=["x"], remove=["x"])


# ---------------------------------------------------------------- property: invariants hold

SCOPES = sorted(CTX.scopes)
_FORWARD: list[tuple[str, object]] = [
    *(("t4", scope) for scope in SCOPES),
    ("t7", None),
    ("t8", None),
    ("t9", None),
    ("t11", None),
    ("t12", False),
    ("t12", True),
    ("pr_url", None),
    ("cve_id", None),
]
_OTHER: list[tuple[str, object]] = [
    ("t4", None),
    *(("t5", d) for d in (Label.INVALID, Label.NOT_CVE_WORTHY, Label.WONTFIX)),
    ("t6", None),
    ("t10", None),
    ("t17", None),
    *(("record", r) for r in RecordState),
]
OPS = st.one_of(
    st.sampled_from(_FORWARD * 4 + _OTHER),
    st.tuples(
        st.just("edit"),
        st.tuples(st.lists(st.sampled_from(ALL_NAMES), max_size=3), st.lists(st.sampled_from(ALL_NAMES), max_size=3)),
    ),
)


def _step(tracker: TrackerFacts, op: str, arg: object) -> TrackerFacts:
    if op == "pr_url":
        return replace(tracker, has_pr_url=True)
    if op == "cve_id":
        return replace(tracker, has_cve_id=True)
    if op == "record":
        assert isinstance(arg, RecordState)
        return replace(tracker, record_state=arg)
    if op == "edit":
        add, remove = cast("tuple[list[str], list[str]]", arg)
        result = lc.check_label_edit(tracker, CTX, add, remove, gate_passed=True)
        return replace(tracker, labels=result.new_labels)
    effects = {
        "t4": lambda: lc.triage_valid_effect(tracker, CTX, arg, quorum=True),  # type: ignore[arg-type]
        "t5": lambda: lc.close_effect(tracker, CTX, arg, quorum=True, unknown_record_confirmed=True),  # type: ignore[arg-type]
        "t6": lambda: lc.duplicate_effect(tracker, CTX, pair_clear=True),
        "t7": lambda: lc.cve_allocated_effect(tracker, CTX, gate_passed=True),
        "t8": lambda: lc.pr_created_effect(tracker, CTX),
        "t9": lambda: lc.pr_merged_effect(tracker, CTX, merged=True),
        "t10": lambda: lc.pr_closed_unmerged_effect(tracker, CTX, other_pr=False),
        "t11": lambda: lc.fix_released_effect(tracker, CTX, released=True, gate_passed=True),
        "t12": lambda: lc.close_out_effect(tracker, CTX, archived=True, close=bool(arg)),
        "t17": lambda: lc.reopen_effect(tracker, CTX, roster_member=True),
    }
    return tracker.apply(effects[op]())


@settings(max_examples=300)
@given(st.lists(OPS, max_size=40))
def test_no_allowed_sequence_breaks_an_invariant(ops: list[tuple[str, object]]) -> None:
    tracker = TrackerFacts(lc.created_labels(CTX, "TLP:AMBER"), number=1)
    for op, arg in ops:
        try:
            tracker = _step(tracker, op, arg)
        except (Refused, UsageError):
            continue
        broken = invariant_violations(tracker.labels, tracker.closed, tracker.close_reason, CTX)
        assert broken == [], (op, arg, tracker)
        assert tracker.state(CTX) is not State.DRIFT


@settings(max_examples=200)
@given(st.data())
def test_random_walk_over_allowed_steps_keeps_invariants(data: st.DataObject) -> None:
    """Walks only through steps the domain allows, so deep states (announced, closed-announced) are reached."""
    tracker = TrackerFacts(lc.created_labels(CTX, "TLP:AMBER"), number=1)
    seen = {tracker.state(CTX)}
    for _ in range(30):
        edit_op: tuple[str, object] = (
            "edit",
            data.draw(st.tuples(st.lists(st.sampled_from(ALL_NAMES), max_size=2), st.just([]))),
        )
        allowed: list[TrackerFacts] = []
        for op, arg in [*_FORWARD, *_OTHER, edit_op]:
            try:
                allowed.append(_step(tracker, op, arg))
            except (Refused, UsageError):
                continue
        if not allowed:
            break
        tracker = data.draw(st.sampled_from(allowed))
        assert invariant_violations(tracker.labels, tracker.closed, tracker.close_reason, CTX) == []
        seen.add(tracker.state(CTX))
    assert State.DRIFT not in seen


def test_walk_reaches_closed_announced() -> None:
    tracker = TrackerFacts(lc.created_labels(CTX, "TLP:AMBER"), number=1)
    for op, arg in [("t4", "core"), ("cve_id", None), ("t7", None), ("pr_url", None), ("t8", None), ("t9", None),
                    ("t11", None), ("t12", False), ("t12", True)]:  # fmt: skip
        tracker = _step(tracker, op, arg)
        assert invariant_violations(tracker.labels, tracker.closed, tracker.close_reason, CTX) == []
    assert tracker.state(CTX) is State.CLOSED_ANNOUNCED
