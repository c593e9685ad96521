"""A fresh, isolated copy of the fictional demo project per test, and readers of what a command left behind.

Building the demo takes seconds, so a test module builds it once (`build_template`) and every test works on
its own copy (`isolated_copy`): HOME, the config and database overrides are cleared so nothing of the machine
leaks in, and the acting user is the demo's roster member.
"""

from __future__ import annotations

import shutil
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from steward.app import App, open_app
from steward.demo.build import build_demo

IDENTITY = "alex"


def build_template(directory: Path, *, with_inbox: bool = False) -> Path:
    return build_demo(directory, identity=IDENTITY, with_inbox=with_inbox)


def isolated_copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    root = tmp_path / "demo"
    shutil.copytree(template, root)
    monkeypatch.chdir(root)
    return root


def open_demo(root: Path) -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under .steward by relative path: a refused or dry-run command must leave it identical."""
    base = root / ".steward"
    return {str(p.relative_to(base)): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}


def draft_messages(root: Path) -> list[EmailMessage]:
    folder = root / ".steward" / "drafts" / ".Drafts" / "cur"
    out: list[EmailMessage] = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        parsed = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(parsed, EmailMessage)
        out.append(parsed)
    return out


def tracker(app: App, number: int) -> Any:
    with app.store.read(app.slug) as reader:
        return reader.get_tracker(number)


def comments(app: App, number: int) -> list[Any]:
    with app.store.read(app.slug) as reader:
        return reader.list_comments(number)
