"""What each page shows, read from the store in one transaction per request (no HTTP here, so tests can call it).

The shapes reuse `steward.services.views` (what `list` and `show --json` print) so the UI and the CLI never
disagree about a tracker's state or its `unclaimed` flag (spec §1.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steward.app import App
from steward.domain.lifecycle import State
from steward.domain.roles import Field
from steward.domain.rollup import rollup_part
from steward.errors import BadStoredContent
from steward.services import views
from steward.services.audit_check import verify
from steward.services.facts import STEWARD_PREFIX
from steward.services.facts import state as state_of
from steward.store import AuditEventRow, CommentRow, DraftRow, TrackerRow

AUDIT_PAGE_LIMIT = 500
"""The audit page lists the newest events only; `steward audit verify` still checks the whole chain."""


@dataclass(frozen=True)
class Filters:
    label: str | None
    state: State | None


def parse_filters(label: str | None, state: str | None) -> Filters:
    """Empty query values mean no filter; an unknown state is a UsageError naming the allowed ids."""
    return Filters(label or None, views.parse_state(state or None))


def tracker_list(app: App, filters: Filters) -> dict[str, Any]:
    with app.store.read(app.slug) as reader:
        every = reader.list_trackers()
    rows = [
        r
        for r in every
        if (filters.label is None or filters.label in r.labels)
        and (filters.state is None or state_of(app, r) is filters.state)
    ]
    labels = sorted({name for row in every for name in row.labels}, key=str.casefold)
    return {
        "trackers": [views.summary(app, row) for row in rows],
        "labels": labels,
        "states": [s.value for s in State],
        "filters": {"label": filters.label or "", "state": filters.state.value if filters.state else ""},
        "total": len(every),
    }


def _comment(c: CommentRow) -> dict[str, Any]:
    kind = "rollup" if rollup_part(c.body) is not None else "marker" if c.body.startswith(STEWARD_PREFIX) else ""
    return {"id": c.id, "author": c.author, "created_at": c.created_at, "body": c.body, "kind": kind}


def _fields(app: App, row: TrackerRow, comments: list[CommentRow]) -> tuple[dict[str, Any], str | None]:
    """`show --json`'s detail, or the summary plus why the body could not be read (exit 3 on the CLI)."""
    try:
        return views.detail(app, row, comments), None
    except BadStoredContent as exc:
        return views.summary(app, row) | {"fields": {}, "step": None, "violations": []}, str(exc)


def tracker_page(app: App, number: int) -> dict[str, Any]:
    """Raises NotFound for an unknown number."""
    with app.store.read(app.slug) as reader:
        row = reader.get_tracker(number)
        comments = reader.list_comments(number)
        drafts = reader.list_drafts(tracker=number)
        events = reader.list_audit(tracker=number)
        threads = reader.list_thread_refs(number)
    detail, problem = _fields(app, row, comments)
    fields = [(app.headings[f], detail["fields"].get(f.value)) for f in Field] if problem is None else []
    return {
        "tracker": detail,
        "row": row,
        "problem": problem,
        "fields": fields,
        "comments": [_comment(c) for c in comments],
        "drafts": drafts,
        "events": events,
        "threads": threads,
    }


def drafts_page(app: App) -> dict[str, Any]:
    with app.store.read(app.slug) as reader:
        drafts: list[DraftRow] = reader.list_drafts()
    return {"drafts": drafts}


def audit_page(app: App) -> dict[str, Any]:
    verification = verify(app)
    with app.store.read(app.slug) as reader:
        events: list[AuditEventRow] = reader.list_audit()
    newest = list(reversed(events[-AUDIT_PAGE_LIMIT:]))
    return {"verification": verification, "events": newest, "total": len(events), "limit": AUDIT_PAGE_LIMIT}
