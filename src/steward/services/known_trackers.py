"""What intake and triage know of existing trackers (spec §5.2-§5.6): thread index, ledger, signal views."""

from __future__ import annotations

import re
from dataclasses import dataclass

from steward import ids
from steward.app import App
from steward.comms.canned import REJECTION_SLUGS, load_template
from steward.domain.fields import BodyFormatError, field_value, parse_fields
from steward.domain.roles import Field, Label
from steward.intake.signals import KnownTracker, upstream_pr_numbers
from steward.services.reporter_drafts import canned_dir
from steward.store import Reader

_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Known:
    """The thread index, the ledger's Message-IDs and every tracker as the signals see it."""

    threads: dict[str, int]
    ledger: set[str]
    trackers: list[KnownTracker]


def known_trackers(app: App, reader: Reader) -> list[KnownTracker]:
    """Every tracker as the §5.4–5.6 signals see it (also read by the triage evidence pack)."""
    return known(app, reader).trackers


def known(app: App, reader: Reader) -> Known:
    threads: dict[str, int] = {}
    trackers: list[KnownTracker] = []
    invalid = app.labels.of(Label.INVALID)
    not_worthy = app.labels.of(Label.NOT_CVE_WORTHY)
    for row in reader.list_trackers():
        refs = reader.list_thread_refs(row.number)
        locals_: list[str] = []
        for ref in refs:
            threads.setdefault(ref.root_message_id, row.number)
            mails = reader.thread_messages(ref.root_message_id)
            if mails and mails[0].from_addr:
                locals_.append(mails[0].from_addr.rpartition("@")[0])
        try:
            parsed = parse_fields(row.body, app.headings)
            description = field_value(parsed, Field.ISSUE_DESCRIPTION) or ""
            pr = field_value(parsed, Field.PR_WITH_FIX) or ""
            link = field_value(parsed, Field.CVE_TOOL_LINK) or ""
        except BodyFormatError:
            description, pr, link = row.body, "", ""
        reason = "invalid" if invalid in row.labels else ("not cve worthy" if not_worthy in row.labels else None)
        trackers.append(
            KnownTracker(
                number=row.number,
                title=row.title,
                cve_id=row.cve_id or ids.first_cve(link),
                pr_numbers=tuple(upstream_pr_numbers(pr, app.patterns)),
                ghsa_ids=tuple(ids.ghsa_ids(row.body)),
                excerpt=description[:300],
                state=row.state,
                created_at=row.created_at,
                reporter_local_parts=tuple(locals_),
                close_reason=reason,
            )
        )
    ledger = {r.message_id for r in reader.list_rejections() if r.message_id}
    return Known(threads, ledger, trackers)


def rejection_openings(app: App) -> list[str]:
    """§5.3: the first full sentence of each rejection template (2-5, 15), placeholders removed."""
    out: list[str] = []
    for slug in sorted(REJECTION_SLUGS):
        text = _PLACEHOLDER.sub(" ", load_template(slug, canned_dir(app)).text)
        text = re.sub(r"\s+", " ", text).strip()
        text = re.sub(r"^(?:Hello|Hi|Dear)\b[^,]*,\s*", "", text)
        for sentence in _SENTENCE.split(text):
            if len(sentence.split()) >= 5:
                out.append(sentence.strip())
                break
    return out
