"""The optional full-text prefilter of intake dedupe (spec §5.4 `intake.fts_prefilter`): FTS5 or `tsvector`.

Terms come from hostile inbound mail, so they reach the database only as bound parameters: on SQLite each term
becomes one quoted FTS5 string (a phrase: no operator, column filter or prefix inside it is live), on PostgreSQL
one `phraseto_tsquery` call on a parameter, the calls joined with the tsquery OR operator. Migration 0003 builds
the index; a SQLite without FTS5 gets none, and the prefilter then answers None ("compare with every tracker").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from steward.errors import UsageError

FTS_TABLE = "tracker_fulltext"
"""SQLite: FTS5 external-content table over `trackers` (rowid = trackers.id), kept in step by triggers."""
TSVECTOR_COLUMN = "search_vector"
"""PostgreSQL: generated `tsvector` column of `trackers` (title weighted A, body B)."""
TSVECTOR_INDEX = "ix_trackers_search_vector"
PREFILTER_LIMIT = 50
MAX_TERMS = 32
MAX_TERM_CHARS = 64
TITLE_WEIGHT = 2.0
"""bm25 weight of a title hit against a body hit (1.0); PostgreSQL's A/B weights rank alike."""

_SQLITE_QUERY = f"""
SELECT t.number FROM {FTS_TABLE} JOIN trackers AS t ON t.id = {FTS_TABLE}.rowid
WHERE {FTS_TABLE} MATCH :match AND t.project_id = :project_id
ORDER BY bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0), t.number
LIMIT :limit
"""
"""Only module constants are formatted in; the terms are the bound `:match`."""


def fts5_available(conn: Connection) -> bool:
    """Whether this SQLite can create FTS5 tables (some builds lack the module); probed in a savepoint."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE VIRTUAL TABLE temp.steward_fts5_probe USING fts5(x)")
            conn.exec_driver_sql("DROP TABLE temp.steward_fts5_probe")
    except DBAPIError:
        return False
    return True


def is_fulltext_object(name: str | None) -> bool:
    """Alembic `include_name` helper: the index lives outside the ORM models, so comparisons must skip it."""
    return name is not None and (name in {TSVECTOR_COLUMN, TSVECTOR_INDEX} or name.startswith(FTS_TABLE))


def clean_terms(terms: Sequence[str]) -> list[str]:
    """Usable terms, first seen first: NUL and lone surrogates removed, whitespace collapsed, length and count capped.

    A term without a letter or digit cannot match a token, so it is dropped; so is a repeat (case-insensitive).
    """
    if isinstance(terms, str):
        terms = [terms]
    kept: dict[str, str] = {}
    for raw in terms:
        if not isinstance(raw, str):
            continue
        term = " ".join(raw.replace("\x00", " ").encode("utf-8", "ignore").decode("utf-8").split())
        term = term[:MAX_TERM_CHARS].strip()
        if not any(ch.isalnum() for ch in term):
            continue
        kept.setdefault(term.casefold(), term)
        if len(kept) == MAX_TERMS:
            break
    return list(kept.values())


def fts5_match(terms: Sequence[str]) -> str:
    """The FTS5 query: each term one string (`"` doubled), joined by OR; empty when no term is usable."""
    return " OR ".join('"' + term.replace('"', '""') + '"' for term in clean_terms(terms))


def _sqlite_has_index(session: Session) -> bool:
    found = session.execute(
        text("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name"), {"name": FTS_TABLE}
    ).scalar_one()
    return bool(found)


def _postgres_query(count: int) -> str:
    # Only the placeholder names :t0 … :tN are generated here; every term's text is a bound parameter.
    query = " || ".join(f"phraseto_tsquery('simple', CAST(:t{i} AS text))" for i in range(count))
    return f"""
WITH q AS (SELECT ({query}) AS query)
SELECT t.number FROM trackers AS t, q
WHERE t.project_id = :project_id AND t.{TSVECTOR_COLUMN} @@ q.query
ORDER BY ts_rank(t.{TSVECTOR_COLUMN}, q.query) DESC, t.number
LIMIT :limit
"""


def prefilter(session: Session, project_id: int, terms: Sequence[str], limit: int) -> list[int] | None:
    """Tracker numbers best-ranked first, or None when this store has no full-text index."""
    if limit < 1:
        raise UsageError(f"the prefilter limit must be at least 1, got {limit}; pass e.g. {PREFILTER_LIMIT}")
    session.flush()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        if not _sqlite_has_index(session):
            return None
        match = fts5_match(terms)
        if not match:
            return []
        params: dict[str, object] = {"match": match, "project_id": project_id, "limit": limit}
        return list(session.execute(text(_SQLITE_QUERY), params).scalars())
    if dialect == "postgresql":
        kept = clean_terms(terms)
        if not kept:
            return []
        params = {f"t{i}": term for i, term in enumerate(kept)}
        params |= {"project_id": project_id, "limit": limit}
        return list(session.execute(text(_postgres_query(len(kept))), params).scalars())
    return None
