"""A `widget` SyncContext with a fictional roster and a release manager, for rules that read who said what."""

from __future__ import annotations

from typing import Any

from sync_rule_support import make_ctx

from steward.sync.context import SyncContext

ROSTER = {
    "members": [
        {"handle": "alex", "roles": ["triager", "remediation-developer"]},
        {"handle": "kit-example", "name": "Kit Example", "roles": ["remediation-developer"]},
        {"handle": "sam-rm", "roles": ["release-manager"]},
    ]
}


def team_ctx(**sections: Any) -> SyncContext:
    merged: dict[str, Any] = {"roster": ROSTER, **sections}
    return make_ctx(**merged)
