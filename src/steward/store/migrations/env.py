"""Alembic environment: always driven from `steward.store` with a live connection, never from alembic.ini."""

from __future__ import annotations

from alembic import context

from steward.store.fulltext import is_fulltext_object
from steward.store.schema import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through a hand-written alembic.ini
    raise RuntimeError("steward migrations run through steward.store.Store.open(create=True), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    compare_type=True,
    include_name=lambda name, _type, _parents: not is_fulltext_object(name),
)
with context.begin_transaction():
    context.run_migrations()
