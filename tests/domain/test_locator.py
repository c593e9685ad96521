from __future__ import annotations

import pytest

from steward.domain.labels import LabelContext
from steward.domain.lifecycle import State, TrackerFacts
from steward.domain.locator import StepFacts, locate_step
from steward.domain.roles import CloseReason

NP = CloseReason.NOT_PLANNED
DONE = CloseReason.COMPLETED


@pytest.mark.parametrize(
    ("row", "facts", "step"),
    [
        ("1", StepFacts(State.CLOSED_ANNOUNCED, True, DONE, credit_correction_pending=True), "16"),
        ("1", StepFacts(State.CLOSED_INVALID, True, NP, credit_correction_pending=True), "16"),
        ("2", StepFacts(State.CLOSED_ANNOUNCED, True, DONE), "post-15"),
        ("3", StepFacts(State.CLOSED_ANNOUNCED, True, DONE, cve_org_published=True), "done"),
        ("3a", StepFacts(State.CLOSED_DUPLICATE, True, NP), "terminal"),
        ("3a", StepFacts(State.DRIFT, True, NP), "terminal"),
        ("3b", StepFacts(State.DRIFT, True, DONE), "repair"),
        ("3b", StepFacts(State.DRIFT, False, None), "repair"),
        ("4", StepFacts(State.ANNOUNCED, stalled=True), "14→15"),
        ("5", StepFacts(State.FIX_RELEASED), "13"),
        ("6", StepFacts(State.PR_MERGED, release_shipped=True, gate_failing=True), "12"),
        ("7", StepFacts(State.PR_MERGED, release_shipped=True), "11"),
        ("7", StepFacts(State.PR_MERGED, gate_failing=True), "11"),
        ("8", StepFacts(State.PR_CREATED, private_pr_recorded=True), "10"),
        ("9", StepFacts(State.CVE_ALLOCATED, private_pr_recorded=True, stalled=True), "9"),
        ("9", StepFacts(State.ASSESSED, private_pr_recorded=True), "9"),
        ("10", StepFacts(State.CVE_ALLOCATED, private_pr_recorded=True, public_pr=True, stalled=True), "4"),
        ("11", StepFacts(State.CVE_ALLOCATED), "7"),
        ("12", StepFacts(State.ASSESSED, stalled=True), "4"),
        ("13", StepFacts(State.ASSESSED), "6"),
        ("14", StepFacts(State.NEEDS_TRIAGE, decision_has_quorum=True, stalled=True), "5"),
        ("15", StepFacts(State.NEEDS_TRIAGE, stalled=True, substantive_comments=True), "4"),
        ("16", StepFacts(State.NEEDS_TRIAGE, substantive_comments=True), "3"),
        ("17", StepFacts(State.NEEDS_TRIAGE), "1–2"),
    ],
)
def test_locator_rows(row: str, facts: StepFacts, step: str) -> None:
    assert locate_step(facts) == step, row


def test_step_facts_from_tracker() -> None:
    ctx = LabelContext(scopes=frozenset({"core"}))
    tracker = TrackerFacts(frozenset({"security issue", "TLP:AMBER", "core"}), has_pr_url=True)
    facts = StepFacts.of(tracker, ctx, private_pr_recorded=True)
    assert facts.state is State.ASSESSED and facts.public_pr
    assert locate_step(facts) == "6"
    assert locate_step(StepFacts.of(tracker, ctx, private_pr_recorded=True, public_pr=False)) == "9"
