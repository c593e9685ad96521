"""The same commands with the store on a real PostgreSQL server (STEWARD_DATABASE_URL)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_services import POSTGRES_ENV, required_env
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.fixture
def pg_url() -> Iterator[str]:
    (base,) = required_env(POSTGRES_ENV)
    schema = f"steward_cli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_lifecycle_commands_on_postgres(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Any]
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.setenv("STEWARD_DATABASE_URL", pg_url)
    monkeypatch.chdir(tmp_path)
    assert run("init", "--name", "Pg Project").code == 0
    assert not (tmp_path / ".steward" / "steward.db").exists(), "the store lives in PostgreSQL"
    created = run("new", "--title", "Loader follows symlinks outside the path", "--field", "severity=high", "--json")
    assert created.code == 0, created.err
    assert run("label", "1", "--add", "pr merged").code == 3
    assert run("label", "1", "--add", "TLP:AMBER").code == 0
    listed = run("list", "--json").json()
    assert [t["labels"] for t in listed["trackers"]] == [["needs triage", "security issue", "TLP:AMBER"]]
    assert run("audit", "verify").code == 0
