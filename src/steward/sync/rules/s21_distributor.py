"""§8.10 `distributor_notify_pending`: one pre-announcement draft to `disclosure.distributor_list`, written once.

Pending means `pre_announce_distributors`, a landed fix (`pr merged` or `fix released`) and no `announced`. The
draft names received + window + grace as the disclosure date. It is recorded twice over, by the store's draft
record (template `distributor-notify`) and by the rollup line apply writes; either one means it was written, so
a later run (or a changed deadline) never proposes a second one. An empty distributor list is a note, not a guess.
"""

from __future__ import annotations

from steward.comms.drafts import DEMO_LINE
from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.distributor_draft import TEMPLATE, DistributorDraft, distributor_draft
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.rules.s21_disclosure import flags
from steward.sync.scope import scope_of

ROLLUP_LINE = "distributor pre-announcement draft"


def rollup_line(key: str, draft: DistributorDraft) -> str:
    """What apply writes to the rollup; it starts with ROLLUP_LINE, which is what marks the draft as written."""
    return f"{ROLLUP_LINE} {key} written to {', '.join(draft.to)} (disclosure by {draft.deadline.isoformat()})"


def distributor_recorded(facts: TrackerFacts) -> bool:
    if TEMPLATE in facts.draft_templates:
        return True
    return any(ROLLUP_LINE in text for entry in facts.rollup for text in (entry.headline, *entry.items))


def _pending(facts: TrackerFacts, ctx: SyncContext) -> bool:
    return not facts.life.closed and flags(facts, ctx).distributor_notify_pending and not distributor_recorded(facts)


def build(facts: TrackerFacts, ctx: SyncContext) -> DistributorDraft:
    config = ctx.config
    return distributor_draft(
        config.disclosure.distributor_list,
        scope_of(facts.row.labels, ctx).package_name or config.product.name,
        flags(facts, ctx).deadline,
        (ctx.labels.tlp_labels(facts.row.labels) or [ctx.default_tlp])[0],
        facts.cve_id,
        facts.value(Field.AFFECTED_VERSIONS),
        facts.value(Field.SEVERITY),
        demo_line=DEMO_LINE if config.project_kind == "demo" else None,
    )


def s21_distributor_notify(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    if not ctx.config.disclosure.distributor_list or not _pending(facts, ctx):
        return None
    draft = build(facts, ctx)
    return SyncItem(
        facts.number,
        "S21",
        item_key(facts.number, "S21", f"distributor:{draft.deadline.isoformat()}"),
        f"fix landed, not announced: draft the distributor pre-announcement (disclosure by "
        f"{draft.deadline.isoformat()}) to {', '.join(draft.to)}",
        False,
        Change(distributor=draft),
    )


def distributor_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    if ctx.config.disclosure.distributor_list or not _pending(facts, ctx):
        return []
    return [
        "distributors are to be pre-announced (disclosure.pre_announce_distributors) but "
        "disclosure.distributor_list is empty; add the list's address to the project config"
    ]
