"""Reply drafts to reporters and forwarders (spec §9.1-9.5, §11.2, §11.7).

A draft is a value: everything it says is decided here from the event, the tracker's facts and the configuration, and
every confidentiality rule is checked before the draft can reach a sink. steward never sends mail; a human reviews the
draft in the drafts folder and sends it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from steward.comms.canned import SLUGS, inline_addition, render
from steward.config.model import ProjectConfig
from steward.domain.roles import TLP_LABELS
from steward.errors import Refused, UsageError
from steward.intake.display import safe_terminal
from steward.patterns import fixed

DEMO_LINE = "FICTIONAL DEMO DATA — not a real project or vulnerability."
NEEDS_RETHREADING = "needs re-threading"
KEY_HEADER = "X-Steward-Key"
RETHREAD_HEADER = "X-Steward-Needs-Rethreading"
CVE_RECORD_URL = "https://www.cve.org/CVERecord"
CLEAR = "TLP:CLEAR"

CREDIT_QUESTION = (
    "How would you like to be credited if this leads to an advisory? Send the name (and, if applicable, affiliation) "
    "to use, or tell us if you prefer to remain anonymous."
)
"""The §9.4 question folded into a relayed milestone (the receipt text already asks it)."""

RELAYED = frozenset(
    {
        "report-accepted",
        "negative-assessment",
        "automated-scanning-results",
        "consolidated-multi-issue-report",
        "media-request",
        "beg-bounty",
        "duplicate-report",
        "cve-allocated",
        "release-shipped-advisory-sent",
        "additional-information-requested",
    }
)
"""§9.2: templates a via-forwarder tracker relays; the receipt only with `ack_forwarder`, the rest are suppressed."""

_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?)\s*(?:\[\d+\]|\(\d+\))?\s*:)+", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>()\"']+", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[[^\]\n]*\]\(\s*[^)\s]+\s*\)")
_SHORT_REF = re.compile(r"(?<![\w/.-])[\w.-]+/[\w.-]+#\d+\b")
_UNFILLED = re.compile(r"\{\{\s*[^{}]*?\s*\}\}|\{%|%\}")


@dataclass(frozen=True)
class Draft:
    """A finished draft; `headers` holds every header beyond the addressing ones, `X-Steward-Key` included."""

    key: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    body: str
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def needs_rethreading(self) -> bool:
        """No thread facts were known when it was written (§9.3)."""
        return self.in_reply_to is None


@dataclass(frozen=True)
class BuiltDraft:
    draft: Draft
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftEvent:
    """One §9.2 event: its event key is `tracker|template|target`; `values` fill the template's placeholders."""

    tracker: str
    template: str
    target: str
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def event_key(self) -> str:
        return f"{self.tracker}|{self.template}|{self.target}"


@dataclass(frozen=True)
class ThreadMessage:
    message_id: str
    sent_at: datetime | None = None


@dataclass(frozen=True)
class ThreadFacts:
    """What the mail source knows about the inbound thread: the root's subject and sender, and every message."""

    root_subject: str
    root_from: str
    messages: tuple[ThreadMessage, ...]
    root_reply_to: str | None = None


@dataclass(frozen=True)
class Route:
    """§9.1: `direct`, `via-forwarder` (with the adapter name) or `none` (with the rollup line saying why)."""

    mode: Literal["direct", "via-forwarder", "none"]
    forwarder: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TrackerFacts:
    """The tracker state a draft depends on; `title` is the subject's stand-in while no thread is known."""

    tlp: str
    thread: ThreadFacts | None = None
    reporter_name: str | None = None
    reporter_address: str | None = None
    reporter_encrypted: bool = False
    reporter_fingerprint: str | None = None
    cve_published: bool = False
    tracker_url: str | None = None
    title: str | None = None


# ---------------------------------------------------------------- routing (§9.1, §9.2)


