"""Full-text index over tracker titles and bodies for the intake dedupe prefilter (spec §5.4).

SQLite: an FTS5 external-content table over `trackers`, kept in step by triggers, so every write path (the ORM,
raw SQL, cascading deletes) updates it in the same transaction. A SQLite without FTS5 gets no index and the
prefilter reports itself unavailable. A later migration that rebuilds `trackers` (batch mode copies and renames
the table) drops the triggers with it and must recreate them and `rebuild` the index.
PostgreSQL: a generated `tsvector` column (title weight A, body B) with a GIN index; adding it fills every row.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from steward.store import fulltext

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "tracker_fulltext"
VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, body), 'B')"
)
SQLITE_UPGRADE = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body, content='trackers', content_rowid='id')",
    f"""CREATE TRIGGER trackers_fulltext_ai AFTER INSERT ON trackers BEGIN
        INSERT INTO {TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"""CREATE TRIGGER trackers_fulltext_ad AFTER DELETE ON trackers BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    END""",
    f"""CREATE TRIGGER trackers_fulltext_au AFTER UPDATE OF title, body ON trackers BEGIN
        INSERT INTO {TABLE}({TABLE}, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO {TABLE}(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS trackers_fulltext_au",
    "DROP TRIGGER IF EXISTS trackers_fulltext_ad",
    "DROP TRIGGER IF EXISTS trackers_fulltext_ai",
    f"DROP TABLE IF EXISTS {TABLE}",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        if fulltext.fts5_available(bind):
            for statement in SQLITE_UPGRADE:
                op.execute(statement)
        return
    if bind.dialect.name == "postgresql":
        op.add_column(
            "trackers",
            sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(VECTOR, persisted=True), nullable=True),
        )
        op.create_index(
            "ix_trackers_search_vector", "trackers", ["search_vector"], unique=False, postgresql_using="gin"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
        return
    if bind.dialect.name == "postgresql":
        op.drop_index("ix_trackers_search_vector", table_name="trackers")
        op.drop_column("trackers", "search_vector")
