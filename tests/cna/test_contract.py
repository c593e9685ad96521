"""One contract suite (§7.3) run against every CNA adapter; steps a tool's `states` lacks are skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fixtures import HARNESSES, Harness, sample_record

from steward.cna.interface import (
    AllocationFields,
    AlreadyPublic,
    GuardRefused,
    InvalidState,
    NotApplicable,
)
from steward.cna.none import NoneTool
from steward.domain.lifecycle import RecordState
from steward.ids import is_cve

REVIEW_STEPS = (RecordState.REVIEW_READY, RecordState.PUBLISH_READY)


@pytest.fixture(params=HARNESSES, ids=lambda h: h.name)
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    made: Harness = request.param()
    with made.running():
        yield made


def _state(h: Harness, cve_id: str) -> RecordState:
    return h.tool.fetch_current_state(cve_id).state


def _to_publishable(h: Harness, cve_id: str, *, advisory: bool) -> None:
    h.tool.push_update(cve_id, sample_record(cve_id, advisory=advisory), RecordState.ALLOCATED)
    for step in REVIEW_STEPS:
        if step in h.tool.states:
            h.tool.push_update(cve_id, sample_record(cve_id, advisory=advisory), step)


def test_allocate_then_fetch_is_allocated(harness: Harness) -> None:
    cve_id = harness.allocate()
    assert is_cve(cve_id)
    assert _state(harness, cve_id) == RecordState.ALLOCATED


def test_push_reports_a_diff_and_an_empty_diff_on_repeat(harness: Harness) -> None:
    cve_id = harness.allocate()
    record = sample_record(cve_id)
    first = harness.tool.push_update(cve_id, record, RecordState.ALLOCATED)
    assert first and "$.containers.cna.title" in first.added
    again = harness.tool.push_update(cve_id, record, RecordState.ALLOCATED)
    assert not again and again.added == again.changed == again.removed == ()
    status = harness.tool.fetch_current_state(cve_id)
    assert status.state == RecordState.ALLOCATED
    assert status.fields["containers"]["cna"]["title"] == record["containers"]["cna"]["title"]


@pytest.mark.parametrize("step", REVIEW_STEPS)
def test_push_moves_forward_to_each_step_the_tool_has(harness: Harness, step: RecordState) -> None:
    if step not in harness.tool.states:
        pytest.skip(f"{harness.name} has no {step} step")
    cve_id = harness.allocate()
    harness.tool.push_update(cve_id, sample_record(cve_id), RecordState.ALLOCATED)
    moved = harness.tool.push_update(cve_id, sample_record(cve_id), step)
    assert moved.state_change == (RecordState.ALLOCATED, step)
    assert _state(harness, cve_id) == step


def test_downgrade_is_refused(harness: Harness) -> None:
    steps = [s for s in REVIEW_STEPS if s in harness.tool.states]
    if not steps:
        pytest.skip(f"{harness.name} has no step above allocated to lower")
    cve_id = harness.allocate()
    _to_publishable(harness, cve_id, advisory=False)
    top = steps[-1]
    for lower in (RecordState.ALLOCATED, *steps[:-1]):
        diff = harness.tool.push_update(cve_id, sample_record(cve_id), lower)
        assert diff.state_change is None and not diff
        assert _state(harness, cve_id) == top


def test_push_never_writes_public(harness: Harness) -> None:
    cve_id = harness.allocate()
    with pytest.raises(InvalidState, match="publish"):
        harness.tool.push_update(cve_id, sample_record(cve_id), RecordState.PUBLIC)
    assert _state(harness, cve_id) == RecordState.ALLOCATED


def test_product_change_is_refused_unless_allowed(harness: Harness) -> None:
    cve_id = harness.allocate()
    harness.tool.push_update(cve_id, sample_record(cve_id))
    with pytest.raises(GuardRefused, match="allow-product-change"):
        harness.tool.push_update(cve_id, sample_record(cve_id, product="Other Widget"))
    diff = harness.tool.push_update(cve_id, sample_record(cve_id, product="Other Widget"), allow_product_change=True)
    assert "$.containers.cna.affected[0].product" in diff.changed


def test_public_without_vendor_advisory_is_refused(harness: Harness) -> None:
    cve_id = harness.allocate()
    _to_publishable(harness, cve_id, advisory=False)
    with pytest.raises(GuardRefused, match="vendor-advisory"):
        harness.tool.publish(cve_id)
    assert _state(harness, cve_id) != RecordState.PUBLIC


def test_publish_then_fetch_public_and_retract_raises_already_public(harness: Harness) -> None:
    cve_id = harness.allocate()
    _to_publishable(harness, cve_id, advisory=False)
    with_advisory = harness.tool.push_update(cve_id, sample_record(cve_id, advisory=True))
    assert any(p.startswith("$.containers.cna.references") for p in with_advisory.added)
    harness.publish(cve_id)
    assert _state(harness, cve_id) == RecordState.PUBLIC
    harness.publish(cve_id)  # already public: fine
    assert _state(harness, cve_id) == RecordState.PUBLIC
    with pytest.raises(AlreadyPublic):
        harness.tool.retract(cve_id, "duplicate of another CVE")


def test_publish_too_early_is_invalid(harness: Harness) -> None:
    if RecordState.ALLOCATED not in harness.tool.states or not set(REVIEW_STEPS) & set(harness.tool.states):
        pytest.skip(f"{harness.name} publishes straight from allocated")
    cve_id = harness.allocate()
    harness.tool.push_update(cve_id, sample_record(cve_id, advisory=True))
    with pytest.raises(InvalidState, match="review"):
        harness.tool.publish(cve_id)


def test_retracted_is_terminal(harness: Harness) -> None:
    cve_id = harness.allocate()
    harness.tool.push_update(cve_id, sample_record(cve_id, advisory=True))
    harness.retract(cve_id, "not a vulnerability after all")
    assert _state(harness, cve_id) == RecordState.RETRACTED
    with pytest.raises(InvalidState, match="terminal"):
        harness.tool.push_update(cve_id, sample_record(cve_id, advisory=True))
    with pytest.raises(InvalidState, match="terminal"):
        harness.tool.publish(cve_id)
    with pytest.raises(InvalidState, match="terminal"):
        harness.tool.retract(cve_id, "again")


def test_states_are_ordered_steps_ending_in_public(harness: Harness) -> None:
    states = harness.tool.states
    assert states[0] == RecordState.ALLOCATED and states[-1] == RecordState.PUBLIC
    order = [RecordState.ALLOCATED, *REVIEW_STEPS, RecordState.PUBLIC]
    assert list(states) == [s for s in order if s in states]


def test_none_raises_not_applicable_everywhere() -> None:
    tool = NoneTool()
    assert tool.states == ()
    calls: list[Callable[[], object]] = [
        lambda: tool.allocate("widget", AllocationFields(title="t")),
        lambda: tool.fetch_current_state("CVE-2031-1001"),
        lambda: tool.push_update("CVE-2031-1001", {}),
        lambda: tool.publish("CVE-2031-1001"),
        lambda: tool.retract("CVE-2031-1001", "r"),
    ]
    for call in calls:
        with pytest.raises(NotApplicable, match=r"cve_authority\.tool"):
            call()
