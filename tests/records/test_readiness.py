"""The one readiness function (spec §12 D1, §8.3, §8.4)."""

from __future__ import annotations

import dataclasses

import pytest
from corpus import CASES, GOOD, GOOD_SUMMARY, SETTINGS, Case, case
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.roles import Field
from steward.records.readiness import SIX_FIELDS, readiness


def gaps_of(c: Case) -> tuple[str, ...]:
    return readiness(c.record_input(), c.config).gaps


def test_complete_is_review_ready() -> None:
    result = readiness(case("complete").record_input(), SETTINGS["py"])
    assert result.state == "review-ready"
    assert result.gaps == ()


@pytest.mark.parametrize("role", SIX_FIELDS)
def test_each_of_the_six_fields_is_required(role: Field) -> None:
    c = dataclasses.replace(case("complete"), fields={role: "_No response_"})
    result = readiness(c.record_input(), c.config)
    assert result.state == "allocated"
    assert any(g.startswith(f"{_heading(role)} — currently empty") for g in result.gaps)


def _heading(role: Field) -> str:
    from steward.domain.roles import DEFAULT_HEADINGS

    return DEFAULT_HEADINGS[role]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("next-version", "NEXT VERSION"),
        ("unparsable", "line 1 ('all versions before 3')"),
        ("semver-bad-version", "not a valid semver version"),
        ("glob-needs-prefix", "no package prefix"),
        ("no-scope-label", "no scope label"),
        ("cvss-invalid", "is invalid"),
        ("severity-off-scale", "'severe'"),
        ("severity-unknown", "Severity — currently empty"),
        ("cwe-free-text", "names no CWE id"),
        ("cwe-short", "check (d)"),
        ("private-only-pr", "no public pull-request URL"),
        ("no-cve-id", "CVE id — none"),
        ("missing-org", "cve_authority.org_id"),
        ("standalone", "Labels — unknown"),
        ("standalone", "Reporter names — unknown"),
        ("standalone", "Milestone — not set"),
        ("reporter-in-summary", "names the reporter (Jane Doe)"),
        ("severity-word-in-summary", "states the severity"),
        ("tracker-url-in-summary", "names the private tracker"),
        ("tracker-url-in-summary", "internal URL"),
        ("short-summary", "check (f): at least 60"),
        ("summary-equals-title", "more than the title"),
        ("short-summary", "check (b)"),
        ("incomplete-fix-unnamed", "check (c): this follows up CVE-2099-10000"),
        ("multi-packages", "upgrade to widget-chart 1.12.0 or later"),
    ],
)
def test_gap_table(name: str, expected: str) -> None:
    assert any(expected in gap for gap in gaps_of(case(name))), gaps_of(case(name))


@pytest.mark.parametrize(
    "name",
    [
        "complete",
        "two-branches",
        "unbounded",
        "exact-list",
        "bot-finder",
        "anonymous",
        "internal-discovery",
        "incomplete-fix",
        "demo-project",
        "pr-shorthand",
        "commit-reference",
        "mitigation",
        "cvss31",
    ],
)
def test_ready_cases(name: str) -> None:
    assert gaps_of(case(name)) == ()


def test_foreign_project_is_flagged() -> None:
    c = dataclasses.replace(case("complete"), fields={Field.PUBLIC_SUMMARY: GOOD_SUMMARY + " Other Gadget too."})
    assert any("another project" in g for g in gaps_of(c))


def test_milestone_supplies_the_fix_version() -> None:
    c = dataclasses.replace(case("complete"), fields={Field.AFFECTED_VERSIONS: "`<= 2.7.0`"}, milestone="2.7.1")
    assert gaps_of(c) == ()
    other = dataclasses.replace(c, milestone="2.8.0")
    assert any("check (a)" in g for g in gaps_of(other))


def test_schema_gaps_block_review_ready() -> None:
    result = readiness(case("complete").record_input(), SETTINGS["py"], ["Schema — $.x: required: y"])
    assert result.state == "allocated"
    assert result.gaps == ("Schema — $.x: required: y",)


def test_never_public() -> None:
    states = {readiness(c.record_input(), c.config).state for c in CASES}
    assert states <= {"allocated", "review-ready"}


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(list(Field)), st.text(max_size=120))
def test_never_crashes_and_gaps_iff_allocated(role: Field, value: str) -> None:
    c = dataclasses.replace(case("complete"), fields={**GOOD, role: value})
    try:
        r = c.record_input()
    except ValueError:
        return  # the codec refuses bodies whose value opens a heading or fence; callers report that
    result = readiness(r, c.config)
    assert (result.state == "review-ready") == (result.gaps == ())
    assert len(set(result.gaps)) == len(result.gaps)
