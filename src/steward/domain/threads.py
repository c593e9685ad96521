"""Security-mailing-list thread lines (spec §2.4) and the primary-thread rule (§9.3).

Each line names one inbound thread by its root Message-ID, which is what reply
drafts thread on. Legacy lines are still read as threads so that nothing the
reference wrote is lost; sync then proposes the canonical form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from steward.domain.fields import is_unset
from steward.patterns import fixed

SentinelKind = Literal["pr", "md", "scan"]


@dataclass(frozen=True)
class ThreadRef:
    """A canonical line; `relay` is the adapter of ` (via <adapter>)`, `annotation` any other bracketed note."""

    url: str | None
    message_id: str
    relay: str | None = None
    annotation: str | None = None


@dataclass(frozen=True)
class Sentinel:
    """`N/A — …`: the tracker has no mail thread (opened from a PR, a markdown file or a scan)."""

    kind: SentinelKind
    text: str


@dataclass(frozen=True)
class LegacyThread:
    """A bare permalink or `No public archive URL — tracked privately on thread <id>`, kept verbatim."""

    text: str
    url: str | None
    message_id: str | None


@dataclass(frozen=True)
class Unparsed:
    """A line that is none of the above; kept so a rewrite never drops it."""

    text: str


ThreadLine = ThreadRef | Sentinel | LegacyThread | Unparsed
Thread = ThreadRef | LegacyThread


@dataclass(frozen=True)
class Ambiguous:
    """Two or more lines without a relay annotation: the operator must say which thread is primary."""

    candidates: tuple[Thread, ...]


_BULLET = re.compile(r"[-*+][ \t]+")
_NA = re.compile(r"N/A[ \t]*(?:—|–|--?)[ \t]*")
_SENTINEL_KINDS: tuple[tuple[SentinelKind, re.Pattern[str]], ...] = (
    ("pr", re.compile(r"opened from public PR\b", re.IGNORECASE)),
    ("md", re.compile(r"imported from markdown\b", re.IGNORECASE)),
    ("scan", re.compile(r"imported from scan\b", re.IGNORECASE)),
)
_ANNOTATION = r"(?:[ \t]+\((?P<note>[^()\n]*)\))?"
_LEGACY_URL = re.compile(r"<?(?P<url>https?://[^\s<>]+)>?" + _ANNOTATION)
_LEGACY_PRIVATE = re.compile(
    r"No public archive URL[ \t]*(?:—|–|--?)[ \t]*tracked privately on thread[ \t]+`?(?P<id><?[^\s`<>]+>?)`?"
    + _ANNOTATION,
    re.IGNORECASE,
)


def _message_id(raw: str) -> str:
    bare = raw.strip().strip("<>")
    return f"<{bare}>"


def parse_thread_line(text: str) -> ThreadLine:
    line = text.strip()
    bullet = _BULLET.match(line)
    if bullet:
        line = line[bullet.end() :]
    canonical = fixed()["threads.line"].hit(line)
    if canonical is not None:
        note = canonical.group("relay")
        if note is not None and note.startswith("via "):
            return ThreadRef(canonical.group("url"), canonical.group("message_id"), note[4:].strip() or None)
        return ThreadRef(canonical.group("url"), canonical.group("message_id"), None, note)
    na = _NA.match(line)
    if na is not None:
        for kind, phrase in _SENTINEL_KINDS:
            if phrase.match(line, na.end()):
                return Sentinel(kind, line)
        return Unparsed(line)
    legacy = _LEGACY_URL.fullmatch(line)
    if legacy is not None:
        return LegacyThread(line, legacy.group("url"), None)
    private = _LEGACY_PRIVATE.fullmatch(line)
    if private is not None:
        return LegacyThread(line, None, _message_id(private.group("id")))
    return Unparsed(line)


def parse_threads(value: str | None) -> list[ThreadLine]:
    """One entry per non-blank line, in order (oldest first); an unset value (§2.3) has none."""
    if value is None or is_unset(value):
        return []
    return [parse_thread_line(raw) for raw in re.split(r"\r\n|\r|\n", value) if raw.strip()]


def to_ref(line: LegacyThread) -> ThreadRef | None:
    """The canonical form sync proposes for a legacy line; None when it names no Message-ID."""
    if line.message_id is None:
        return None
    return ThreadRef(line.url, line.message_id)


def render_thread(line: ThreadLine) -> str:
    """The canonical text of a line; a legacy line without a Message-ID cannot be made canonical and stays."""
    if isinstance(line, ThreadRef):
        head = f"{line.url} · " if line.url else ""
        tail = f" (via {line.relay})" if line.relay else (f" ({line.annotation})" if line.annotation else "")
        return f"{head}Root Message-ID: `{line.message_id}`{tail}"
    if isinstance(line, LegacyThread):
        ref = to_ref(line)
        return render_thread(ref) if ref is not None else line.text
    return line.text


def render_threads(lines: Sequence[ThreadLine]) -> str:
    return "\n".join(render_thread(line) for line in lines)


def sentinel_pr(upstream: str, number: int, security_list: str) -> Sentinel:
    return Sentinel("pr", f"N/A — opened from public PR {upstream}#{number}; no {security_list} thread")


def sentinel_md(basename: str, security_list: str) -> Sentinel:
    return Sentinel("md", f"N/A — imported from markdown file {basename}; no {security_list} thread")


def sentinel_scan(source: str, security_list: str) -> Sentinel:
    return Sentinel("scan", f"N/A — imported from scan {source}; no {security_list} thread")


def is_relayed(line: Thread) -> bool:
    """`threads.relay_annotation` on the line as written (legacy annotations included)."""
    text = render_thread(line) if isinstance(line, ThreadRef) else line.text
    return fixed()["threads.relay_annotation"].hit(text) is not None


def primary_thread(lines: Sequence[ThreadLine]) -> Thread | Ambiguous | None:
    """§9.3: the line without a relay annotation, else the oldest; None when no line names a thread."""
    threads = [line for line in lines if isinstance(line, ThreadRef | LegacyThread)]
    if not threads:
        return None
    direct = [line for line in threads if not is_relayed(line)]
    if len(direct) > 1:
        return Ambiguous(tuple(direct))
    return direct[0] if direct else threads[0]
