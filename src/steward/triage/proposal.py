"""The triage-proposal comment of spec §6.1 and whom it @-mentions.

The comment is what quorum counts 👍 on, so its shape is fixed: the marker on
line 1 and the `**Proposed disposition: <CLASS>.**` line that
`quorum.proposal_class` reads back. Mentions go to the few people most likely to
know the code, never to the whole roster, so a proposal does not page everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from steward.domain.markers import render_marker
from steward.domain.roles import Role
from steward.errors import UsageError
from steward.triage.quorum import CLASSES, PROPOSAL_MARKER, login

MAX_MENTIONS = 3


@dataclass(frozen=True)
class RosterMember:
    handle: str
    roles: tuple[Role | str, ...] = ()


@dataclass(frozen=True)
class ScopeReviewers:
    """One `scope_detection.labels.<scope>`: its `path_prefix` regex (None matches nothing) and `reviewers`."""

    scope: str
    path_prefix: str | None
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposalText:
    """What the triager wrote (`--note FILE`) plus what the evidence pack found."""

    cls: str
    summary: str
    code_locations: tuple[str, ...] = ()
    security_model_quote: str | None = None
    security_model_source: str | None = None
    severity_guess: str | None = None
    fix_shape: str | None = None


def matching_scope(code_pointers: Iterable[str], scopes: Sequence[ScopeReviewers]) -> ScopeReviewers | None:
    """The one scope whose `path_prefix` matches the code pointers; None when none or several match."""
    paths = [p for p in code_pointers if p]
    hits = [
        scope
        for scope in scopes
        if scope.path_prefix is not None and any(re.match(scope.path_prefix, path) for path in paths)
    ]
    return hits[0] if len(hits) == 1 else None


def choose_mentions(
    *,
    pr_authors: Sequence[str],
    code_pointers: Sequence[str],
    scopes: Sequence[ScopeReviewers],
    roster: Sequence[RosterMember],
    invoker: str,
    limit: int = MAX_MENTIONS,
) -> tuple[str, ...]:
    """§6.1 order: PR authors (newest first) in the roster, the matching scope's reviewers, then triagers.

    Never the invoker; never every roster member when the roster has more than one
    (the last pick is dropped instead).
    """
    members = {login(m.handle): m.handle.strip().removeprefix("@") for m in roster}
    scope = matching_scope(code_pointers, scopes)
    candidates = [
        *(a for a in pr_authors if login(a) in members),
        *(scope.reviewers if scope else ()),
        *(m.handle for m in roster if Role.TRIAGER in m.roles or Role.TRIAGER.value in m.roles),
    ]
    chosen: list[str] = []
    seen = {login(invoker)}
    for handle in candidates:
        key = login(handle)
        if key in seen or not key:
            continue
        seen.add(key)
        chosen.append(members.get(key, handle.strip().removeprefix("@")))
        if len(chosen) == limit:
            break
    if len(members) > 1 and {login(h) for h in chosen} >= set(members):
        chosen.pop()
    return tuple(chosen)


def render_proposal(text: ProposalText, mentions: Sequence[str] = ()) -> str:
    """The comment body in §6.1 order; refuses an unknown class or more than three mentions."""
    if text.cls not in CLASSES:
        raise UsageError(f"{text.cls!r} is not a triage class; use one of {', '.join(CLASSES)}.")
    if len(mentions) > MAX_MENTIONS:
        raise UsageError(f"a triage proposal mentions at most {MAX_MENTIONS} people, not {len(mentions)}.")
    if not text.summary.strip():
        raise UsageError("the triage proposal needs a summary; write it in the --note file.")
    where = ", ".join(f"`{loc}`" for loc in text.code_locations) or "not identified yet"
    parts = [render_marker(PROPOSAL_MARKER), "**Triage proposal**", "", f"{text.summary.strip()}", ""]
    parts += [f"Code location: {where}", ""]
    if text.security_model_quote and text.security_model_quote.strip():
        quote = "\n".join(f"> {line}".rstrip() for line in text.security_model_quote.strip().splitlines())
        source = f"\n>\n> — {text.security_model_source}" if text.security_model_source else ""
        parts += ["Security model:", "", quote + source, ""]
    else:
        parts += ["Security model: no passage found that covers this report.", ""]
    parts += [f"**Proposed disposition: {text.cls}.**", ""]
    guess = (text.severity_guess or "").strip() or "none yet"
    parts += [f"Severity guess (a guess, not the team's rating): {guess}", ""]
    parts += [f"Fix shape: {(text.fix_shape or '').strip() or 'not known yet'}", ""]
    if mentions:
        parts += ["cc " + " ".join(f"@{m.strip().removeprefix('@')}" for m in mentions), ""]
    return "\n".join(parts).rstrip("\n") + "\n"
