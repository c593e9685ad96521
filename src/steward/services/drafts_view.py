"""`steward drafts`: the store's record of every draft steward wrote, joined with what the drafts folder holds.

steward never sends mail, so it cannot know whether a draft went out; a written draft that has left the folder
was either sent or discarded by a person, and the listing says exactly that (§9.3, G2).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from steward.app import App
from steward.comms.drafts import KEY_HEADER, NEEDS_RETHREADING
from steward.comms.sink import DraftSink, MaildirDraftSink, StoredDraft
from steward.errors import NotFound, UsageError
from steward.intake.display import safe_terminal
from steward.store import DraftRow

PENDING = "pending"
WRITTEN = "written"
GONE = "sent or discarded"
NOT_IN_STORE = "not in the store"
MIN_PREFIX = 4
SHOWN_HEADERS = ("To", "Cc", "Subject", "In-Reply-To", "References", KEY_HEADER)


@dataclass(frozen=True)
class DraftView:
    key: str
    template: str | None
    tracker: int | None
    state: str
    to: str
    subject: str
    sink_id: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "template": self.template,
            "tracker": self.tracker,
            "state": self.state,
            "to": safe_terminal(self.to),
            "subject": safe_terminal(self.subject),
            "sink_id": self.sink_id,
        }


@dataclass(frozen=True)
class DraftDetail:
    view: DraftView
    headers: tuple[tuple[str, str], ...]
    body: str | None
    """None when the folder no longer holds the draft (or the sink cannot hand out bodies)."""


def draft_state(row: DraftRow | None, stored: StoredDraft | None) -> str:
    """The listing state: the store's own word, refined by whether the folder still holds the draft."""
    if row is None:
        return NOT_IN_STORE
    if row.state == PENDING:
        return PENDING
    if row.state == WRITTEN:
        if stored is None:
            return GONE
        return NEEDS_RETHREADING if stored.needs_rethreading else WRITTEN
    return row.state


def _view(row: DraftRow | None, stored: StoredDraft | None) -> DraftView:
    key = row.key if row is not None else stored.key if stored is not None else ""
    return DraftView(
        key=key,
        template=None if row is None else row.template,
        tracker=None if row is None else row.tracker,
        state=draft_state(row, stored),
        to="" if stored is None else stored.to,
        subject="" if stored is None else stored.subject,
        sink_id=(stored.sink_id if stored is not None else row.sink_id if row is not None else None),
    )


def list_drafts(app: App, sink: DraftSink) -> list[DraftView]:
    """Store drafts in the order written, then any steward-keyed draft the folder holds that the store does not."""
    with app.store.read(app.slug) as reader:
        rows = reader.list_drafts()
    in_sink: dict[str, StoredDraft] = {}
    for stored in sink.list():
        in_sink.setdefault(stored.key.casefold(), stored)
    views = [_view(row, in_sink.pop(row.key.casefold(), None)) for row in rows]
    views.extend(_view(None, stored) for stored in in_sink.values())
    return views


def find_draft(views: builtins.list[DraftView], wanted: str) -> DraftView:
    """A draft by its X-Steward-Key or a unique prefix of at least four hex digits."""
    needle = wanted.strip().casefold()
    if len(needle) < MIN_PREFIX:
        raise UsageError(f"draft id {wanted!r} is too short; give at least {MIN_PREFIX} characters of its key.")
    found = [v for v in views if v.key.casefold().startswith(needle)]
    if not found:
        raise NotFound(f"no draft with key {wanted!r}; `steward drafts list` shows the keys.")
    if len(found) > 1 and not any(v.key.casefold() == needle for v in found):
        raise UsageError(f"draft id {wanted!r} matches {len(found)} drafts; give more characters of the key.")
    return next((v for v in found if v.key.casefold() == needle), found[0])


def _maildir_message(sink: MaildirDraftSink, sink_id: str) -> EmailMessage | None:
    for sub in ("cur", "new"):
        directory = sink.folder / sub
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.split(":", 1)[0] == sink_id:
                with path.open("rb") as handle:
                    parsed = BytesParser(policy=policy.default).parse(handle)
                return parsed if isinstance(parsed, EmailMessage) else None
    return None


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    content = part.get_content()
    return content if isinstance(content, str) else ""


def show_draft(app: App, sink: DraftSink, wanted: str) -> DraftDetail:
    """One draft's headers and text body, read from the Maildir folder when it still holds it."""
    view = find_draft(list_drafts(app, sink), wanted)
    message = None
    if isinstance(sink, MaildirDraftSink) and view.sink_id is not None and view.state != GONE:
        message = _maildir_message(sink, view.sink_id)
    if message is None:
        return DraftDetail(view, (), None)
    headers = tuple((name, str(message[name])) for name in SHOWN_HEADERS if message[name] is not None)
    return DraftDetail(view, headers, _body(message))
