"""Who an import draft goes to and what it says (spec §9.1, §9.3, §5.8): direct, via a forwarder, or none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.utils import formataddr

from steward.app import App
from steward.comms.drafts import (
    BuiltDraft,
    DraftEvent,
    Route,
    ThreadFacts,
    ThreadMessage,
    build_draft,
    is_relayed,
)
from steward.comms.drafts import TrackerFacts as DraftFacts
from steward.domain.rollup import (
    notification_no_reporter,
    notification_not_relayed,
    notification_reporter_on_team,
)
from steward.intake.relays import adapters_for
from steward.services.import_items import (
    PUBLIC_FIX_TEMPLATE,
    Proposed,
)
from steward.services.reporter_drafts import canned_dir


def _values(item: Proposed, template: str, *, urls: Sequence[str] = ()) -> dict[str, str]:
    if template == PUBLIC_FIX_TEMPLATE:
        listed = "\n".join(urls) or "the public pull request you linked"
        return {"QUESTIONS": f"Could you check whether this public change already addresses your report?\n{listed}"}
    return {}


def _directroute_for(app: App, item: Proposed) -> Route | str:
    emails = {e.casefold() for m in app.config.roster.members for e in m.emails}
    address = (item.root.from_addr or "").casefold()
    if address and address in emails:
        return notification_reporter_on_team()
    domain = address.rpartition("@")[2].rstrip(".")
    if not domain or domain == "invalid" or domain.endswith(".invalid"):
        # Inbound mail from an address that cannot receive mail is one item without a route, not a config error.
        return notification_no_reporter("the root message's From: address cannot receive mail")
    return Route("direct")


def route_for(app: App, item: Proposed, template: str, trusted: bool) -> Route | str:
    """The §9.1 route, or the rollup line that says why there is no draft."""
    relay = item.candidate.relay
    if relay is None:
        return _directroute_for(app, item)
    if not (item.candidate.verified_relay or trusted):
        return notification_no_reporter("unverified relay")
    if not is_relayed(template, ack_forwarder=app.config.forwarders.adapter(relay).ack_forwarder):
        return notification_not_relayed(template)
    return Route("via-forwarder", relay)


def _relay_block(app: App, item: Proposed, credit: str | None) -> Callable[[str], str] | None:
    relay = item.candidate.relay
    if relay is None:
        return None
    adapter = next((a for a in adapters_for(app.config, app.patterns) if a.name == relay), None)
    if adapter is None:
        return None
    fallback = app.config.comms.reporter_name_fallback
    forwarder = ((item.root.from_name or "").split() or [fallback])[0]
    reporter = ((credit or "").split() or [fallback])[0]

    def block(text: str) -> str:
        return adapter.reporter_addressing_block(forwarder, reporter, [], text)

    return block


def build_import_draft(
    app: App,
    secret: bytes,
    item: Proposed,
    template: str,
    route: Route,
    *,
    title: str,
    credit: str | None,
    additions: Sequence[str] = (),
) -> BuiltDraft:
    messages = tuple(ThreadMessage(m.message_id, m.sent_at) for m in item.mails)
    facts = DraftFacts(
        tlp=app.config.disclosure.default_tlp,
        thread=ThreadFacts(
            root_subject=item.root.subject,
            root_from=formataddr((item.root.from_name or "", item.root.from_addr or "")),
            messages=messages,
            root_reply_to=item.root.reply_to_addr,
        ),
        reporter_name=credit if route.mode == "via-forwarder" else None,
        reporter_encrypted=item.root.encrypted,
        title=title,
    )
    event = DraftEvent(f"{app.slug}#import", template, item.key, _values(item, template, urls=item.public_fix_urls))
    return build_draft(
        event,
        facts,
        config=app.config,
        secret=secret,
        route_=route,
        canned_dir=canned_dir(app),
        additions=additions,
        relay_block=_relay_block(app, item, credit) if route.mode == "via-forwarder" else None,
    )
