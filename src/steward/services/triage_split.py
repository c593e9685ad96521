"""`steward triage ID --split SCOPE[,SCOPE]` (spec §6.4, T16): one tracker per scope a fix spans.

The pure plan comes from `steward.triage.split`; this module only writes it:
new trackers with the split preamble, cross-link comments both ways, and one
rollup entry on every tracker touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from steward.app import App
from steward.domain.board import column_for
from steward.domain.fields import field_value, render_body
from steward.domain.markers import render_marker
from steward.domain.roles import Field
from steward.domain.rollup import notification_no_event
from steward.errors import UsageError
from steward.services.facts import parse_stored, tracker_facts
from steward.services.reporter_drafts import tracker_url
from steward.services.rollup_log import write_rollup
from steward.services.triage_decide import ordered_labels, tracker_name
from steward.store import TrackerRow, Transaction
from steward.triage.split import SplitPlan, plan_split

LINK_MARKER = "split-link"


@dataclass(frozen=True)
class SplitResult:
    anchor: int
    anchor_scope: str
    applied: bool
    new_scopes: tuple[str, ...]
    created: tuple[int, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "anchor_scope": self.anchor_scope,
            "applied": self.applied,
            "new_scopes": list(self.new_scopes),
            "created": list(self.created),
        }


def parse_scopes(text: str) -> list[str]:
    scopes = [s.strip() for s in text.split(",") if s.strip()]
    if not scopes:
        raise UsageError("--split needs SCOPE[,SCOPE]: every scope the tracker spans, the anchor's included.")
    return scopes


def split(app: App, number: int, scopes: list[str], *, apply: bool) -> SplitResult:
    """Plan the split; with `apply`, create the trackers. The CVE is never shared here (each scope allocates)."""
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="triage --split") as tx:
        row = tx.get_tracker(number)
        parsed = parse_stored(row, app.headings)
        facts = tracker_facts(app, row, parsed)
        fields = {role: field_value(parsed, role) for role in Field}
        plan = plan_split(
            facts,
            fields,
            scopes,
            {},
            list(app.config.scopes()),
            shared_cve=False,
            ctx=app.labels,
            tracker=tracker_name(app),
            url=tracker_url(app, number),
            scheme_for=lambda _package: app.config.product.version_scheme,
        )
        result = SplitResult(number, plan.anchor_scope, False, tuple(t.scope for t in plan.new_trackers))
        if not apply:
            return result
        created = _apply(app, tx, row, plan)
    return replace(result, applied=True, created=tuple(created))


def _apply(app: App, tx: Transaction, row: TrackerRow, plan: SplitPlan) -> list[int]:
    number = row.number
    created: list[int] = []
    if frozenset(row.labels) != plan.anchor_labels:
        labels = ordered_labels(row, plan.anchor_labels)
        column = column_for(plan.anchor_labels, False, None, app.labels)
        tx.update_tracker(number, labels=labels, board_column=column.value, scope=plan.anchor_scope)
        tx.audit(number, f"{number}:split:anchor:{plan.anchor_scope}", list(row.labels), labels)
    for new in plan.new_trackers:
        values = {role: value for role, value in new.fields.items() if value is not None}
        body = render_body(values, app.headings)
        labels = sorted(new.labels, key=lambda name: (name.startswith("TLP:"), name))
        column = column_for(new.labels, False, None, app.labels)
        made = tx.create_tracker(
            f"{row.title} ({new.scope})", body, labels, column.value, row.assignee, new.scope, milestone=None
        )
        tx.audit(made.number, f"{made.number}:split-from:{number}:{new.scope}", None, {"body": body, "labels": labels})
        link = render_marker(LINK_MARKER, tracker=made.number)
        tx.add_comment(number, app.identity, f"{link}\nSplit: the `{new.scope}` scope continues in #{made.number}.\n")
        back = render_marker(LINK_MARKER, tracker=number)
        tx.add_comment(made.number, app.identity, f"{back}\nSplit from #{number} for the `{new.scope}` scope.\n")
        tx.audit(number, f"{number}:split-link:{made.number}", None, made.number)
        write_rollup(
            tx,
            app,
            made.number,
            action=f"Split ({new.scope})",
            headline=f"Split from #{number} for the {new.scope} scope.",
            items=[f"labels: {', '.join(labels)}", f"board: {column.value}"],
            next_move=f"as #{number} — @{app.identity}",
            notification=notification_no_event(),
        )
        created.append(made.number)
    write_rollup(
        tx,
        app,
        number,
        action=f"Split ({', '.join(t.scope for t in plan.new_trackers)})",
        headline=f"Anchor keeps {plan.anchor_scope}; new trackers {', '.join(f'#{n}' for n in created)}.",
        items=[f"#{n}: {t.scope}" for n, t in zip(created, plan.new_trackers, strict=True)],
        next_move="unchanged",
        notification=notification_no_event(),
    )
    return created
