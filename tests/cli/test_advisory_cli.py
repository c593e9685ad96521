"""`steward advisory`: every format of every demo tracker renders without a private URL, or is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]
FORBIDDEN = (
    "127.0.0.1:8000/trackers",
    "mail.example.net",
    "Root Message-ID",
    "cveform.mitre.org",
    "quillwort/security",
)


def test_every_format_of_every_demo_tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    assert run("demo", "--dir", "demo").code == 0
    monkeypatch.chdir(tmp_path / "demo")
    trackers = run("list", "--json").json()["trackers"]
    shipped = {"fix-released", "announced", "closed-announced"}
    rendered = 0
    for tracker in trackers:
        for fmt in ("email", "spec11", "osv", "csaf"):
            result = run("advisory", str(tracker["number"]), "--format", fmt)
            if tracker["state"] in shipped:
                assert result.code == 0, (tracker["number"], fmt, result.err)
            assert result.code in (0, 3), (tracker["number"], fmt, result.err)
            if result.code == 3:
                assert len([line for line in result.err.splitlines() if "error:" in line]) == 1
                continue
            rendered += 1
            for needle in FORBIDDEN:
                assert needle not in result.out, (tracker["number"], fmt, needle)
            assert "FICTIONAL DEMO DATA" in result.out
            if fmt in ("osv", "csaf"):
                doc = json.loads(result.out)
                if fmt == "osv":
                    assert doc["database_specific"]["demo"] is True
    assert rendered >= 12


def test_unknown_format_is_exit_2(project: Path, run: Run) -> None:
    assert run("new", "--title", "Loader follows symlinks outside the path", "--field", "severity=high").code == 0
    result = run("advisory", "1", "--format", "pdf")
    assert result.code == 2
    assert "email" in result.err
