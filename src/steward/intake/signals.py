"""Candidate selection, exact dedupe, the already-responded drop and fuzzy duplicate signals (spec §5.1-§5.6).

Everything here is a pure function of the thread, a read-only view of known trackers and an injected clock,
so a re-run with the same facts proposes the same thing (G4, G5). Every candidate is compared with every
tracker: stopping at the first hit would hide a better match further down.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import fuzz

from steward.domain.titles import normalise_title
from steward.ids import cves_in_text, cwe_ids, ghsa_ids
from steward.intake.message import ParsedMessage
from steward.patterns import PatternSet, norm

SILENCE = timedelta(days=7)
SAME_REPORTER_WINDOW = timedelta(days=180)
EXCERPT_CHARS = 300
TEXT_RATIO = 60
ACK_MAX_CHARS = 300
CODE_POINTERS_KEPT = 3
_POINTER_RANK = {"product_path": 0, "module_path": 1, "class_method": 2}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z0-9]")
_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "into", "is", "it"),
        *("its", "of", "on", "or", "that", "the", "this", "to", "via", "was", "with", "when", "can", "could"),
        *("may", "might", "not", "no", "vulnerability", "vulnerabilities", "security", "issue", "issues"),
        *("report", "bug"),
    }
)
# Entry points have no defaults.yml entry (spec §5.4 names the axis, not a pattern); these stay local and narrow.
_URL_PATH = re.compile(r"https?://[^\s/<>()]+(?P<path>/[^\s<>()?#\"']*)")
_BARE_PATH = re.compile(r"(?<![\w.:/~-])(?P<path>/[A-Za-z0-9_.~{}:-]+(?:/[A-Za-z0-9_.~{}:-]+)+)/?")
_CONFIG_KEY = re.compile(r"`(?P<key>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+|[a-z][a-z0-9]*_[a-z0-9_]+)`")
_ASSIGNMENT = re.compile(r"(?m)^[ \t]*(?P<key>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)[ \t]*=[ \t]*\S")


class Strength(StrEnum):
    STRONG = "STRONG"
    MEDIUM = "MEDIUM"
    WEAK = "WEAK"


_STRENGTH_ORDER = {Strength.STRONG: 0, Strength.MEDIUM: 1, Strength.WEAK: 2}


@dataclass(frozen=True)
class KnownTracker:
    """What intake may know of a tracker: `excerpt` is the first 300 characters of its description."""

    number: int
    title: str
    cve_id: str | None = None
    pr_numbers: tuple[int, ...] = ()
    ghsa_ids: tuple[str, ...] = ()
    excerpt: str = ""
    state: str = "open"
    created_at: datetime | None = None
    reporter_local_parts: tuple[str, ...] = ()
    close_reason: str | None = None

    @property
    def is_open(self) -> bool:
        return self.state.casefold() == "open"


KnownTrackers = Sequence[KnownTracker]


@dataclass(frozen=True)
class Duplicate:
    """One scored finding; `detail` is for the human-readable proposal, not the JSON."""

    tracker: int
    message_id: str | None
    signal: str
    strength: Strength
    detail: str = ""


@dataclass(frozen=True)
class DuplicateReport:
    duplicates: tuple[Duplicate, ...]
    notes: tuple[str, ...] = ()

    @property
    def strongest(self) -> Duplicate | None:
        return self.duplicates[0] if self.duplicates else None


@dataclass(frozen=True)
class CandidateText:
    """The text a candidate is compared on: the root subject and the body (the inner body for relays)."""

    message_id: str | None
    subject: str
    body: str
    reporter_local_part: str | None = None
    subject_prefix_strip: tuple[str, ...] = field(default=())


# ---------------------------------------------------------------------------------------------- §5.1, §5.2


def _bare_id(message_id: str) -> str:
    return message_id.strip().removeprefix("<").removesuffix(">")


def is_excluded_sender(
    message: ParsedMessage,
    exclude_senders: Iterable[str],
    *,
    relay_detected: bool,
    foundation_security: str | None,
    patterns: PatternSet,
    tracker_notification_sender: str | None = None,
) -> bool:
    """§5.1: excluded senders drop, except a detected relay, `<foundation-security>` and GHSA notifications."""
    sender = message.from_addr.casefold()
    excluded = {s.casefold() for s in exclude_senders}
    if tracker_notification_sender:
        excluded.add(tracker_notification_sender.casefold())
    if sender not in excluded or relay_detected:
        return False
    if foundation_security and sender == foundation_security.casefold():
        return False
    ghsa_preamble = patterns["forwarders.ghsa.preamble_match"].hit(message.body_text[:400])
    return not (sender == "notifications@github.com" and ghsa_preamble is not None)


def is_already_handled(root_message_id: str | None, thread_ids: Set[str], ledger_ids: Set[str]) -> bool:
    """§5.2: the root Message-ID is in a security-thread field or the rejections ledger."""
    if not root_message_id:
        return False
    wanted = _bare_id(root_message_id)
    return any(_bare_id(known) == wanted for known in (*thread_ids, *ledger_ids))


def exact_dedupe(roots: Sequence[str | None], thread_ids: Set[str], ledger_ids: Set[str]) -> tuple[list[int], int]:
    """(indexes of surviving candidates, how many were skipped) for the recap count."""
    known = {_bare_id(x) for x in (*thread_ids, *ledger_ids)}
    survivors = [i for i, root in enumerate(roots) if not root or _bare_id(root) not in known]
    return survivors, len(roots) - len(survivors)


# ---------------------------------------------------------------------------------------------- §5.3


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", norm(text)).strip().casefold()


def is_rejection_reply(text: str, patterns: PatternSet, rejection_openings: Sequence[str] = ()) -> bool:
    """The first 300 characters open like a rejection template or hit `intake.disposition_phrases`."""
    head = text[:EXCERPT_CHARS]
    if patterns["intake.disposition_phrases"].hit(head) is not None:
        return True
    collapsed = _collapse(head)
    return any(opening.strip() and _collapse(opening) in collapsed for opening in rejection_openings)


def _is_ack(message: ParsedMessage, patterns: PatternSet) -> bool:
    body = message.body_text.strip()
    return len(body) <= ACK_MAX_CHARS and patterns["intake.acknowledgement_phrases"].hit(body) is not None


def already_responded(
    messages: Sequence[ParsedMessage],
    roster_emails: Iterable[str],
    patterns: PatternSet,
    now: datetime,
    rejection_openings: Sequence[str] = (),
) -> bool:
    """§5.3: a roster rejection-type reply the reporter let stand. Any ambiguity keeps the candidate."""
    if len(messages) < 2:
        return False
    roster = {e.casefold() for e in roster_emails}
    reporter = messages[0].from_addr.casefold()
    rejections = [
        i
        for i, m in enumerate(messages[1:], 1)
        if m.from_addr.casefold() in roster and is_rejection_reply(m.body_text, patterns, rejection_openings)
    ]
    if not rejections:
        return False
    first = rejections[0]
    later = [i for i in range(first + 1, len(messages)) if messages[i].from_addr.casefold() == reporter]
    if not later:
        when = messages[first].date
        return when is not None and now - when >= SILENCE
    if all(_is_ack(messages[i], patterns) for i in later):
        return True
    last = rejections[-1]
    pushed_back = any(first < i < last for i in later)
    after_last = [i for i in later if i > last]
    return len(rejections) >= 2 and pushed_back and all(_is_ack(messages[i], patterns) for i in after_last)


# ---------------------------------------------------------------------------------------------- §5.4 helpers


def strip_search_term(term: str, patterns: PatternSet) -> str:
    """An inbound search term without any `intake.search_term_strip` character."""
    out = norm(term)
    for _, pattern in patterns["intake.search_term_strip"].patterns:
        out = pattern.sub("", out)
    return re.sub(r"\s+", " ", out).strip()


def strip_local_part(local: str, patterns: PatternSet) -> str:
    out = norm(local)
    for _, pattern in patterns["intake.local_part_strip"].patterns:
        out = pattern.sub("", out)
    return out.casefold()


def subject_keywords(subject: str, patterns: PatternSet, prefixes: Sequence[str] = ()) -> list[str]:
    """The words of the §5.12-normalised subject, search-term stripped, lower-cased, without stop words."""
    title = normalise_title(subject, patterns, prefixes).title if subject.strip() else ""
    words: list[str] = []
    for word in _WORD.findall(strip_search_term(title, patterns)):
        folded = word.casefold()
        if len(folded) >= 3 and folded not in _STOPWORDS and folded not in words:
            words.append(folded)
    return words


def code_pointers(text: str, patterns: PatternSet, limit: int | None = CODE_POINTERS_KEPT) -> list[str]:
    """The most specific `intake.code_pointers` hits: product paths before module paths before methods, longer first."""
    ranked: dict[str, tuple[int, int]] = {}
    for item, match in patterns["intake.code_pointers"].hits(text):
        value = match.group(0)
        rank = (_POINTER_RANK.get(item, 3), -len(value))
        if value not in ranked or rank < ranked[value]:
            ranked[value] = rank
    ordered = sorted(ranked, key=lambda v: (ranked[v], v))
    kept: list[str] = []
    for value in ordered:
        if any(value in other or other in value for other in kept):
            continue
        kept.append(value)
    return kept if limit is None else kept[:limit]


def _paths(text: str, patterns: PatternSet) -> set[str]:
    out = {m.group(0).split(":")[0] for _, m in patterns["intake.file_reference"].hits(text)}
    return {p.lstrip("./") for p in out if "/" in p}


def _component(text: str, patterns: PatternSet) -> set[str]:
    return set(code_pointers(text, patterns, None)) | _paths(text, patterns)


def _bug_classes(text: str, patterns: PatternSet) -> set[str]:
    groups = {f"class:{label}" for label, _ in patterns["intake.bug_classes"].hits(text)}
    return groups | {f"cwe:{n}" for n in cwe_ids(text)}


def entry_points(text: str, patterns: PatternSet, cli_names: Sequence[str] = ()) -> set[str]:
    """URL paths, API endpoints, CLI commands (`<tool> <subcommand>`) and config keys named in the text."""
    found: set[str] = set()
    text = norm(text)
    for match in _URL_PATH.finditer(text):
        path = match.group("path").rstrip("/.,;")
        if path.count("/") >= 1 and len(path) > 1:
            found.add("path:" + path)
    for match in _BARE_PATH.finditer(text):
        found.add("path:" + match.group("path").rstrip("/.,;"))
    for match in _CONFIG_KEY.finditer(text):
        found.add("key:" + match.group("key"))
    for match in _ASSIGNMENT.finditer(text):
        found.add("key:" + match.group("key"))
    for name in cli_names:
        if not name:
            continue
        command = re.compile(rf"(?<![\w-]){re.escape(name.lower())}[ \t]+(?P<sub>[a-z][a-z0-9-]+)\b")
        for match in command.finditer(text.lower()):
            found.add(f"cli:{name.lower()} {match.group('sub')}")
    return found


def upstream_pr_numbers(text: str, patterns: PatternSet) -> list[int]:
    out: list[int] = []
    for _, match in patterns["ids.upstream_pr_ref"].hits(text):
        number = int(match.group("number"))
        if number not in out:
            out.append(number)
    return out


# ---------------------------------------------------------------------------------------------- §5.4 scoring


@dataclass(frozen=True)
class _Axes:
    component: frozenset[str]
    bug_class: frozenset[str]
    entry_point: frozenset[str]


@lru_cache(maxsize=16384)
def _axes_of(text: str, patterns: PatternSet, cli_names: tuple[str, ...]) -> _Axes:
    """The three pattern axes of one text, cached: each tracker's text meets every candidate of an import,
    and recomputing its regex hits per pair made the comparison quadratic in pattern work."""
    return _Axes(
        frozenset(_component(text, patterns)),
        frozenset(_bug_classes(text, patterns)),
        frozenset(entry_points(text, patterns, cli_names)),
    )


def _semantic_axes(
    candidate: CandidateText, tracker: KnownTracker, patterns: PatternSet, cli_names: Sequence[str]
) -> list[str]:
    mine = _axes_of(f"{candidate.subject}\n{candidate.body}", patterns, tuple(cli_names))
    theirs = _axes_of(f"{tracker.title}\n{tracker.excerpt[:EXCERPT_CHARS]}", patterns, tuple(cli_names))
    axes: list[str] = []
    if mine.component & theirs.component:
        axes.append("component")
    if mine.bug_class & theirs.bug_class:
        axes.append("bug-class")
    if mine.entry_point & theirs.entry_point:
        axes.append("entry-point")
    head = norm(candidate.body[:EXCERPT_CHARS]).lower()
    if tracker.excerpt and fuzz.token_sort_ratio(head, norm(tracker.excerpt[:EXCERPT_CHARS]).lower()) >= TEXT_RATIO:
        axes.append("text")
    return axes


def _same_reporter(candidate: CandidateText, tracker: KnownTracker, patterns: PatternSet, now: datetime) -> bool:
    if not candidate.reporter_local_part:
        return False
    mine = strip_local_part(candidate.reporter_local_part, patterns)
    theirs = {strip_local_part(p, patterns) for p in tracker.reporter_local_parts}
    if not mine or mine not in theirs:
        return False
    recent = tracker.created_at is not None and now - tracker.created_at <= SAME_REPORTER_WINDOW
    return tracker.is_open or recent


def duplicate_signals(
    candidate: CandidateText,
    trackers: KnownTrackers,
    patterns: PatternSet,
    now: datetime,
    *,
    cli_names: Sequence[str] = (),
) -> DuplicateReport:
    """Every §5.4 signal against every tracker, strongest first; ties by tracker number."""
    text = f"{candidate.subject}\n{candidate.body}"
    mid = candidate.message_id
    my_ghsa = set(ghsa_ids(text))
    my_cves = set(cves_in_text(text))
    my_prs = set(upstream_pr_numbers(text, patterns))
    pointers = code_pointers(text, patterns)
    keywords = set(subject_keywords(candidate.subject, patterns, candidate.subject_prefix_strip))
    found: list[Duplicate] = []
    notes: list[str] = []
    ghsa_hit = False
    for tracker in trackers:
        shared = my_ghsa & set(ghsa_ids(" ".join(tracker.ghsa_ids)))
        if shared:
            ghsa_hit = True
            found.append(Duplicate(tracker.number, mid, "ghsa-id", Strength.STRONG, ", ".join(sorted(shared))))
        if tracker.cve_id and tracker.cve_id.upper() in my_cves:
            found.append(Duplicate(tracker.number, mid, "cve-id", Strength.STRONG, tracker.cve_id))
        prs = my_prs & set(tracker.pr_numbers)
        if prs:
            found.append(
                Duplicate(tracker.number, mid, "upstream-pr", Strength.STRONG, ", ".join(f"#{n}" for n in sorted(prs)))
            )
    for tracker in trackers:
        if not tracker.is_open:
            continue
        theirs = f"{tracker.title}\n{tracker.excerpt[:EXCERPT_CHARS]}"
        hit_pointers = [p for p in pointers if p in theirs]
        if hit_pointers:
            found.append(Duplicate(tracker.number, mid, "code-pointer", Strength.MEDIUM, ", ".join(hit_pointers)))
        shared_words = keywords & set(subject_keywords(tracker.title, patterns, candidate.subject_prefix_strip))
        if len(shared_words) >= 2:
            found.append(
                Duplicate(tracker.number, mid, "subject-keywords", Strength.WEAK, ", ".join(sorted(shared_words)))
            )
        same = _same_reporter(candidate, tracker, patterns, now)
        axes = [] if ghsa_hit else _semantic_axes(candidate, tracker, patterns, cli_names)
        if len(axes) >= 3:
            found.append(Duplicate(tracker.number, mid, "semantic", Strength.STRONG, ", ".join(axes)))
        elif len(axes) == 2 or (axes and same):
            detail = ", ".join(axes) + (" + same reporter" if same and len(axes) == 1 else "")
            found.append(Duplicate(tracker.number, mid, "semantic", Strength.MEDIUM, detail))
        elif same:
            notes.append(f"same reporter as #{tracker.number}")
    if ghsa_hit:
        found = [d for d in found if d.signal != "semantic"]
    found.sort(key=lambda d: (_STRENGTH_ORDER[d.strength], d.tracker, d.signal))
    return DuplicateReport(tuple(found), tuple(notes))


# ---------------------------------------------------------------------------------------------- §5.5, §5.6

REJECT_CLOSE_REASONS = frozenset({"invalid", "not-cve-worthy", "not cve worthy", "not_cve_worthy"})


def prior_rejections(keywords: Sequence[str], trackers: KnownTrackers, days: int = 180) -> tuple[list[int], str]:
    """§5.5 reject-class precedent among closed invalid / not-CVE-worthy trackers, and the statement to print."""
    wanted = {k.casefold() for k in keywords}
    hits = [
        t.number
        for t in trackers
        if not t.is_open
        and (t.close_reason or "").casefold() in REJECT_CLOSE_REASONS
        and len(wanted & {w.casefold() for w in _WORD.findall(f"{t.title} {t.excerpt}")}) >= 2
    ]
    if not hits:
        return [], f"no prior rejection in the last {days} days"
    return hits, "reject-class precedent: " + ", ".join(f"#{n}" for n in hits)


def public_fix_prs(
    text: str, patterns: PatternSet, trackers: KnownTrackers, answered_prs: Set[int] = frozenset()
) -> list[int]:
    """§5.6 STRONG without a code host: upstream PRs the reporter links that are neither a tracker's fix PR
    (that is a duplicate, §5.4) nor a PR that answers the report (downgraded)."""
    known = {n for t in trackers for n in t.pr_numbers}
    return [n for n in upstream_pr_numbers(text, patterns) if n not in known and n not in answered_prs]
