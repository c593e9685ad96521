"""Shared helpers of the triage/dedupe CLI tests: a three-member roster, mail threads with routing facts, snapshots.

Everything here is fictional (example.org / example.net addresses, invented names).
"""

from __future__ import annotations

import email
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

import steward.cli.triage_commands  # noqa: F401 - registers triage, dedupe and comment on the shared app
from steward.app import App, open_app
from steward.domain.fields import render_body
from steward.domain.roles import Field
from steward.services.trackers import new_tracker

Run = Callable[..., Any]
SECURITY = "security@quill-wort.example.org"
TRACKER_BASE = "https://trackers.quill-wort.example.org/issues/"
CNA_URL = "https://cna.quill-wort.example.org/allocate"
MODEL_URL = "https://quill-wort.example.org/security-model"
SCOPE = "quill wort"
T0 = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)

EXTRA = """
    - handle: robin
      name: Robin Example
      emails: [robin@mail.example.net]
      roles: [triager, remediation-developer]
    - handle: sasha
      name: Sasha Example
      roles: [triager, governance]
"""


def configure(root: Path, *, quorum: int = 2, extra: str = "") -> None:
    """A real-looking (fictional) security address, two more triagers, a tracker URL and a CNA-tool URL."""
    path = root / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("security@quill-wort.invalid", SECURITY)
    text = text.replace(
        "      roles: [triager, remediation-developer, release-manager, maintainer, governance]\n",
        "      roles: [triager, remediation-developer, release-manager, maintainer, governance]\n" + EXTRA.lstrip("\n"),
    )
    text = text.replace(
        "  package_name: quill-wort\n",
        f"  package_name: quill-wort\n  security_model_url: {MODEL_URL}\n"
        "  trust_boundaries: ['#template-sandbox', '#untrusted-input']\n",
    )
    text = text.replace("  platform: sql", f"  base_url: {TRACKER_BASE}\n  platform: sql")
    text = text.replace("  tool: none", f"  tool: none\n  allocate_url: {CNA_URL}")
    text = text.replace("escalation_contact: escalation@quill-wort.invalid", "escalation_contact: esc@example.org")
    text = text.replace("governance:\n", f"governance:\n  triage_quorum: {quorum}\n", 1)
    path.write_text(text + extra, encoding="utf-8")


def as_user(monkeypatch: pytest.MonkeyPatch, handle: str) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", handle)


def app_for(root: Path, identity: str = "alex") -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": identity})


@dataclass(frozen=True)
class Thread:
    root: str
    messages: tuple[str, ...]


def thread_line(root: str, relay: str | None = None) -> str:
    return f"Root Message-ID: `{root}`" + (f" (via {relay})" if relay else "")


def make_tracker(
    root: Path,
    title: str,
    description: str = "The template loader follows symlinks outside the search path.",
    *,
    key: str = "a",
    mail: bool = True,
    record: bool = True,
    from_addr: str = "kim@mail.example.net",
    relay: str | None = None,
    line_relay: str | None = None,
    fields: dict[Field, str] | None = None,
) -> tuple[int, Thread | None]:
    """A needs-triage tracker; with `mail`, its thread line, and with `record`, the thread's routing facts."""
    app = app_for(root)
    try:
        values = {Field.ISSUE_DESCRIPTION: description, **(fields or {})}
        thread = None
        if mail:
            rid = f"<report-{key}@mail.example.net>"
            thread = Thread(rid, (rid, f"<followup-{key}@mail.example.net>"))
            values[Field.SECURITY_THREAD] = thread_line(rid, line_relay)
        number = new_tracker(app, title, values, "test").tracker.number
        if thread is not None:
            with app.store.transaction(app.slug, actor="alex", command="test") as tx:
                tx.add_thread_ref(number, thread.root, relay=line_relay)
                if record:
                    tx.record_message(
                        thread.messages[0],
                        root_message_id=thread.root,
                        subject=f"Security report: {title}",
                        from_name="Kim Reporter",
                        from_addr=from_addr,
                        sent_at=T0,
                        relay=relay,
                    )
                    tx.record_message(
                        thread.messages[1],
                        root_message_id=thread.root,
                        subject=f"Re: Security report: {title}",
                        from_name="Kim Reporter",
                        from_addr=from_addr,
                        sent_at=T0 + timedelta(hours=2),
                        relay=relay,
                    )
    finally:
        app.store.close()
    return number, thread


