"""Dedupe regenerates the kept tracker's CVE JSON block and pushes it without a state change (§6.2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Run = Callable[..., Any]


def test_kept_record_gains_the_dropped_credit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    assert run("demo", "--dir", "demo").code == 0
    monkeypatch.chdir(tmp_path / "demo")
    trackers = run("list", "--json").json()["trackers"]
    keep = next(t for t in trackers if t["state"] == "pr-created")
    drop = next(t for t in trackers if t["state"] == "assessed" and t["scope"] == keep["scope"])
    dropped_credit = run("show", str(drop["number"]), "--json").json()["fields"]["reporter-credit"]
    before = run("show", str(keep["number"]), "--json").json()["body"]
    assert dropped_credit not in before.split("cve-json-begin")[1]
    result = run("dedupe", str(keep["number"]), str(drop["number"]), "--apply", "all")
    assert result.code == 0, result.err
    after = run("show", str(keep["number"]), "--json").json()
    block = after["body"].split("cve-json-begin")[1]
    assert dropped_credit in block, "the regenerated block carries the merged credit"
    assert after["body"].count("cve-json-begin") == 1
    assert run("show", str(drop["number"]), "--json").json()["state"] == "closed-duplicate"
    assert run("audit", "verify").code == 0
    again = run("dedupe", str(keep["number"]), str(drop["number"]), "--json")
    assert again.code in (0, 3)
