"""`steward import md` and `steward import scan` end to end: a dry run writes nothing, apply creates exactly the
chosen trackers with the right labels and sentinel, a re-run creates nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from triage_fixtures import Run, rollup, snapshot, tracker, write

import steward.cli.import_files_commands  # noqa: F401  (registers md, scan and pr on `steward import`)
from steward.domain.fields import parse_fields
from steward.domain.roles import Field

FINDINGS = """# Path traversal in the export handler of the widget

## Details

The export handler joins the name parameter to the data directory.

## Location

src/widget/export.py:42

## Impact

Any file readable by the service can be fetched.

## Reproduction steps

Request `/export?name=../../etc/hosts`.

## Recommended fix

Resolve the path and check it stays inside the data directory.

---

**Severity:** HIGH
**Category:** path traversal
**Repository:** example-org/widget
**Branch:** main

---

# Session identifiers are predictable across service restarts

## Details

Ids come from a seeded counter.

## Impact

Session hijack.

## Reproduction steps

Restart twice and compare.

---

**Severity:** MEDIUM
"""

SARIF = {
    "version": "2.1.0",
    "runs": [
        {
            "tool": {
                "driver": {
                    "name": "ExampleScan",
                    "rules": [
                        {
                            "id": "py/path-injection",
                            "shortDescription": {"text": "Uncontrolled data used in a path expression"},
                            "properties": {"tags": ["external/cwe/cwe-022"], "security-severity": "7.5"},
                        }
                    ],
                }
            },
            "results": [
                {
                    "ruleId": "py/path-injection",
                    "ruleIndex": 0,
                    "message": {"text": "Path from request."},
                    "fingerprints": {"primary": "aa11"},
                },
                {
                    "ruleId": "py/path-injection",
                    "ruleIndex": 0,
                    "message": {"text": "Second path from request."},
                    "fingerprints": {"primary": "bb22"},
                },
                {
                    "ruleId": "py/path-injection",
                    "ruleIndex": 0,
                    "message": {"text": "Third path from request."},
                    "fingerprints": {"primary": "cc33"},
                },
            ],
        }
    ],
}


def count(root: Path) -> int:
    return len(snapshot(root).trackers)


def test_md_dry_run_writes_nothing(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    before = snapshot(project)
    result = run("import", "md", str(path))
    assert result.code == 0, result.err
    assert "1. [HIGH] Path traversal in the export handler of the widget — create" in result.out
    assert snapshot(project) == before


def test_md_apply_creates_selected_with_labels_and_sentinel(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    result = run("import", "md", str(path), "--apply", "2", "--credit", "Jo Example", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [c["number"] for c in data["result"]["created"]] == [2]
    assert count(project) == 1
    row = tracker(project, 1)
    assert row.title == "Session identifiers are predictable across service restarts"
    assert set(row.labels) == {"needs triage", "security issue", "TLP:AMBER+STRICT"}
    assert row.board_column == "Needs triage"
    values = parse_fields(row.body).values
    assert values[Field.SECURITY_THREAD].startswith("N/A — imported from markdown file findings.md; no ")
    assert values[Field.REPORTER_CREDIT] == "Jo Example"
    assert values[Field.SEVERITY] == "Unknown" and values[Field.CWE] == "_No response_"
    assert "Source-reported severity: MEDIUM" in values[Field.ISSUE_DESCRIPTION]
    text = rollup(project, 1)
    assert "Import from markdown (findings.md, finding 2/2)" in text
    assert "No reporter notification: no reporter on this path (import-from-md)." in text


def test_md_rerun_creates_nothing_twice(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    assert run("import", "md", str(path), "--apply", "all").code == 0
    assert count(project) == 2
    before = snapshot(project)
    again = run("import", "md", str(path), "--apply", "all")
    assert again.code == 0, again.err
    assert "already imported as #1" in again.out
    explicit = run("import", "md", str(path), "--apply", "1,2")
    assert explicit.code == 0
    assert snapshot(project) == before


def test_md_edited_file_imports_only_the_new_finding(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    assert run("import", "md", str(path), "--apply", "all").code == 0
    extra = "\n---\n\n# Open redirect after the login form submission\n\n## Details\n\nx\n\n---\n\n**Severity:** LOW\n"
    path.write_text(FINDINGS + extra, encoding="utf-8")
    assert run("import", "md", str(path), "--apply", "all").code == 0
    assert count(project) == 3


def test_md_file_without_headings_is_exit_2(project: Path, run: Run) -> None:
    path = write(project, "notes.md", "Some notes\n\n---\n\nno findings here\n")
    before = snapshot(project)
    result = run("import", "md", str(path), "--apply", "all")
    assert result.code == 2
    assert "notes.md" in result.err
    assert snapshot(project) == before


def test_md_unknown_directive_is_exit_2(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    result = run("import", "md", str(path), "--apply", "1:bucket pr-worth")
    assert result.code == 2
    assert count(project) == 0


def test_md_title_edit(project: Path, run: Run) -> None:
    path = write(project, "findings.md", FINDINGS)
    result = run("import", "md", str(path), "--apply", "1:edit title=Widget export reads files outside the data dir")
    assert result.code == 0, result.err
    assert tracker(project, 1).title == "Widget export reads files outside the data dir"


def test_scan_dry_run_shows_one_finding_and_writes_nothing(project: Path, run: Run) -> None:
    path = write(project, "scan.sarif", json.dumps(SARIF))
    before = snapshot(project)
    result = run("import", "scan", str(path))
    assert result.code == 0, result.err
    assert "Finding 1 of 3: py/path-injection:aa11" in result.out
    assert "Finding 2 of 3" not in result.out
    assert snapshot(project) == before
    assert not (project / ".steward" / "scan-reports").exists()


def test_scan_all_never_imports(project: Path, run: Run) -> None:
    path = write(project, "scan.sarif", json.dumps(SARIF))
    result = run("import", "scan", str(path), "--apply", "all")
    assert result.code == 0, result.err
    assert count(project) == 0
    picked = run("import", "scan", str(path), "--apply", "1")
    assert picked.code == 2
    assert "bucket" in picked.err


def test_scan_buckets_only_import_as_tracker_creates(project: Path, run: Run) -> None:
    path = write(project, "scan.sarif", json.dumps(SARIF))
    selection = "1:bucket import-as-tracker;2:bucket by-design-invalid;3:bucket pr-worth"
    result = run("import", "scan", str(path), "--apply", selection, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert count(project) == 1
    row = tracker(project, 1)
    assert set(row.labels) == {"needs triage", "security issue", "TLP:AMBER+STRICT"}
    values = parse_fields(row.body).values
    assert values[Field.SECURITY_THREAD].startswith("N/A — imported from scan scan.sarif; no ")
    assert values[Field.CWE] == "_No response_", "the scanner's CWE stays in the description"
    assert "Scanner-reported CWE: CWE-22" in values[Field.ISSUE_DESCRIPTION]
    assert "Import from scan (scan.sarif, py/path-injection:aa11)" in rollup(project, 1)
    report = Path(data["result"]["report"])
    assert report.parent == project / ".steward" / "scan-reports"
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert {k: v["bucket"] for k, v in saved["decisions"].items()} == {
        "py/path-injection:aa11": "import-as-tracker",
        "py/path-injection:bb22": "by-design-invalid",
        "py/path-injection:cc33": "pr-worth",
    }
    markdown = report.with_suffix(".md").read_text(encoding="utf-8")
    assert "| import-as-tracker | 1 | 33% |" in markdown
    assert "http" not in markdown

    before = snapshot(project)
    again = run("import", "scan", str(path), "--apply", selection)
    assert again.code == 0, again.err
    assert snapshot(project) == before, "re-run: no tracker, no audit event"
    shown = run("import", "scan", str(path))
    assert "Every finding has a bucket." in shown.out


def test_scan_unreadable_file_is_exit_2(project: Path, run: Run) -> None:
    path = write(project, "scan.json", '{"not": "sarif"}')
    assert run("import", "scan", str(path)).code == 2
    missing = run("import", "scan", str(project / "nope.sarif"))
    assert missing.code == 2 and "does not exist" in missing.err


@pytest.mark.parametrize("selection", ["1:bucket nonsense", "1:merge #3", "4:bucket pr-worth"])
def test_scan_bad_selection_writes_nothing(project: Path, run: Run, selection: str) -> None:
    path = write(project, "scan.sarif", json.dumps(SARIF))
    before = snapshot(project)
    assert run("import", "scan", str(path), "--apply", selection).code == 2
    assert snapshot(project) == before
