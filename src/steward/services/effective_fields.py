"""Field values as readers must see them: the stored body overlaid with what comments legitimately correct.

§8.11: a closed tracker's body is never edited; a credit correction is a comment, and every reader that feeds
the CVE record (regeneration, push, `cve json`, sync) reads the effective value through here, so a later push
cannot put the old credit back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from steward.app import App
from steward.domain.credit_corrections import CommentView, effective_credits
from steward.domain.credits import render_credits
from steward.domain.fields import field_value, set_field
from steward.domain.roles import Field
from steward.services.facts import parse_stored
from steward.store import CommentRow, TrackerRow


def trusted_authors(app: App) -> list[str]:
    """Whose line-1 markers count (§2.6): roster members and `tracker.bot_logins`."""
    return [m.handle for m in app.config.roster.members] + list(app.config.tracker.bot_logins)


def views(comments: Iterable[CommentRow]) -> list[CommentView]:
    return [CommentView(c.author, c.body) for c in comments]


def effective_body(app: App, row: TrackerRow, comments: Sequence[CommentRow]) -> str:
    """The body as readers must see it: `reporter-credit` replaced by the effective value (never stored)."""
    parsed = parse_stored(row, app.headings)
    credits = effective_credits(field_value(parsed, Field.REPORTER_CREDIT), views(comments), trusted_authors(app))
    return set_field(row.body, Field.REPORTER_CREDIT, render_credits(credits), app.headings)