def set_state(
    root: Path, number: int, *, labels: Iterable[str] | None = None, closed: bool | None = None, **changes: Any
) -> None:
    app = app_for(root)
    try:
        with app.store.transaction(app.slug, actor="alex", command="test") as tx:
            kwargs: dict[str, Any] = dict(changes)
            if labels is not None:
                kwargs["labels"] = list(labels)
            if closed is not None:
                kwargs["closed"] = closed
                kwargs["close_reason"] = "not planned" if closed else None
            tx.update_tracker(number, **kwargs)
    finally:
        app.store.close()


def set_body(root: Path, number: int, values: dict[Field, str]) -> None:
    app = app_for(root)
    try:
        set_state(root, number, body=render_body(values, app.headings))
    finally:
        app.store.close()


def put_record(root: Path, cve: str, state: str) -> None:
    app = app_for(root)
    try:
        with app.store.transaction(app.slug, actor="alex", command="test") as tx:
            tx.put_record_state(cve, state, {})
    finally:
        app.store.close()


def react(root: Path, comment_id: int, user: str) -> None:
    """A reaction written straight into the store (as a code host would report it)."""
    app = app_for(root)
    try:
        with app.store.transaction(app.slug, actor="alex", command="test") as tx:
            tx.add_reaction(comment_id, user, "+1")
    finally:
        app.store.close()


@dataclass(frozen=True)
class Snapshot:
    audit: int
    head: str
    trackers: tuple[Any, ...]
    comments: tuple[Any, ...]
    drafts: tuple[str, ...]


def snapshot(root: Path) -> Snapshot:
    """Everything a refused command must leave as it was."""
    app = app_for(root)
    try:
        with app.store.read(app.slug) as reader:
            trackers = reader.list_trackers()
            rows = tuple((t.number, t.labels, t.state, t.close_reason, t.body, t.board_column) for t in trackers)
            comments = tuple((c.id, c.body) for t in trackers for c in reader.list_comments(t.number))
            return Snapshot(len(reader.list_audit()), reader.audit_head(), rows, comments, tuple(draft_files(root)))
    finally:
        app.store.close()


def draft_files(root: Path) -> list[str]:
    folder = root / ".steward" / "drafts" / ".Drafts" / "cur"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def drafts(root: Path) -> list[EmailMessage]:
    folder = root / ".steward" / "drafts" / ".Drafts" / "cur"
    found = []
    for name in draft_files(root):
        message = email.message_from_bytes((folder / name).read_bytes(), policy=policy.default)
        assert isinstance(message, EmailMessage)
        found.append(message)
    return found


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def tracker(root: Path, number: int) -> Any:
    app = app_for(root)
    try:
        with app.store.read(app.slug) as reader:
            return reader.get_tracker(number)
    finally:
        app.store.close()


def comments(root: Path, number: int) -> list[Any]:
    app = app_for(root)
    try:
        with app.store.read(app.slug) as reader:
            return reader.list_comments(number)
    finally:
        app.store.close()


def rollup(root: Path, number: int) -> str:
    return "\n".join(c.body for c in comments(root, number) if c.body.startswith("<!-- steward: status-rollup"))


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def propose(run: Run, tmp: Path, number: int, cls: str) -> int:
    note = write(tmp, f"note-{number}-{cls}.md", f"Summary for {cls}.\nSeverity guess: low\n")
    result = run("triage", str(number), "--propose", cls, "--note", str(note), "--json")
    assert result.code == 0, result.err
    value = result.json()
    assert isinstance(value, dict)
    return int(value["comment"])
