"""S5: Affected versions in the canonical §2.4 form, within the scope's `versions_convention`.

Only what the value already says is rewritten: unwrapped or loosely spaced lines get their canonical spelling;
under `all-before-fix` a `>= A, < B` line without a roster comment that backs the lower bound (a
`sync.version_evidence_phrases` hit) becomes `< B` (the conservative bound); at `fix released`, `NEXT VERSION`
becomes the shipped version (operator `--released`, else a milestone that is a version). An empty or unparsable
value is never guessed: it stays for the fill-fields comment (§8.4), with a note for unparsable lines.
"""

from __future__ import annotations

from dataclasses import replace

from steward.domain.lifecycle import State
from steward.domain.roles import Field
from steward.domain.versions import NEXT, VersionLine, parse_affected, render_affected
from steward.sync.comments import roster_statements
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.scope import ScopeView, scope_of

_SHIPPED = frozenset({State.FIX_RELEASED, State.ANNOUNCED})


def shipped_version(facts: TrackerFacts, ctx: SyncContext, scheme: str) -> str | None:
    """The version that shipped: the operator's `--released`, else the milestone when it is a version."""
    if facts.operator.released:
        return facts.operator.released.strip().removeprefix("v")
    if not facts.row.milestone:
        return None
    found = ctx.patterns["release_process.milestone_version_regex"].hit(facts.row.milestone.strip())
    if found is None:
        return None
    version = (found.groupdict().get("version") or found.group(0)).removeprefix("v")
    return version if ctx.patterns[f"versions.{scheme}"].hit(version) else None


def _has_evidence(facts: TrackerFacts, ctx: SyncContext) -> bool:
    entry = ctx.patterns["sync.version_evidence_phrases"]
    return any(entry.hit(c.body) for c in roster_statements(facts.comments, ctx))


def canonical_lines(facts: TrackerFacts, ctx: SyncContext, view: ScopeView, lines: list[VersionLine]) -> list[str]:
    """The reasons each rewrite applies (the lines are changed in place)."""
    why: list[str] = []
    if view.versions_convention == "all-before-fix" and not _has_evidence(facts, ctx):
        for i, line in enumerate(lines):
            if line.kind == "range_lt":
                lines[i] = replace(line, kind="lt", lower=None)
                why.append(f"`>= {line.lower}` dropped: no roster evidence for the lower bound")
    if facts.state in _SHIPPED and any(line.upper is NEXT for line in lines):
        shipped = shipped_version(facts, ctx, view.version_scheme)
        if shipped is not None:
            lines[:] = [replace(line, upper=shipped) if line.upper is NEXT else line for line in lines]
            why.append(f"NEXT VERSION → {shipped} (shipped)")
    return why


def s5_affected_versions(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    current = facts.value(Field.AFFECTED_VERSIONS)
    if current is None or facts.life.closed:
        return None
    view = scope_of(facts.row.labels, ctx)
    parsed = parse_affected(current, lambda _package: view.version_scheme)
    if not parsed.ok:
        return None
    lines = list(parsed.lines)
    why = canonical_lines(facts, ctx, view, lines)
    value = render_affected(lines)
    if value == current.strip():
        return None
    return SyncItem(
        facts.number,
        "S5",
        item_key(facts.number, "S5", value),
        f"affected versions → {value.replace(chr(10), '; ')} ({'; '.join(why) or 'canonical form'})",
        True,
        Change(fields=((Field.AFFECTED_VERSIONS, value),), regenerate_block=True),
    )


def s5_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    """Unparsable lines, listed on every run (§8.2: nothing empty or broken goes unmentioned)."""
    current = facts.value(Field.AFFECTED_VERSIONS)
    if current is None or facts.life.closed:
        return []
    view = scope_of(facts.row.labels, ctx)
    return [f"S5: {e.message}" for e in parse_affected(current, lambda _p: view.version_scheme).errors]
