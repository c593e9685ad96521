"""Field values as readers must see them: the stored body overlaid with what comments legitimately correct.

§8.11: a closed tracker's body is never edited; a credit correction is a comment, and every reader that feeds
the CVE record (regeneration, push, `cve json`, sync) reads the effective value through here, so a later push
cannot put the old credit back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from steward.app import App
from steward.config.model import ProjectConfig
from steward.domain.credit_corrections import CommentView, effective_credits
from steward.domain.credits import render_credits
from steward.domain.fields import field_value, set_field
from steward.domain.roles import Field
from steward.services.facts import parse_stored
from steward.store import CommentRow, TrackerRow


def trusted_authors(app: App) -> list[str]:
    """Whose line-1 markers count (§2.6): roster members and `tracker.bot_logins`."""
    return trusted_in(app.config)


def trusted_in(config: ProjectConfig) -> list[str]:
    return [m.handle for m in config.roster.members] + list(config.tracker.bot_logins)


def views(comments: Iterable[CommentRow]) -> list[CommentView]:
    return [CommentView(c.author, c.body) for c in comments]


def effective_body(app: App, row: TrackerRow, comments: Sequence[CommentRow]) -> str:
    """The body as readers must see it: `reporter-credit` replaced by the effective value (never stored)."""
    return effective_source(row, comments, config=app.config, headings=app.headings)


def effective_source(
    row: TrackerRow, comments: Sequence[CommentRow], *, config: ProjectConfig, headings: Mapping[Field, str]
) -> str:
    """`effective_body` for callers holding config and headings rather than an App (sync's rules)."""
    if not comments:
        return row.body
    parsed = parse_stored(row, headings)
    credits = effective_credits(field_value(parsed, Field.REPORTER_CREDIT), views(comments), trusted_in(config))
    return set_field(row.body, Field.REPORTER_CREDIT, render_credits(credits), headings)
