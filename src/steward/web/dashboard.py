"""`steward dashboard --out FILE.html`: one self-contained, private HTML snapshot of the project.

It holds embargoed titles, so it is written owner-only (0600) and never links to or loads anything: the CSS is
inline, pinned by a hash in the page's own Content-Security-Policy, and no script may run (spec §10, §5.16).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from markupsafe import Markup

from steward.app import App
from steward.domain.lifecycle import State
from steward.services import views
from steward.services.facts import state as state_of
from steward.store import Reader, TrackerRow
from steward.web.ack import Ack, first_ack, median, utc
from steward.web.render import render, stylesheet

OLDEST_SHOWN = 10
"""How many of the oldest open reports the dashboard lists."""


@dataclass(frozen=True)
class Dashboard:
    project: str
    demo: bool
    generated_at: datetime
    counts: list[tuple[str, int]]
    """Every §3.1 state with its number of trackers, in the spec's order (zeros included)."""
    total: int
    open_count: int
    unclaimed: list[dict[str, Any]]
    oldest_open: list[dict[str, Any]]
    """`views.summary` plus `received` and `age` for the oldest open reports, oldest first."""
    acks: list[Ack]
    ack_sla: timedelta

    @property
    def ack_median(self) -> timedelta | None:
        return median([a.took for a in self.acks if a.took is not None])

    @property
    def ack_max(self) -> timedelta | None:
        return max((a.took for a in self.acks if a.took is not None), default=None)

    @property
    def waiting(self) -> list[Ack]:
        """Open reports nobody has answered yet, longest-waiting first."""
        return sorted((a for a in self.acks if a.acked is None and a.is_open), key=lambda a: a.received)

    def overdue(self, ack: Ack) -> bool:
        return ack.overdue(self.generated_at, self.ack_sla)


def _ack(app: App, reader: Reader, row: TrackerRow, roster_mail: frozenset[str]) -> Ack | None:
    """None for a tracker with no recorded message (made by hand or from a PR): nothing was 'received'."""
    messages = [m for ref in reader.list_thread_refs(row.number) for m in reader.thread_messages(ref.root_message_id)]
    dated = [m for m in messages if m.sent_at is not None]
    if not dated:
        return None
    received = min(utc(m.sent_at) for m in dated if m.sent_at is not None)
    replies = [m.sent_at for m in dated if m.sent_at is not None and (m.from_addr or "").casefold() in roster_mail]
    drafts = [d.created_at for d in reader.list_drafts(tracker=row.number)]
    return Ack(row.number, row.title, received, first_ack(received, [*replies, *drafts]), row.is_open)


def gather(app: App) -> Dashboard:
    roster_mail = frozenset(e.casefold() for m in app.config.roster.members for e in m.emails)
    now = utc(app.now())
    with app.store.read(app.slug) as reader:
        rows = reader.list_trackers()
        acks = {a.number: a for row in rows if (a := _ack(app, reader, row, roster_mail)) is not None}
    states = Counter(state_of(app, row) for row in rows)
    open_rows = [row for row in rows if row.is_open]
    received = {row.number: acks[row.number].received if row.number in acks else utc(row.created_at) for row in rows}
    oldest = sorted(open_rows, key=lambda r: (received[r.number], r.number))[:OLDEST_SHOWN]
    summaries = [views.summary(app, row) for row in open_rows]
    return Dashboard(
        project=app.slug,
        demo=app.config.project_kind == "demo",
        generated_at=now,
        counts=[(s.value, states.get(s, 0)) for s in State],
        total=len(rows),
        open_count=len(open_rows),
        unclaimed=[s for s in summaries if s["unclaimed"]],
        oldest_open=[
            views.summary(app, r) | {"received": received[r.number], "age": now - received[r.number]} for r in oldest
        ],
        acks=sorted(acks.values(), key=lambda a: a.number),
        ack_sla=timedelta(hours=app.config.disclosure.ack_sla_hours),
    )


def style_hash(css: str) -> str:
    """The CSP source that lets exactly this inline stylesheet apply, and no other."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def render_dashboard(board: Dashboard) -> str:
    css = stylesheet()
    return render("dashboard.html", board=board, css=Markup(css), style_src=style_hash(css))  # our own file


def write_private(path: Path, text: str) -> None:
    """Atomically replace `path` with a 0600 file: the mode is set before a byte is written, never widened."""
    path = path.expanduser()
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_dashboard(app: App, out: Path) -> Dashboard:
    board = gather(app)
    write_private(out, render_dashboard(board))
    return board
