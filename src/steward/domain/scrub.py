"""The public-surface scrub of spec §10.2: which embargoed words a public text carries, and where.

Pure: the caller gathers the project's values (reporter names, the CNA host, private URL patterns) and decides
what a hit means; this module only finds hits. Matching runs on NFC-normalised text (G6) but every hit's
offset and text are a slice of the text as given, so an operator can find the hit in their editor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from steward.errors import ConfigError
from steward.patterns import PatternSet, norm

PatternId = Literal[
    "CVE_ID", "GHSA_ID", "TRACKER", "CLASS", "FRAMING", "BRANCH", "FOREIGN", "INTERNAL", "REPORTER", "EXTRA"
]
PATTERN_IDS: tuple[PatternId, ...] = (
    "CVE_ID",
    "GHSA_ID",
    "TRACKER",
    "CLASS",
    "FRAMING",
    "BRANCH",
    "FOREIGN",
    "INTERNAL",
    "REPORTER",
    "EXTRA",
)
Surface = Literal["text", "branch"]

MIN_REPORTER_CHARS = 4
"""§10.2: shorter reporter values would hit ordinary words."""

_ENTRIES: tuple[tuple[PatternId, str], ...] = (
    ("CVE_ID", "ids.cve_scrub"),
    ("GHSA_ID", "ids.ghsa_scrub"),
    ("TRACKER", "scrub.tracker"),
    ("CLASS", "intake.bug_classes"),
    ("FRAMING", "scrub.framing_phrases"),
    ("BRANCH", "scrub.branch"),
    ("FOREIGN", "scrub.foreign_phrases"),
    ("INTERNAL", "scrub.severity_word"),
)
_URL = re.compile(r"https?://[^\s<>\"'`()\[\]{}]+", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ScrubHit:
    """One hit: `offset` and `text` index the scrubbed text exactly as the caller passed it."""

    pattern_id: str
    offset: int
    text: str


@dataclass(frozen=True)
class _Normalised:
    """The matching text and, per matching character, the original span it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.starts[start], self.ends[end - 1]


def _segments(text: str) -> Iterator[tuple[int, int]]:
    """Spans that start at a character which combines with nothing before it, so each normalises on its own."""
    start = 0
    for index in range(1, len(text)):
        char = text[index]
        if unicodedata.combining(char) == 0 and not 0x1160 <= ord(char) <= 0x11FF:
            yield start, index
            start = index
    if text:
        yield start, len(text)


def _normalise(text: str) -> _Normalised:
    if unicodedata.is_normalized("NFC", text):
        identity = tuple(range(len(text)))
        return _Normalised(text.replace("\u2019", "'"), identity, tuple(i + 1 for i in identity))
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _segments(text):
        piece = unicodedata.normalize("NFC", text[start:end]).replace("\u2019", "'")
        parts.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return _Normalised("".join(parts), tuple(starts), tuple(ends))


def _phrase_pattern(values: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive, whitespace-tolerant alternation, longest first (like defaults.yml phrases)."""
    words = {tuple(_WHITESPACE.sub(" ", norm(v)).strip().split(" ")) for v in values}
    alts = sorted((r"\s+".join(re.escape(w) for w in ws) for ws in words if ws != ("",)), key=len, reverse=True)
    if not alts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=256)
def _compiled(pattern: str, flags: int, key: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise ConfigError(f"{key} has an invalid regex {pattern!r} ({exc}); fix it in project.yml.") from None


def _host_pattern(host: str | None) -> re.Pattern[str] | None:
    host = (host or "").strip().rstrip(".")
    if not host:
        return None
    return re.compile(r"(?<![\w.-])" + re.escape(host) + r"(?![\w-])", re.IGNORECASE)


def _pattern_hits(pattern_id: str, pattern: re.Pattern[str], source: _Normalised) -> Iterator[tuple[str, int, int]]:
    for match in pattern.finditer(source.text):
        if match.end() > match.start():
            yield pattern_id, match.start(), match.end()


def _url_hits(patterns: Sequence[re.Pattern[str]], source: _Normalised) -> Iterator[tuple[str, int, int]]:
    """Private URL patterns are written for whole URLs (often `^`-anchored), so they run on each URL in the text."""
    for url in _URL.finditer(source.text):
        if any(p.search(url.group(0)) for p in patterns):
            yield "INTERNAL", url.start(), url.end()


def _reporter_values(values: Iterable[str]) -> list[str]:
    return [v for v in values if len(_WHITESPACE.sub(" ", v).strip()) >= MIN_REPORTER_CHARS]


def scrub(
    text: str,
    patterns: PatternSet,
    *,
    surface: Surface,
    reporter_values: Iterable[str] = (),
    cna_host: str | None = None,
    private_url_patterns: Sequence[str] = (),
    foreign_names: Iterable[str] = (),
    extra_patterns: Sequence[str] = (),
    allow: Collection[str] = frozenset(),
) -> list[ScrubHit]:
    """Every §10.2 hit in `text`, by offset; pattern ids in `allow` are lifted for this call.

    `BRANCH` applies only when `surface` is "branch". Reporter values shorter than four characters are ignored;
    the caller leaves roster members out of `reporter_values`.
    """
    source = _normalise(text)
    found: list[tuple[str, int, int]] = []
    for pattern_id, name in _ENTRIES:
        if pattern_id in allow or (pattern_id == "BRANCH" and surface != "branch"):
            continue
        for _, pattern in patterns[name].patterns:
            found.extend(_pattern_hits(pattern_id, pattern, source))
    extras: list[tuple[str, re.Pattern[str] | None]] = [
        ("FOREIGN", _phrase_pattern(foreign_names)),
        ("INTERNAL", _host_pattern(cna_host)),
        ("REPORTER", _phrase_pattern(_reporter_values(reporter_values))),
    ]
    extras += [("EXTRA", _compiled(p, re.IGNORECASE, "confidentiality.extra_scrub_patterns")) for p in extra_patterns]
    for extra_id, maybe in extras:
        if maybe is not None and extra_id not in allow:
            found.extend(_pattern_hits(extra_id, maybe, source))
    if "INTERNAL" not in allow and private_url_patterns:
        flags = re.IGNORECASE | re.ASCII
        compiled = [_compiled(p, flags, "archive_system.private_url_patterns") for p in private_url_patterns]
        found.extend(_url_hits(compiled, source))
    hits: set[ScrubHit] = set()
    for hit_id, start, end in found:
        begin, finish = source.span(start, end)
        hits.add(ScrubHit(hit_id, begin, text[begin:finish]))
    order: dict[str, int] = {p: i for i, p in enumerate(PATTERN_IDS)}
    return sorted(hits, key=lambda h: (h.offset, order.get(h.pattern_id, len(order)), len(h.text)))
