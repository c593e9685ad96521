"""The intake full-text prefilter (spec §5.4) on SQLite FTS5 and PostgreSQL tsvector, and migration 0003."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from steward.errors import UsageError
from steward.store import Store, fulltext
from steward.store.fulltext import MAX_TERM_CHARS, MAX_TERMS, clean_terms, fts5_match
from steward.store.migrate import run

FTS_WORDS = ["NEAR", "NEAR(a b, 2)", "*", "a*", "^a", "title:x", "{title body}:x", "-", "-x", "OR", "AND", "NOT"]
FTS_WORDS += ["(", ")", "()", '"', '""', "'", ":", "+", "\\", "%", "_", "x OR y", "a AND NOT b", "col:*"]
HOSTILE = st.text(st.characters(blacklist_characters="\x00"), max_size=80)
TERM = st.one_of(HOSTILE, st.sampled_from(FTS_WORDS), st.lists(st.sampled_from(FTS_WORDS)).map(" ".join))


def tracker(store: Store, title: str, body: str, project: str = "demo") -> int:
    with store.transaction(project, actor="alice", command="new") as tx:
        return tx.create_tracker(title, body, ["security issue"], "Needs triage").number


def prefilter(store: Store, terms: list[str], limit: int = 50, project: str = "demo") -> list[int] | None:
    with store.read(project) as reader:
        return reader.prefilter_trackers(terms, limit)


# --- ranking and keeping in step --------------------------------------------------------------------------------


def test_best_match_ranks_first_and_unrelated_trackers_are_left_out(store: Store) -> None:
    body_only = tracker(store, "Crash in the config loader", "The loader parses XML and crashes on big files.")
    unrelated = tracker(store, "Timing leak in token compare", "A constant-time compare is missing.")
    best = tracker(store, "XML external entity in the importer", "The XML importer resolves external entities.")
    assert prefilter(store, ["xml", "external", "entity"]) == [best, body_only]
    assert unrelated not in (prefilter(store, ["xml"]) or [])
    assert prefilter(store, ["constant-time"]) == [unrelated]


def test_a_title_hit_outranks_a_body_hit(store: Store) -> None:
    in_body = tracker(store, "Crash on start", "It mentions traversal once.")
    in_title = tracker(store, "Path traversal in the extractor", "It crashes on start.")
    assert prefilter(store, ["traversal"]) == [in_title, in_body]


def test_an_update_to_the_body_or_title_changes_what_matches(store: Store) -> None:
    number = tracker(store, "Heap overflow", "In the PNG decoder.")
    assert prefilter(store, ["zanzibar"]) == []
    with store.transaction("demo", actor="alice", command="fix") as tx:
        tx.update_tracker(number, body="In the zanzibar decoder.")
        assert tx.prefilter_trackers(["zanzibar"]) == [number]
    assert prefilter(store, ["zanzibar"]) == [number]
    assert prefilter(store, ["png"]) == []
    with store.transaction("demo", actor="alice", command="fix") as tx:
        tx.update_tracker(number, title="Stack overflow")
    assert prefilter(store, ["heap"]) == []
    assert prefilter(store, ["stack"]) == [number]


def test_a_rolled_back_write_leaves_the_index_unchanged(store: Store) -> None:
    number = tracker(store, "Heap overflow", "In the PNG decoder.")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), store.transaction("demo", actor="alice", command="fix") as tx:
        tx.update_tracker(number, body="In the zanzibar decoder.")
        raise Boom
    assert prefilter(store, ["zanzibar"]) == []
    assert prefilter(store, ["png"]) == [number]


def test_closed_trackers_count_and_other_projects_do_not(store: Store) -> None:
    closed = tracker(store, "Open redirect on login", "redirect")
    with store.transaction("demo", actor="alice", command="close") as tx:
        tx.update_tracker(closed, closed=True, close_reason="not planned")
    with store.transaction("other", actor="alice", command="init") as tx:
        tx.create_project()
    elsewhere = tracker(store, "Open redirect on logout", "redirect", project="other")
    assert prefilter(store, ["redirect"]) == [closed]
    assert prefilter(store, ["redirect"], project="other") == [elsewhere]


def test_limit_keeps_the_best_ranked(store: Store) -> None:
    numbers = [tracker(store, f"Finding {i}", "overflow " * (i + 1)) for i in range(5)]
    found = prefilter(store, ["overflow"], limit=3)
    assert found is not None
    assert len(found) == 3
    assert set(found) <= set(numbers)
    with pytest.raises(UsageError, match="at least 1"):
        prefilter(store, ["overflow"], limit=0)


def test_a_term_is_a_phrase_and_terms_are_or_ed(store: Store) -> None:
    adjacent = tracker(store, "Path traversal", "x")
    apart = tracker(store, "Traversal of the path", "x")
    other = tracker(store, "Symlink race", "x")
    assert prefilter(store, ["path traversal"]) == [adjacent]
    assert set(prefilter(store, ["path traversal", "symlink"]) or []) == {adjacent, other}
    assert apart in (prefilter(store, ["path", "traversal"]) or [])


def test_no_usable_term_matches_nothing(store: Store) -> None:
    tracker(store, "Anything", "at all")
    assert prefilter(store, []) == []
    assert prefilter(store, ["", "   ", '"', "*", "()"]) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(terms=st.lists(TERM, max_size=40))
def test_hostile_terms_never_raise_and_name_only_existing_trackers(store: Store, terms: list[str]) -> None:
    if prefilter(store, ["seeded"]) == []:
        tracker(store, 'Seeded "NEAR" title: with OR (parens) and * stars', "body - with : colons AND NOT quotes ''")
        tracker(store, "Seeded second", "x OR y")
    with store.read("demo") as reader:
        existing = {t.number for t in reader.list_trackers()}
        found = reader.prefilter_trackers(terms)
    assert found is not None
    assert len(found) == len(set(found))
    assert set(found) <= existing


# --- term cleaning ----------------------------------------------------------------------------------------------


def test_terms_are_quoted_as_fts5_strings() -> None:
    assert fts5_match(['say "hi"', "NEAR", "a*"]) == '"say ""hi""" OR "NEAR" OR "a*"'
    assert fts5_match(["", "--", "()"]) == ""
    assert clean_terms("single term") == ["single term"]
    assert clean_terms(["Foo", "foo", " foo  bar\t", "x\x00y", "\ud800z"]) == ["Foo", "foo bar", "x y", "z"]


