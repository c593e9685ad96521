"""S9: the reporter's reply states how to be credited ⇒ `reporter-credit`; the newest statement wins.

Stored inbound messages carry routing facts only (MessageRow: ids, From, dates), never the body (§9.3), so the
reply text is read where import put it: the trusted `**Follow-up mail at import**` comments, one
`From <name> (<date>):` section per message. A section counts when its sender is the root message's From name
or address (the real reporter, §8.1). A `credits.opt_out` hit means `anonymous`; else the first
`credits.attribution_patterns` hit is the credit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from steward.domain.credits import parse_credits
from steward.domain.roles import Field
from steward.store import CommentRow
from steward.sync.comments import trusted_authors
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key

FOLLOW_UP = "**Follow-up mail at import**"
_SECTION = re.compile(r"\AFrom (?P<who>[^\n]+?) \((?P<when>[^)\n]*)\):\n\n(?P<text>.*)\Z", re.DOTALL)


def follow_up_sections(comment: CommentRow) -> Iterator[tuple[str, str]]:
    """(sender, text) of each quoted message of one follow-up comment, in order."""
    if not comment.body.startswith(FOLLOW_UP):
        return
    _, _, rest = comment.body.partition("\n\n")
    for part in rest.split("\n\n---\n\n"):
        found = _SECTION.match(part.strip())
        if found is not None:
            yield found.group("who").strip(), found.group("text")


def credit_statement(text: str, ctx: SyncContext) -> str | None:
    if ctx.patterns["credits.opt_out"].hit(text):
        return "anonymous"
    found = ctx.patterns["credits.attribution_patterns"].hit(text)
    credit = found.groupdict().get("credit") if found is not None else None
    return credit.strip() if credit and credit.strip() else None


def reporter_reply_credit(facts: TrackerFacts, ctx: SyncContext) -> str | None:
    """The credit the reporter's newest reply states, if any."""
    root = facts.root_message
    if root is None:
        return None
    senders = {s.casefold() for s in (root.from_name, root.from_addr) if s}
    trusted = {a.removeprefix("@").casefold() for a in trusted_authors(ctx)}
    newest = None
    for comment in facts.comments:
        if comment.author.removeprefix("@").casefold() not in trusted:
            continue
        for who, text in follow_up_sections(comment):
            if who.casefold() in senders and (credit := credit_statement(text, ctx)):
                newest = credit
    return newest


def s9_reporter_credit(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed:
        return None
    credit = reporter_reply_credit(facts, ctx)
    if credit is None:
        return None
    current = [c.name.casefold() for c in parse_credits(facts.value(Field.REPORTER_CREDIT))]
    if current == [credit.casefold()]:
        return None
    return SyncItem(
        facts.number,
        "S9",
        item_key(facts.number, "S9", credit.casefold()),
        f"reporter credit → {credit!r} (the reporter's reply)",
        True,
        Change(fields=((Field.REPORTER_CREDIT, credit),), regenerate_block=True),
    )
