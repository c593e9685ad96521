"""The demo project plus one hostile tracker, built once per module and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from web_demo import ENV, IDENTITY, add_hostile, config_of

from steward.demo.build import build_demo
from steward.web.app import create_app


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = build_demo(tmp_path_factory.mktemp("web") / "demo", identity=IDENTITY)
    return root, add_hostile(root)


@pytest.fixture
def demo(template: tuple[Path, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    return Path(shutil.copytree(template[0], tmp_path / "demo"))


@pytest.fixture
def hostile(template: tuple[Path, int]) -> int:
    return template[1]


@pytest.fixture
def api(demo: Path) -> Iterator[FastAPI]:
    yield create_app(config_of(demo), env=ENV)
