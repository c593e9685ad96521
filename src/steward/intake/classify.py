"""Classification of a candidate thread (spec §5.7): ordered rules, first full match wins.

Every rule needs all of its signals; a partial match falls through, and the default is `report`, because a
wrongly rejected vulnerability costs far more than a wrongly opened tracker. Text addressed to automated
tools (`intake.injection_patterns`) is only flagged: no rule reads it, so it cannot steer the outcome.
A relay is not a class; the rules run on its inner body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from steward.config.model import ProjectConfig
from steward.domain.titles import normalise_title
from steward.ids import cves_in_text
from steward.intake.message import ParsedMessage, Unparsable
from steward.intake.relays import RelayAdapter, detect_relay, verify_relay
from steward.intake.signals import KnownTrackers, public_fix_prs
from steward.patterns import PatternSet, norm

Action = Literal["create", "link", "merge", "comment", "reject", "drop"]

CLASSES: tuple[str, ...] = (
    "unparsable",
    "cve-tool-bookkeeping",
    "spam",
    "beg-bounty",
    "cross-thread-followup",
    "fix-already-public",
    "consolidated-multi-issue",
    "automated-scanner",
    "media-request",
    "report-converged",
    "report",
)
"""The §5.7 slugs in rule order."""

CLASS_ACTIONS: Mapping[str, Action] = {
    "unparsable": "drop",
    "cve-tool-bookkeeping": "drop",
    "spam": "drop",
    "beg-bounty": "reject",
    "cross-thread-followup": "comment",
    "fix-already-public": "reject",
    "consolidated-multi-issue": "reject",
    "automated-scanner": "reject",
    "media-request": "reject",
    "report-converged": "create",
    "report": "create",
}

REJECT_TEMPLATES: Mapping[str, str] = {
    "beg-bounty": "beg-bounty",
    "consolidated-multi-issue": "consolidated-multi-issue-report",
    "automated-scanner": "automated-scanning-results",
    "media-request": "media-request",
}
"""Class → canned template of its rejection draft; `fix-already-public` drafts a PR check, no template."""

SCANNER_MIN_LINES = 10
SCANNER_MIN_FILES = 3
CONSOLIDATED_MIN = 3


@dataclass(frozen=True)
class Classification:
    """`signals` names every signal that fired for the winning rule; `reject_check` is the §5.7 reject-class line."""

    cls: str
    action: Action
    template: str | None
    signals: tuple[str, ...]
    text: str
    relay: RelayAdapter | None = None
    verified_relay: bool | None = None
    relay_reason: str | None = None
    injection_flagged: bool = False
    target_tracker: int | None = None
    public_fix_prs: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def relay_name(self) -> str | None:
        return self.relay.name if self.relay else None

    @property
    def reject_check(self) -> str:
        if self.template is not None:
            return f"reject-with-canned {self.template}"
        return "no match"


def _hit(patterns: PatternSet, name: str, text: str) -> bool:
    return patterns[name].hit(text) is not None


def _has_code_pointer(patterns: PatternSet, text: str) -> bool:
    return _hit(patterns, "intake.code_pointers", text)


def _record_prefix(config: ProjectConfig) -> str | None:
    template = config.cve_authority.record_url_template
    if not template:
        return None
    prefix = template.split("{cve_id}", 1)[0]
    return prefix if len(prefix) > len("https://") else None


def _bookkeeping(subject: str, text: str, config: ProjectConfig, patterns: PatternSet) -> list[str]:
    found = patterns["cve_authority.bookkeeping_subject_patterns"].first_item(subject)
    if found is not None:
        return [f"bookkeeping subject ({found[0]})"]
    prefix = _record_prefix(config)
    if prefix and prefix in norm(text):
        return ["links the CVE tool record URL"]
    return []


def _spam(text: str, patterns: PatternSet) -> list[str]:
    if _hit(patterns, "intake.product_mention", text) or _has_code_pointer(patterns, text):
        return []
    signals = [f"{name} hit" for name in ("intake.crypto_address", "intake.spam_phrases") if _hit(patterns, name, text)]
    return ["no product mention or code pointer", *signals] if signals else []


def _beg_bounty(text: str, patterns: PatternSet) -> list[str]:
    topic = patterns["intake.beg_bounty_topics"].hit(text)
    bounty = patterns["intake.bounty_request_phrases"].hit(text)
    if topic is None or bounty is None:
        return []
    if _has_code_pointer(patterns, text) or _hit(patterns, "intake.reproduction_section", text):
        return []
    return [
        f"beg-bounty topic {topic.group(0)!r}",
        f"bounty request {bounty.group(0)!r}",
        "no code pointer",
        "no reproduction section",
    ]


def _tracker_numbers_named(text: str, patterns: PatternSet, config: ProjectConfig) -> set[int]:
    numbers: set[int] = set()
    base = config.tracker.base_url
    for _, match in patterns["scrub.tracker"].hits(text):
        value = match.group(0)
        if "#" in value:
            numbers.add(int(value.rpartition("#")[2]))
        elif base and value.startswith(base):
            tail = re.match(r"(?:issues/|pull/)?([0-9]+)\b", norm(text)[match.end() :])
            if tail:
                numbers.add(int(tail.group(1)))
    return numbers


def _followup(
    subject: str, text: str, trackers: KnownTrackers, patterns: PatternSet, config: ProjectConfig
) -> tuple[list[str], int | None]:
    named = set(cves_in_text(f"{subject}\n{text}"))
    for tracker in trackers:
        if tracker.cve_id and tracker.cve_id.upper() in named:
            return [f"names {tracker.cve_id} of #{tracker.number}"], tracker.number
    numbers = _tracker_numbers_named(f"{subject}\n{text}", patterns, config)
    for tracker in trackers:
        if tracker.number in numbers:
            return [f"names tracker #{tracker.number}"], tracker.number
    if subject.strip():
        title = normalise_title(subject, patterns, config.product.subject_prefix_strip).title.casefold()
        for tracker in trackers:
            if title and title == tracker.title.strip().casefold():
                return [f"normalised subject equals the title of #{tracker.number}"], tracker.number
    return [], None


def _consolidated(text: str, patterns: PatternSet) -> list[str]:
    titles = {m.group("title").strip().casefold() for _, m in patterns["intake.consolidated_line"].hits(text)}
    if len(titles) >= CONSOLIDATED_MIN:
        return [f"{len(titles)} consolidated-line findings with distinct titles"]
    return []


def _scanner(text: str, patterns: PatternSet) -> list[str]:
    if _hit(patterns, "intake.reproduction_section", text):
        return []
    lines = [line for line in text.split("\n") if _hit(patterns, "intake.scanner_finding_line", line)]
    files = {m.group(0).split(":")[0] for line in lines for _, m in patterns["intake.file_reference"].hits(line)}
    if len(lines) >= SCANNER_MIN_LINES and len(files) >= SCANNER_MIN_FILES:
        return [f"{len(lines)} scanner-finding lines", f"{len(files)} distinct files", "no reproduction section"]
    return []


def _media(text: str, patterns: PatternSet) -> list[str]:
    found = patterns["intake.media_phrases"].hit(text)
    if found is None or _hit(patterns, "intake.reproduction_section", text):
        return []
    return [f"media phrase {found.group(0)!r}", "no reproduction section"]


def _converged(messages: Sequence[ParsedMessage], roster: set[str], patterns: PatternSet) -> list[str]:
    reporter = messages[0].from_addr.casefold()
    for index, message in enumerate(messages[1:], 1):
        if message.from_addr.casefold() not in roster:
            continue
        if not _hit(patterns, "intake.acceptance_phrases", message.body_text):
            continue
        for later in messages[index + 1 :]:
            if later.from_addr.casefold() == reporter and _hit(
                patterns, "intake.acknowledgement_phrases", later.body_text
            ):
                return [f"roster acceptance by {message.from_addr}", "reporter acknowledged"]
    return []


def unparsable_reason(root: ParsedMessage | Unparsable) -> str | None:
    if isinstance(root, Unparsable):
        return root.reason
    if not root.from_addr:
        return "no From: address"
    if root.date is None:
        return "no Date: header"
    if not root.body_text.strip() and not root.attachments and not root.encrypted:
        return "no body"
    return None


def classify(
    messages: Sequence[ParsedMessage | Unparsable],
    trackers: KnownTrackers,
    roster_emails: Iterable[str],
    config: ProjectConfig,
    patterns: PatternSet,
    *,
    adapters: Sequence[RelayAdapter] = (),
    answered_prs: frozenset[int] = frozenset(),
) -> Classification:
    """The §5.7 class of a thread (root first), with its action, template and the signals that fired."""
    if not messages:
        return Classification("unparsable", "drop", None, ("empty thread",), "")
    root = messages[0]
    reason = unparsable_reason(root)
    if reason is not None or isinstance(root, Unparsable):
        return Classification("unparsable", "drop", None, (reason or "unreadable",), "")
    parsed = [m for m in messages if isinstance(m, ParsedMessage)]
    roster = {e.casefold() for e in roster_emails}
    relay = detect_relay(root, adapters)
    text = relay.inner_body(root.body_text) if relay else root.body_text
    warnings: list[str] = []
    verified: bool | None = None
    relay_reason: str | None = None
    if relay is not None:
        trust = verify_relay(root, config.security_inbox.trusted_authserv_id, relay.trusted_arc_sealers)
        verified, relay_reason = trust.verified, trust.reason
        if not verified:
            warnings.append(f"unverified relay ({relay.name})")
        if root.from_addr.casefold() in roster:
            warnings.append(f"relay sender {root.from_addr} is on the roster")
    flagged = _hit(patterns, "intake.injection_patterns", f"{root.subject}\n{text}")

    def result(
        cls: str, signals: Sequence[str], target: int | None = None, prs: tuple[int, ...] = ()
    ) -> Classification:
        return Classification(
            cls,
            CLASS_ACTIONS[cls],
            REJECT_TEMPLATES.get(cls),
            tuple(signals),
            text,
            relay=relay,
            verified_relay=verified,
            relay_reason=relay_reason,
            injection_flagged=flagged,
            target_tracker=target,
            public_fix_prs=prs,
            warnings=tuple(warnings),
        )

    subject = root.subject
    if signals := _bookkeeping(subject, text, config, patterns):
        return result("cve-tool-bookkeeping", signals)
    if signals := _spam(text, patterns):
        return result("spam", signals)
    if signals := _beg_bounty(text, patterns):
        return result("beg-bounty", signals)
    signals, target = _followup(subject, text, trackers, patterns, config)
    if signals:
        return result("cross-thread-followup", signals, target)
    prs = public_fix_prs(text, patterns, trackers, answered_prs)
    if prs:
        listed = ", ".join(f"{config.tracker.upstream_repo}#{n}" for n in prs)
        return result("fix-already-public", [f"reporter links upstream PR {listed}"], prs=tuple(prs))
    if signals := _consolidated(text, patterns):
        return result("consolidated-multi-issue", signals)
    if signals := _scanner(text, patterns):
        return result("automated-scanner", signals)
    if signals := _media(text, patterns):
        return result("media-request", signals)
    if signals := _converged(parsed, roster, patterns):
        return result("report-converged", signals)
    return result("report", ["default"])