@given(st.lists(st.text(), max_size=80))
def test_clean_terms_caps_and_is_idempotent(terms: list[str]) -> None:
    kept = clean_terms(terms)
    assert len(kept) <= MAX_TERMS
    assert all(0 < len(t) <= MAX_TERM_CHARS and "\x00" not in t for t in kept)
    assert clean_terms(kept) == kept
    match = fts5_match(terms)
    assert match.count('"') % 2 == 0


# --- migration 0003 ---------------------------------------------------------------------------------------------


def seed_at_0002(url: str) -> None:
    """A store at revision 0002 holding one project and two trackers, written without the ORM."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        run(engine, "upgrade", "0002")
        at = datetime(2026, 1, 2, 3, 4, 5)
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO projects (id, slug, name, secret, last_tracker_number, created_at) "
                    "VALUES (1, 'demo', 'Demo', :secret, 2, :at)"
                ),
                {"secret": b"\x01" * 32, "at": at},
            )
            for number, title in ((1, "Prototype pollution in merge"), (2, "ReDoS in the date parser")):
                conn.execute(
                    text(
                        "INSERT INTO trackers (project_id, number, title, body, state, created_at, updated_at) "
                        "VALUES (1, :n, :title, 'body', 'open', :at, :at)"
                    ),
                    {"n": number, "title": title, "at": at},
                )
    finally:
        engine.dispose()


def test_upgrade_from_0002_backfills_existing_trackers(store_url: str) -> None:
    seed_at_0002(store_url)
    with Store.open(store_url) as store:
        assert prefilter(store, ["pollution"]) == [1]
        assert prefilter(store, ["redos", "parser"]) == [2]
        assert tracker(store, "Pollution again", "x") == 3
        assert set(prefilter(store, ["pollution"]) or []) == {1, 3}


def fulltext_objects(store: Store) -> set[str]:
    names = set(inspect(store.engine).get_table_names())
    names |= {c["name"] for c in inspect(store.engine).get_columns("trackers")}
    return {name for name in names if fulltext.is_fulltext_object(name)}


def test_downgrade_removes_the_index_and_upgrade_rebuilds_it(store: Store) -> None:
    first = tracker(store, "Deserialisation gadget", "x")
    assert fulltext_objects(store)
    run(store.engine, "downgrade", "0002")
    assert fulltext_objects(store) == set()
    second = tracker(store, "Another gadget chain", "x")
    run(store.engine, "upgrade", "head")
    assert set(prefilter(store, ["gadget"]) or []) == {first, second}


def test_without_fts5_the_migration_passes_and_the_prefilter_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulltext, "fts5_available", lambda _conn: False)
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}", create=True) as store:
        with store.transaction("demo", actor="alice", command="init") as tx:
            tx.create_project()
        number = tracker(store, "Heap overflow", "x")
        with store.transaction("demo", actor="alice", command="fix") as tx:
            tx.update_tracker(number, body="y")
        assert prefilter(store, ["heap"]) is None
        assert fulltext_objects(store) == set()


def test_the_real_sqlite_has_fts5(tmp_path: Path) -> None:
    """The shipped Python builds have FTS5; if this fails, the prefilter silently degrades to "compare all"."""
    with Store.open(f"sqlite:///{tmp_path / 'steward.db'}", create=True) as store:
        with store.engine.connect() as conn:
            assert fulltext.fts5_available(conn)
        assert "tracker_fulltext" in inspect(store.engine).get_table_names()
