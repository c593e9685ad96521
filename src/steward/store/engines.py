"""Engines for SQLite (one team) and PostgreSQL (a foundation), and `Store`, which hands out units of work.

Every write happens inside `Store.transaction()`, one database transaction that also appends the audit events of
what it applied (spec G3), so a failure anywhere leaves neither a half-applied change nor an audit event for it.
Writers of one project are serialised on its row (`SELECT … FOR UPDATE`; `BEGIN IMMEDIATE` on SQLite), which is
what keeps tracker numbers sequential and the audit chain linear with several workers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from steward.errors import ConfigError, NotFound, OperationFailed
from steward.store import audit as chain
from steward.store.clock import Clock, utc_now
from steward.store.migrate import WRITE, migrate_to_head
from steward.store.reader import Reader
from steward.store.rows import ProjectRow, audit_record
from steward.store.schema import AuditEvent, Project
from steward.store.transaction import Transaction
from steward.store.urls import safe_url


def first_line(exc: BaseException) -> str:
    """The driver's own first line of an error: enough to act on, without a multi-line traceback dump."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def _prepare_sqlite_file(path: Path, *, create: bool, shown: str) -> None:
    """Create the database file owner-only (spec §13.2) before SQLite would create it with the umask's mode."""
    if path.exists():
        return
    if not create:
        raise ConfigError(f"no store at {shown}; run `steward init` to create it, or fix the store URL")
    missing = []
    parent = path.parent
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    for directory in reversed(missing):
        directory.mkdir(mode=0o700)
        os.chmod(directory, 0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def _sqlite_engine(url: URL, *, create: bool, shown: str) -> Engine:
    database = url.database or ""
    in_memory = database in ("", ":memory:")
    if in_memory:
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _prepare_sqlite_file(Path(database), create=create, shown=shown)
        engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event, not pysqlite, decide when a transaction starts and which kind.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the database's write lock up front, so two writers queue instead of deadlocking.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

    return engine


class Store:
    """An open store; use `Store.open()`."""

    def __init__(self, engine: Engine, shown_url: str, clock: Clock) -> None:
        self._engine = engine
        self.url = shown_url
        """The URL with its password hidden."""
        self._clock = clock

    @classmethod
    def open(cls, url: str, *, clock: Clock = utc_now, create: bool = False) -> Store:
        """Connect, and bring the schema to the current revision (creating it when `create`)."""
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(
                f"store URL {safe_url(url)!r} is not a database URL; use e.g. sqlite:///path/steward.db or "
                "postgresql+psycopg://user@host/dbname"
            ) from None
        shown = safe_url(parsed)
        try:
            if parsed.get_backend_name() == "sqlite":
                engine = _sqlite_engine(parsed, create=create, shown=shown)
            else:
                engine = create_engine(parsed, pool_pre_ping=True)
        except (NoSuchModuleError, ImportError) as exc:
            raise ConfigError(
                f"cannot open the store at {shown}: no driver for {parsed.drivername} ({first_line(exc)}); "
                "use sqlite:/// or postgresql+psycopg:// and install steward[postgres] for the latter"
            ) from None
        store = cls(engine, shown, clock)
        try:
            store._migrate(parsed, create=create)
        except DBAPIError as exc:
            engine.dispose()
            raise ConfigError(
                f"cannot open the store at {shown}: {first_line(exc)}; check the store URL and that the database "
                "server is running and reachable"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    def _migrate(self, parsed: URL, *, create: bool) -> None:
        migrate_to_head(self._engine, parsed, self.url, create=create)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def engine(self) -> Engine:
        """For tests and maintenance tools; application code goes through units of work."""
        return self._engine

    @contextmanager
    def _session(self, *, write: bool) -> Iterator[Session]:
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{WRITE: True})
                with conn.begin():
                    session = Session(bind=conn, autoflush=True, expire_on_commit=False)
                    try:
                        yield session
                        session.flush()
                    finally:
                        session.close()
        except IntegrityError as exc:
            raise OperationFailed(
                f"the store at {self.url} refused a write ({first_line(exc)}); nothing was written — "
                "another worker may have made the same change, so re-run the command"
            ) from exc
        except OperationalError as exc:
            raise OperationFailed(
                f"the store at {self.url} failed ({first_line(exc)}); nothing was written — retry, "
                "and check the database if it persists"
            ) from exc

    @contextmanager
    def transaction(self, project_slug: str, *, actor: str, command: str) -> Iterator[Transaction]:
        """One unit of work: commits when the block ends, rolls everything back when it raises."""
        with self._session(write=True) as session:
            project = session.scalars(
                select(Project).where(Project.slug == project_slug).with_for_update()
            ).one_or_none()
            yield Transaction(session, project_slug, project, self._clock, actor=actor, command=command)

    @contextmanager
    def read(self, project_slug: str) -> Iterator[Reader]:
        """Consistent read-only queries on one project."""
        with self._session(write=False) as session:
            project = session.scalars(select(Project).where(Project.slug == project_slug)).one_or_none()
            reader = Reader(session, project_slug, project, self._clock)
            if project is None:
                raise NotFound(f"no project {project_slug} in the store at {self.url}; run `steward init` to create it")
            yield reader

    def project(self, slug: str) -> ProjectRow:
        with self.read(slug) as reader:
            return reader.get_project()

    def projects(self) -> list[ProjectRow]:
        with self._session(write=False) as session:
            found = session.scalars(select(Project).order_by(Project.slug))
            return [ProjectRow(p.slug, p.name, p.created_at) for p in found]

    def verify_audit(self, project_slug: str | None = None) -> chain.AuditReport:
        """Recompute the chain of one project (or of every project, in slug order) and name the first broken event."""
        checked = 0
        with self._session(write=False) as session:
            query = select(Project.id, Project.slug).order_by(Project.slug)
            if project_slug is not None:
                query = query.where(Project.slug == project_slug)
            projects = session.execute(query).all()
            if project_slug is not None and not projects:
                raise NotFound(f"no project {project_slug} in the store at {self.url}; run `steward init` to create it")
            for project_id, slug in projects:
                events = session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.project_id == project_id)
                    .order_by(AuditEvent.seq)
                    .execution_options(yield_per=1000)
                )
                report = chain.verify_chain(audit_record(slug, e) for e in events)
                checked += report.checked
                if not report.ok:
                    return chain.AuditReport(False, checked, report.first_broken, report.reason)
        return chain.AuditReport(True, checked)

    def count(self, project_slug: str) -> int:
        """Number of trackers of a project (cheap; for stats and tests)."""
        with self.read(project_slug) as reader:
            return reader.count_trackers()
