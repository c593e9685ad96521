"""The evidence pack runs the §5.4–5.6 signals on the tracker's current text, read-only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]


def test_evidence_names_the_likely_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    assert run("new", "--title", "x", "--field", "severity=high").code == 2  # outside a project: one-line usage error
    assert run("demo", "--dir", "demo").code == 0
    monkeypatch.chdir(tmp_path / "demo")
    trackers = run("list", "--json").json()["trackers"]
    original = next(t for t in trackers if t["title"] == "Sandbox allows attribute access to format internals")
    text = "issue-description=`{{ obj.__format__ }}` escapes the sandbox attribute filter."
    title = "Sandbox allows attribute access to format internals again"
    created = run("new", "--title", title, "--field", text, "--json")
    assert created.code == 0, created.err
    number = created.json()["number"]
    db = tmp_path / "demo" / ".steward" / "steward.db"
    before = db.read_bytes()
    evidence = run("triage", str(number), "--evidence", "--json").json()
    assert db.read_bytes() == before, "read-only"
    assert original["number"] in {d["tracker"] for d in evidence["duplicates"]}
    assert all(d["tracker"] != number for d in evidence["duplicates"])
    assert evidence["fix_already_public"] == []
