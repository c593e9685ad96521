"""The demo's triage chapter: one report accepted with quorum, one invalidated with its reporter draft, one merge.

It drives the same services the `steward triage` and `steward dedupe` commands
use, so the demo shows real proposals, 👍 concurrence, drafts and rollups.
Every name, address and report here is fictional.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from steward.app import App
from steward.domain.roles import Field, Role
from steward.services.dedupe import dedupe
from steward.services.trackers import new_tracker
from steward.services.triage_decide import DecisionRequest, concur, decide, propose
from steward.triage.quorum import Decision

FICTIONAL = "FICTIONAL DEMO DATA — not a real project or vulnerability."
MAIL = "mail.example.net"


@dataclass(frozen=True)
class TriageStory:
    valid: int
    invalid: int
    kept: int
    dropped: int


def _peer(app: App) -> App:
    """The same run as another triager of the demo roster, for a concurrence that counts."""
    others = [m.handle for m in app.config.roster.members if m.handle != app.identity and Role.TRIAGER in m.roles]
    if not others:
        return app
    return replace(app, identity=others[0])


def _reported(app: App, key: str, title: str, text: str, reporter: tuple[str, str]) -> int:
    """A needs-triage tracker with a two-message inbound thread whose routing facts are stored."""
    root = f"<demo-{key}@{MAIL}>"
    values = {
        Field.ISSUE_DESCRIPTION: f"{FICTIONAL}\n\n{text}",
        Field.SECURITY_THREAD: f"Root Message-ID: `{root}`",
        Field.REPORTER_CREDIT: reporter[0],
    }
    number = new_tracker(app, title, values, "demo").tracker.number
    sent = app.now() - timedelta(days=3)
    with app.store.transaction(app.slug, actor=app.identity, command="demo mail") as tx:
        tx.add_thread_ref(number, root)
        for index, message_id in enumerate((root, f"<demo-{key}-2@{MAIL}>")):
            tx.record_message(
                message_id,
                root_message_id=root,
                subject=("Re: " if index else "") + f"Security report: {title}",
                from_name=reporter[0],
                from_addr=reporter[1],
                sent_at=sent + timedelta(hours=index),
            )
    return number


def _proposed(app: App, number: int, cls: str, summary: str) -> None:
    propose(app, number, cls, f"{FICTIONAL}\n{summary}\nSeverity guess: medium\n")
    concur(_peer(app), number)


def play_triage(app: App) -> TriageStory:
    """Propose → concur → valid; an invalidation with its draft; a dedupe merge. Returns the tracker numbers."""
    scope = sorted(app.labels.scopes)[0]
    valid = _reported(
        app,
        "filter",
        "Sandbox escape through the attribute filter",
        "A template can reach interpreter internals through a chained attribute lookup.",
        ("Ada Example", f"ada@{MAIL}"),
    )
    _proposed(app, valid, "VALID", "The attribute filter misses dunder lookups in chained expressions.")
    decide(app, valid, DecisionRequest(Decision.VALID, scope=scope), apply=True)

    invalid = _reported(
        app,
        "banner",
        "Version banner visible in rendered error pages",
        "Error pages show the library version.",
        ("Bo Example", f"bo@{MAIL}"),
    )
    _proposed(app, invalid, "INVALID", "The version is public information; the security model excludes it.")
    canned = "negative-assessment" if app.config.product.security_model_url else "automated-scanning-results"
    reason = "The library version is public, so showing it crosses no trust boundary."
    decide(app, invalid, DecisionRequest(Decision.INVALID, reason=reason, canned=canned), apply=True)

    kept = _reported(
        app,
        "cache-a",
        "Bytecode cache shared between tenants",
        "Two tenants sharing a cache directory can read each other's compiled templates.",
        ("Cy Example", f"cy@{MAIL}"),
    )
    dropped = _reported(
        app,
        "cache-b",
        "Compiled templates leak across tenants via the cache",
        "The cache key ignores the tenant, so compiled templates are reused across tenants.",
        ("Di Example", f"di@{MAIL}"),
    )
    dedupe(app, kept, dropped, apply=True, reason="Both come from the tenant-blind cache key.")
    return TriageStory(valid, invalid, kept, dropped)
