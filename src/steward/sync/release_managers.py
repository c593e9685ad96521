"""RM lookup from config (§8.7 first source): `release_process.release_managers`, never guessed.

An entry matches when its `scope` is unset or the tracker's scope, and its `match` is unset or fullmatches (as
a regular expression, else literally) the milestone or the fix version. The first match wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from steward.config.model import ProjectConfig


def _matches(pattern: str, values: Sequence[str]) -> bool:
    try:
        compiled = re.compile(pattern)
    except re.error:
        return pattern in values
    return any(compiled.fullmatch(v) for v in values)


def release_manager(config: ProjectConfig, scope: str | None, versions: Sequence[str]) -> str | None:
    wanted = [v for v in versions if v]
    for entry in config.release_process.release_managers:
        if entry.scope is not None and entry.scope != scope:
            continue
        if entry.match is not None and not _matches(entry.match, wanted):
            continue
        return entry.handle.removeprefix("@")
    return None
