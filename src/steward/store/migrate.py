"""Schema migrations: bring a store to the newest Alembic revision, refusing stores this steward cannot read."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.engine import URL

from steward.errors import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
WRITE = "steward_write"
"""Execution option asking for the write lock up front (`BEGIN IMMEDIATE` on SQLite)."""


def alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def run(engine: Engine, action: str, revision: str) -> None:
    """`upgrade` or `downgrade` to `revision` in one write transaction (maintenance and tests)."""
    config = alembic_config()
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            config.attributes["connection"] = conn
            getattr(alembic_command, action)(config, revision)


def migrate_to_head(engine: Engine, parsed: URL, shown: str, *, create: bool) -> None:
    config = alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    known = {rev.revision for rev in ScriptDirectory.from_config(config).walk_revisions()}
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is None and not create:
        raise ConfigError(f"the store at {shown} holds no steward tables; run `steward init` to create them")
    if current is not None and current not in known:
        raise ConfigError(
            f"the store at {shown} is at schema revision {current}, which this steward does not know; "
            "upgrade steward to a version that wrote it"
        )
    run(engine, "upgrade", "head")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        os.chmod(str(parsed.database), 0o600)
