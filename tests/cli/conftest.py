"""A fresh project per test, driven through `steward.cli.main.main` exactly as the console script is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from steward.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


Run = Callable[..., Result]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    def _run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    root = tmp_path / "proj"
    root.mkdir()
    monkeypatch.chdir(root)
    result = run("init", "--name", "Quill Wort")
    assert result.code == 0, result.err
    return root
