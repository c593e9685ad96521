"""The `--json` shapes of `list` and `show` (documented in the README, covered by tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from steward.app import App
from steward.domain.fields import field_value
from steward.domain.lifecycle import State
from steward.domain.roles import Field
from steward.errors import UsageError
from steward.services.facts import parse_stored, state, step_of, unclaimed, violations
from steward.store import CommentRow, TrackerRow


def stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def summary(app: App, row: TrackerRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "title": row.title,
        "state": state(app, row).value,
        "open": row.is_open,
        "labels": list(row.labels),
        "scope": next(iter(app.labels.scope_labels(row.labels)), None),
        "board_column": row.board_column,
        "cve_id": row.cve_id,
        "assignee": row.assignee,
        "unclaimed": unclaimed(app, row),
        "created_at": stamp(row.created_at),
        "updated_at": stamp(row.updated_at),
    }


def detail(app: App, row: TrackerRow, comments: list[CommentRow]) -> dict[str, Any]:
    parsed = parse_stored(row, app.headings)
    view = summary(app, row)
    view.update(
        body=row.body,
        fields={f.value: field_value(parsed, f) for f in Field},
        close_reason=row.close_reason,
        milestone=row.milestone,
        step=step_of(app, row, comments, app.now()).step,
        violations=[{"rule": v.rule, "message": v.message} for v in violations(app, row)],
        comments=[
            {"id": c.id, "author": c.author, "created_at": stamp(c.created_at), "body": c.body} for c in comments
        ],
    )
    return view


def parse_state(value: str | None) -> State | None:
    if value is None:
        return None
    try:
        return State(value)
    except ValueError:
        allowed = ", ".join(s.value for s in State)
        raise UsageError(f"--state {value!r} is not a state id; use one of {allowed}.") from None


def list_trackers(app: App, label: str | None, wanted: State | None) -> list[TrackerRow]:
    with app.store.read(app.slug) as reader:
        rows = reader.list_trackers(label=label)
    return [r for r in rows if wanted is None or state(app, r) is wanted]
