"""Facts sync reads over the network, only when the caller passes the port: cve.org (§8.8) and the PR search (S1).

Kept apart from `facts.gather` so the store reads stay in one place and each network read has one guard: no
port, no request (the demo and the tests pass none). A failed read is a note, never a guessed fact.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from steward.codehost.interface import CodeHost, CodeHostError, PullRequest
from steward.comms.drafts import tracker_base_url
from steward.domain.fields import ParsedBody, field_value
from steward.domain.roles import Field
from steward.domain.rollup import RollupEntry
from steward.store import TrackerRow

from .context import SyncContext

if TYPE_CHECKING:
    from steward.cveorg.client import CveOrgClient

    from .facts import CveOrgFacts, PrFacts

PUBLISHED = "cve.org: {cve} is PUBLISHED"


def published_line(cve: str) -> str:
    """The rollup item that records §8.8's `cve-published` step once."""
    return PUBLISHED.format(cve=cve)


def publication_recorded(rollup: Sequence[RollupEntry], cve: str | None) -> bool:
    if cve is None:
        return False
    line = published_line(cve)
    return any(line in text for entry in rollup for text in (entry.headline, *entry.items))


def cve_org_due(row: TrackerRow, cve: str | None, rollup: Sequence[RollupEntry], ctx: SyncContext) -> bool:
    """A closed-completed tracker within `disclosure.cve_org_check_days` whose publication is not yet recorded."""
    if row.is_open or cve is None or row.close_reason != "completed" or row.closed_at is None:
        return False
    if ctx.now - row.closed_at > timedelta(days=ctx.config.disclosure.cve_org_check_days):
        return False
    return not publication_recorded(rollup, cve)


def cve_org_facts(
    row: TrackerRow, cve: str | None, rollup: Sequence[RollupEntry], ctx: SyncContext, client: CveOrgClient | None
) -> CveOrgFacts | None:
    from steward.cveorg.client import check

    from .facts import CveOrgFacts

    if client is None or not cve_org_due(row, cve, rollup, ctx):
        return None
    assert cve is not None
    outcome, state, error = check(client, cve)
    return CveOrgFacts(outcome, state, error)


def tracker_url(number: int, ctx: SyncContext) -> str:
    base = tracker_base_url(ctx.config)
    return f"{base if base.endswith('/') else base + '/'}{number}"


def mention_terms(number: int, ctx: SyncContext) -> list[str]:
    """`<tracker>#N` (when the tracker repository is named) and the tracker URL (§8.1)."""
    terms = [f"{ctx.config.tracker.repo}#{number}"] if ctx.config.tracker.repo else []
    return [*terms, tracker_url(number, ctx)]


def mentions(text: str, terms: Sequence[str]) -> bool:
    """A term counts when no digit follows it (`#4` is not `#42`); the search API alone is too loose."""
    return any(re.search(re.escape(term) + r"(?![0-9])", text, re.IGNORECASE) for term in terms)


def _url(pr: PullRequest, ctx: SyncContext) -> str:
    return pr.url or f"https://github.com/{ctx.config.tracker.upstream_repo}/pull/{pr.number}"


def search_mentions(
    row: TrackerRow, parsed: ParsedBody, ctx: SyncContext, code_host: CodeHost | None
) -> tuple[list[PrFacts], str | None]:
    """Open upstream PRs that name an open tracker whose PR field holds no URL; (found, why the search failed)."""
    from .facts import PrFacts

    if code_host is None or not row.is_open or "://" in (field_value(parsed, Field.PR_WITH_FIX) or ""):
        return [], None
    terms = mention_terms(row.number, ctx)
    try:
        found = code_host.search_prs(terms, since=row.created_at.date())
    except CodeHostError as exc:
        return [], f"PR search for #{row.number} failed ({exc}); S1 not checked"
    hits = [p for p in found if p.state == "open" and not p.merged and mentions(f"{p.title}\n{p.body}", terms)]
    return [PrFacts.of(_url(p, ctx), p) for p in sorted(hits, key=lambda p: p.number)], None
