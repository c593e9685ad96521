"""The findings file of spec §5.15: narrative blocks paired with metadata blocks, mapped to tracker fields.

A findings file is written by a person or a tool outside the team, so everything in it is untrusted: the
narrative and every metadata value reach the tracker only through the §5.11 sanitiser, and only inside the
description. Fields that the codec or the CVE generator parse (Affected versions, CWE, Severity) stay empty
(§12 D12); the file's own severity and category are quoted in the description instead.

Splitting honours code fences: a `---` line inside a fence is text, not a block separator.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from steward.domain.roles import NO_RESPONSE, SEVERITY_UNSET, Field
from steward.domain.threads import render_thread, sentinel_md
from steward.errors import UsageError
from steward.intake.display import safe_terminal
from steward.intake.sanitise import sanitise_body
from steward.patterns import PatternSet, fixed, norm

SEVERITIES = ("HIGH", "MEDIUM", "LOW", "UNKNOWN")
SECTIONS = {
    "details": "details",
    "location": "location",
    "impact": "impact",
    "reproduction steps": "reproduction",
    "reproduction": "reproduction",
    "recommended fix": "fix",
}
"""`## ` headings of a finding (case-insensitive) → the part they fill; any other `## ` section joins Details."""
WARN_IF_MISSING = (("details", "Details"), ("impact", "Impact"), ("reproduction", "Reproduction steps"))
MAX_TITLE = 256

_TITLE = re.compile(r"^# (?P<title>[^\n]*)$", re.M)
_SUBHEADING = re.compile(r"^## (?P<name>[^\n]*?)[ \t#]*$", re.M)
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_PR_URL = re.compile(r"<?https://github\.com/(?P<path>[^\s<>]+?)/?>?")


@dataclass(frozen=True)
class MdFinding:
    """One finding; `number` is K of K/N, `key` is stable for the same block text (re-run detection)."""

    number: int
    title: str
    parts: Mapping[str, str]
    metadata: Mapping[str, str]
    severity: str
    reported_severity: str | None
    repository: str
    branch: str | None
    warnings: tuple[str, ...]
    key: str


@dataclass(frozen=True)
class MdFile:
    findings: tuple[MdFinding, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class MdMapped:
    """What a finding writes: the title to normalise, field values, rollup notes and the PR number if any."""

    title: str
    values: dict[Field, str]
    notes: tuple[str, ...] = field(default=())
    pr_number: int | None = None


# ---------------------------------------------------------------------------------------------- splitting


def _blocks(text: str, separator: re.Pattern[str]) -> list[str]:
    """The text split on separator lines outside code fences."""
    opener = fixed()["codec.fence_open"].patterns[0][1]
    blocks: list[str] = []
    current: list[str] = []
    fence: tuple[str, int] | None = None
    for line in text.split("\n"):
        if fence is not None:
            current.append(line)
            stripped = line.strip(" ")
            run = len(stripped) - len(stripped.lstrip(fence[0]))
            if run >= fence[1] and not stripped[run:].strip():
                fence = None
            continue
        if separator.fullmatch(line):
            blocks.append("\n".join(current))
            current = []
            continue
        opened = opener.match(line)
        if opened is not None:
            mark = opened.group("fence")
            fence = (mark[0], len(mark))
        current.append(line)
    blocks.append("\n".join(current))
    return blocks


def _outside_fences(text: str) -> str:
    """The text with fenced lines blanked to spaces (offsets kept), so headings inside code never count."""
    opener = fixed()["codec.fence_open"].patterns[0][1]
    out: list[str] = []
    fence: tuple[str, int] | None = None
    for line in text.split("\n"):
        if fence is not None:
            stripped = line.strip(" ")
            run = len(stripped) - len(stripped.lstrip(fence[0]))
            if run >= fence[1] and not stripped[run:].strip():
                fence = None
            out.append(" " * len(line))
            continue
        opened = opener.match(line)
        if opened is not None:
            mark = opened.group("fence")
            fence = (mark[0], len(mark))
            out.append(" " * len(line))
            continue
        out.append(line)
    return "\n".join(out)


def _metadata(block: str, patterns: PatternSet) -> dict[str, str]:
    found: dict[str, str] = {}
    for _, hit in patterns["import_md.metadata_line"].hits(_outside_fences(block)):
        key = hit.group("key").casefold()
        found.setdefault(key, hit.group("value"))
    return found


def _has_title(block: str) -> bool:
    return _TITLE.search(_outside_fences(block)) is not None


def _parts(narrative: str) -> tuple[str, dict[str, str]]:
    """The `# ` title and the text of each `## ` section (other sections are appended to Details)."""
    visible = _outside_fences(narrative)
    title_hit = _TITLE.search(visible)
    title = title_hit.group("title").strip() if title_hit else ""
    body_start = title_hit.end() if title_hit else 0
    heads = [m for m in _SUBHEADING.finditer(visible) if m.start() >= body_start]
    parts: dict[str, str] = {}
    extra: list[str] = []
    lead = narrative[body_start : heads[0].start() if heads else len(narrative)].strip()
    if lead:
        extra.append(lead)
    for index, head in enumerate(heads):
        end = heads[index + 1].start() if index + 1 < len(heads) else len(narrative)
        text = narrative[head.end() : end].strip()
        name = " ".join(head.group("name").split()).casefold()
        part = SECTIONS.get(name)
        if part is None:
            extra.append(f"**{head.group('name').strip()}**\n\n{text}" if text else "")
        elif text:
            parts[part] = f"{parts[part]}\n\n{text}" if part in parts else text
    extra_text = "\n\n".join(e for e in extra if e)
    if extra_text:
        parts["details"] = f"{parts['details']}\n\n{extra_text}" if "details" in parts else extra_text
    return title, parts


def _clean_line(text: str) -> str:
    return " ".join(safe_terminal(norm(text)).split())[:MAX_TITLE]


# ---------------------------------------------------------------------------------------------- parsing


def parse_md_findings(text: str, source: str, upstream: str, patterns: PatternSet) -> MdFile:
    """Every finding of a findings file; a file with no `# ` heading and no `**Severity:**` is a usage error."""
    text = norm(text).replace("\r\n", "\n").replace("\r", "\n")
    visible = _outside_fences(text)
    metadata = patterns["import_md.metadata_line"].hits(visible)
    has_severity = any(hit.group("key").casefold() == "severity" for _, hit in metadata)
    if _TITLE.search(visible) is None and not has_severity:
        raise UsageError(
            f"{source} has no '# ' finding heading and no '**Severity:**' line, so it is not a findings file; "
            "give each finding a '# Title' heading followed by '---' and its metadata lines."
        )
    separator = patterns["import_md.block_separator"].patterns[0][1]
    blocks = [b for b in _blocks(text, separator) if b.strip()]
    file_warnings: list[str] = []
    pairs: list[tuple[list[str], dict[str, str]]] = []
    for index, block in enumerate(blocks, 1):
        meta = _metadata(block, patterns)
        if _has_title(block):
            pairs.append(([block], meta))
        elif meta:
            if pairs and not pairs[-1][1]:
                pairs[-1][1].update(meta)
            else:
                pairs.append(([], meta))
                file_warnings.append(f"block {index}: metadata without a '# ' finding heading; imported untitled.")
        elif pairs and not pairs[-1][1]:
            pairs[-1][0].append(block)  # a horizontal rule inside a narrative
        else:
            file_warnings.append(f"block {index}: text outside any finding; ignored.")
    total = len(pairs)
    findings = tuple(
        _finding(number, "\n\n---\n\n".join(narrative), meta, upstream, total)
        for number, (narrative, meta) in enumerate(pairs, 1)
    )
    return MdFile(findings, tuple(file_warnings))


def _finding(number: int, narrative: str, meta: Mapping[str, str], upstream: str, total: int) -> MdFinding:
    where = f"finding {number}/{total}"
    warnings: list[str] = []
    raw_title, parts = _parts(narrative)
    title = _clean_line(raw_title)
    if not title:
        warnings.append(f"{where}: no '# ' title; supply one with {number}:edit title=...")
    raw_severity = meta.get("severity")
    severity = (raw_severity or "").strip().upper()
    if severity not in SEVERITIES:
        shown = repr(_clean_line(raw_severity)) if raw_severity is not None else "missing"
        warnings.append(f"{where}: severity {shown} is not HIGH, MEDIUM, LOW or UNKNOWN; UNKNOWN is used.")
        severity = "UNKNOWN"
    repository = (meta.get("repository") or "").strip().strip("`")
    if not _REPOSITORY.fullmatch(repository):
        shown = repr(_clean_line(repository)) if repository else "missing"
        warnings.append(f"{where}: repository {shown} is not owner/repo; {upstream} is used.")
        repository = upstream
    branch = _clean_line(meta.get("branch") or "").strip("`") or None
    for part, name in WARN_IF_MISSING:
        if not parts.get(part):
            warnings.append(f"{where}: no '## {name}' section.")
    digest = hashlib.sha256(" ".join(narrative.split()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return MdFinding(
        number=number,
        title=title,
        parts=parts,
        metadata=dict(meta),
        severity=severity,
        reported_severity=_clean_line(raw_severity) if raw_severity else None,
        repository=repository,
        branch=branch,
        warnings=tuple(warnings),
        key=digest,
    )


# ---------------------------------------------------------------------------------------------- mapping


def upstream_pr(location: str, upstream: str, patterns: PatternSet) -> int | None:
    """The PR number when Location is exactly one upstream PR URL, else None."""
    found = _PR_URL.fullmatch(location.strip().strip("`"))
    if found is None:
        return None
    hit = patterns["ids.upstream_pr_ref"].hit(found.group("path"))
    if hit is None or hit.start() != 0 or hit.end() != len(found.group("path")) or "/pull/" not in hit.group(0):
        return None
    del upstream  # the pattern already carries {{upstream}}
    return int(hit.group("number"))


def description(finding: MdFinding) -> str:
    """Details, Impact, Reproduction steps, then the provenance lines and the recommended fix (unsanitised)."""
    pieces: list[str] = []
    if finding.parts.get("details"):
        pieces.append(finding.parts["details"])
    if finding.parts.get("impact"):
        pieces.append(f"#### Impact\n\n{finding.parts['impact']}")
    if finding.parts.get("reproduction"):
        pieces.append(f"#### Reproduction steps\n\n{finding.parts['reproduction']}")
    lines: list[str] = []
    location = finding.parts.get("location")
    if location:
        lines.append(f"Location: {' '.join(location.split())}")
    source = finding.repository + (f" @ {finding.branch}" if finding.branch else "")
    lines.append(f"Source: {source}")
    category = finding.metadata.get("category")
    if category and category.strip():
        lines.append(f"Reported category: {_clean_line(category)}")
    reported = finding.severity
    if finding.reported_severity and finding.reported_severity.upper() != finding.severity:
        reported = f"{finding.severity} (the file said {finding.reported_severity!r})"
    lines.append(f"Source-reported severity: {reported}")
    pieces.append("  \n".join(lines))
    if finding.parts.get("fix"):
        pieces.append(
            "<details>\n<summary>Recommended fix (per the source markdown)</summary>\n\n"
            f"{finding.parts['fix']}\n\n</details>"
        )
    return "\n\n".join(pieces)


def map_finding(
    finding: MdFinding,
    *,
    basename: str,
    upstream: str,
    security_list: str,
    credit: str | None,
    patterns: PatternSet,
) -> MdMapped:
    """The §5.15 field mapping; nothing parsed from the file reaches a parsed field (D12)."""
    sanitised = sanitise_body(description(finding), patterns)
    pr_number = upstream_pr(finding.parts.get("location", ""), upstream, patterns)
    values: dict[Field, str] = {
        Field.ISSUE_DESCRIPTION: sanitised.text,
        Field.PUBLIC_SUMMARY: NO_RESPONSE,
        Field.AFFECTED_VERSIONS: NO_RESPONSE,
        Field.SECURITY_THREAD: render_thread(sentinel_md(basename, security_list)),
        Field.PUBLIC_ADVISORY_URL: NO_RESPONSE,
        Field.REPORTER_CREDIT: credit or NO_RESPONSE,
        Field.PR_WITH_FIX: f"https://github.com/{upstream}/pull/{pr_number}" if pr_number else NO_RESPONSE,
        Field.REMEDIATION_DEVELOPER: NO_RESPONSE,
        Field.CWE: NO_RESPONSE,
        Field.SEVERITY: SEVERITY_UNSET,
        Field.CVE_TOOL_LINK: NO_RESPONSE,
    }
    title = finding.title or f"Untitled finding {finding.number} from {basename}"
    return MdMapped(title, values, sanitised.notes, pr_number)
