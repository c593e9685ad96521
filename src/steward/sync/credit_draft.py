"""A sync reporter draft, optionally with the §9.4 credit question folded in (S20).

`steward.services.reporter_drafts.plan_draft` decides route and refusals; when the question is wanted and the
plan goes to the direct reporter, the same event is rebuilt with `build_draft(..., ask_credit=True)`, so the key
(tracker, template, target) is unchanged and a re-run finds the draft in the sink.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formataddr

from steward.app import App
from steward.comms.drafts import DraftEvent, Route, ThreadFacts, ThreadMessage, build_draft
from steward.comms.drafts import TrackerFacts as DraftFacts
from steward.domain.fields import ParsedBody
from steward.domain.rollup import notification_drafted
from steward.services.reporter_drafts import DraftPlan, canned_dir, plan_draft, tracker_url
from steward.store import TrackerRow, Transaction


def plan_sync_draft(  # noqa: PLR0917 - mirrors plan_draft's positional order
    app: App,
    tx: Transaction,
    row: TrackerRow,
    parsed: ParsedBody,
    template: str,
    values: Mapping[str, str],
    *,
    target: str,
    ask_credit: bool = False,
) -> tuple[DraftPlan, bool]:
    """(plan, whether the question is in it); the question goes only to a direct reporter."""
    plan = plan_draft(app, tx, row, parsed, template, values, target=target)
    if not ask_credit or plan.built is None or plan.thread is None:
        return plan, False
    messages = tx.thread_messages(plan.thread)
    root = next((m for m in messages if m.message_id == plan.thread), None)
    if root is None or not root.from_addr or plan.built.draft.to != (root.from_addr,):
        return plan, False  # a forwarder or an unusual route: S20 is for direct reporters only
    facts = DraftFacts(
        tlp=(app.labels.tlp_labels(row.labels) or [app.config.disclosure.default_tlp])[0],
        thread=ThreadFacts(
            root_subject=root.subject,
            root_from=formataddr((root.from_name or "", root.from_addr or "")),
            messages=tuple(ThreadMessage(m.message_id, m.sent_at) for m in messages),
            root_reply_to=root.reply_to_addr,
        ),
        reporter_encrypted=root.encrypted,
        tracker_url=tracker_url(app, row.number),
        title=row.title,
    )
    event = DraftEvent(f"{app.slug}#{row.number}", template, target, dict(values))
    built = build_draft(
        event,
        facts,
        config=app.config,
        secret=tx.get_secret(),
        route_=Route("direct"),
        canned_dir=canned_dir(app),
        ask_credit=True,
    )
    return DraftPlan(template, built, notification_drafted(built.draft.key), plan.thread), True
