"""S11: no assignee on an open tracker ⇒ the owner of the next move (§1.1), when sync can name them for sure.

A set assignee is never overridden (§2.10; the Step-12 owner change is the hand-off item's, with confirmation).
The owner: the importer (the first `Import…` rollup entry's author) while `needs-triage`/`assessed`; from
`cve-allocated` the remediation developer — the PR author when on the roster, which beats a roster member who
volunteered (`sync.volunteer_phrases`), newest volunteer first; the RM only from `fix released`, from config.
Anyone not on the roster is never proposed.
"""

from __future__ import annotations

from steward.domain.lifecycle import State
from steward.sync.comments import roster, roster_statements
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.release_managers import release_manager
from steward.sync.scope import scope_of

_TRIAGE = frozenset({State.NEEDS_TRIAGE, State.ASSESSED})
_FIX = frozenset({State.CVE_ALLOCATED, State.PR_CREATED, State.PR_MERGED})
_RM = frozenset({State.FIX_RELEASED, State.ANNOUNCED})


def _importer(facts: TrackerFacts) -> str | None:
    return next((e.user for e in facts.rollup if e.action.startswith("Import")), None)


def _volunteer(facts: TrackerFacts, ctx: SyncContext) -> str | None:
    entry = ctx.patterns["sync.volunteer_phrases"]
    said = [c for c in roster_statements(facts.comments, ctx) if entry.hit(c.body)]
    return said[-1].author.removeprefix("@") if said else None


def owner(facts: TrackerFacts, ctx: SyncContext) -> tuple[str | None, str]:
    """(handle, why) of the owner of the next move; None when sync cannot name one."""
    if facts.state in _TRIAGE:
        return _importer(facts), "triager (the importer)"
    if facts.state in _FIX:
        if facts.pr is not None and facts.pr.author_login.casefold() in roster(ctx):
            return facts.pr.author_login, "remediation developer (PR author)"
        volunteer = _volunteer(facts, ctx)
        if volunteer is not None:
            return volunteer, "remediation developer (volunteered)"
        if facts.state is State.CVE_ALLOCATED:
            return _importer(facts), "triager (fix unclaimed)"
        return None, ""
    if facts.state in _RM:
        view = scope_of(facts.row.labels, ctx)
        return release_manager(ctx.config, view.name, [facts.row.milestone or ""]), "release manager (config)"
    return None, ""


def s11_assignee(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.life.closed or facts.row.assignee:
        return None
    handle, why = owner(facts, ctx)
    if handle is None or handle.casefold() not in roster(ctx):
        return None
    return SyncItem(
        facts.number,
        "S11",
        item_key(facts.number, "S11", handle.casefold()),
        f"assignee → @{handle}, the {why}",
        False,
        Change(assignee=handle),
    )