def route(
    *,
    origin: Literal["mail", "pr", "md", "scan"] = "mail",
    relay: str | None = None,
    relay_verified: bool = False,
    routing_marker: str | None = None,
    ghsa_without_reply: bool = False,
    reporter_on_roster: bool = False,
) -> Route:
    """The routing mode of a tracker; `routing_marker` is the adapter named by a roster member's §2.6 marker."""
    if origin != "mail":
        return Route("none", note=f"No reporter notification: no reporter on this path (imported from {origin}).")
    if routing_marker is not None:
        return Route("via-forwarder", routing_marker)
    if ghsa_without_reply:
        return Route("via-forwarder", "ghsa")
    if relay is not None:
        if relay_verified:
            return Route("via-forwarder", relay)
        return Route("none", note="No reporter notification: no reporter on this path (unverified relay).")
    if reporter_on_roster:
        return Route("none", note="No reporter notification: the reporter is on the roster.")
    return Route("direct")


def is_relayed(template: str, *, ack_forwarder: bool = False) -> bool:
    """Whether a via-forwarder tracker gets a draft for this template (§9.2)."""
    if template == "receipt-of-confirmation":
        return ack_forwarder
    return template in RELAYED


def not_relayed_line(template: str) -> str:
    """The rollup line of a suppressed relay event (wording: steward decision)."""
    return f"Not relayed to the forwarder: {template} (suppressed for via-forwarder reports, §9.2)."


def merge_events(events: Sequence[DraftEvent]) -> DraftEvent:
    """Events of one apply on one tracker as one draft: the most advanced template, with every event's values."""
    if not events:
        raise UsageError("merge_events needs at least one event.")
    if len({e.tracker for e in events}) != 1:
        raise UsageError("merge_events only merges events of one tracker.")
    unknown = [e.template for e in events if e.template not in SLUGS]
    if unknown:
        raise UsageError(f"{unknown[0]!r} is not a canned-response slug; events name their template by slug.")

    def rank(event: DraftEvent) -> int:
        # §9.7 numbers the lifecycle templates in the order a report advances through them.
        return SLUGS.index(event.template)

    best = max(events, key=rank)
    values: dict[str, str] = {}
    for event in sorted(events, key=rank):
        values.update(event.values)
    return DraftEvent(best.tracker, best.template, best.target, values)


# ---------------------------------------------------------------- header values and threading (§9.3)


def header_value(text: str) -> str:
    """A header-safe single line: controls removed, CR, LF and every whitespace run folded to one space."""
    return _WHITESPACE.sub(" ", safe_terminal(_WHITESPACE.sub(" ", text))).strip()


def clean_subject(subject: str) -> str:
    """The root subject without its leading `Re:` / `Fwd:` chain (as header-safe text)."""
    text = header_value(subject)
    while True:
        stripped = _PREFIX.sub("", text).strip()
        if stripped == text:
            return text
        text = stripped


def reply_subject(root_subject: str) -> str:
    cleaned = clean_subject(root_subject)
    return f"Re: {cleaned}" if cleaned else "Re: (no subject)"


def _message_id(raw: str) -> str:
    bare = header_value(raw).strip("<>").strip()
    if not bare or any(c in bare for c in " <>"):
        raise UsageError(f"{raw!r} is not a Message-ID; thread facts must name each message as <id@host>.")
    return f"<{bare}>"


def thread_chain(messages: Sequence[ThreadMessage]) -> tuple[str, ...]:
    """Message-IDs oldest first (undated messages keep their place after dated ones of equal order), deduplicated."""
    indexed = list(enumerate(messages))
    dated = sorted((m.sent_at.timestamp(), i) for i, m in indexed if m.sent_at is not None)
    order = [i for _, i in dated] + [i for i, m in indexed if m.sent_at is None]
    chain: list[str] = []
    for i in order:
        mid = _message_id(messages[i].message_id)
        if mid not in chain:
            chain.append(mid)
    return tuple(chain)


