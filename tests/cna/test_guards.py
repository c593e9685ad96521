"""The §7.3 merge guards: state order, reference union, product lock, vendor-advisory, diffs."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fixtures import ADVISORY_URL, sample_record
from hypothesis import given
from hypothesis import strategies as st

from steward.cna import guards
from steward.cna.interface import ORDER, AlreadyPublic, GuardRefused, InvalidState
from steward.domain.lifecycle import RecordState

CVE = "CVE-2031-1001"
LIVE = st.sampled_from(ORDER)
REQUEST = st.sampled_from([None, *ORDER[:-1]])
URLS = st.sampled_from([f"https://example.org/{n}" for n in range(6)])
TAGS = st.lists(st.sampled_from(["patch", "vendor-advisory", "mailing-list"]), max_size=2, unique=True)
REFS = st.lists(st.fixed_dictionaries({"url": URLS}, optional={"tags": TAGS}), max_size=6)


@given(LIVE, REQUEST)
def test_target_never_lowers_and_never_becomes_public(current: RecordState, requested: RecordState | None) -> None:
    target = guards.target_state(current, requested)
    assert ORDER.index(target) >= ORDER.index(current)
    if requested is not None:
        assert ORDER.index(target) >= ORDER.index(requested)
    assert target != RecordState.PUBLIC or current == RecordState.PUBLIC


def test_target_examples() -> None:
    assert guards.target_state(RecordState.PUBLISH_READY, RecordState.REVIEW_READY) == RecordState.PUBLISH_READY
    assert guards.target_state(RecordState.NONE, None) == RecordState.ALLOCATED
    assert guards.target_state(RecordState.ALLOCATED, RecordState.REVIEW_READY) == RecordState.REVIEW_READY
    with pytest.raises(InvalidState, match="publish"):
        guards.target_state(RecordState.PUBLISH_READY, RecordState.PUBLIC)
    with pytest.raises(InvalidState, match="terminal"):
        guards.target_state(RecordState.RETRACTED, None)
    with pytest.raises(InvalidState):
        guards.target_state(RecordState.ALLOCATED, RecordState.RETRACTED)


def test_refuse_downgrade_ready_to_review() -> None:
    with pytest.raises(InvalidState, match="publish-ready' to 'review-ready"):
        guards.refuse_downgrade(RecordState.PUBLISH_READY, RecordState.REVIEW_READY)
    guards.refuse_downgrade(RecordState.REVIEW_READY, RecordState.PUBLISH_READY)


@pytest.mark.parametrize(
    ("state", "outcome"),
    [
        (RecordState.ALLOCATED, InvalidState),
        (RecordState.REVIEW_READY, True),
        (RecordState.PUBLISH_READY, True),
        (RecordState.PUBLIC, False),
        (RecordState.RETRACTED, InvalidState),
        (RecordState.UNKNOWN, InvalidState),
    ],
)
def test_check_publish(state: RecordState, outcome: object) -> None:
    if isinstance(outcome, bool):
        assert guards.check_publish(state) is outcome
    else:
        with pytest.raises(InvalidState):
            guards.check_publish(state)


def test_a_tool_without_review_steps_publishes_from_allocated() -> None:
    assert guards.check_publish(RecordState.ALLOCATED, (RecordState.ALLOCATED, RecordState.PUBLIC))
    with pytest.raises(InvalidState):
        guards.check_publish(
            RecordState.ALLOCATED, (RecordState.ALLOCATED, RecordState.PUBLISH_READY, RecordState.PUBLIC)
        )


def test_check_retract() -> None:
    guards.check_retract(RecordState.PUBLISH_READY)
    with pytest.raises(AlreadyPublic, match="governance"):
        guards.check_retract(RecordState.PUBLIC)
    with pytest.raises(InvalidState, match="terminal"):
        guards.check_retract(RecordState.RETRACTED)


@given(REFS, REFS)
def test_union_keeps_every_url_once_and_current_order_first(current: list[Any], incoming: list[Any]) -> None:
    merged = guards.union_references(current, incoming)
    urls = [r["url"] for r in merged]
    assert len(urls) == len(set(urls))
    assert set(urls) == {r["url"] for r in current + incoming}
    first_seen = list(dict.fromkeys(r["url"] for r in current))
    assert urls[: len(first_seen)] == first_seen
    for ref in current + incoming:
        kept = next(r for r in merged if r["url"] == ref["url"])
        assert set(ref.get("tags", [])) <= set(kept.get("tags", []))


@given(REFS, REFS)
def test_union_is_idempotent(current: list[Any], incoming: list[Any]) -> None:
    once = guards.union_references(current, incoming)
    assert guards.union_references(once, incoming) == once


@given(REFS)
def test_a_repeated_push_has_an_empty_diff(refs: list[Any]) -> None:
    record = sample_record(CVE)
    record["containers"]["cna"]["references"] += refs
    stored = guards.merge_record(record, copy.deepcopy(record))
    again = guards.merge_record(stored, copy.deepcopy(record))
    assert not guards.diff_records(stored, again)
    assert not guards.diff_records(stored, guards.merge_record(stored, stored))


def test_merge_does_not_mutate_its_inputs() -> None:
    current = sample_record(CVE, refs=("https://example.org/tool-side",))
    incoming = sample_record(CVE, advisory=True)
    snapshot = (copy.deepcopy(current), copy.deepcopy(incoming))
    merged = guards.merge_record(current, incoming)
    assert (current, incoming) == snapshot
    assert [r["url"] for r in merged["containers"]["cna"]["references"]][-2:] == [
        "https://example.org/tool-side",
        ADVISORY_URL,
    ]


def test_product_change_needs_permission() -> None:
    current = sample_record(CVE)
    other = sample_record(CVE, product="Other Widget")
    with pytest.raises(GuardRefused, match="--allow-product-change"):
        guards.merge_record(current, other)
    assert guards.merge_record(current, other, allow_product_change=True)["containers"]["cna"]["affected"][0][
        "product"
    ] == ("Other Widget")
    guards.merge_record({}, other)  # nothing to protect yet
    changed_versions = sample_record(CVE)
    changed_versions["containers"]["cna"]["affected"][0]["versions"][0]["lessThan"] = "1.5.0"
    guards.merge_record(current, changed_versions)  # versions may change


def test_vendor_advisory_guard() -> None:
    with pytest.raises(GuardRefused, match="vendor-advisory"):
        guards.require_vendor_advisory(sample_record(CVE), CVE)
    guards.require_vendor_advisory(sample_record(CVE, advisory=True), CVE)
    assert guards.has_vendor_advisory(sample_record(CVE, advisory=True)["containers"]["cna"])


def test_diff_paths_and_state_change() -> None:
    old = sample_record(CVE)
    new = sample_record(CVE, advisory=True)
    new["containers"]["cna"]["title"] = "changed"
    del new["containers"]["cna"]["problemTypes"]
    diff = guards.diff_records(old, new, RecordState.ALLOCATED, RecordState.REVIEW_READY)
    assert "$.containers.cna.references[1].url" in diff.added
    assert "$.containers.cna.title" in diff.changed
    assert "$.containers.cna.problemTypes[0].descriptions[0].cweId" in diff.removed
    assert diff.state_change == (RecordState.ALLOCATED, RecordState.REVIEW_READY)
    assert not guards.diff_records(old, copy.deepcopy(old), RecordState.ALLOCATED, RecordState.ALLOCATED)


def test_plan_push_from_nothing_adds_everything_without_a_state_move() -> None:
    target, merged, diff = guards.plan_push(RecordState.NONE, None, sample_record(CVE), None)
    assert target == RecordState.ALLOCATED and merged == sample_record(CVE)
    assert diff.added and diff.state_change is None


def test_with_rejection_sets_the_reason_on_a_copy() -> None:
    record = sample_record(CVE)
    rejected = guards.with_rejection(record, "duplicate")
    assert rejected["containers"]["cna"]["rejectedReasons"] == [{"lang": "en", "value": "duplicate"}]
    assert "rejectedReasons" not in record["containers"]["cna"]
