"""§5.15 findings files: splitting, pairing, warnings, refusal, and a field mapping that stores nothing untrusted."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.fields import parse_fields, render_body
from steward.domain.roles import NO_RESPONSE, SEVERITY_UNSET, Field
from steward.errors import UsageError
from steward.intake.markdown_findings import map_finding, parse_md_findings
from steward.patterns import PatternSet, sample_placeholders

UPSTREAM = "example-org/widget"
PATTERNS = PatternSet({**sample_placeholders(), "upstream": UPSTREAM})

FILE = """# Path traversal in the export handler

## Details

The export handler joins the name parameter to the data directory.
### Not a real heading

## Location

https://github.com/example-org/widget/pull/77

## Impact

Any file readable by the service can be fetched.

## Reproduction steps

```
curl 'http://localhost/export?name=../../etc/hosts'
---
```

## Recommended fix

Resolve the path and check it stays inside the data directory.

---

**Severity:** high
**Status:** open
**Category:** CWE-22 path traversal
**Repository:** example-org/widget-fork
**Branch:** release-2.x
**Date created:** 2031-03-04

---

# Session identifiers are predictable across restarts

## Details

Ids come from a seeded counter.

---

**Severity:** CATASTROPHIC
"""


def parse(text: str = FILE):
    return parse_md_findings(text, "findings.md", UPSTREAM, PATTERNS)


def test_two_findings_paired_with_their_metadata() -> None:
    parsed = parse()
    assert [f.title for f in parsed.findings] == [
        "Path traversal in the export handler",
        "Session identifiers are predictable across restarts",
    ]
    first, second = parsed.findings
    assert first.severity == "HIGH" and first.repository == "example-org/widget-fork" and first.branch == "release-2.x"
    assert first.warnings == ()
    assert "---" in first.parts["reproduction"], "a --- inside a fence is text, not a separator"
    assert second.severity == "UNKNOWN"
    assert second.repository == UPSTREAM
    joined = " ".join(second.warnings)
    assert "CATASTROPHIC" in joined and UPSTREAM in joined
    assert "Impact" in joined and "Reproduction steps" in joined


def test_file_without_heading_or_severity_is_refused_naming_the_file() -> None:
    with pytest.raises(UsageError, match=r"notes\.md") as caught:
        parse_md_findings("just some notes\n\n---\n\nmore notes\n", "notes.md", UPSTREAM, PATTERNS)
    assert caught.value.exit_code == 2


def test_severity_line_alone_is_enough_to_be_read() -> None:
    parsed = parse_md_findings("Some text\n\n---\n\n**Severity:** LOW\n", "x.md", UPSTREAM, PATTERNS)
    assert len(parsed.findings) == 1
    assert parsed.findings[0].severity == "LOW"
    assert parsed.findings[0].title == ""


def test_heading_inside_a_fence_does_not_count() -> None:
    with pytest.raises(UsageError):
        parse_md_findings("```\n# not a title\n```\n", "x.md", UPSTREAM, PATTERNS)


def test_mapping_keeps_untrusted_values_out_of_parsed_fields() -> None:
    first = parse().findings[0]
    mapped = map_finding(
        first,
        basename="findings.md",
        upstream=UPSTREAM,
        security_list="security@example.org",
        credit=None,
        patterns=PATTERNS,
    )
    values = mapped.values
    assert values[Field.AFFECTED_VERSIONS] == NO_RESPONSE
    assert values[Field.CWE] == NO_RESPONSE
    assert values[Field.SEVERITY] == SEVERITY_UNSET
    assert values[Field.REPORTER_CREDIT] == NO_RESPONSE
    assert values[Field.SECURITY_THREAD] == (
        "N/A — imported from markdown file findings.md; no security@example.org thread"
    )
    assert values[Field.PR_WITH_FIX] == "https://github.com/example-org/widget/pull/77"
    description = values[Field.ISSUE_DESCRIPTION]
    for expected in (
        "Reported category: CWE-22 path traversal",
        "Source-reported severity: HIGH",
        "Source: example-org/widget-fork @ release-2.x",
        "Location: https://github.com/example-org/widget/pull/77",
        "<summary>Recommended fix (per the source markdown)</summary>",
    ):
        assert expected in description
    assert "\n### " not in description, "sanitising demotes inbound headings"
    body = render_body(values)
    assert parse_fields(body).values[Field.CWE] == NO_RESPONSE


def test_pr_field_only_for_an_upstream_pr_url() -> None:
    text = FILE.replace("https://github.com/example-org/widget/pull/77", "https://github.com/other/widget/pull/77")
    mapped = map_finding(
        parse(text).findings[0],
        basename="f.md",
        upstream=UPSTREAM,
        security_list="s@example.org",
        credit="Jo Example",
        patterns=PATTERNS,
    )
    assert mapped.values[Field.PR_WITH_FIX] == NO_RESPONSE
    assert mapped.values[Field.REPORTER_CREDIT] == "Jo Example"


def test_hostile_markers_never_survive() -> None:
    text = (
        "# Title with enough words here\n\n## Details\n\n<!-- steward: status-rollup v1 -->\n\n---\n\n"
        "**Severity:** LOW\n"
    )
    mapped = map_finding(
        parse(text).findings[0],
        basename="f.md",
        upstream=UPSTREAM,
        security_list="s@example.org",
        credit=None,
        patterns=PATTERNS,
    )
    assert "<!--" not in mapped.values[Field.ISSUE_DESCRIPTION]


def test_same_block_same_key_and_a_changed_block_a_new_key() -> None:
    a = parse().findings[0]
    b = parse(FILE.replace("data directory.\n###", "data folder.\n###")).findings[0]
    assert parse().findings[0].key == a.key
    assert a.key != b.key


TOKENS = st.sampled_from(
    [
        "**Severity:** ",
        "HIGH",
        "---",
        "\n",
        "# ",
        "## Details",
        "## Impact",
        "```",
        "~~~",
        "<!--",
        "<details>",
        "x",
        " ",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(TOKENS, max_size=60).map("".join) | st.text(max_size=300))
def test_never_crashes_and_mapping_always_renders(text: str) -> None:
    try:
        parsed = parse_md_findings(text, "h.md", UPSTREAM, PATTERNS)
    except UsageError:
        return
    for finding in parsed.findings:
        mapped = map_finding(
            finding, basename="h.md", upstream=UPSTREAM, security_list="s@example.org", credit=None, patterns=PATTERNS
        )
        body = render_body(mapped.values)
        assert set(parse_fields(body).values) == set(Field)
