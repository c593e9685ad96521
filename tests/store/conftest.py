"""Fixtures for the store tests: every store test runs on SQLite and on PostgreSQL.

The PostgreSQL run needs STEWARD_TEST_POSTGRES_URL (set by `scripts/run-tests` after `scripts/pg-test-server start`).
Without it the PostgreSQL case is skipped locally, but fails under CI=true, so CI can never skip it silently.
Each PostgreSQL test gets a fresh schema (via the connection's search_path) that is dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from loopback_services import required_env
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from steward.store import Store

PG_ENV = "STEWARD_TEST_POSTGRES_URL"


class StepClock:
    """A deterministic UTC clock: each call is one second after the previous one."""

    def __init__(self, start: datetime = datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def postgres_base_url() -> str:
    (url,) = required_env(PG_ENV, started_by="make test (or scripts/pg-test-server start DIR PORT)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'state' / 'steward.db'}"
        return
    base = postgres_base_url()
    schema = f"steward_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def store(store_url: str, clock: StepClock) -> Iterator[Store]:
    with Store.open(store_url, clock=clock, create=True) as opened:
        with opened.transaction("demo", actor="alice", command="init") as tx:
            tx.create_project("Demo project")
        yield opened
