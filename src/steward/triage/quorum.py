"""Triage classes and the quorum rule of spec §6.1.

A decision changes state only when enough roster members agreed with the newest
proposal *and* that proposal argued for this very decision, so a 👍 given to
"INVALID" can never be spent on `--valid`. Everything here reads plain comment
data; the command layer gathers it from the store or the code host.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from steward.domain.markers import comment_marker
from steward.errors import UsageError
from steward.patterns import PatternSet, fixed

PROPOSAL_MARKER = "triage-proposal"

VALID = "VALID"
DEFENSE_IN_DEPTH = "DEFENSE-IN-DEPTH"
INFO_ONLY = "INFO-ONLY"
INVALID = "INVALID"
PROBABLE_DUP = "PROBABLE-DUP"
FIX_ALREADY_PUBLIC = "FIX-ALREADY-PUBLIC"
CLASSES: tuple[str, ...] = (VALID, DEFENSE_IN_DEPTH, INFO_ONLY, INVALID, PROBABLE_DUP, FIX_ALREADY_PUBLIC)


class Decision(StrEnum):
    """The `steward triage` decision flags (and `dedupe`), without the leading `--`."""

    VALID = "valid"
    INVALID = "invalid"
    NOT_CVE_WORTHY = "not-cve-worthy"
    WONTFIX = "wontfix"
    DEDUPE = "dedupe"
    NEED_INFO = "need-info"
    REOPEN = "reopen"


CLASS_DECISIONS: dict[str, tuple[Decision, ...]] = {
    VALID: (Decision.VALID,),
    DEFENSE_IN_DEPTH: (Decision.WONTFIX,),
    INFO_ONLY: (Decision.NOT_CVE_WORTHY,),
    INVALID: (Decision.INVALID,),
    PROBABLE_DUP: (Decision.DEDUPE,),
    FIX_ALREADY_PUBLIC: (Decision.INVALID, Decision.VALID),
}
"""§6.1: which decision each proposed class allows (FIX-ALREADY-PUBLIC: invalid once confirmed, or valid)."""

QUORUM_DECISIONS = frozenset({Decision.VALID, Decision.INVALID, Decision.NOT_CVE_WORTHY, Decision.WONTFIX})
"""The decisions that need quorum; the others need only a roster member (T17, and dedupe has §6.2 blockers)."""

THUMBS_UP = frozenset({"+1", "thumbs_up", "thumbsup", "👍"})
_DISPOSITION = re.compile(r"\*\*Proposed disposition: (?P<cls>[A-Z][A-Z-]*)\.\*\*")


@dataclass(frozen=True)
class Comment:
    """One tracker comment; `reactions` are (user, kind) pairs, kind `+1` for 👍."""

    id: int | str
    author: str
    body: str
    created_at: datetime
    reactions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Proposal:
    comment: Comment
    cls: str


@dataclass(frozen=True)
class QuorumResult:
    """`concurring` lists the decider first, then the others in the order they concurred."""

    met: bool
    needed: int
    concurring: tuple[str, ...]
    reasons: tuple[str, ...]
    proposal: Proposal | None = None
    forced: bool = False


def login(handle: str) -> str:
    """The comparable form of a handle: no `@`, case-folded."""
    return handle.strip().removeprefix("@").casefold()


def proposal_class(body: str) -> str | None:
    """The CLASS of a `**Proposed disposition: <CLASS>.**` line, or None when absent or not a class."""
    found = _DISPOSITION.search(body)
    if found is None or found.group("cls") not in CLASSES:
        return None
    return found.group("cls")


def newest_proposal(comments: Iterable[Comment], trusted: Iterable[str]) -> Proposal | None:
    """The newest comment with the triage-proposal marker on line 1, by a trusted author, naming a class."""
    handles = list(trusted)
    best: Proposal | None = None
    for comment in comments:
        marker = comment_marker(comment.body, comment.author, handles)
        if marker is None or marker.name != PROPOSAL_MARKER:
            continue
        cls = proposal_class(comment.body)
        if cls is None:
            continue
        if best is None or comment.created_at >= best.comment.created_at:
            best = Proposal(comment, cls)
    return best


def unquoted(body: str) -> str:
    """The lines of a comment that are not markdown quotes (`>` after up to three spaces)."""
    return "\n".join(line for line in body.splitlines() if not line.lstrip(" ").startswith(">"))


def concurs(body: str, patterns: PatternSet) -> bool:
    """A later comment concurs when its unquoted text hits a concurrence phrase and no dissent phrase."""
    text = unquoted(body)
    return (
        patterns["triage.concurrence_phrases"].hit(text) is not None
        and patterns["triage.dissent_phrases"].hit(text) is None
    )


def needed_count(triager_count: int, triage_quorum: int) -> int:
    """q = min(governance.triage_quorum, triagers), at least 1 so a project without triagers still needs the decider."""
    return max(1, min(triage_quorum, triager_count))


def _flag(decision: Decision) -> str:
    return f"--{decision.value}" if decision is not Decision.DEDUPE else "dedupe"


def quorum(
    decision: Decision | str,
    decider: str,
    comments: Sequence[Comment],
    roster_handles: Iterable[str],
    *,
    triager_count: int,
    triage_quorum: int = 2,
    force: bool = False,
    reason: str | None = None,
    patterns: PatternSet | None = None,
) -> QuorumResult:
    """Whether `decider` may apply `decision` now (§6.1); `force` needs a reason and is then always met."""
    wanted = Decision(decision)
    if force and not (reason or "").strip():
        raise UsageError("--force needs --reason TEXT")
    phrases = patterns or fixed()
    roster = {login(h): h.strip().removeprefix("@") for h in roster_handles}
    me = login(decider)
    proposal = newest_proposal(comments, roster.values())
    needs_quorum = wanted in QUORUM_DECISIONS
    needed = needed_count(triager_count, triage_quorum) if needs_quorum else 1
    reasons: list[str] = []
    concurring: list[str] = []
    if me in roster:
        concurring.append(roster[me])
    else:
        reasons.append(f"{decider} is not a roster member; only roster members decide triage.")
    if needs_quorum:
        _count_concurrences(
            wanted,
            me,
            comments=comments,
            roster=roster,
            proposal=proposal,
            phrases=phrases,
            concurring=concurring,
            reasons=reasons,
        )
    met = me in roster and len(concurring) >= needed
    if needs_quorum and not met and proposal is not None and not reasons:
        reasons.append(
            f"{len(concurring)} of {needed} roster members concur with the {proposal.cls} proposal; "
            "collect more with steward triage ID --concur or a concurring comment."
        )
    if force:
        reasons.append(f"quorum bypassed with --force: {(reason or '').strip()}")
        return QuorumResult(True, needed, tuple(concurring), tuple(reasons), proposal, forced=True)
    return QuorumResult(met, needed, tuple(concurring), tuple(reasons), proposal)


def _count_concurrences(
    wanted: Decision,
    me: str,
    *,
    comments: Sequence[Comment],
    roster: dict[str, str],
    proposal: Proposal | None,
    phrases: PatternSet,
    concurring: list[str],
    reasons: list[str],
) -> None:
    if proposal is None:
        concurring.clear()
        reasons.append("there is no triage proposal yet; post one with steward triage ID --propose CLASS --note FILE.")
        return
    if wanted not in CLASS_DECISIONS[proposal.cls]:
        allowed = " or ".join(_flag(d) for d in CLASS_DECISIONS[proposal.cls])
        concurring.clear()
        reasons.append(
            f"the newest triage proposal is {proposal.cls}, which maps to {allowed}, not {_flag(wanted)}; "
            "post a new proposal first."
        )
        return
    seen = {login(h) for h in concurring}

    def add(handle: str) -> None:
        key = login(handle)
        if key in roster and key not in seen:
            seen.add(key)
            concurring.append(roster[key])

    add(proposal.comment.author)
    for user, kind in proposal.comment.reactions:
        if kind in THUMBS_UP and login(user) != me:
            add(user)
    start = proposal.comment.created_at
    trusted = list(roster.values())
    for comment in comments:
        if comment is proposal.comment or comment.created_at <= start or login(comment.author) not in roster:
            continue
        if comment_marker(comment.body, comment.author, trusted) is not None:
            continue  # steward-written one-shot comments are not a person's concurrence
        if concurs(comment.body, phrases):
            add(comment.author)
