"""Write the §8.10 distributor pre-announcement draft to the DraftSink and record it (the I/O half of the rule).

Its `X-Steward-Key` is keyed by (tracker, template, deadline), so a re-run after a crash finds the draft already in
the sink instead of writing it again (§9.3). Nothing is sent: the draft is unthreaded, addressed to
`disclosure.distributor_list`, and starts `DRAFT — DO NOT SEND UNEDITED` for a human to edit.
"""

from __future__ import annotations

from steward.app import App
from steward.comms.drafts import KEY_HEADER, Draft, steward_key
from steward.services.reporter_drafts import draft_sink
from steward.store import Transaction
from steward.sync.distributor_draft import TEMPLATE, DistributorDraft
from steward.sync.rules.s21_distributor import rollup_line


def event_key(slug: str, number: int, wanted: DistributorDraft) -> str:
    return f"{slug}#{number}|{TEMPLATE}|{wanted.deadline.isoformat()}"


def draft_of(secret: bytes, slug: str, number: int, wanted: DistributorDraft) -> Draft:
    key = steward_key(secret, event_key(slug, number, wanted))
    return Draft(
        key=key,
        to=wanted.to,
        cc=(),
        subject=wanted.subject,
        in_reply_to=None,
        references=(),
        body=wanted.body,
        headers=((KEY_HEADER, key),),
    )


def write_distributor(app: App, tx: Transaction, number: int, wanted: DistributorDraft) -> str:
    """Put the draft in the sink, record and audit it; returns the rollup line that marks it as written."""
    draft = draft_of(tx.get_secret(), app.slug, number, wanted)
    sink_id = draft_sink(app).put(draft)
    tx.put_draft(draft.key, template=TEMPLATE, tracker=number, sink_id=sink_id, state="written")
    target = f"{number}:draft:{TEMPLATE}:{wanted.deadline.isoformat()}"
    tx.audit(number, target, None, {"key": draft.key, "sink_id": sink_id})
    return rollup_line(draft.key, wanted)
