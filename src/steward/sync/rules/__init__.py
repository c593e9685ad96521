"""One module per sync rule of spec §8.2; each is a pure `(facts, ctx) -> SyncItem | None`.

`RULES` is the order items are numbered within a tracker: lifecycle first (S2, S3), then the fields the record
says (S4, S7), then bookkeeping (S13, S14, S19), and the CVE JSON block last (S17), since it reflects the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import SyncItem
from steward.sync.rules.s02_pr_merged import s2_pr_merged
from steward.sync.rules.s03_pr_closed import s3_pr_closed_unmerged
from steward.sync.rules.s04_remediation_developer import s4_remediation_developer
from steward.sync.rules.s07_title import s7_title
from steward.sync.rules.s13_board import s13_board
from steward.sync.rules.s14_labels import s14_labels
from steward.sync.rules.s17_cve_json import s17_cve_json
from steward.sync.rules.s19_drafts_gone import s19_drafts_gone

Rule = Callable[[TrackerFacts, SyncContext], SyncItem | None]

RULES: tuple[tuple[str, Rule], ...] = (
    ("S2", s2_pr_merged),
    ("S3", s3_pr_closed_unmerged),
    ("S4", s4_remediation_developer),
    ("S7", s7_title),
    ("S14", s14_labels),
    ("S13", s13_board),
    ("S19", s19_drafts_gone),
    ("S17", s17_cve_json),
)


def run_rules(facts: TrackerFacts, ctx: SyncContext) -> list[SyncItem]:
    return [item for _, rule in RULES if (item := rule(facts, ctx)) is not None]
