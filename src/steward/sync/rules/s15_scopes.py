"""S15: a tracker that spans several scopes ⇒ a blocker and the §6.4 split hint (a note every run, no item).

Spanned scopes: the scope labels, the scopes whose `path_prefix` matches a file of the linked PR, and the
scopes whose package an Affected-versions line names. Splitting creates trackers, which is `steward triage
--split`'s job, so sync only says what to run; the anchor is the scope whose open milestone is due first
(ties and undated: config order), and with that unknown here the hint lists config order.
"""

from __future__ import annotations

import re

from steward.domain.roles import Field
from steward.domain.versions import parse_affected
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts


def spanned_scopes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    """Every scope the tracker touches, in config order."""
    scopes = ctx.config.scopes()
    found = set(ctx.labels.scope_labels(facts.row.labels))
    files = facts.pr.files if facts.pr is not None else ()
    packages = {
        line.package.casefold() for line in parse_affected(facts.value(Field.AFFECTED_VERSIONS)).lines if line.package
    }
    for name, scope in scopes.items():
        prefix = scope.path_prefix
        if prefix and any(re.match(prefix, path) for path in files):
            found.add(name)
        if scope.package_name and scope.package_name.casefold() in packages:
            found.add(name)
    return [name for name in scopes if name in found]


def s15_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    if facts.life.closed:
        return []
    spanned = spanned_scopes(facts, ctx)
    if len(spanned) < 2:
        return []
    return [
        f"blocker: the tracker spans {len(spanned)} scopes ({', '.join(spanned)}); split it (§6.4) with "
        f"`steward triage {facts.number} --split {','.join(spanned)}` — the anchor keeps the scope whose "
        "milestone is due first"
    ]
