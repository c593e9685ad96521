"""The text and `--json` forms of a mail-import proposal, whole or streamed item by item."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from steward.intake.display import safe_terminal
from steward.intake.proposal import render_candidate, to_json
from steward.services.import_items import (
    ImportProposal,
    Proposed,
)
from steward.services.import_window import Window


def candidate_json(item: Proposed) -> dict[str, Any]:
    data = to_json(item.candidate)
    data.update(
        number=item.number,
        target_tracker=item.candidate.target_tracker,
        reject_check=item.candidate.reject_check,
        drafts=list(item.drafts),
        reporter=item.reporter,
        messages=len(item.mails),
        precedents=list(item.precedents),
        public_fix=list(item.public_fix),
    )
    return data


def _summary_json(proposal: ImportProposal) -> dict[str, Any]:
    return {
        "source": proposal.source,
        "window": {
            "since": proposal.window.since.isoformat() if proposal.window.since else None,
            "thread": proposal.window.thread,
            "label": proposal.window.label,
        },
        "messages": proposal.messages,
        "threads": proposal.threads,
        "outside_window": proposal.outside_window,
        "notes": list(proposal.notes),
        "skipped": [
            {"message_id": s.message_id, "subject": s.subject, "reason": s.reason, "tracker": s.tracker}
            for s in proposal.skipped
        ],
    }


def proposal_json(proposal: ImportProposal) -> dict[str, Any]:
    return {**_summary_json(proposal), "candidates": [candidate_json(p) for p in proposal.items]}


def _header_line(source: str, window: Window, messages: int, threads: int, outside: int) -> str:
    return (
        f"Mail import from {safe_terminal(source)} ({window.label}): {messages} message(s) "
        f"in {threads} thread(s), {outside} outside the window."
    )


def _item_lines(item: Proposed) -> list[str]:
    return [
        render_candidate(item.number, item.candidate),
        *(f"   precedent: {safe_terminal(line, max_chars=200)}" for line in item.precedents),
        *(f"   check: {safe_terminal(line, max_chars=200)}" for line in item.public_fix),
        *(f"   draft: {t}" for t in item.drafts),
    ]


def _tail_lines(proposal: ImportProposal, any_items: bool) -> list[str]:
    lines = [f"Note: {safe_terminal(note, max_chars=300)}" for note in proposal.notes]
    if proposal.skipped:
        lines.append(f"Not imported ({len(proposal.skipped)}):")
        for skip in proposal.skipped:
            where = safe_terminal(skip.message_id or "no Message-ID", max_chars=120)
            lines.append(f"  - {where}: {safe_terminal(skip.reason.replace(chr(10), ' '), max_chars=200)}")
    if any_items:
        lines.append("Apply with --apply all (create, merge and link items) or e.g. --apply 1,3;2:skip.")
    return lines


def render_import(proposal: ImportProposal) -> str:
    p = proposal
    lines = [_header_line(p.source, p.window, p.messages, p.threads, p.outside_window)]
    if not p.items:
        lines.append("Nothing to import.")
    for item in p.items:
        lines.extend(_item_lines(item))
    lines.extend(_tail_lines(p, bool(p.items)))
    return "\n".join(lines)


class ProposalStream:
    """Where `gather(..., stream=...)` hands each numbered item; the caller calls `finish` once it returned."""

    def begin(self, source: str, window: Window, messages: int, threads: int, outside: int) -> None:
        """Called once, after the window is applied and before any item."""

    def item(self, item: Proposed) -> None:
        """Called once per numbered item, in number order."""

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        """What only the end knows: the skipped threads (and, for JSON, `extra` keys such as the project)."""


class TextStream(ProposalStream):
    """`render_import`'s text plus a newline, written line by line as the items come."""

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.count = 0

    def begin(self, source: str, window: Window, messages: int, threads: int, outside: int) -> None:
        self.write(_header_line(source, window, messages, threads, outside) + "\n")

    def item(self, item: Proposed) -> None:
        self.count += 1
        self.write("\n".join(_item_lines(item)) + "\n")

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        lines = [] if self.count else ["Nothing to import."]
        lines.extend(_tail_lines(proposal, self.count > 0))
        if lines:
            self.write("\n".join(lines) + "\n")


def _indented(value: Any, prefix: str) -> str:
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return "\n".join(prefix + line for line in text.split("\n"))


class JsonStream(ProposalStream):
    """The `--json` document with its `candidates` array streamed element by element.

    `candidates` sorts first among the document's keys, so the array can be written before the rest is known;
    the text is `json.dumps({**extra, **proposal_json(p)}, indent=2, sort_keys=True, ensure_ascii=False)` and
    a newline, as `output.print_json` writes it.
    """

    def __init__(self, write: Callable[[str], object]) -> None:
        self.write = write
        self.count = 0

    def item(self, item: Proposed) -> None:
        self.write(('{\n  "candidates": [\n' if self.count == 0 else ",\n") + _indented(candidate_json(item), "    "))
        self.count += 1

    def finish(self, proposal: ImportProposal, extra: Mapping[str, Any] | None = None) -> None:
        rest = {**(extra or {}), **_summary_json(proposal)}
        if any(key <= "candidates" for key in rest):
            raise ValueError("JsonStream: every other key must sort after `candidates`.")
        head = "\n  ]" if self.count else '{\n  "candidates": []'
        self.write(head + "," + json.dumps(rest, indent=2, sort_keys=True, ensure_ascii=False)[1:] + "\n")
