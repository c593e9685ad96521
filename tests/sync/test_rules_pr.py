"""S2, S3 and S4 against a fake code host's PR facts: each proposes once, and nothing on a tracker already right."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sync_rule_support import BASE, PR_URL, pr

from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.facts import PrFacts, TrackerFacts, read_pr
from steward.sync.rules.s02_pr_merged import s2_pr_merged
from steward.sync.rules.s03_pr_closed import s3_pr_closed_unmerged
from steward.sync.rules.s04_remediation_developer import s4_remediation_developer

Make = Callable[..., TrackerFacts]


def test_s2_merged_pr_swaps_labels_sets_milestone_and_drafts(make: Make, ctx: SyncContext) -> None:
    item = s2_pr_merged(make(pr=pr(state="closed", merged=True)), ctx)
    assert item is not None
    assert item.change.add_labels == {"pr merged"} and item.change.remove_labels == {"pr created"}
    assert item.change.transition == "T9" and item.change.milestone == "2.1.0"
    assert item.change.draft == "fix-pr-merged" and not item.cve_affecting
    assert item.key == "4:S2:merged:77"


@pytest.mark.parametrize(
    ("labels", "the_pr"),
    [
        ([*BASE, "pr merged"], pr(state="closed", merged=True)),  # already swapped
        ([*BASE, "pr created"], pr()),  # still open
        ([*BASE, "pr created"], None),  # no PR facts read
    ],
)
def test_s2_none_when_already_right(make: Make, ctx: SyncContext, labels: list[str], the_pr: PrFacts | None) -> None:
    assert s2_pr_merged(make(labels=labels, pr=the_pr), ctx) is None


def test_s2_keeps_milestone_when_already_set(make: Make, ctx: SyncContext) -> None:
    item = s2_pr_merged(make(pr=pr(state="closed", merged=True), milestone="2.1.0"), ctx)
    assert item is not None and item.change.milestone is None


def test_s3_closed_unmerged_is_t10_and_marks_the_url(make: Make, ctx: SyncContext) -> None:
    item = s3_pr_closed_unmerged(make(pr=pr(state="closed")), ctx)
    assert item is not None
    assert item.change.remove_labels == {"pr created"} and not item.change.add_labels
    assert dict(item.change.fields)[Field.PR_WITH_FIX] == f"{PR_URL} (closed unmerged)"


@pytest.mark.parametrize(
    ("labels", "the_pr"),
    [
        ([*BASE, "pr created"], pr(state="closed", merged=True)),
        ([*BASE, "pr created"], pr(state="open")),
        ([*BASE], pr(state="closed")),  # already back at cve-allocated
    ],
)
def test_s3_none_when_already_right(make: Make, ctx: SyncContext, labels: list[str], the_pr: PrFacts) -> None:
    assert s3_pr_closed_unmerged(make(labels=labels, pr=the_pr), ctx) is None


def test_s4_appends_the_author_name(make: Make, ctx: SyncContext) -> None:
    facts = make(pr=pr(), fields={Field.REMEDIATION_DEVELOPER: "Robin Example"})
    item = s4_remediation_developer(facts, ctx)
    assert item is not None and item.cve_affecting
    assert dict(item.change.fields)[Field.REMEDIATION_DEVELOPER] == "Robin Example\nKit Example"


def test_s4_uses_the_login_without_a_name(make: Make, ctx: SyncContext) -> None:
    item = s4_remediation_developer(make(pr=pr(name=None)), ctx)
    assert item is not None and dict(item.change.fields)[Field.REMEDIATION_DEVELOPER] == "kit-example"


@pytest.mark.parametrize(
    ("developer", "the_pr"),
    [
        ("kit example", pr()),  # case-insensitive
        ("Robin Example\n@kit-example", pr(name=None)),
        ("_No response_", pr(login="dependabot[bot]", name=None)),  # bots get no credit
    ],
)
def test_s4_none_when_already_right(make: Make, ctx: SyncContext, developer: str, the_pr: PrFacts) -> None:
    assert s4_remediation_developer(make(pr=the_pr, fields={Field.REMEDIATION_DEVELOPER: developer}), ctx) is None


class FakeCodeHost:
    """The read-only CodeHost port with one PR; any other number is an error like the real adapters raise."""

    def __init__(self, merged: bool) -> None:
        self.merged = merged
        self.asked: list[int] = []

    def get_pr(self, number: int):  # type: ignore[no-untyped-def]
        from datetime import UTC, datetime

        from steward.codehost.interface import CodeHostError, Milestone, PullRequest

        self.asked.append(number)
        if number != 77:
            raise CodeHostError(f"no PR {number}")
        merged_at = datetime(2031, 5, 1, tzinfo=UTC) if self.merged else None
        return PullRequest(77, "Fix", "", "closed", self.merged, merged_at, "kit-example", "Kit Example",
                           ("src/a.py",), Milestone("2.1.0"), "main")  # fmt: skip


def test_read_pr_through_the_fake_code_host() -> None:
    host = FakeCodeHost(merged=True)
    facts, note = read_pr(PR_URL, "example/widget", host)  # type: ignore[arg-type]
    assert note is None and facts is not None and facts.merged and facts.milestone == "2.1.0"
    assert host.asked == [77]
    other, note = read_pr("https://github.com/other/repo/pull/77", "example/widget", host)  # type: ignore[arg-type]
    assert other is None and note is not None and "not a pull request on example/widget" in note
    missing, note = read_pr("https://github.com/example/widget/pull/78", "example/widget", host)  # type: ignore[arg-type]
    assert missing is None and note is not None and "could not be read" in note
