"""The §6.2 field-by-field dedupe merge."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.credits import credit_kind, parse_credits
from steward.domain.roles import Field
from steward.domain.versions import NEXT, Kind, VersionLine, parse_affected, render_affected
from steward.patterns import fixed
from steward.triage.merge import MergeResult, merge_fields, merge_lines
from steward.triage.version_order import covers

PEP = "pep440"


def pep(package: str | None) -> str:
    return PEP


def no_ancestry(a: int, b: int) -> bool:
    return False


def cwe_tree(a: int, b: int) -> bool:
    """A fictional two-level catalogue: 20 is the parent of 22 and 79."""
    return a == 20 and b in (22, 79)


def merge(keep: Mapping[Field, str | None], drop: Mapping[Field, str | None], **kw: object) -> MergeResult:
    args: dict[str, object] = {
        "keep_ref": "widget#1",
        "drop_ref": "widget#2",
        "drop_url": "https://tracker.example.org/widget/2",
        "date": "2024-06-01",
        "reason": "both reach the same unchecked join in extract()",
        "headline": "Path traversal via archive member names.",
        "scheme_for": pep,
        "cwe_is_ancestor": cwe_tree,
    }
    args.update(kw)
    return merge_fields(keep, drop, **args)  # type: ignore[arg-type]


def lines(text: str) -> list[VersionLine]:
    parsed = parse_affected(text, pep)
    assert parsed.ok, parsed.errors
    return parsed.lines


@pytest.mark.parametrize(
    ("keep", "drop", "expected"),
    [
        ("`>= 1.0, < 2.0`", "`>= 1.5, < 2.5`", "`>= 1.0, < 2.5`"),
        ("`>= 1.0, < 2.0`", "`>= 2.0, < 2.5`", "`>= 1.0, < 2.5`"),  # touching
        ("`>= 1.0, <= 2.0`", "`>= 2.0, < 2.5`", "`>= 1.0, < 2.5`"),
        ("`>= 1.0, < 2.0`", "`>= 1.0, <= 2.0`", "`>= 1.0, <= 2.0`"),  # <= beats < at the same bound
        ("`>= 1.0, < 2.0`", "`< 1.5`", "`< 2.0`"),  # no lower bound if either has none
        ("`>= 1.0, < 1.2`", "`>= 2.0, < 2.2`", "`>= 1.0, < 1.2`\n`>= 2.0, < 2.2`"),  # release branches
        ("`>= 1.0, < 2.0`", "`1.5, 3.0`", "`>= 1.0, < 2.0`\n`3.0`"),  # exact absorbed
        ("`>= 1.0, < 2.0`", "`>= 1.5, < NEXT VERSION`", "`>= 1.0, < NEXT VERSION`"),  # NEXT dominates
        ("`>= 1.0`", "`>= 0.5, < NEXT VERSION`", "`>= 0.5, < NEXT VERSION`"),
        ("`>= 1.0`", "`>= 0.5, < 1.1`", "`>= 0.5`"),
        ("`< 2.0`", "`>= 1.0`", "`< NEXT VERSION`"),  # every version
        ("`1.0, 1.1`", "`1.1.0, 0.9`", "`0.9, 1.0, 1.1`"),
        (
            "`example-widget < 2.0`\n`example-cli < 1.0`",
            "`example-widget >= 1.0, < 2.1`",
            "`example-widget < 2.1`\n`example-cli < 1.0`",
        ),
    ],
)
def test_affected_versions(keep: str, drop: str, expected: str) -> None:
    result = merge({Field.AFFECTED_VERSIONS: keep}, {Field.AFFECTED_VERSIONS: drop})
    assert result.fields[Field.AFFECTED_VERSIONS] == expected
    assert result.conflicts == ()


def test_affected_versions_unchanged_keeps_raw_text() -> None:
    raw = "- `>=1.0,<2.0`"
    result = merge({Field.AFFECTED_VERSIONS: raw}, {Field.AFFECTED_VERSIONS: "`1.5`"})
    assert result.fields[Field.AFFECTED_VERSIONS] == raw
    assert Field.AFFECTED_VERSIONS not in result.changed


def test_affected_versions_unparsable_is_a_blocker() -> None:
    result = merge({Field.AFFECTED_VERSIONS: "`< 2.0`"}, {Field.AFFECTED_VERSIONS: "all of them"})
    assert result.blocked
    assert result.fields[Field.AFFECTED_VERSIONS] == "`< 2.0`"
    assert "dropped tracker's affected versions line 1" in result.conflicts[0].message


def test_description_block() -> None:
    result = merge({Field.ISSUE_DESCRIPTION: "Kept report."}, {Field.ISSUE_DESCRIPTION: "Dropped report.\n\nDetails."})
    text = result.fields[Field.ISSUE_DESCRIPTION]
    assert text == (
        "Kept report.\n\n---\n\n"
        "**Second independent report: [widget#2](https://tracker.example.org/widget/2) — merged on 2024-06-01.** "
        "Path traversal via archive member names.\n\n"
        "<details>\n<summary>Same root cause — the report of widget#2</summary>\n\n"
        "**Same root cause:** both reach the same unchecked join in extract()\n\n"
        "Dropped report.\n\nDetails.\n\n</details>"
    )


def test_description_chains_nest() -> None:
    first = merge({Field.ISSUE_DESCRIPTION: "B."}, {Field.ISSUE_DESCRIPTION: "C."}, drop_ref="widget#3")
    dropped_b = first.fields[Field.ISSUE_DESCRIPTION]
    second = merge({Field.ISSUE_DESCRIPTION: "A."}, {Field.ISSUE_DESCRIPTION: dropped_b})
    text = second.fields[Field.ISSUE_DESCRIPTION]
    assert text is not None and dropped_b is not None
    assert dropped_b in text
    assert text.count("<details>") == 2 and text.index("widget#2") < text.index("widget#3")


def test_description_needs_reason() -> None:
    result = merge({Field.ISSUE_DESCRIPTION: "A."}, {Field.ISSUE_DESCRIPTION: "B."}, reason=" ")
    assert result.blocked and result.fields[Field.ISSUE_DESCRIPTION] == "A."


@pytest.mark.parametrize(
    ("keep", "drop", "expected", "conflict"),
    [
        (None, "Drop summary.", "Drop summary.", False),
        ("Keep summary.", "_No response_", "Keep summary.", False),
        ("Same.", "Same.", "Same.", False),
        ("Keep summary.", "Drop summary.", "Keep summary.", True),
    ],
)
def test_summary(keep: str | None, drop: str | None, expected: str, conflict: bool) -> None:
    result = merge({Field.PUBLIC_SUMMARY: keep}, {Field.PUBLIC_SUMMARY: drop})
    assert result.fields[Field.PUBLIC_SUMMARY] == expected
    assert bool(result.conflicts) is conflict
    assert not result.blocked


@pytest.mark.parametrize(
    ("keep", "drop", "expected", "blocked"),
    [
        (None, "CWE-79: Cross-site Scripting", "CWE-79: Cross-site Scripting", False),
        ("CWE-22: Path Traversal", None, "CWE-22: Path Traversal", False),
        ("CWE-22: Path Traversal", "CWE-22", "CWE-22: Path Traversal", False),
        ("CWE-20: Improper Input Validation", "CWE-22: Path Traversal", "CWE-22: Path Traversal", False),
        ("CWE-22: Path Traversal", "CWE-20: Improper Input Validation", "CWE-22: Path Traversal", False),
        ("CWE-22: Path Traversal", "CWE-79: Cross-site Scripting", "CWE-22: Path Traversal", True),
    ],
)
def test_cwe(keep: str | None, drop: str | None, expected: str, blocked: bool) -> None:
    result = merge({Field.CWE: keep}, {Field.CWE: drop})
    assert result.fields[Field.CWE] == expected
    assert result.blocked is blocked


def test_threads_union_chronological() -> None:
    a = "Root Message-ID: `<a@example.org>`"
    b = "Root Message-ID: `<b@example.org>`"
    c = "Root Message-ID: `<c@example.org>`"
    dates = {"<a@example.org>": datetime(2024, 3, 1), "<b@example.org>": datetime(2024, 1, 1)}
    dates["<c@example.org>"] = datetime(2024, 2, 1)
    result = merge({Field.SECURITY_THREAD: f"{a}\n{c}"}, {Field.SECURITY_THREAD: f"{b}\n{a}"}, thread_dates=dates)
    assert result.fields[Field.SECURITY_THREAD] == f"{b}\n{c}\n{a}"
    plain = merge({Field.SECURITY_THREAD: a}, {Field.SECURITY_THREAD: f"{b}\n{a}"})
    assert plain.fields[Field.SECURITY_THREAD] == f"{a}\n{b}"


def test_thread_sentinel_gives_way_to_a_real_thread() -> None:
    sentinel = "N/A — opened from public PR example/widget#12; no security@widget.example.org thread"
    thread = "Root Message-ID: `<a@example.org>`"
    result = merge({Field.SECURITY_THREAD: sentinel}, {Field.SECURITY_THREAD: thread})
    assert result.fields[Field.SECURITY_THREAD] == thread


def test_pr_union() -> None:
    keep = "https://code.example.org/widget/pull/5"
    drop = "https://code.example.org/widget/pull/5\nhttps://code.example.org/widget/pull/9"
    result = merge({Field.PR_WITH_FIX: keep}, {Field.PR_WITH_FIX: drop})
    assert result.fields[Field.PR_WITH_FIX] == drop


def test_credits() -> None:
    result = merge(
        {Field.REPORTER_CREDIT: "Jane Roe of Example Labs", Field.REMEDIATION_DEVELOPER: "Sam Poe"},
        {
            Field.REPORTER_CREDIT: "jane roe of example labs\nacme-scanner\nAri Quill [kind: human]",
            Field.REMEDIATION_DEVELOPER: "dependabot[bot]\nSam Poe",
        },
    )
    assert result.fields[Field.REPORTER_CREDIT] == "Jane Roe of Example Labs\nacme-scanner\nAri Quill [kind: human]"
    assert result.fields[Field.REMEDIATION_DEVELOPER] == "Sam Poe"
    assert "skipped credit: dependabot[bot] (bot)" in result.notes
    assert "credit kind: acme-scanner (tool)" in result.notes


def test_severity_and_cve_link_are_the_kept_side() -> None:
    keep = {Field.SEVERITY: "high", Field.CVE_TOOL_LINK: "CVE-2024-0001"}
    drop = {Field.SEVERITY: "low", Field.CVE_TOOL_LINK: "CVE-2024-0002"}
    result = merge(keep, drop)
    assert result.fields[Field.SEVERITY] == "high"
    assert result.fields[Field.CVE_TOOL_LINK] == "CVE-2024-0001"
    assert result.changed == (Field.ISSUE_DESCRIPTION,)
    assert any("severity of widget#2" in note for note in result.notes)


# ---------------------------------------------------------------- properties

UNIVERSE = [f"{major}.{minor}" for major in range(4) for minor in range(4)]
PACKAGES = [None, "example-widget"]
KINDS: list[Kind] = ["lt", "le", "range_lt", "range_le", "ge", "exact"]


@st.composite
def version_line(draw: st.DrawFn) -> VersionLine:
    package = draw(st.sampled_from(PACKAGES))
    kind: Kind = draw(st.sampled_from(KINDS))
    if kind == "exact":
        versions = draw(st.lists(st.sampled_from(UNIVERSE), min_size=1, max_size=3, unique=True))
        return VersionLine(package=package, kind="exact", versions=tuple(versions))
    low, high = sorted(draw(st.lists(st.integers(0, len(UNIVERSE) - 1), min_size=2, max_size=2, unique=True)))
    upper = NEXT if draw(st.integers(0, 5)) == 0 else UNIVERSE[high]
    if kind in ("lt", "le"):
        return VersionLine(package=package, kind=kind, upper=upper)
    if kind == "ge":
        return VersionLine(package=package, kind="ge", lower=UNIVERSE[low])
    return VersionLine(package=package, kind=kind, lower=UNIVERSE[low], upper=upper)


affected = st.lists(version_line(), max_size=5).map(lambda ls: render_affected(ls) or None)
names = st.sampled_from(
    ["Jane Roe", "jane roe", "Ari Quill", "acme-scanner", "dependabot[bot]", "Sam Poe", "anonymous"]
)
credit_value = st.lists(names, max_size=4).map(lambda ns: "\n".join(ns) or None)
threads = st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3).map(
    lambda ids: "\n".join(f"Root Message-ID: `<{i}@example.org>`" for i in ids) or None
)
cwe = st.sampled_from([None, "CWE-20: Improper Input Validation", "CWE-22: Path Traversal", "CWE-79"])


@st.composite
def side(draw: st.DrawFn) -> dict[Field, str | None]:
    return {
        Field.ISSUE_DESCRIPTION: draw(st.sampled_from([None, "A report.", "Another report.\n\nWith details."])),
        Field.PUBLIC_SUMMARY: draw(st.sampled_from([None, "Summary one.", "Summary two."])),
        Field.AFFECTED_VERSIONS: draw(affected),
        Field.SECURITY_THREAD: draw(threads),
        Field.REPORTER_CREDIT: draw(credit_value),
        Field.REMEDIATION_DEVELOPER: draw(credit_value),
        Field.CWE: draw(cwe),
        Field.SEVERITY: draw(st.sampled_from([None, "low", "high"])),
    }


@settings(max_examples=300)
@given(st.lists(version_line(), max_size=5), st.lists(version_line(), max_size=5))
def test_merged_versions_cover_exactly_the_union(keep: list[VersionLine], drop: list[VersionLine]) -> None:
    result = merge(
        {Field.AFFECTED_VERSIONS: render_affected(keep) or None},
        {Field.AFFECTED_VERSIONS: render_affected(drop) or None},
    )
    merged = lines(result.fields[Field.AFFECTED_VERSIONS] or "")
    for package in PACKAGES:
        for version in [*UNIVERSE, "9.9", "0.0.1"]:
            either = covers(keep, version, PEP, package) or covers(drop, version, PEP, package)
            assert covers(merged, version, PEP, package) is either, (package, version, merged)


@settings(max_examples=200)
@given(st.lists(version_line(), max_size=6))
def test_merge_lines_is_idempotent(given_lines: list[VersionLine]) -> None:
    once = merge_lines(given_lines, pep)
    assert merge_lines(once, pep) == once
    assert merge_lines([*once, *given_lines], pep) == once


@settings(max_examples=200)
@given(side(), side())
def test_no_credit_is_lost(keep: dict[Field, str | None], drop: dict[Field, str | None]) -> None:
    result = merge(keep, drop)
    merged = {c.name.casefold() for c in parse_credits(result.fields[Field.REPORTER_CREDIT])}
    for value in (keep[Field.REPORTER_CREDIT], drop[Field.REPORTER_CREDIT]):
        assert {c.name.casefold() for c in parse_credits(value)} <= merged
    developers = {c.name.casefold() for c in parse_credits(result.fields[Field.REMEDIATION_DEVELOPER])}
    for value in (keep[Field.REMEDIATION_DEVELOPER], drop[Field.REMEDIATION_DEVELOPER]):
        humans = {c.name.casefold() for c in parse_credits(value) if credit_kind(c, fixed()) != "tool"}
        assert humans <= developers


@settings(max_examples=200)
@given(side(), side())
def test_merging_is_idempotent(keep: dict[Field, str | None], drop: dict[Field, str | None]) -> None:
    once = merge(keep, drop)
    again = merge(once.fields, drop)
    assert again.fields == once.fields
    assert again.changed == ()


@given(side(), side())
def test_threads_are_a_union(keep: dict[Field, str | None], drop: dict[Field, str | None]) -> None:
    merged = merge(keep, drop).fields[Field.SECURITY_THREAD] or ""
    for value in (keep[Field.SECURITY_THREAD], drop[Field.SECURITY_THREAD]):
        for line in (value or "").splitlines():
            assert line in merged.splitlines()


def test_patterns_default_is_fixed() -> None:
    assert fixed()["credits.bot_names"].equals("dependabot")
