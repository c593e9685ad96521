"""The store on both backends: round trips, units of work, the audit chain and its tamper detection."""

from __future__ import annotations

import itertools
import os
import stat
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update

from steward.errors import ConfigError, NotFound, OperationFailed, UsageError
from steward.store import Store
from steward.store.audit import GENESIS_HASH, digest
from steward.store.fulltext import is_fulltext_object
from steward.store.schema import AuditEvent, Base, Project

LABELS = ["security issue", "needs triage"]
AUDIT_COLUMNS = ["seq", "at", "actor", "command", "tracker_number", "item_key"]
AUDIT_COLUMNS += ["before_digest", "after_digest", "prev_hash", "hash"]
NO_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))  # stored text is valid UTF-8


class Boom(Exception):
    pass


def new_tracker(
    store: Store, title: str = "Path traversal in the archive extractor", labels: list[str] = LABELS
) -> int:
    with store.transaction("demo", actor="alice", command="new") as tx:
        row = tx.create_tracker(title, "### The issue description\n\nDetails.\n", labels, "Needs triage")
        tx.audit(row.number, f"new:{row.number}", None, row.body)
        return row.number


def raw(store: Store, sql: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def audit_id(store: Store, seq: int) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM audit_events WHERE seq = :s"), {"s": seq}).scalar_one())


# --- trackers ---------------------------------------------------------------------------------------------------


def test_create_get_list_update_round_trip(store: Store) -> None:
    with store.transaction("demo", actor="alice", command="new") as tx:
        tx.upsert_milestone("2.4.1", due_on=date(2026, 2, 1))
        created = tx.create_tracker("Title one", "body one", LABELS, "Needs triage", assignee="alice", scope="core")
    assert created.number == 1
    assert created.labels == tuple(LABELS)
    assert (created.state, created.close_reason, created.closed_at) == ("open", None, None)
    with store.read("demo") as reader:
        assert reader.get_tracker(1) == created
        assert reader.list_trackers() == [created]
    with store.transaction("demo", actor="alice", command="fix") as tx:
        updated = tx.update_tracker(
            1,
            title="Title two",
            body="body two",
            labels=["security issue", "cve allocated"],
            board_column="CVE allocated",
            assignee=None,
            cve_id="CVE-2026-0001",
            milestone="2.4.1",
        )
    assert updated.title == "Title two"
    assert updated.body == "body two"
    assert updated.labels == ("security issue", "cve allocated")
    assert (updated.board_column, updated.assignee, updated.cve_id) == ("CVE allocated", None, "CVE-2026-0001")
    assert updated.milestone == "2.4.1"
    assert updated.scope == "core"
    assert updated.updated_at > created.updated_at
    assert updated.created_at == created.created_at
    with store.read("demo") as reader:
        assert reader.get_tracker(1) == updated
        assert reader.find_tracker_by_cve("CVE-2026-0001") == updated
        assert reader.find_tracker_by_cve("CVE-2026-9999") is None


def test_update_with_unchanged_values_writes_nothing(store: Store) -> None:
    number = new_tracker(store)
    with store.read("demo") as reader:
        before = reader.get_tracker(number)
    with store.transaction("demo", actor="alice", command="sync") as tx:
        after = tx.update_tracker(number, title=before.title, labels=list(before.labels), closed=False)
    assert after == before


def test_close_and_reopen(store: Store) -> None:
    number = new_tracker(store)
    with store.transaction("demo", actor="alice", command="close") as tx:
        closed = tx.update_tracker(number, closed=True, close_reason="not planned")
    assert (closed.state, closed.close_reason) == ("closed", "not planned")
    assert closed.closed_at is not None
    with store.transaction("demo", actor="alice", command="reopen") as tx:
        reopened = tx.update_tracker(number, closed=False)
    assert (reopened.state, reopened.close_reason, reopened.closed_at) == ("open", None, None)
    with store.transaction("demo", actor="alice", command="close") as tx:
        assert tx.update_tracker(number, closed=True).close_reason == "completed"
        with pytest.raises(UsageError, match="close reason"):
            tx.update_tracker(number, close_reason="wontfix")


def test_list_filters_by_label_and_state(store: Store) -> None:
    one = new_tracker(store, labels=["security issue", "needs triage"])
    two = new_tracker(store, labels=["security issue", "cve allocated"])
    three = new_tracker(store, labels=["security issue", "cve allocated", "airflow"])
    with store.transaction("demo", actor="alice", command="close") as tx:
        tx.update_tracker(three, closed=True)
    with store.read("demo") as reader:
        assert [t.number for t in reader.list_trackers(label="cve allocated")] == [two, three]
        assert [t.number for t in reader.list_trackers(label="needs triage")] == [one]
        assert [t.number for t in reader.list_trackers(label="security issue", open_only=True)] == [one, two]
        assert [t.number for t in reader.list_trackers(open_only=False)] == [three]
        assert reader.list_trackers(label="no such label") == []
        assert reader.count_trackers() == 3


def test_numbers_are_sequential_and_a_rollback_burns_none(store: Store) -> None:
    assert [new_tracker(store) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(Boom), store.transaction("demo", actor="alice", command="new") as tx:
        tx.create_tracker("doomed", "", LABELS, None)
        raise Boom
    assert new_tracker(store) == 4


def test_missing_tracker_is_not_found_with_a_hint(store: Store) -> None:
    with store.read("demo") as reader, pytest.raises(NotFound, match=r"no tracker #42 in project demo; `steward list`"):
        reader.get_tracker(42)


def test_unknown_project_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="steward init"):
        store.project("nope")
    with store.transaction("nope", actor="alice", command="new") as tx, pytest.raises(NotFound, match="nope"):
        tx.create_tracker("t", "", LABELS, None)


def test_unknown_milestone_is_refused(store: Store) -> None:
    number = new_tracker(store)
    with store.transaction("demo", actor="alice", command="fix") as tx, pytest.raises(NotFound, match="milestone"):
        tx.update_tracker(number, milestone="9.9.9")


# --- units of work ----------------------------------------------------------------------------------------------


def test_exception_rolls_back_everything(store: Store) -> None:
    number = new_tracker(store)
    with store.read("demo") as reader:
        head = reader.audit_head()
        before = reader.get_tracker(number)
    with pytest.raises(Boom), store.transaction("demo", actor="alice", command="sync") as tx:
        tx.update_tracker(number, title="changed")
        tx.create_tracker("second", "", LABELS, None)
        comment = tx.add_comment(number, "alice", "note")
        tx.add_reaction(comment.id, "bob")
        tx.next_counter("cve", 1000)
        tx.audit(number, "k", "a", "b")
        raise Boom
    assert store.count("demo") == 1
    with store.read("demo") as reader:
        assert reader.audit_head() == head
        assert reader.get_tracker(number) == before
        assert reader.list_comments(number) == []
    with store.transaction("demo", actor="alice", command="x") as tx:
        assert tx.next_counter("cve", 1000) == 1000


def test_nul_characters_are_refused_on_every_backend(store: Store) -> None:
    number = new_tracker(store)
    with (
        pytest.raises(UsageError, match=r"comments\.body contains a NUL"),
        store.transaction("demo", actor="alice", command="comment") as tx,
    ):
        tx.add_comment(number, "alice", "before\x00after")
    with store.read("demo") as reader:
        assert reader.list_comments(number) == []


def test_a_store_error_is_reported_as_operation_failed(store: Store) -> None:
    with (
        pytest.raises(OperationFailed, match="nothing was written"),
        store.transaction("demo", actor="alice", command="init") as tx,
    ):
        tx._session.add(
            type(tx._project)(slug="demo", name="dup", secret=b"x", last_tracker_number=0, created_at=tx._now())
        )
        tx._session.flush()


def test_two_concurrent_writers_get_distinct_numbers_and_one_chain(store_url: str) -> None:
    with Store.open(store_url, create=True) as store:
        with store.transaction("demo", actor="alice", command="init") as tx:
            tx.create_project()
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def work(actor: str) -> None:
            try:
                barrier.wait()
                for _ in range(8):
                    with store.transaction("demo", actor=actor, command="new") as tx:
                        row = tx.create_tracker(f"by {actor}", "", LABELS, None)
                        tx.audit(row.number, f"new:{row.number}", None, row.title)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(who,)) for who in ("alice", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with store.read("demo") as reader:
            assert [t.number for t in reader.list_trackers()] == list(range(1, 17))
            assert [e.seq for e in reader.list_audit()] == list(range(1, 17))
        report = store.verify_audit("demo")
        assert (report.ok, report.checked) == (True, 16)


# --- comments, reactions and the rest --------------------------------------------------------------------------


def test_comments_round_trip_and_unchanged_update_is_a_no_op(store: Store) -> None:
    number = new_tracker(store)
    with store.transaction("demo", actor="alice", command="comment") as tx:
        first = tx.add_comment(number, "alice", "<!-- steward: status-rollup v1 -->\n\nentry")
        second = tx.add_comment(number, "bob", "LGTM")
    with store.transaction("demo", actor="alice", command="sync") as tx:
        same = tx.update_comment(first.id, first.body)
        patched = tx.update_comment(first.id, first.body + "\n\n---\n\nentry 2")
    assert same == first
    assert patched.updated_at > first.updated_at
    with store.read("demo") as reader:
        assert reader.list_comments(number) == [patched, second]
        assert reader.get_comment(second.id) == second
        with pytest.raises(NotFound, match="no comment"):
            reader.get_comment(second.id + 100)


def test_reactions_are_listed_once_per_user_and_kind(store: Store) -> None:
    number = new_tracker(store)
    with store.transaction("demo", actor="alice", command="triage") as tx:
        proposal = tx.add_comment(number, "alice", "<!-- steward: triage-proposal v1 -->\n**Triage proposal**")
        other = tx.add_comment(number, "bob", "hm")
        tx.add_reaction(proposal.id, "bob")
        tx.add_reaction(proposal.id, "bob")
        tx.add_reaction(proposal.id, "carol", "+1")
        tx.add_reaction(proposal.id, "carol", "eyes")
        tx.add_reaction(other.id, "dave")
    with store.read("demo") as reader:
        got = [(r.user, r.kind) for r in reader.list_reactions(proposal.id)]
        assert got == [("bob", "+1"), ("carol", "+1"), ("carol", "eyes")]
        assert [r.user for r in reader.list_reactions(other.id)] == ["dave"]
    with store.transaction("demo", actor="carol", command="triage") as tx:
        assert tx.remove_reaction(proposal.id, "carol", "eyes")
        assert not tx.remove_reaction(proposal.id, "carol", "eyes")
        assert [r.kind for r in tx.list_reactions(proposal.id)] == ["+1", "+1"]


def test_roster_keeps_order_and_upserts(store: Store) -> None:
    with store.transaction("demo", actor="alice", command="roster") as tx:
        tx.upsert_person("alice", name="Alice Example", emails=["alice@example.org"], roles=["triager"])
        tx.upsert_person("bob", name="Bob Example", roles=["release-manager"])
        tx.upsert_person("alice", name="Alice E.", emails=["alice@example.net"], roles=["triager", "governance"])
    with store.read("demo") as reader:
        roster = reader.list_roster()
        assert [p.handle for p in roster] == ["alice", "bob"]
        assert roster[0].emails == ("alice@example.net",)
        assert roster[0].roles == ("triager", "governance")
        assert reader.get_person("nobody") is None
    with store.transaction("demo", actor="alice", command="roster") as tx:
        assert tx.remove_person("bob")
        assert [p.handle for p in tx.list_roster()] == ["alice"]


def test_milestones_threads_drafts_ledger_counters(store: Store) -> None:
    number = new_tracker(store)
    key = "0123456789abcdef0123456789abcdef"
    with store.transaction("demo", actor="alice", command="import") as tx:
        tx.upsert_milestone("3.0.0")
        assert tx.upsert_milestone("3.0.0", state="closed").state == "closed"
        tx.add_thread_ref(number, "<root-1@example.org>")
        tx.add_thread_ref(number, "<root-2@example.org>", url="https://lists.example.org/t/2", relay="huntr")
        tx.add_thread_ref(number, "<root-1@example.org>", url="https://lists.example.org/t/1")
        draft = tx.put_draft(key, template="receipt", tracker=number)
        sent = tx.set_draft_state(key, "written", sink_id="maildir:cur/1")
        with pytest.raises(UsageError, match="32 lower-case hex"):
            tx.put_draft("short", template="receipt")
        ledger = tx.add_rejection(
            date=date(2026, 1, 3),
            reporter="reporter@example.net",
            canned="not-a-vulnerability",
            thread="<rej@example.net>",
            message_id="<rej@example.net>",
            summary="Expected behaviour of the DAG parser.",
        )
        assert [tx.next_counter("demo-cve", 1000) for _ in range(3)] == [1000, 1001, 1002]
        assert tx.next_counter("other") == 1
    assert draft.state == "pending"
    assert (sent.state, sent.sink_id, sent.tracker) == ("written", "maildir:cur/1", number)
    with store.read("demo") as reader:
        assert [m.title for m in reader.list_milestones()] == ["3.0.0"]
        refs = reader.list_thread_refs(number)
        assert [(r.root_message_id, r.url, r.relay) for r in refs] == [
            ("<root-1@example.org>", "https://lists.example.org/t/1", None),
            ("<root-2@example.org>", "https://lists.example.org/t/2", "huntr"),
        ]
        assert [r.tracker for r in reader.find_thread_refs("<root-2@example.org>")] == [number]
        assert reader.find_thread_refs("<unknown@example.org>") == []
        assert reader.get_draft(key) == sent
        assert reader.list_drafts(state="written") == [sent]
        assert reader.list_drafts(tracker=number) == [sent]
        assert reader.list_rejections() == [ledger]
        assert reader.find_rejection("<rej@example.net>") == ledger
        assert reader.find_rejection("<other@example.net>") is None


def test_pii_mapping_and_collision(store: Store) -> None:
    with store.transaction("demo", actor="alice", command="pii add") as tx:
        tx.add_pii("E-0123456789ab", "E", "third.party@example.net")
        tx.add_pii("E-0123456789ab", "E", "third.party@example.net")
        tx.add_pii("N-ba9876543210", "N", "Jane Placeholder")
        with pytest.raises(UsageError, match="PII type"):
            tx.add_pii("X-000000000000", "X", "x")
    with store.read("demo") as reader:
        assert reader.pii_mapping() == {
            "version": 1,
            "entries": {
                "E-0123456789ab": {"type": "E", "value": "third.party@example.net"},
                "N-ba9876543210": {"type": "N", "value": "Jane Placeholder"},
            },
        }
    with (
        pytest.raises(OperationFailed, match="different value") as info,
        store.transaction("demo", actor="alice", command="pii add") as tx,
    ):
        tx.add_pii("E-0123456789ab", "E", "someone.else@example.net")
    assert info.value.exit_code == 1


def test_secret_is_32_bytes_stable_and_never_shown(store_url: str, clock: Callable[[], datetime]) -> None:
    with Store.open(store_url, clock=clock, create=True) as store:
        with store.transaction("demo", actor="alice", command="init") as tx:
            tx.create_project("Demo")
            secret = tx.get_secret()
        with store.transaction("other", actor="alice", command="init") as tx:
            tx.create_project()
            other = tx.get_secret()
        shown = repr(store.project("demo"))
    assert isinstance(secret, bytes)
    assert len(secret) == 32
    assert secret != other
    assert secret.hex() not in shown
    with Store.open(store_url, clock=clock) as reopened, reopened.read("demo") as reader:
        assert reader.get_secret() == secret
    with (
        Store.open(store_url) as reopened,
        pytest.raises(UsageError, match="already exists"),
        reopened.transaction("demo", actor="alice", command="init") as tx,
    ):
        tx.create_project()


# --- audit chain ------------------------------------------------------------------------------------------------


def test_audit_chain_verifies_and_head_is_the_last_hash(store: Store) -> None:
    with store.read("demo") as reader:
        assert reader.audit_head() == GENESIS_HASH
    for _ in range(3):
        new_tracker(store)
    with store.transaction("demo", actor="bob", command="label") as tx:
        event = tx.audit(2, "label:2:+cve allocated", {"labels": ["a"]}, {"labels": ["a", "b"]})
        assert tx.audit_head() == event.hash
    assert event.seq == 4
    assert event.before_digest == digest({"labels": ["a"]})
    assert (event.actor, event.command, event.tracker) == ("bob", "label", 2)
    with store.read("demo") as reader:
        events = reader.list_audit()
        assert [e.seq for e in events] == [1, 2, 3, 4]
        assert events[0].prev_hash == GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
        assert [e.seq for e in reader.list_audit(tracker=2)] == [2, 4]
    assert store.verify_audit() == store.verify_audit("demo")
    report = store.verify_audit("demo")
    assert (report.ok, report.checked, report.first_broken, report.reason) == (True, 4, None, None)


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("actor", "mallory", "hash mismatch"),
        ("after_digest", "f" * 64, "hash mismatch"),
        ("item_key", "other", "hash mismatch"),
        ("prev_hash", "e" * 64, "prev link mismatch"),
    ],
)
def test_tampered_audit_row_is_named(store: Store, column: str, value: str, reason: str) -> None:
    for _ in range(4):
        new_tracker(store)
    raw(store, f"UPDATE audit_events SET {column} = :v WHERE id = :id", v=value, id=audit_id(store, 3))
    report = store.verify_audit("demo")
    assert not report.ok
    assert report.first_broken == 3
    assert report.reason is not None
    assert report.reason.startswith(reason)
    assert store.verify_audit().first_broken == 3


