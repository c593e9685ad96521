"""S16: what a CNA reviewer's comment asks for, as data (spec §8.2 S16).

Pure and hostile-input safe (§10.5): the text is cut at `MAX_TEXT` characters and every finding list at
`MAX_FINDINGS`, so a huge or adversarial comment costs bounded time and never raises. The mapping of each
finding to an item, observation or blocker is the rule's business (`steward.sync.rules.s16_reviewer`); this
module only says what the reviewer wrote. Ids go through `steward.ids` (G7) and version ranges through the §2.4
grammar, so a reviewer's value reads exactly as a roster member's would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from steward.domain.versions import VersionLine, parse_line, render_line
from steward.ids import cvss_vectors, cwe_ids
from steward.patterns import PatternSet

MAX_TEXT = 64_000
"""Characters of a comment read at all (steward decision, §10.5)."""
MAX_FINDINGS = 10
"""At most this many findings of one kind per comment (steward decision)."""
MAX_WORDING = 2_000

_RANGE = re.compile(r"(?:>=\s*[^\s,<>=]+\s*,?\s*)?<=?\s*[^\s,<>=;]+|>=\s*[^\s,<>=;]+")
_SEVERITY = re.compile(
    r"\b(?:severity|rated|rating|score)\b[^\n.]{0,40}?\b(?P<value>low|medium|moderate|high|critical|important)\b",
    re.IGNORECASE,
)
_BLOCKERS = (
    ("duplicate", re.compile(r"\bduplicate\b", re.IGNORECASE)),
    ("out of scope", re.compile(r"\bout[ -]of[ -]scope\b", re.IGNORECASE)),
)
_NEGATION = re.compile(r"\b(?:not|no|isn't|is not)\s+(?:an?\s+)?$", re.IGNORECASE)
_VENDOR_ADVISORY = re.compile(
    r"\b(?:missing|lacks?|lacking|without|no|needs?|add)\b[^.\n]{0,60}\bvendor[- ]advisory\b"
    r"|\bvendor[- ]advisory\b[^.\n]{0,40}\b(?:missing|absent|required|needed)\b",
    re.IGNORECASE,
)
_WORDING = re.compile(
    r"\b(?:wording|description|summary|reword|rephrase|phrase it|should read)\b[^\n\"“]{0,80}"
    r"[\"“](?P<text>[^\"”\n]{10," + str(MAX_WORDING) + r"})[\"”]",
    re.IGNORECASE,
)
_REOPEN = re.compile(r"\bre-?open(?:ed|ing)?\s+(?:(?:it|this|the\s+record)\s+)?for\s+review\b", re.IGNORECASE)


@dataclass(frozen=True)
class ReviewFindings:
    """Everything one reviewer comment says; empty tuples and False when it says nothing of that kind."""

    cwes: tuple[int, ...] = ()
    versions: tuple[str, ...] = ()
    """Version ranges in the canonical §2.4 spelling."""
    severities: tuple[str, ...] = ()
    """Severity words as written (lower-cased) and CVSS vectors: observations only (§8.2 S8)."""
    credits: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    """`duplicate` and/or `out of scope`."""
    vendor_advisory_missing: bool = False
    wording: tuple[str, ...] = ()
    """Suggested text, exactly as quoted by the reviewer."""
    reopen: bool = False

    @property
    def empty(self) -> bool:
        return self == ReviewFindings()


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))[:MAX_FINDINGS]


def _versions(text: str, scheme: str) -> tuple[str, ...]:
    found: list[str] = []
    for match in _RANGE.finditer(text):
        line = parse_line(match.group(0).strip().rstrip(".,;:)"), 1, lambda _package: scheme)
        if isinstance(line, VersionLine):
            found.append(render_line(line).strip())
        if len(found) >= MAX_FINDINGS:
            break
    return _unique(found)


def _severities(text: str) -> tuple[str, ...]:
    words = [m.group("value").lower() for m in _SEVERITY.finditer(text)]
    return _unique([*words[:MAX_FINDINGS], *(vector for _, vector in cvss_vectors(text)[:MAX_FINDINGS])])


def _credits(text: str, patterns: PatternSet) -> tuple[str, ...]:
    try:
        entry = patterns["credits.attribution_patterns"]
    except (KeyError, ValueError):
        return ()
    values = [m.group("credit").strip() for _, m in entry.hits(text) if m.groupdict().get("credit")]
    return _unique(values)


def _blockers(text: str) -> tuple[str, ...]:
    found = []
    for name, pattern in _BLOCKERS:
        if any(not _NEGATION.search(text[max(0, m.start() - 12) : m.start()]) for m in pattern.finditer(text)):
            found.append(name)
    return tuple(found)


def classify_review(text: str, patterns: PatternSet, scheme: str = "pep440") -> ReviewFindings:
    """The findings of one reviewer comment; `scheme` is the tracker scope's version scheme."""
    body = text[:MAX_TEXT]
    return ReviewFindings(
        cwes=tuple(cwe_ids(body))[:MAX_FINDINGS],
        versions=_versions(body, scheme),
        severities=_severities(body),
        credits=_credits(body, patterns),
        blockers=_blockers(body),
        vendor_advisory_missing=_VENDOR_ADVISORY.search(body) is not None,
        wording=_unique([m.group("text").strip() for m in _WORDING.finditer(body)]),
        reopen=_REOPEN.search(body) is not None,
    )
