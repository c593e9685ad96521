"""Credit corrections after the advisory (spec §8.11, Step 16): edits, the correction comment, the merge.

A closed tracker's body is never edited, so a corrected credit lives in a
steward-marked comment holding the complete corrected `reporter-credit` lines.
Every reader of the reporter credit (CVE generator, advisories, sync, `show`)
must see the same effective value, so the merge rule lives here once: the
newest trusted correction comment replaces the body value; without one the
body value stands. Storing the whole list (not a delta) keeps the merge
order-free and makes re-applying a correction idempotent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from steward.domain.credits import Credit, clean_line, parse_credits, render_credits, split_kind_tag
from steward.domain.fields import is_unset
from steward.domain.markers import comment_marker, render_marker
from steward.domain.roles import NO_RESPONSE

CORRECTION_MARKER = "credit-correction"
FENCE = "```"
MAX_LINE = 300
_BREAK = re.compile(r"\r\n|\r|\n")


class CreditEditError(ValueError):
    """The requested edit is not possible; callers map it to exit 2 with the message."""


class Op(StrEnum):
    SET = "set"
    ADD = "add"
    REMOVE = "remove"


def parse_line(line: str) -> Credit:
    """One §2.4 credit line (bullet and backticks dropped, optional kind tag); raises CreditEditError."""
    if _BREAK.search(line):
        raise CreditEditError("a credit LINE is one line; give one credit per --add.")
    cleaned = clean_line(line)
    if not cleaned or is_unset(cleaned):
        raise CreditEditError("the credit LINE is empty; give a name, 'anonymous' or 'N/A — <reason>'.")
    if len(cleaned) > MAX_LINE:
        raise CreditEditError(f"the credit LINE is {len(cleaned)} characters; keep it under {MAX_LINE}.")
    name, kind = split_kind_tag(cleaned)
    if not name:
        raise CreditEditError("the credit LINE is only a kind tag; put the name before [kind: …].")
    if "[kind:" in name.casefold():
        raise CreditEditError(
            "the credit LINE has a kind tag that is not [kind: human], [kind: tool] or [kind: service]."
        )
    return Credit(name, kind)


def _same(a: Credit, b: Credit) -> bool:
    return a.name.casefold() == b.name.casefold()


def apply_edit(credits: Sequence[Credit], op: Op, line: str) -> list[Credit]:
    """The credit list after one `--set`/`--add`/`--remove`; equal to the input when there is nothing to do."""
    credit = parse_line(line)
    current = list(credits)
    if op is Op.SET:
        return [credit]
    if op is Op.ADD:
        for index, existing in enumerate(current):
            if _same(existing, credit):
                if credit.kind_override is not None and credit.kind_override != existing.kind_override:
                    current[index] = credit  # a new kind tag on a listed name is a correction too
                return current
        return [*current, credit]
    kept = [c for c in current if not _same(c, credit)]
    if len(kept) == len(current):
        listed = "; ".join(c.name for c in current) or "none"
        raise CreditEditError(f"{credit.name!r} is not among the credits (currently: {listed}); check the spelling.")
    if not kept:
        raise CreditEditError(
            f"removing {credit.name!r} would leave no credit; use --set 'anonymous' (or another name) instead."
        )
    return kept


def render_correction(credits: Sequence[Credit], *, cve_id: str | None, change: str) -> str:
    """The correction comment: marker, one sentence, the complete corrected lines in a fence."""
    marker = render_marker(CORRECTION_MARKER, cve=cve_id) if cve_id else render_marker(CORRECTION_MARKER)
    lines = render_credits(credits) or NO_RESPONSE
    what = f" for {cve_id}" if cve_id else ""
    return (
        f"{marker}\n**Credit correction{what}** ({change}). The reporter credit is now the lines below; "
        f"the tracker body stays as it was at close (§8.11).\n\n{FENCE}text\n{lines}\n{FENCE}\n"
    )


def parse_correction(body: str) -> list[Credit] | None:
    """The corrected credits of a correction comment's text, or None when it is not one (or has no fence)."""
    first, _, rest = body.partition("\n")
    if not first.startswith(f"<!-- steward: {CORRECTION_MARKER}"):
        return None
    inside: list[str] | None = None
    for raw in _BREAK.split(rest):
        stripped = raw.strip()
        if inside is None:
            if stripped.startswith(FENCE):
                inside = []
            continue
        if stripped.startswith(FENCE):
            return parse_credits("\n".join(inside))
        inside.append(raw)
    return None


@dataclass(frozen=True)
class CommentView:
    """What the merge needs of a comment, in the store's chronological order."""

    author: str
    body: str


def correction_comments(comments: Iterable[CommentView], trusted: Iterable[str]) -> list[list[Credit]]:
    """Corrections whose marker counts (§2.6: line 1 of a comment by steward, a roster member or a bot login)."""
    handles = list(trusted)
    found: list[list[Credit]] = []
    for comment in comments:
        marker = comment_marker(comment.body, comment.author, handles)
        if marker is None or marker.name != CORRECTION_MARKER or marker.legacy:
            continue
        credits = parse_correction(comment.body)
        if credits is not None:
            found.append(credits)
    return found


def effective_credits(body_value: str | None, comments: Iterable[CommentView], trusted: Iterable[str]) -> list[Credit]:
    """The effective `reporter-credit`: the newest counted correction, else the body value (§8.11)."""
    corrections = correction_comments(comments, trusted)
    return corrections[-1] if corrections else parse_credits(body_value)


def has_correction(comments: Iterable[CommentView], trusted: Iterable[str]) -> bool:
    return bool(correction_comments(comments, trusted))
