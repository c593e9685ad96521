"""`steward dedupe KEEP DROP` end to end: every §6.2 blocker refuses and writes nothing; apply merges once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from triage_fixtures import (
    SCOPE,
    SECURITY,
    TRACKER_BASE,
    Run,
    body_of,
    configure,
    drafts,
    make_tracker,
    put_record,
    rollup,
    set_body,
    set_state,
    snapshot,
    thread_line,
    tracker,
)

from steward.app import open_app
from steward.domain.roles import Field

KEEP_TITLE = "Template loader follows symlinks outside the search path"
DROP_TITLE = "Symlink in template directory escapes the sandbox"
TLP = "TLP:AMBER+STRICT"


@pytest.fixture
def tp(project: Path) -> Path:
    configure(project)
    return project


def pair(root: Path) -> tuple[int, int]:
    keep, _ = make_tracker(root, KEEP_TITLE, key="keep")
    drop, _ = make_tracker(root, DROP_TITLE, "A symlink placed in the template dir is followed.", key="drop")
    return keep, drop


def with_fields(root: Path, number: int, key: str, **values: str) -> None:
    fields = {
        Field.ISSUE_DESCRIPTION: f"Report {key}.",
        Field.SECURITY_THREAD: thread_line(f"<report-{key}@mail.example.net>"),
    }
    fields.update({Field(k.replace("_", "-")): v for k, v in values.items()})
    set_body(root, number, fields)


def _closed_drop(root: Path, keep: int, drop: int) -> None:
    set_state(root, drop, labels=["invalid", "security issue", TLP], closed=True)


def _scope_keep(root: Path, keep: int, drop: int) -> None:
    set_state(root, keep, labels=[SCOPE, "security issue", TLP])


def _duplicate_drop(root: Path, keep: int, drop: int) -> None:
    set_state(root, drop, labels=["needs triage", "duplicate", "security issue", TLP])


def _announced_keep(root: Path, keep: int, drop: int) -> None:
    set_state(root, keep, labels=["needs triage", "announced", "announced - emails sent", "security issue", TLP])


def _record_keep(root: Path, keep: int, drop: int) -> None:
    with_fields(root, keep, "keep", cve_tool_link="CVE-2031-0100")
    set_state(root, keep, cve_id="CVE-2031-0100")
    put_record(root, "CVE-2031-0100", "publish-ready")


def _both_cves(root: Path, keep: int, drop: int) -> None:
    with_fields(root, keep, "keep", cve_tool_link="CVE-2031-0100")
    with_fields(root, drop, "drop", cve_tool_link="CVE-2031-0101")
    put_record(root, "CVE-2031-0100", "review-ready")
    put_record(root, "CVE-2031-0101", "allocated")


def _both_cves_no_gate(root: Path, keep: int, drop: int) -> None:
    _both_cves(root, keep, drop)
    path = root / ".steward" / "project.yml"
    path.write_text(path.read_text().replace("governance:\n", "governance:\n  cve_allocation_gate: pmc-member\n", 1))


def _unrelated_cwes(root: Path, keep: int, drop: int) -> None:
    with_fields(root, keep, "keep", cwe="CWE-79: Improper Neutralization of Input During Web Page Generation")
    with_fields(root, drop, "drop", cwe="CWE-89: SQL Injection")


BLOCKERS: list[tuple[str, Any, bool, str, str]] = [
    # (case, setup, swap KEEP/DROP, acting user, message fragment)
    ("D-keep-side", None, True, "alex", "D-keep-side"),
    ("D-closed", _closed_drop, False, "alex", "D-closed"),
    ("D-scope", _scope_keep, False, "alex", "D-scope"),
    ("D-duplicate", _duplicate_drop, False, "alex", "D-duplicate"),
    ("D-announced", _announced_keep, False, "alex", "D-announced"),
    ("D-record", _record_keep, False, "alex", "D-record"),
    ("D-gate", _both_cves_no_gate, False, "robin", "D-gate"),
    ("D-merge-cwe", _unrelated_cwes, False, "alex", "D-merge (cwe)"),
]


@pytest.mark.parametrize("row", BLOCKERS, ids=[r[0] for r in BLOCKERS])
def test_every_blocker_refuses_and_writes_nothing(
    tp: Path, run: Run, monkeypatch: pytest.MonkeyPatch, row: tuple[str, Any, bool, str, str]
) -> None:
    case, setup, swap, user, fragment = row
    keep, drop = pair(tp)
    if setup is not None:
        setup(tp, keep, drop)
    if swap:
        keep, drop = drop, keep
    monkeypatch.setenv("STEWARD_IDENTITY", user)
    before = snapshot(tp)
    for argv in ((), ("--apply", "all")):
        result = run("dedupe", str(keep), str(drop), *argv)
        assert result.code == 3, (case, result.err)
        assert fragment in result.out + result.err, case
        assert snapshot(tp) == before, case


def test_same_tracker_twice_is_blocked(tp: Path, run: Run) -> None:
    keep, _ = pair(tp)
    before = snapshot(tp)
    result = run("dedupe", str(keep), str(keep))
    assert result.code == 3
    assert "D-same" in result.err
    assert snapshot(tp) == before


def test_proposal_shows_the_diff_and_writes_nothing(tp: Path, run: Run) -> None:
    keep, drop = pair(tp)
    before = snapshot(tp)
    result = run("dedupe", str(keep), str(drop))
    assert result.code == 0, result.err
    assert "nothing applied" in result.out
    assert "The issue description:" in result.out
    assert "Security mailing list thread:" in result.out
    assert snapshot(tp) == before


def test_apply_merges_in_order_and_a_rerun_proposes_nothing(tp: Path, run: Run) -> None:
    keep, drop = pair(tp)
    with_fields(tp, keep, "keep", affected_versions="`< 2.1.0`")
    with_fields(tp, drop, "drop", affected_versions="`>= 1.5.0, < 2.2.0`", cwe="CWE-22: Path Traversal")
    result = run("dedupe", str(keep), str(drop), "--apply", "1:edit reason=Both follow the same symlink.", "--json")
    assert result.code == 0, result.err
    value = result.json()
    assert value["applied"] is True
    kept, dropped = tracker(tp, keep), tracker(tp, drop)
    assert f"**Second independent report: [quill-wort/security#{drop}]({TRACKER_BASE}{drop})" in kept.body
    assert "**Same root cause:** Both follow the same symlink." in kept.body
    assert "<report-keep@mail.example.net>" in kept.body and "<report-drop@mail.example.net>" in kept.body
    assert "`< 2.2.0`" in kept.body
    assert "CWE-22: Path Traversal" in kept.body
    assert dropped.state == "closed" and dropped.close_reason == "not planned"
    assert "duplicate" in dropped.labels and "needs triage" not in dropped.labels
    assert f"Merge (dropped) (into #{keep})" in rollup(tp, drop)
    assert f"Merge (kept) (from #{drop})" in rollup(tp, keep)
    (message,) = drafts(tp)
    assert message["In-Reply-To"] == "<followup-drop@mail.example.net>"
    assert message["References"] == "<report-drop@mail.example.net> <followup-drop@mail.example.net>"
    assert message["To"] == "kim@mail.example.net" and message["Cc"] == SECURITY
    body = body_of(message)
    assert "an earlier report" in body
    assert TRACKER_BASE not in body and "{{" not in body
    assert f"Reporter notification drafted: {message['X-Steward-Key']}." in rollup(tp, drop)
    before = snapshot(tp)
    again = run("dedupe", str(keep), str(drop), "--apply", "all")
    assert again.code == 0, again.err
    assert "nothing to do" in again.out
    assert snapshot(tp) == before


def test_cwe_ancestor_keeps_the_child(tp: Path, run: Run) -> None:
    keep, drop = pair(tp)
    with_fields(tp, keep, "keep", cwe="CWE-22: Path Traversal")
    with_fields(tp, drop, "drop", cwe="CWE-23: Relative Path Traversal")
    result = run("dedupe", str(keep), str(drop), "--apply", "all")
    assert result.code == 0, result.err
    assert "CWE-23: Relative Path Traversal" in tracker(tp, keep).body


def test_unknown_edit_field_is_exit_2(tp: Path, run: Run) -> None:
    keep, drop = pair(tp)
    before = snapshot(tp)
    assert run("dedupe", str(keep), str(drop), "--apply", "1:edit title=x").code == 2
    assert snapshot(tp) == before


def test_both_cves_merge_retracts_the_dropped_record(tp: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    keep, drop = pair(tp)
    _both_cves(tp, keep, drop)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    result = run("dedupe", str(keep), str(drop), "--apply", "all")
    assert result.code == 0, result.err
    app = open_app(tp / ".steward" / "project.yml")
    try:
        with app.store.read(app.slug) as reader:
            row = reader.get_record_state("CVE-2031-0101")
            assert row is not None and row.state == "retracted"
            kept = reader.get_record_state("CVE-2031-0100")
            assert kept is not None and kept.state == "review-ready", "the kept record keeps its state"
    finally:
        app.store.close()
