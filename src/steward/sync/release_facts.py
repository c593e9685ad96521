"""§8.6 release detection as a fact: the pure detection of steward.domain.release_detection, with the registry
lookup injected here, in fact gathering, so no rule ever does I/O. A lookup failure is a note; the item waits."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from steward.domain.fields import ParsedBody, field_value
from steward.domain.release_detection import ReleaseCheck, ReleaseFacts, RosterComment, fix_versions, is_released
from steward.domain.roles import Field
from steward.domain.versions import parse_affected
from steward.errors import StewardError
from steward.registry.interface import ReleaseRegistry
from steward.store import CommentRow, TrackerRow

from .comments import roster_statements
from .context import SyncContext
from .scope import scope_of

RegistryFactory = Callable[[str], ReleaseRegistry]
"""`registry_for(kind, ...)` as the caller builds it; tests pass a fake."""


def release_facts(
    row: TrackerRow, parsed: ParsedBody, comments: Sequence[CommentRow], ctx: SyncContext, released: str | None
) -> tuple[ReleaseFacts, str]:
    view = scope_of(row.labels, ctx)
    lines = parse_affected(field_value(parsed, Field.AFFECTED_VERSIONS), lambda _p: view.version_scheme).lines
    said = [RosterComment(c.author, c.body) for c in roster_statements(comments, ctx)]
    facts = ReleaseFacts(
        lines=lines,
        package_name=view.package_name,
        registry=view.registry,
        version_scheme=view.version_scheme,
        milestone=row.milestone,
        milestone_scheme="train" if view.milestone_scheme == "train" else "version",
        comments=said,
        released_flag=released,
    )
    return facts, view.registry


def check_release(
    row: TrackerRow,
    parsed: ParsedBody,
    comments: Sequence[CommentRow],
    ctx: SyncContext,
    *,
    released: str | None,
    registries: RegistryFactory | None,
) -> tuple[ReleaseCheck | None, str | None]:
    """(verdict, note); without a registry adapter only the team's word counts, as with registry `none`."""
    facts, kind = release_facts(row, parsed, comments, ctx, released)
    detection = fix_versions(facts, ctx.patterns)
    if kind == "none" or registries is None:
        check = is_released(detection, _no_lookup, ctx.now, registry="none")
        note = None if kind == "none" or check.released else f"release not checked on {kind}: no registry adapter"
        return check, note
    try:
        registry = registries(kind)
    except StewardError as exc:
        return None, f"release not checked: {exc}"
    return is_released(detection, registry.released, ctx.now, registry=kind), None


def _no_lookup(package: str, version: str) -> None:
    return None
