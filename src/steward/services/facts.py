"""Read a stored tracker into the pure domain's terms (facts, fields, state, step)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from steward import ids
from steward.app import App
from steward.domain.fields import BodyFormatError, ParsedBody, field_value, parse_fields
from steward.domain.labels import Violation, invariant_violations
from steward.domain.lifecycle import State, TrackerFacts
from steward.domain.locator import StepFacts, locate_step
from steward.domain.roles import CloseReason, Field
from steward.errors import BadStoredContent
from steward.services.private_pr import private_pr_recorded
from steward.store import CommentRow, TrackerRow

STEWARD_PREFIX = "<!-- steward: "


def parse_stored(row: TrackerRow, headings: Mapping[Field, str]) -> ParsedBody:
    """Stored content that breaks the codec is exit 3 (G8), naming the tracker."""
    try:
        return parse_fields(row.body, headings)
    except BodyFormatError as exc:
        raise BadStoredContent(f"tracker #{row.number}: {exc}; fix the body before running this command.") from exc


def close_reason(row: TrackerRow) -> CloseReason | None:
    return CloseReason(row.close_reason) if row.close_reason else None


def tracker_facts(app: App, row: TrackerRow, parsed: ParsedBody | None = None) -> TrackerFacts:
    parsed = parsed or parse_stored(row, app.headings)
    pr = field_value(parsed, Field.PR_WITH_FIX) or ""
    link = field_value(parsed, Field.CVE_TOOL_LINK) or ""
    return TrackerFacts(
        labels=frozenset(row.labels),
        closed=not row.is_open,
        close_reason=close_reason(row),
        has_pr_url="://" in pr,
        has_cve_id=bool(ids.cves_in_text(link)),
        number=row.number,
    )


def state(app: App, row: TrackerRow) -> State:
    return TrackerFacts(frozenset(row.labels), not row.is_open, close_reason(row)).state(app.labels)


def violations(app: App, row: TrackerRow) -> list[Violation]:
    return invariant_violations(frozenset(row.labels), not row.is_open, close_reason(row), app.labels)


def substantive(app: App, comments: Sequence[CommentRow]) -> list[CommentRow]:
    """Roster members' comments that are not steward-authored markers (spec §3.4)."""
    roster = {m.handle.casefold() for m in app.config.roster.members}
    return [c for c in comments if c.author.casefold() in roster and not c.body.startswith(STEWARD_PREFIX)]


@dataclass(frozen=True)
class StepView:
    step: str
    stalled: bool


def step_of(app: App, row: TrackerRow, comments: Sequence[CommentRow], now: datetime) -> StepView:
    real = substantive(app, comments)
    last = max((c.created_at for c in real), default=row.created_at)
    stalled = now - last > timedelta(days=app.config.disclosure.stall_days)
    facts = tracker_facts(app, row)
    trusted = [m.handle for m in app.config.roster.members] + list(app.config.tracker.bot_logins)
    step = locate_step(
        StepFacts.of(
            facts,
            app.labels,
            stalled=stalled,
            substantive_comments=bool(real),
            private_pr_recorded=private_pr_recorded(comments, trusted),
        )
    )
    return StepView(step, stalled)


def unclaimed(app: App, row: TrackerRow) -> bool:
    """Derived, never stored (spec §1.1): a CVE-allocated tracker whose fix nobody has claimed."""
    if state(app, row) is not State.CVE_ALLOCATED:
        return False
    return field_value(parse_stored(row, app.headings), Field.REMEDIATION_DEVELOPER) is None
