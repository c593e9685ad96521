"""The demo's intake chapter: the bundled fictional inbox lands in `.steward/inbox` and is imported with `--apply all`.

It runs the same service as `steward import mail`, so the demo shows real proposals, trackers, receipt drafts
and rollups. Every message is fictional (see `steward.demo.inbox`).
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.app import App
from steward.demo.inbox import write_inbox
from steward.services.import_items import ImportProposal
from steward.services.import_mail import run_import
from steward.services.import_mail_apply import ImportResult
from steward.services.import_window import choose_window
from steward.services.selector import parse_selection


@dataclass(frozen=True)
class ImportStory:
    messages: int
    proposal: ImportProposal
    result: ImportResult


def play_import(app: App) -> ImportStory:
    """Write the inbox (dated relative to the app's clock) and import it: `all` applies create, merge and link."""
    inbox = app.loaded.root / ".steward" / "inbox"
    count = write_inbox(inbox, now=app.now())
    proposal, result = run_import(
        app, source=f"maildir:{inbox}", window=choose_window(app), apply=parse_selection("all")
    )
    assert result is not None
    return ImportStory(count, proposal, result)
