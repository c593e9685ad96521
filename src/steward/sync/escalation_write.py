"""Write the §8.9 escalation drafts of one phase to the DraftSink and record them (the I/O half of S21 stall).

Each draft's `X-Steward-Key` is keyed by (tracker, phase and audience, clock start), so a re-run after a crash
finds the drafts already in the sink instead of writing them again (§9.3). Nothing is posted or sent: the
phase-2 tracker skeleton is a draft without recipients, for a human to edit and paste.
"""

from __future__ import annotations

from steward.app import App
from steward.comms.drafts import KEY_HEADER, Draft, steward_key
from steward.comms.escalation import EscalationDraft
from steward.services.reporter_drafts import draft_sink
from steward.store import Transaction
from steward.sync.items import EscalationPlan

REPORTER_AUDIENCES = frozenset({"reporter", "forwarder"})


def template_of(plan: EscalationPlan, draft: EscalationDraft) -> str:
    return f"stall-phase{plan.phase}-{draft.audience}"


def event_key(slug: str, number: int, plan: EscalationPlan, draft: EscalationDraft) -> str:
    return f"{slug}#{number}|{template_of(plan, draft)}|{plan.target}"


def draft_of(secret: bytes, slug: str, number: int, plan: EscalationPlan, draft: EscalationDraft) -> Draft:
    key = steward_key(secret, event_key(slug, number, plan, draft))
    return Draft(
        key=key,
        to=draft.to,
        cc=draft.cc,
        subject=draft.subject,
        in_reply_to=draft.in_reply_to,
        references=draft.references,
        body=draft.body,
        headers=((KEY_HEADER, key),),
    )


def write_escalation(app: App, tx: Transaction, number: int, plan: EscalationPlan) -> tuple[list[str], str | None]:
    """Rollup lines naming each draft, and the key of the reporter's (or forwarder's) draft, if one was written."""
    secret = tx.get_secret()
    sink = draft_sink(app)
    lines: list[str] = []
    outward: str | None = None
    for wanted in plan.drafts:
        draft = draft_of(secret, app.slug, number, plan, wanted)
        sink_id = sink.put(draft)
        template = template_of(plan, wanted)
        tx.put_draft(draft.key, template=template, tracker=number, sink_id=sink_id, state="written")
        tx.audit(number, f"{number}:draft:{template}:{plan.target}", None, {"key": draft.key, "sink_id": sink_id})
        where = f"to {', '.join(wanted.to)}" if wanted.to else "tracker comment, to edit and paste"
        lines.append(f"phase-{plan.phase} escalation draft {draft.key} ({wanted.audience}, {where})")
        if wanted.audience in REPORTER_AUDIENCES:
            outward = draft.key
    return lines, outward
