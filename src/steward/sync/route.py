"""Who a tracker's outward mail goes to (§9.1), read from facts alone: the real reporter, the forwarder, or nobody.

`steward.services.reporter_drafts` decides the same at write time from the store; sync needs the answer while
proposing (S20 asks only a direct reporter, §8.9 addresses the reporter or the forwarder), without a transaction.
"""

from __future__ import annotations

from email.utils import formataddr

from steward.comms.drafts import ThreadMessage
from steward.comms.escalation import Counterpart, ThreadFacts
from steward.domain.roles import Field
from steward.domain.threads import ThreadRef
from steward.store import MessageRow
from steward.triage.hard_stops import reporter_path

from .context import SyncContext
from .facts import TrackerFacts


def primary_root(facts: TrackerFacts) -> tuple[str | None, str | None]:
    """(root Message-ID, relay adapter) of the primary thread, or (None, None) when §9.1 gives no mail route."""
    path = reporter_path(facts.value(Field.SECURITY_THREAD))
    if path.thread is None or path.kind in ("none", "ask"):
        return None, None
    relay = path.thread.relay if isinstance(path.thread, ThreadRef) else None
    return path.thread.message_id, relay


def _thread(messages: list[MessageRow], root: MessageRow) -> ThreadFacts:
    return ThreadFacts(
        root_subject=root.subject,
        root_from=formataddr((root.from_name or "", root.from_addr or "")),
        messages=tuple(ThreadMessage(m.message_id, m.sent_at) for m in messages),
        root_reply_to=root.reply_to_addr,
    )


def counterpart(facts: TrackerFacts, ctx: SyncContext) -> Counterpart | None:
    """The reporter (direct) or the forwarder contact (verified relay); None without a reporter route."""
    root_id, relay = primary_root(facts)
    if root_id is None:
        return None
    messages = [m for m in facts.messages if m.root_message_id == root_id]
    root = next((m for m in messages if m.message_id == root_id), None)
    if root is None:
        return None
    thread = _thread(messages, root)
    if relay is not None:
        try:
            contacts = ctx.config.forwarders.adapter(relay).contacts()
        except KeyError:
            return None
        return Counterpart("forwarder", contacts[0], relay, thread) if contacts else None
    if any(m.relay for m in messages) or not root.from_addr:
        return None  # an unverified relay has no reporter route (§9.1)
    team = {e.casefold() for m in ctx.config.roster.members for e in m.emails}
    if root.from_addr.casefold() in team:
        return None
    return Counterpart("reporter", root.from_addr, root.from_name, thread)


def is_direct(facts: TrackerFacts, ctx: SyncContext) -> bool:
    found = counterpart(facts, ctx)
    return found is not None and found.kind == "reporter"
