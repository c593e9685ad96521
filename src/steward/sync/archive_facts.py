"""The §8.8 archive trigger as a fact: has the advisory for this tracker's CVE been archived?

Read during fact gathering only (the rules stay pure), and only for open trackers at `fix released` or
`announced` with a CVE id, when the caller passes an archive and `archive_system.announcement_lists` names a
list. Only the archive counts: mail that was sent but is not archived triggers nothing. A read failure is a
note; the close-out waits for the next run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from steward.archive.interface import MailArchive
from steward.domain.lifecycle import State
from steward.domain.roles import Field
from steward.errors import StewardError
from steward.intake.message import ParsedMessage, parse_message
from steward.store import TrackerRow

from .context import SyncContext
from .summary_extract import END, START, extract_summary, storable

_DUE = frozenset({State.FIX_RELEASED, State.ANNOUNCED})


@dataclass(frozen=True)
class Announcement:
    """The archived advisory: its permalink (None for a local archive) and the summary step 2 would set."""

    cve_id: str
    message_id: str
    subject: str
    permalink: str | None
    summary: str | None = None


def announcement_due(row: TrackerRow, state: State, cve: str | None, ctx: SyncContext) -> bool:
    return row.is_open and state in _DUE and cve is not None and bool(ctx.config.archive_system.announcement_lists)


def summary_of(raw: bytes | None, ctx: SyncContext) -> tuple[str | None, str | None]:
    """(summary, why there is none) from the archived mail's raw bytes."""
    if raw is None:
        return None, "the archived announcement could not be fetched; summary extraction skipped"
    parsed = parse_message(raw)
    if not isinstance(parsed, ParsedMessage):
        return None, f"the archived announcement is unreadable ({parsed.reason}); summary extraction skipped"
    summary = extract_summary(parsed.body_text, ctx.patterns[START], ctx.patterns[END])
    if summary is None:
        return None, "no summary between the summary_extract start and end lines of the archived announcement"
    if not storable(summary, ctx.headings[Field.PUBLIC_SUMMARY]):
        return None, "the archived summary holds a '### ' heading or block marker; summary extraction skipped"
    return summary, None


def read_announcement(
    row: TrackerRow, state: State, cve: str | None, ctx: SyncContext, archive: MailArchive | None
) -> tuple[Announcement | None, list[str]]:
    """(the archived announcement, notes); no archive or not due ⇒ no request at all."""
    if archive is None or not announcement_due(row, state, cve, ctx):
        return None, []
    assert cve is not None
    settings = ctx.config.archive_system
    since = ctx.now - timedelta(days=settings.lookback_days)
    try:
        entry = archive.find_announcement(cve, list(settings.announcement_lists), since)
        if entry is None:
            return None, []
        raw = archive.fetch_raw(entry.message_id)
    except StewardError as exc:
        return None, [f"archive search for {cve} failed ({exc}); §8.8 close-out not checked"]
    summary, why = summary_of(raw, ctx)
    found = Announcement(cve, entry.message_id, entry.subject, entry.permalink, summary)
    return found, [why] if why else []
