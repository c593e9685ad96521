"""S10: the thread names a private scanner product, the credit is a personal name, and nothing shows the person
wants public credit ⇒ credit `anonymous`, and the scanner's name out of the public summary.

A scanner run by a company reports on behalf of whoever operates it; crediting that person by name without
their say-so would expose them. The thread text sync can read is the stored issue description (the report as
imported) and the follow-up mail sections import posted (message bodies are not stored, §9.3).
Public-credit evidence is a `sync.public_credit_evidence` hit there, or a self-named report (steward decision:
the report text itself names the credited person, e.g. signs with that name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from steward.domain.credits import parse_credits
from steward.domain.roles import Field
from steward.store import CommentRow
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.rules.s09_reporter_credit import follow_up_sections

RULE = "S10"
ANONYMOUS = "anonymous"


def thread_texts(description: str | None, comments: Iterable[CommentRow]) -> list[str]:
    """The report and every quoted follow-up message, in order."""
    texts = [description] if description else []
    return texts + [text for c in comments for _, text in follow_up_sections(c)]


def _named(name: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text, re.IGNORECASE) is not None


def scanners_named(texts: Sequence[str], ctx: SyncContext) -> list[str]:
    products = [p.strip() for p in ctx.config.credits.private_scanner_products if p.strip()]
    return [p for p in products if any(_named(p, t) for t in texts)]


def personal_credits(value: str | None, scanners: Sequence[str]) -> list[str]:
    """Exported credit names that are not the scanner itself (steward decision: every other name is personal)."""
    folded = {s.casefold() for s in scanners}
    return [c.name for c in parse_credits(value) if c.exports and c.name.casefold() not in folded]


def has_public_evidence(texts: Sequence[str], names: Sequence[str], ctx: SyncContext) -> bool:
    entry = ctx.patterns["sync.public_credit_evidence"]
    if any(entry.hit(t) for t in texts):
        return True
    report = texts[0] if texts else ""
    return bool(names) and all(_named(n, report) for n in names)


def strip_names(summary: str, names: Sequence[str]) -> str:
    """The summary with each name removed and the spaces it leaves folded (punctuation kept as written)."""
    out = summary
    for name in sorted(names, key=len, reverse=True):
        out = re.sub(r"[ \t]*(?<!\w)" + re.escape(name) + r"(?!\w)", "", out, flags=re.IGNORECASE)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def scanner_problem(texts: Sequence[str], credit: str | None, summary: str | None, ctx: SyncContext) -> str | None:
    """Why the record would expose a scanner operator (the §8.12 gate asks this too), or None."""
    scanners = scanners_named(texts, ctx)
    if not scanners:
        return None
    people = personal_credits(credit, scanners)
    if people and not has_public_evidence(texts, people, ctx):
        return f"the thread names {scanners[0]} and the credit names {people[0]} without public-credit evidence"
    in_summary = [s for s in scanners if summary and _named(s, summary)]
    if in_summary:
        return f"the public summary names the private scanner {in_summary[0]}"
    return None


def s10_scanner_credit(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed:
        return None
    texts = thread_texts(facts.value(Field.ISSUE_DESCRIPTION), facts.comments)
    credit, summary = facts.value(Field.REPORTER_CREDIT), facts.value(Field.PUBLIC_SUMMARY)
    why = scanner_problem(texts, credit, summary, ctx)
    if why is None:
        return None
    scanners = scanners_named(texts, ctx)
    people = personal_credits(credit, scanners)
    fields: list[tuple[Field, str]] = []
    if people and not has_public_evidence(texts, people, ctx):
        fields.append((Field.REPORTER_CREDIT, ANONYMOUS))
    if summary:
        cleaned = strip_names(summary, scanners)
        if cleaned != summary.strip():
            fields.append((Field.PUBLIC_SUMMARY, cleaned))
    if not fields:
        return None
    target = ";".join(f"{role.value}={value}" for role, value in fields)
    return SyncItem(
        facts.number,
        RULE,
        item_key(facts.number, RULE, target),
        f"{why}: " + ", ".join(f"{role.value} → {value!r}" for role, value in fields),
        True,
        Change(fields=tuple(fields), regenerate_block=True),
    )
