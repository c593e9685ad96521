"""The foundation commands end to end: exit codes, one-line errors, JSON shapes, nothing written on refusal."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from steward.app import open_app
from steward.domain.lifecycle import State

Run = Callable[..., Any]
TITLE = "Template loader follows symlinks outside the search path"
SUMMARY_KEYS = {
    "number", "title", "state", "open", "labels", "scope", "board_column", "cve_id", "assignee", "unclaimed",
    "created_at", "updated_at",
}  # fmt: skip


def audit_count(root: Path) -> tuple[int, str]:
    app = open_app(root / ".steward" / "project.yml")
    try:
        with app.store.read(app.slug) as reader:
            return len(reader.list_audit()), reader.audit_head()
    finally:
        app.store.close()


def new(run: Run, *fields: str, title: str = TITLE) -> dict[str, Any]:
    args = ["new", "--title", title, "--json"]
    for f in fields or ("issue-description=The loader resolves symlinks.",):
        args += ["--field", f]
    result = run(*args)
    assert result.code == 0, result.err
    value = result.json()
    assert isinstance(value, dict)
    return value


def test_init_writes_private_layout(project: Path) -> None:
    steward = project / ".steward"
    assert stat.S_IMODE(os.stat(steward / "steward.db").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(steward).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(steward / "inbox").st_mode) == 0o700
    ignore = (steward / ".gitignore").read_text()
    for entry in ("steward.db", "inbox/", "drafts/", "pii*", "decrypted/"):
        assert entry in ignore
    assert (Path(os.environ["HOME"]) / ".config/steward/user.yml").read_text() == "identity: alex\n"


def test_init_twice_is_refused(project: Path, run: Run) -> None:
    result = run("init")
    assert result.code == 2
    assert "exists already" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_config_check_warns_on_placeholders(project: Path, run: Run) -> None:
    result = run("config", "check")
    assert result.code == 0, result.err
    assert "warning: security_inbox.address" in result.out


def test_config_show_names_layers(project: Path, run: Run) -> None:
    result = run("config", "check", "--show")
    assert result.code == 0
    assert "project.yml" in result.out or "project" in result.out
    assert "default" in result.out


def test_broken_config_is_one_line_exit_2(project: Path, run: Run) -> None:
    path = project / ".steward" / "project.yml"
    path.write_text(path.read_text().replace("organization: independent", "organization: galaxy"))
    before = (project / ".steward" / "steward.db").read_bytes()
    for argv in (("config", "check"), ("list",), ("new", "--title", TITLE, "--field", "severity=high")):
        result = run(*argv)
        assert result.code == 2, argv
        lines = result.err.strip().splitlines()
        assert len(lines) == 1, lines
        assert "project.yml:" in lines[0]
        assert "organization" in lines[0]
        assert "Traceback" not in result.err
    assert (project / ".steward" / "steward.db").read_bytes() == before


def test_debug_shows_traceback(project: Path, run: Run) -> None:
    result = run("show", "99", "--debug")
    assert result.code == 2
    assert "Traceback" in result.err


def test_git_tracked_store_fails_check(project: Path, run: Run) -> None:
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(["git", "-C", str(project), "add", "-f", ".steward/steward.db"], check=True)
    result = run("config", "check")
    assert result.code == 2
    assert "steward.db" in result.err


def test_new_list_show_json_shapes(project: Path, run: Run) -> None:
    created = new(run, "issue-description=The loader resolves symlinks.", "affected-versions=`< 2.7.1`")
    assert set(created) == SUMMARY_KEYS
    assert created["state"] == "needs-triage"
    assert created["labels"] == ["needs triage", "security issue", "TLP:AMBER+STRICT"]
    assert created["board_column"] == "Needs triage"
    assert created["assignee"] == "alex"

    listed = run("list", "--json").json()
    assert isinstance(listed, dict)
    assert listed["project"] == "quill-wort"
    assert [t["number"] for t in listed["trackers"]] == [1]
    assert set(listed["trackers"][0]) == SUMMARY_KEYS

    shown = run("show", "1", "--json").json()
    assert isinstance(shown, dict)
    assert set(shown) == SUMMARY_KEYS | {
        "body",
        "fields",
        "close_reason",
        "milestone",
        "step",
        "violations",
        "comments",
    }
    assert shown["fields"]["affected-versions"] == "`< 2.7.1`"
    assert shown["fields"]["severity"] is None
    assert len(shown["fields"]) == 11
    assert shown["step"] == "1–2"
    assert shown["violations"] == []
    assert shown["comments"][0]["body"].startswith("<!-- steward: status-rollup v1 -->")
    assert "Created by hand" in shown["comments"][0]["body"]


def test_title_cascade_applies(project: Path, run: Run) -> None:
    created = new(run, title=f"[SECURITY] {TITLE}")
    assert created["title"] == TITLE


def test_list_filters(project: Path, run: Run) -> None:
    new(run)
    new(run, title="Cache key collision lets one tenant read another template")
    assert run("label", "2", "--add", "TLP:AMBER").code == 0
    by_label = run("list", "--label", "TLP:AMBER", "--json").json()
    assert isinstance(by_label, dict)
    assert [t["number"] for t in by_label["trackers"]] == [2]
    by_state = run("list", "--state", "assessed", "--json").json()
    assert isinstance(by_state, dict)
    assert by_state["trackers"] == []
    bad = run("list", "--state", "nowhere")
    assert bad.code == 2
    assert "needs-triage" in bad.err


def test_new_from_body_file(project: Path, run: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.md"
    body.write_text("### The issue description\n\nSymlinks.\n\n### Severity\n\nhigh\n")
    result = run("new", "--title", TITLE, "--body-file", str(body), "--json")
    assert result.code == 0, result.err
    shown = run("show", "1", "--json").json()
    assert isinstance(shown, dict)
    assert shown["fields"]["severity"] == "high"
    assert shown["body"].count("### ") == 11


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("### Affected versions\n\n`2.x or so`\n", "Affected versions"),
        ("### Severity\n\nhigh\n\n### Severity\n\nlow\n", "Severity"),
        ("### Severity\n\n```\nunclosed\n", "fence"),
    ],
)
def test_bad_body_file_is_exit_2_and_writes_nothing(
    project: Path, run: Run, tmp_path: Path, content: str, needle: str
) -> None:
    before = audit_count(project)
    body = tmp_path / "body.md"
    body.write_text(content)
    result = run("new", "--title", TITLE, "--body-file", str(body))
    assert result.code == 2
    assert str(body) in result.err
    assert needle in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert audit_count(project) == before
    listed = run("list", "--json").json()
    assert isinstance(listed, dict)
    assert listed["trackers"] == []


def test_unknown_field_role_is_exit_2(project: Path, run: Run) -> None:
    result = run("new", "--title", TITLE, "--field", "colour=blue")
    assert result.code == 2
    assert "issue-description" in result.err


def test_unknown_tracker_is_exit_2(project: Path, run: Run) -> None:
    for argv in (("show", "7"), ("label", "7", "--add", "TLP:AMBER")):
        result = run(*argv)
        assert result.code == 2
        assert (
            result.err.strip()
            == "steward: error: no tracker #7 in project quill-wort; `steward list` shows the numbers"
        )


def test_forbidden_transition_is_exit_3_and_writes_nothing(project: Path, run: Run) -> None:
    new(run)
    before = audit_count(project)
    shown_before = run("show", "1", "--json").json()
    for label in ("pr merged", "announced", "invalid", "fix released"):
        result = run("label", "1", "--add", label)
        assert result.code == 3, label
        assert len(result.err.strip().splitlines()) == 1
        assert "T" in result.err or "L-" in result.err or "D4" in result.err
    assert run("label", "1", "--remove", "needs triage").code == 3
    assert run("label", "1", "--remove", "TLP:AMBER+STRICT").code == 3
    assert audit_count(project) == before
    assert run("show", "1", "--json").json() == shown_before


def test_allowed_label_edits(project: Path, run: Run) -> None:
    new(run)
    assert run("label", "1", "--add", "needs reproducer").code == 0
    result = run("label", "1", "--add", "TLP:GREEN", "--json")
    assert result.code == 0
    value = result.json()
    assert isinstance(value, dict)
    assert "TLP:GREEN" in value["labels"]
    assert "TLP:AMBER+STRICT" not in value["labels"]
    again = run("label", "1", "--add", "TLP:GREEN")
    assert again.code == 0
    assert "nothing to change" in again.out
    assert run("audit", "verify").code == 0


def test_non_member_is_refused(project: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "mallory")
    result = run("new", "--title", TITLE, "--field", "severity=high")
    assert result.code == 3
    assert "roster" in result.err


def test_audit_verify_names_tampered_event(project: Path, run: Run) -> None:
    new(run)
    ok = run("audit", "verify", "--json").json()
    assert isinstance(ok, dict)
    assert ok["ok"] is True
    assert ok["checked"] >= 2
    app = open_app(project / ".steward" / "project.yml")
    with app.store.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
    app.store.close()
    result = run("audit", "verify")
    assert result.code == 3
    assert "event 2" in result.err


def test_usage_error_is_one_line(project: Path, run: Run) -> None:
    result = run("list", "--bogus")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert run("frobnicate").code == 2


def test_outside_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    result = run("list")
    assert result.code == 2
    assert "steward init" in result.err


def test_demo_reaches_every_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    result = run("demo", "--dir", "demo")
    assert result.code == 0, result.err
    assert "FICTIONAL DEMO DATA" in result.out
    monkeypatch.chdir(tmp_path / "demo")
    listed = run("list", "--json").json()
    assert isinstance(listed, dict)
    states = {t["state"] for t in listed["trackers"]}
    assert states == {s.value for s in State} - {"drift"}
    assert len(listed["trackers"]) >= 12
    for tracker in listed["trackers"]:
        shown = run("show", str(tracker["number"]), "--json").json()
        assert isinstance(shown, dict)
        assert shown["violations"] == [], (tracker["number"], shown["violations"])
    assert run("audit", "verify").code == 0
    monkeypatch.chdir(tmp_path)
    assert run("demo", "--dir", "demo").code == 0, "the demo rebuilds over its own folder"
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    assert run("demo", "--dir", "other").code == 2