def test_deleted_audit_row_is_named_as_a_gap(store: Store) -> None:
    for _ in range(4):
        new_tracker(store)
    raw(store, "DELETE FROM audit_events WHERE id = :id", id=audit_id(store, 2))
    report = store.verify_audit("demo")
    assert (report.ok, report.first_broken) == (False, 2)
    assert report.reason is not None
    assert "gap" in report.reason
    assert "2" in report.reason


def test_each_project_has_its_own_chain(store: Store) -> None:
    with store.transaction("second", actor="alice", command="init") as tx:
        tx.create_project()
        tx.audit(None, "init", None, "second")
    new_tracker(store)
    with store.read("second") as reader:
        assert [e.seq for e in reader.list_audit()] == [1]
    assert store.verify_audit().checked == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    items=st.lists(
        st.tuples(st.one_of(st.none(), st.integers(1, 50)), st.text(NO_NUL, max_size=30), st.text(max_size=30)),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
def test_stored_chain_detects_any_single_field_change(
    store: Store, items: list[tuple[int | None, str, str]], data: st.DataObject
) -> None:
    slug = f"p{uuid.uuid4().hex[:10]}"
    with store.transaction(slug, actor="alice", command="prop") as tx:
        tx.create_project()
        for tracker, before, after in items:
            tx.audit(tracker, f"k:{before[:5]}", before, after)
    assert store.verify_audit(slug).ok
    seq = data.draw(st.integers(1, len(items)), label="seq")
    column = data.draw(
        st.sampled_from(AUDIT_COLUMNS),
        label="column",
    )
    with store.engine.begin() as conn:  # typed Core statements, bypassing the Store API like a raw UPDATE would
        project_id = conn.execute(select(Project.id).where(Project.slug == slug)).scalar_one()
        where = (AuditEvent.project_id == project_id) & (AuditEvent.seq == seq)
        old = conn.execute(select(getattr(AuditEvent, column)).where(where)).scalar_one()
        if column == "seq":
            new: object = len(items) + 1
        elif column == "at":
            new = old + timedelta(microseconds=1)
        elif column == "tracker_number":
            new = 1 if old is None else old + 1
        elif column in ("before_digest", "after_digest", "prev_hash", "hash"):
            new = old[:-1] + ("0" if old[-1] != "0" else "1")
        else:
            new = old + "x"
        conn.execute(update(AuditEvent).where(where).values({column: new}))
    report = store.verify_audit(slug)
    assert not report.ok
    assert report.first_broken == seq


# --- opening ----------------------------------------------------------------------------------------------------


def test_sqlite_file_is_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "steward.db"
    with Store.open(f"sqlite:///{path}", create=True):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700


def test_missing_sqlite_file_is_refused_without_create(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(ConfigError, match="steward init"):
        Store.open(f"sqlite:///{path}")
    assert not path.exists()


def test_reopen_without_create_works(store_url: str) -> None:
    with Store.open(store_url, create=True) as store, store.transaction("demo", actor="a", command="init") as tx:
        tx.create_project()
    with Store.open(store_url) as store:
        assert store.project("demo").slug == "demo"
        assert [p.slug for p in store.projects()] == ["demo"]


def test_empty_database_is_refused_without_create(store_url: str, tmp_path: Path) -> None:
    if store_url.startswith("sqlite"):
        path = tmp_path / "empty.db"
        path.touch()
        store_url = f"sqlite:///{path}"
    with pytest.raises(ConfigError, match="no steward tables; run `steward init`"):
        Store.open(store_url)


def test_unknown_newer_revision_is_refused(store: Store, store_url: str) -> None:
    raw(store, "UPDATE alembic_version SET version_num = '9999_future'")
    with pytest.raises(ConfigError, match=r"9999_future.*upgrade steward"):
        Store.open(store_url)


def test_bad_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        Store.open("definitely not a url")
    with pytest.raises(ConfigError, match="no driver"):
        Store.open("nosuchdb://user@127.0.0.1/x")


def test_unreachable_server_is_a_config_error_without_the_password() -> None:
    url = "postgresql+psycopg://steward:hunter2-placeholder@127.0.0.1:1/steward?connect_timeout=2"
    with pytest.raises(ConfigError) as info:
        Store.open(url)
    message = str(info.value)
    assert "hunter2-placeholder" not in message
    assert "127.0.0.1:1" in message
    assert "\n" not in message


def test_migrations_match_the_models(store: Store) -> None:
    with store.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": lambda name, _t, _p: not is_fulltext_object(name)}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == []


def test_no_stray_permissions_on_sqlite_journal(tmp_path: Path) -> None:
    path = tmp_path / "steward.db"
    with Store.open(f"sqlite:///{path}", create=True) as store, store.transaction("demo", actor="a", command="i") as tx:
        tx.create_project()
    leftovers = [p for p in tmp_path.iterdir() if p != path]
    assert all(stat.S_IMODE(os.stat(p).st_mode) & 0o077 == 0 for p in leftovers)


def test_inbound_messages_thread_in_date_order_and_idempotent(store: Store) -> None:
    base = datetime(2026, 3, 1, tzinfo=UTC)
    with store.transaction("demo", actor="alice", command="import") as tx:
        tx.record_message(
            "<b@x.example>", root_message_id="<a@x.example>", subject="Re: XSS", from_name="Team",
            from_addr="team@x.example", sent_at=base + timedelta(days=2),
        )  # fmt: skip
        tx.record_message(
            "<a@x.example>", root_message_id="<a@x.example>", subject="XSS", from_name="Rae Reporter",
            from_addr="rae@x.example", sent_at=base, encrypted=True,
        )  # fmt: skip
        again = tx.record_message("<a@x.example>", root_message_id="<a@x.example>", subject="changed",
                                  from_name=None, from_addr=None)  # fmt: skip
        assert again.subject == "XSS"
    with store.read("demo") as reader:
        thread = reader.thread_messages("<a@x.example>")
        assert [m.message_id for m in thread] == ["<a@x.example>", "<b@x.example>"]
        assert thread[0].encrypted is True
        assert reader.get_message("<zzz@x.example>") is None


def test_record_states_round_trip(store: Store) -> None:
    with store.transaction("demo", actor="alice", command="cve") as tx:
        tx.put_record_state("CVE-2099-10001", "allocated", {"a": 1})
        tx.put_record_state("CVE-2099-10001", "review-ready", {"a": 2})
    with store.read("demo") as reader:
        row = reader.get_record_state("CVE-2099-10001")
        assert row is not None
        assert (row.state, row.record) == ("review-ready", {"a": 2})
        assert reader.get_record_state("CVE-2099-10002") is None
