"""The scope split plan (spec §6.4, T16)."""

from __future__ import annotations

from datetime import date

import pytest

from steward.domain.labels import LabelContext
from steward.domain.lifecycle import TrackerFacts
from steward.domain.roles import Field
from steward.errors import Refused, UsageError
from steward.triage.split import SplitPlan, choose_anchor, plan_split, split_preamble

CTX = LabelContext(scopes=frozenset({"core", "web", "cli"}))
ORDER = ("core", "web", "cli")
URL = "https://tracker.example.org/widget/7"
FIELDS = {
    Field.ISSUE_DESCRIPTION: "The report.",
    Field.PUBLIC_SUMMARY: "Summary.",
    Field.AFFECTED_VERSIONS: "`example-core < 2.0`\n`example-web >= 1.0, < 1.4`",
    Field.SECURITY_THREAD: "Root Message-ID: `<a@example.org>`",
    Field.REPORTER_CREDIT: "Jane Roe",
    Field.PR_WITH_FIX: "https://code.example.org/widget/pull/5",
    Field.SEVERITY: "high",
    Field.CVE_TOOL_LINK: "CVE-2024-0001",
    Field.PUBLIC_ADVISORY_URL: "https://widget.example.org/advisories/1",
}
PACKAGES = {"example-core": "core", "example-web": "web"}


def anchor(*extra: str) -> TrackerFacts:
    labels = frozenset({"security issue", "TLP:AMBER", "core", "pr created", *extra})
    return TrackerFacts(labels=labels, number=7, has_pr_url=True)


def plan(facts: TrackerFacts, scopes: tuple[str, ...], due: dict[str, date | None], shared: bool = False) -> SplitPlan:
    return plan_split(
        facts,
        FIELDS,
        scopes,
        due,
        ORDER,
        shared_cve=shared,
        ctx=CTX,
        tracker="widget",
        url=URL,
        package_scope=lambda package: PACKAGES.get(package or ""),
    )


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ({"core": date(2024, 7, 1), "web": date(2024, 6, 1)}, "web"),
        ({"core": date(2024, 6, 1), "web": date(2024, 6, 1)}, "core"),  # tie: config order
        ({"core": None, "web": date(2024, 9, 1)}, "web"),  # an undated milestone comes last
        ({}, "core"),
    ],
)
def test_choose_anchor(due: dict[str, date | None], expected: str) -> None:
    assert choose_anchor(["web", "core"], due, ORDER) == expected


def test_new_tracker_for_the_other_scope() -> None:
    result = plan(anchor(), ("core", "web"), {"core": date(2024, 6, 1), "web": date(2024, 8, 1)})
    assert result.anchor_scope == "core"
    assert result.anchor_labels == anchor().labels
    (new,) = result.new_trackers
    assert new.scope == "web"
    assert new.preamble == "Split from [widget#7](https://tracker.example.org/widget/7) for the `web` scope."
    assert new.fields[Field.ISSUE_DESCRIPTION] == new.preamble + "\n\nThe report."
    assert new.fields[Field.AFFECTED_VERSIONS] == "`example-web >= 1.0, < 1.4`"
    assert new.fields[Field.PR_WITH_FIX] == FIELDS[Field.PR_WITH_FIX]
    assert new.fields[Field.CVE_TOOL_LINK] is None
    assert new.fields[Field.PUBLIC_ADVISORY_URL] is None
    assert new.labels == frozenset({"web", "security issue", "TLP:AMBER", "pr created"})


def test_anchor_scope_changes_when_the_other_ships_first() -> None:
    result = plan(anchor(), ("core", "web"), {"core": date(2024, 9, 1), "web": date(2024, 6, 1)})
    assert result.anchor_scope == "web"
    assert "web" in result.anchor_labels and "core" not in result.anchor_labels
    assert [t.scope for t in result.new_trackers] == ["core"]
    assert result.new_trackers[0].fields[Field.AFFECTED_VERSIONS] == "`example-core < 2.0`"


def test_shared_cve_copies_label_and_link() -> None:
    result = plan(anchor("cve allocated"), ("core", "web", "cli"), {}, shared=True)
    assert [t.scope for t in result.new_trackers] == ["web", "cli"]
    for new in result.new_trackers:
        assert "cve allocated" in new.labels
        assert new.fields[Field.CVE_TOOL_LINK] == "CVE-2024-0001"
    cli = result.new_trackers[1]
    assert cli.fields[Field.AFFECTED_VERSIONS] is None  # no cli package lines


def test_unshared_cve_is_not_copied() -> None:
    result = plan(anchor("cve allocated"), ("core", "web"), {})
    assert "cve allocated" not in result.new_trackers[0].labels


def test_unprefixed_versions_are_copied_verbatim() -> None:
    fields = {**FIELDS, Field.AFFECTED_VERSIONS: "`< 2.0`"}
    result = plan_split(
        anchor(), fields, ("core", "web"), {}, ORDER, shared_cve=False, ctx=CTX, tracker="widget", url=URL
    )
    assert result.new_trackers[0].fields[Field.AFFECTED_VERSIONS] == "`< 2.0`"


def test_needs_triage_anchor_passes_it_on() -> None:
    facts = TrackerFacts(labels=frozenset({"security issue", "TLP:RED", "needs triage"}), number=7)
    result = plan(facts, ("core", "web"), {})
    assert result.anchor_labels == facts.labels
    assert result.new_trackers[0].labels == frozenset({"web", "security issue", "TLP:RED", "needs triage"})


@pytest.mark.parametrize(
    ("scopes", "match"),
    [(("core",), "at least two scopes"), (("core", "docs"), "not in scope_detection"), (("web", "cli"), "'core'")],
)
def test_refusals(scopes: tuple[str, ...], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        plan(anchor(), scopes, {})


def test_closed_anchor_is_refused() -> None:
    facts = TrackerFacts(labels=frozenset({"security issue", "TLP:AMBER", "core", "invalid"}), closed=True, number=7)
    with pytest.raises(Refused):
        plan(facts, ("core", "web"), {})


def test_preamble() -> None:
    assert split_preamble("widget", 3, "https://x.example.org/3", "cli") == (
        "Split from [widget#3](https://x.example.org/3) for the `cli` scope."
    )
