"""S19: the rollup names a reporter draft the sink no longer holds ⇒ record it as sent or discarded.

A draft counts as recorded once any rollup entry names it gone, in its notification line or an item, so the
line is written once per draft (G4).
"""

from __future__ import annotations

import re

from steward.domain.rollup import RollupEntry
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key

_DRAFTED = re.compile(r"Reporter notification drafted: (?P<key>\S+)\.\Z")
_GONE = re.compile(r"(?:Reporter )?draft (?P<key>\S+) is no longer in Drafts")


def gone_item(key: str) -> str:
    """The rollup bullet for a draft that is not the entry's notification line."""
    return f"draft {key} is no longer in Drafts (sent or discarded)"


def drafted_keys(entries: tuple[RollupEntry, ...]) -> tuple[list[str], set[str]]:
    named: list[str] = []
    gone: set[str] = set()
    for entry in entries:
        for line in (entry.notification, *entry.items):
            if found := _DRAFTED.match(line):
                named.append(found.group("key"))
            if found := _GONE.match(line):
                gone.add(found.group("key"))
    return list(dict.fromkeys(named)), gone


def s19_drafts_gone(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if facts.sink_keys is None:
        return None
    named, recorded = drafted_keys(facts.rollup)
    missing = tuple(k for k in named if k not in recorded and k not in facts.sink_keys)
    if not missing:
        return None
    return SyncItem(
        facts.number,
        "S19",
        item_key(facts.number, "S19", ",".join(missing)),
        f"rollup: {len(missing)} reporter draft(s) no longer in Drafts — sent or discarded",
        False,
        Change(gone_drafts=missing),
    )