def steward_key(secret: bytes, event_key: str) -> str:
    """`X-Steward-Key`: the first 32 hex digits of HMAC-SHA256(project secret, event key)."""
    if not secret:
        raise UsageError("The project secret is empty; run `steward init` to create it in the store.")
    return hmac.new(secret, event_key.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


# ---------------------------------------------------------------- writing rules (§9.5, §10.1)


def _matches_forbidden(url: str, forbidden: str) -> bool:
    if "://" in forbidden:
        return url.casefold().startswith(forbidden.casefold())
    host = (urlsplit(url).hostname or "").casefold()
    return host == forbidden.casefold().strip(".")


def check_outbound(body: str, forbidden_urls: Sequence[str], *, max_paragraphs: int | None = None) -> list[str]:
    """Every writing-rule violation in a draft body; `forbidden_urls` are URL prefixes or bare hosts."""
    problems: list[str] = []
    unfilled = _UNFILLED.search(body)
    if unfilled:
        problems.append(f"the body still holds template syntax {unfilled.group(0)!r}; fill or remove the placeholder")
    for url in _URL.findall(body):
        problems.extend(
            f"the body contains {url!r}, which must not appear in reporter mail ({item})"
            for item in forbidden_urls
            if item and _matches_forbidden(url, item)
        )
    if _MARKDOWN_LINK.search(body):
        problems.append("the body contains a markdown link; write artifact URLs as full bare URLs")
    without_urls = _URL.sub(" ", body)
    short = _SHORT_REF.search(without_urls)
    if short:
        problems.append(f"the body contains the shorthand {short.group(0)!r}; write the full URL instead")
    if max_paragraphs is not None:
        paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
        if len(paragraphs) > max_paragraphs:
            problems.append(f"the body has {len(paragraphs)} paragraphs; status drafts have at most {max_paragraphs}")
    return problems


def _template_prefix(template: str | None) -> str | None:
    if not template:
        return None
    return template.split("{cve_id}", 1)[0] or None


def forbidden_urls(config: ProjectConfig, facts: TrackerFacts) -> list[str]:
    """The URLs reporter mail never holds: the CNA tool's, the tracker's (without reporter access), cve.org early."""
    authority = config.cve_authority
    items: list[str] = []
    for url in (authority.allocate_url, authority.vulnogram.base_url):
        if url:
            items.append(url)
            host = urlsplit(url).hostname
            if host:
                items.append(host)
    for template in (
        authority.record_url_template,
        authority.source_tab_url_template,
        authority.email_preview_url_template,
    ):
        prefix = _template_prefix(template)
        if prefix:
            items.append(prefix)
    if not config.tracker.reporter_has_access:
        items.extend(url for url in (tracker_base_url(config), facts.tracker_url) if url)
    if not facts.cve_published:
        items.append(CVE_RECORD_URL)
    return items


def tracker_base_url(config: ProjectConfig) -> str:
    """`tracker.base_url`, else the platform default of §13."""
    if config.tracker.base_url:
        return config.tracker.base_url
    if config.tracker.platform == "github" and config.tracker.repo:
        return f"https://github.com/{config.tracker.repo}/issues/"
    return "http://127.0.0.1:8000/trackers/"


def tracker_host(config: ProjectConfig) -> str:
    """Where the cleartext of a decrypted report lives, as the §11.7 receipt sentence names it."""
    if config.tracker.platform == "github":
        return urlsplit(tracker_base_url(config)).hostname or "the code host"
    return "the team's own server"


# ---------------------------------------------------------------- recipients (§9.3, §11.2, §13.3)


def _addr(raw: str) -> str:
    return parseaddr(header_value(raw))[1]


def _is_placeholder(address: str) -> bool:
    domain = address.rpartition("@")[2].casefold().rstrip(".")
    return domain == "invalid" or domain.endswith(".invalid")


def _require_real(address: str, key: str | None, what: str) -> None:
    """§13.3: a `.invalid` address is a placeholder `init` wrote; refuse and name the key to fill in."""
    if not _is_placeholder(address):
        return
    if key is not None:
        raise Refused(
            f"The draft would go to the placeholder address {address} from `{key}`; "
            f"set `{key}` to a real address in .steward/project.yml."
        )
    raise Refused(f"The draft would go to the placeholder address {address} ({what}); no draft was written.")


def public_lists(config: ProjectConfig) -> frozenset[str]:
    return frozenset(
        a.casefold() for a in (*config.archive_system.announcement_lists, *config.disclosure.extra_announce_lists)
    )


def check_recipients(
    config: ProjectConfig,
    recipients: Sequence[str],
    tlp: str,
    *,
    advisory_after_release: bool = False,
) -> None:
    """§11.2: a public list only receives a TLP:CLEAR draft, or the advisory once the release is confirmed."""
    public = public_lists(config)
    listed = [r for r in recipients if r.casefold() in public]
    if listed and tlp != CLEAR and not advisory_after_release:
        raise Refused(
            f"The draft is addressed to the public list {listed[0]} but the tracker is {tlp}; "
            "only TLP:CLEAR drafts (or the advisory after `fix released`) may go to a public list."
        )


def _forwarder_address(config: ProjectConfig, name: str) -> str:
    key = f"forwarders.{name.replace('-', '_')}.contact"
    try:
        contacts = config.forwarders.adapter(name).contacts()
    except KeyError:
        raise UsageError(
            f"{name!r} is not a forwarder adapter; use one of asf-security, huntr, hackerone, ghsa."
        ) from None
    if not contacts:
        raise Refused(f"The relay draft has no recipient because `{key}` is not set; set it in .steward/project.yml.")
    contact = contacts[0]
    if "@" not in contact:
        member = config.roster.member(contact)
        if member is None or not member.emails:
            raise Refused(
                f"`{key}` names {contact!r}, which is not a roster member with an e-mail; "
                "give an address or add the member's emails."
            )
        contact = member.emails[0]
    address = _addr(contact)
    if not address:
        raise Refused(f"`{key}` holds {contact!r}, which is not an e-mail address; fix it in .steward/project.yml.")
    _require_real(address, key, "the forwarder contact")
    return address


# ---------------------------------------------------------------- the draft


def _reporter_name(config: ProjectConfig, facts: TrackerFacts, route_: Route) -> str:
    if facts.reporter_name:
        return facts.reporter_name
    if route_.mode == "direct" and facts.thread is not None:
        display = parseaddr(header_value(facts.thread.root_from))[0].strip()
        if display:
            return display
    return config.comms.reporter_name_fallback


def _marker_lines(config: ProjectConfig, facts: TrackerFacts, tlp: str) -> list[str]:
    lines = [DEMO_LINE] if config.project_kind == "demo" else []
    lines.append(tlp)
    if facts.reporter_encrypted:
        fingerprint = header_value(facts.reporter_fingerprint or "")
        lines.append(
            f"ENCRYPT BEFORE SENDING — reporter key {fingerprint}"
            if fingerprint
            else "ENCRYPT BEFORE SENDING — reporter key fingerprint unknown"
        )
    return lines


def credit_question_asked(sent_bodies: Sequence[str]) -> bool:
    """§9.4: a prior ask is a `drafts.credit_question_phrases` hit in sent mail."""
    entry = fixed()["drafts.credit_question_phrases"]
    return any(entry.hit(body) is not None for body in sent_bodies)


def consolidated_addition(titles: Sequence[str]) -> str:
    """§5.13: the receipt of several trackers from one thread lists every one of them."""
    lines = [f"We are tracking your message as {len(titles)} separate reports:"]
    lines.extend(f"- {header_value(title)}" for title in titles)
    return "\n".join(lines)


def build_draft(
    event: DraftEvent,
    facts: TrackerFacts,
    *,
    config: ProjectConfig,
    secret: bytes,
    route_: Route,
    canned_dir: Path | None = None,
    additions: Sequence[str] = (),
    ask_credit: bool = False,
    extra_recipients: Sequence[str] = (),
    advisory_after_release: bool = False,
    relay_block: Callable[[str], str] | None = None,
    sender: str | None = None,
) -> BuiltDraft:
    """The draft for one event, or Refused/UsageError before anything is written.

    `ask_credit` folds the §9.4 question into a non-receipt draft; `relay_block` is the forwarder adapter's
    `reporter_addressing_block` bound to its names and links (§5.8), applied to the rendered text of relay drafts.
    """
    if route_.mode == "none":
        raise Refused(route_.note or "No reporter notification: this tracker has no reporter route (§9.1).")
    if facts.tlp not in TLP_LABELS:
        raise UsageError(f"{facts.tlp!r} is not a TLP label; use one of {', '.join(TLP_LABELS)}.")
    tlp = CLEAR if advisory_after_release else facts.tlp
    warnings: list[str] = []

    security_list = _addr(config.security_inbox.address)
    if not security_list:
        raise Refused("`security_inbox.address` is not an e-mail address; set it in .steward/project.yml.")
    _require_real(security_list, "security_inbox.address", "the security list")

    if route_.mode == "via-forwarder":
        to = _forwarder_address(config, route_.forwarder or "")
    else:
        raw_from = facts.reporter_address or (facts.thread.root_from if facts.thread else "")
        to = _addr(raw_from)
        if not to or "@" not in to:
            raise Refused(
                "The draft has no reporter address: the root message's From: holds none; no draft was written."
            )
        _require_real(to, None, "the root message's From: address")
        if facts.thread is not None and facts.thread.root_reply_to:
            reply_to = [a for _, a in getaddresses([header_value(facts.thread.root_reply_to)]) if a]
            if any(a.casefold() != to.casefold() for a in reply_to):
                warnings.append(
                    f"The root message's Reply-To ({', '.join(reply_to)}) differs from its From ({to}); "
                    "the draft goes to From and Reply-To is never used."
                )

    cc = [security_list]
    for extra in extra_recipients:
        address = _addr(extra)
        if not address:
            raise UsageError(f"{extra!r} is not an e-mail address.")
        _require_real(address, None, "an extra recipient")
        if address.casefold() not in {c.casefold() for c in (to, *cc)}:
            cc.append(address)
    check_recipients(config, [to, *cc], tlp, advisory_after_release=advisory_after_release)

    values = dict(event.values)
    values.setdefault("REPORTER_NAME", _reporter_name(config, facts, route_))
    extra_blocks = list(additions)
    if event.template == "receipt-of-confirmation" and facts.reporter_encrypted:
        extra_blocks.append(
            "Your report was decrypted on arrival, and the team keeps the cleartext in its private tracker on "
            f"{tracker_host(config)}."
        )
    if ask_credit and event.template != "receipt-of-confirmation":
        extra_blocks.append(CREDIT_QUESTION)
    text = render(event.template, config, values, canned_dir=canned_dir, additions=extra_blocks)
    if route_.mode == "via-forwarder" and relay_block is not None:
        text = relay_block(text).strip("\n") + "\n"
    body = "\n".join(_marker_lines(config, facts, tlp)) + "\n\n" + text

    if event.template == "cve-published":
        facts = replace(facts, cve_published=True)
    problems = check_outbound(body, forbidden_urls(config, facts))
    if problems:
        raise Refused(
            f"The {event.template} draft for {event.tracker} breaks the writing rules: {'; '.join(problems)}."
        )

    key = steward_key(secret, event.event_key)
    headers: list[tuple[str, str]] = [(KEY_HEADER, key)]
    if sender:
        headers.insert(0, ("From", header_value(sender)))
    if facts.thread is not None and facts.thread.messages:
        chain = thread_chain(facts.thread.messages)
        subject = reply_subject(facts.thread.root_subject)
        in_reply_to: str | None = chain[-1]
    else:
        chain = ()
        subject = reply_subject(facts.thread.root_subject if facts.thread else (facts.title or ""))
        in_reply_to = None
        headers.append((RETHREAD_HEADER, "yes"))
        warnings.append(
            f"The draft is unthreaded ({NEEDS_RETHREADING}): no message of the inbound thread is known yet."
        )
    draft = Draft(
        key=key,
        to=(header_value(to),),
        cc=tuple(header_value(c) for c in cc),
        subject=subject,
        in_reply_to=in_reply_to,
        references=chain,
        body=body,
        headers=tuple(headers),
    )
    return BuiltDraft(draft, tuple(warnings))


__all__ = [
    "CREDIT_QUESTION",
    "DEMO_LINE",
    "KEY_HEADER",
    "NEEDS_RETHREADING",
    "BuiltDraft",
    "Draft",
    "DraftEvent",
    "Route",
    "ThreadFacts",
    "ThreadMessage",
    "TrackerFacts",
    "build_draft",
    "check_outbound",
    "check_recipients",
    "clean_subject",
    "consolidated_addition",
    "credit_question_asked",
    "forbidden_urls",
    "header_value",
    "inline_addition",
    "is_relayed",
    "merge_events",
    "not_relayed_line",
    "reply_subject",
    "route",
    "steward_key",
    "thread_chain",
]
