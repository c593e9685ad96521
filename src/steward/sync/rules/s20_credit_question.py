"""S20: the §9.4 credit question was never asked, the reporter is direct and the tracker is valid ⇒ fold the
question into the next reporter draft.

"Next" is this run's: the item exists only beside another item that drafts to the reporter, so a run without
a reporter event proposes nothing and the question waits (G4). Asked means: a receipt was drafted (its text
asks), the question was folded before (the rollup line apply writes), a roster statement quotes the
question (`drafts.credit_question_phrases`, sent mail pasted), or the reporter already said how to credit.
"""

from __future__ import annotations

from collections.abc import Sequence

from steward.comms.drafts import credit_question_asked
from steward.domain.lifecycle import State
from steward.sync.comments import roster_statements
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.route import is_direct
from steward.sync.rules.s09_reporter_credit import reporter_reply_credit

RULE = "S20"
RECEIPT = "receipt-of-confirmation"
FOLDED = "credit question (§9.4) folded into draft"
VALID = frozenset({State.ASSESSED, State.CVE_ALLOCATED, State.PR_CREATED, State.PR_MERGED, State.FIX_RELEASED})


def folded_line(key: str) -> str:
    return f"{FOLDED} {key}"


def question_asked(facts: TrackerFacts, ctx: SyncContext) -> bool:
    if RECEIPT in facts.draft_templates:
        return True
    if any(FOLDED in text for entry in facts.rollup for text in entry.items):
        return True
    return credit_question_asked([c.body for c in roster_statements(facts.comments, ctx)])


def s20_credit_question(facts: TrackerFacts, ctx: SyncContext, items: Sequence[SyncItem]) -> SyncItem | None:
    drafts = [i.change.draft for i in items if i.change.draft]
    if not drafts or facts.life.closed or facts.state not in VALID:
        return None
    if question_asked(facts, ctx) or reporter_reply_credit(facts, ctx) is not None or not is_direct(facts, ctx):
        return None
    return SyncItem(
        facts.number,
        RULE,
        item_key(facts.number, RULE, "credit-question"),
        f"credit question never asked: fold it into the {drafts[-1]} draft (§9.4)",
        False,
        Change(ask_credit=True),
    )
