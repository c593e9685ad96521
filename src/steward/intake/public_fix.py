"""Spec §5.6 "fix already public": which upstream PRs suggest the reported bug is already fixed in public.

Pure: the caller reads the PRs (CodeHost.search_prs / get_pr) and passes them in, so the same facts give
the same findings (G4). Strengths, by rule:

* the reporter links the PR: STRONG (spec);
* the PR names one of the report's GHSA ids: STRONG (spec says "a PR referencing a GHSA id"; steward gives
  it the reporter-link strength because a GHSA id is as specific as a link);
* the PR is open, or merged within `days` before the report or after it, and shares a code pointer
  (`intake.code_pointers`) and an `intake.bug_classes` group with the report: MEDIUM (steward decision;
  the spec gives no strength, and §5.4 rates a code pointer alone MEDIUM).

A PR that answers the report (author on the roster and created after the report, or the PR mentions the
security address) is the team's own fix, not a public one: its strength drops one step (§5.6 "downgraded").
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from steward.codehost.interface import PullRequest
from steward.ids import ghsa_ids as find_ghsa_ids
from steward.intake.signals import code_pointers, strip_search_term
from steward.patterns import PatternSet, norm

FixStrength = Literal["STRONG", "MEDIUM", "WEAK"]
DAYS = 180
MAX_POINTER_TERMS = 3
MAX_CLASS_TERMS = 2
_ORDER: dict[FixStrength, int] = {"STRONG": 0, "MEDIUM": 1, "WEAK": 2}
_DOWN: dict[FixStrength, FixStrength] = {"STRONG": "MEDIUM", "MEDIUM": "WEAK", "WEAK": "WEAK"}


@dataclass(frozen=True)
class PublicFix:
    """One PR that may already fix the report in public; `reason` is for the proposal, one line."""

    pr: int
    url: str
    strength: FixStrength
    reason: str
    downgraded: bool


def bug_class_groups(text: str, patterns: PatternSet) -> set[str]:
    """The `intake.bug_classes` group labels the text hits (no CWE: §5.6 names the pattern only)."""
    return {label for label, _ in patterns["intake.bug_classes"].hits(text)}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _pr_text(pr: PullRequest) -> str:
    return f"{pr.title}\n{pr.body}"


def _pointer_in(pointer: str, pr: PullRequest) -> bool:
    """A report pointer in the PR title/body (word-bounded, `()` optional) or equal to a changed file's tail."""
    bare = pointer.removesuffix("()")
    if re.search(rf"(?<![\w-]){re.escape(bare)}(?![\w-])", norm(_pr_text(pr))):
        return True
    return any(path == bare or path.endswith("/" + bare) for path in pr.files)


def _recent(pr: PullRequest, report_date: datetime, days: int) -> bool:
    if pr.state == "open":
        return True
    return pr.merged and pr.merged_at is not None and _aware(pr.merged_at) >= report_date - timedelta(days=days)


def _answer_reason(pr: PullRequest, report_date: datetime, roster: set[str], security_address: str) -> str | None:
    login = pr.author_login.casefold()
    if login and login in roster and pr.created_at is not None and _aware(pr.created_at) > report_date:
        return f"author {pr.author_login} is on the roster and opened it after the report"
    address = security_address.strip().casefold()
    if address and address in norm(_pr_text(pr)).casefold():
        return "the PR mentions the security address"
    return None


def public_fix_findings(
    text: str,
    patterns: PatternSet,
    *,
    reporter_pr_numbers: Sequence[int],
    prs: Sequence[PullRequest],
    report_date: datetime,
    roster_logins: Collection[str],
    security_address: str,
    ghsa_ids: Sequence[str],
    days: int = DAYS,
) -> list[PublicFix]:
    """One finding per PR, strongest first then by number. `reporter_pr_numbers` are the report's
    `ids.upstream_pr_ref` hits; such a PR missing from `prs` is still STRONG but cannot be checked for
    a downgrade (its reason says so)."""
    when = _aware(report_date)
    roster = {login.casefold() for login in roster_logins}
    pointers = code_pointers(text, patterns, None)
    classes = bug_class_groups(text, patterns)
    wanted = set(find_ghsa_ids(" ".join(ghsa_ids)))
    linked = list(dict.fromkeys(reporter_pr_numbers))
    by_number = {pr.number: pr for pr in prs}
    found: list[PublicFix] = []
    for number in dict.fromkeys([*linked, *by_number]):
        pr = by_number.get(number)
        hits: list[tuple[FixStrength, str]] = []
        if number in linked:
            hits.append(("STRONG", "the reporter links it"))
        if pr is not None:
            named = sorted(wanted & set(find_ghsa_ids(_pr_text(pr))))
            if named:
                hits.append(("STRONG", "it names " + ", ".join(named)))
            shared = [p for p in pointers if _pointer_in(p, pr)]
            same = sorted(classes & bug_class_groups(_pr_text(pr), patterns))
            if shared and same and _recent(pr, when, days):
                hits.append(("MEDIUM", f"it shares code pointer {shared[0]} and bug class {same[0]}"))
        if not hits:
            continue
        strength = min((s for s, _ in hits), key=_ORDER.__getitem__)
        reason = "; ".join(r for _, r in hits)
        answer = None if pr is None else _answer_reason(pr, when, roster, security_address)
        if pr is None:
            reason += "; not read from the code host, so not checked for a downgrade"
        if answer is not None:
            strength = _DOWN[strength]
            reason += f"; downgraded: {answer}"
        found.append(PublicFix(number, pr.url if pr else "", strength, reason, answer is not None))
    found.sort(key=lambda f: (_ORDER[f.strength], f.pr))
    return found


def _term(raw: str, patterns: PatternSet) -> str:
    """Stripped characters become word breaks first, so `api/auth.py` stays searchable as `api auth.py`;
    `strip_search_term` then removes anything the project strips, the space included if it is."""
    spaced = norm(raw)
    for _, pattern in patterns["intake.search_term_strip"].patterns:
        spaced = pattern.sub(" ", spaced)
    return strip_search_term(spaced, patterns).strip(" .-")


def search_terms(text: str, patterns: PatternSet) -> list[str]:
    """The `search_prs` query for a report: its most specific code pointers, then its bug-class phrases."""
    raw = code_pointers(text, patterns, MAX_POINTER_TERMS)
    phrases: list[str] = []
    for _, match in patterns["intake.bug_classes"].hits(text):
        phrase = match.group(0).casefold()
        if phrase not in phrases:
            phrases.append(phrase)
    raw += phrases[:MAX_CLASS_TERMS]
    out: list[str] = []
    for value in raw:
        term = _term(value, patterns)
        if term and term not in out:
            out.append(term)
    return out
