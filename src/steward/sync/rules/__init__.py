"""One module per sync rule of spec §8.2; each is a pure `(facts, ctx) -> SyncItem | None`.

`RULES` is the order items are numbered within a tracker: lifecycle first (S1, S2, S3), then the fields the
record says (S4, S5, S7, S8, S9), ownership and milestone (S11, S12), bookkeeping (S14, S13, S19), the §8.4 gate
and §8.5 hand-off, the §11.1 ack SLA and §8.10 flags, §8.9 stall and §8.8 cve.org, and the CVE JSON block last
(S17), since it reflects the rest. S20 runs after them: it only folds the credit question into a draft another
item makes.
`NOTES` are what a run lists without proposing (unparsable values, why a hand-off waits, blockers).
"""

from __future__ import annotations

from collections.abc import Callable

from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import SyncItem
from steward.sync.rules.g84_fill_fields import g84_fill_fields
from steward.sync.rules.g85_handoff import g85_handoff, handoff_notes
from steward.sync.rules.s01_pr_opened import s1_pr_opened
from steward.sync.rules.s02_pr_merged import s2_pr_merged
from steward.sync.rules.s03_pr_closed import s3_pr_closed_unmerged
from steward.sync.rules.s04_remediation_developer import s4_remediation_developer
from steward.sync.rules.s05_affected_versions import s5_affected_versions, s5_notes
from steward.sync.rules.s07_title import s7_title
from steward.sync.rules.s08_cwe_severity import s8_cwe_severity
from steward.sync.rules.s09_reporter_credit import s9_reporter_credit
from steward.sync.rules.s10_scanner_credit import s10_scanner_credit
from steward.sync.rules.s11_assignee import s11_assignee
from steward.sync.rules.s12_milestone import s12_milestone
from steward.sync.rules.s13_board import s13_board
from steward.sync.rules.s14_labels import s14_labels
from steward.sync.rules.s15_scopes import s15_notes
from steward.sync.rules.s16_reviewer import s16_notes, s16_reviewer  # S16: CNA reviewer comments
from steward.sync.rules.s17_cve_json import s17_cve_json
from steward.sync.rules.s18_rc_voting import rm_notes, s18_rc_voting
from steward.sync.rules.s19_drafts_gone import s19_drafts_gone
from steward.sync.rules.s20_credit_question import s20_credit_question
from steward.sync.rules.s21_ack import s21_ack_overdue
from steward.sync.rules.s21_cve_org import cve_org_notes, s21_cve_published
from steward.sync.rules.s21_disclosure import s21_grace, s21_overdue, window_notes
from steward.sync.rules.s21_distributor import distributor_notes, s21_distributor_notify
from steward.sync.rules.s21_stall import s21_stall, stall_notes

Rule = Callable[[TrackerFacts, SyncContext], SyncItem | None]
Notes = Callable[[TrackerFacts, SyncContext], list[str]]

RULES: tuple[tuple[str, Rule], ...] = (
    ("S1", s1_pr_opened),
    ("S2", s2_pr_merged),
    ("S3", s3_pr_closed_unmerged),
    ("S4", s4_remediation_developer),
    ("S5", s5_affected_versions),
    ("S7", s7_title),
    ("S8", s8_cwe_severity),
    ("S9", s9_reporter_credit),
    ("S10", s10_scanner_credit),
    ("S16", s16_reviewer),
    ("S11", s11_assignee),
    ("S12", s12_milestone),
    ("S14", s14_labels),
    ("S18", s18_rc_voting),
    ("S13", s13_board),
    ("S19", s19_drafts_gone),
    ("S2-gate", g84_fill_fields),
    ("hand-off", g85_handoff),
    ("S21-ack", s21_ack_overdue),
    ("S21-overdue", s21_overdue),
    ("S21-grace", s21_grace),
    ("S21-distributor", s21_distributor_notify),
    ("S21-stall", s21_stall),
    ("S21-cve-org", s21_cve_published),
    ("S17", s17_cve_json),
)
NOTES: tuple[Notes, ...] = (
    s5_notes,
    handoff_notes,
    s15_notes,
    s16_notes,
    stall_notes,
    cve_org_notes,
    window_notes,
    distributor_notes,
    rm_notes,
)


def run_rules(facts: TrackerFacts, ctx: SyncContext) -> list[SyncItem]:
    items = [item for _, rule in RULES if (item := rule(facts, ctx)) is not None]
    question = s20_credit_question(facts, ctx, items)
    return [*items, question] if question is not None else items


def run_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    return [note for notes in NOTES for note in notes(facts, ctx)]
