"""Body sanitisation, spec §5.11 steps 1–5: inbound text made safe to write into a tracker.

The tracker body codec splits on `### ` lines outside fences and reads `<!-- steward: … -->` markers, so inbound
text must never carry either. Steps, in the spec's order: strip `sanitise.strip_chars` and every `<!--`; check
that fences and `<details>` balance; well-formed text has its markdown defused outside fences and code spans,
malformed text is kept verbatim inside one `~` fence; injection attempts get a banner.

Rules are deliberately stronger than CommonMark where that is cheaper to get right:
- every `![` outside code becomes `[image: ` (no image can be formed without one);
- a link is de-linked by breaking `](` into `] (` unless its destination starts with http:, https: or mailto:;
  reference definitions with another destination are escaped (`\\[label]: …`);
- a raw tag is rebuilt through nh3 when allowed and removed otherwise (script/style with their content, as
  nh3 does); any other `<` that could open markup becomes `&lt;` (it renders the same);
- the transformation is repeated until it changes nothing, so the output is its own fixpoint (idempotent), and a
  result that is no longer well-formed (a removed tag exposing a fence) falls back to the malformed path.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import nh3

from steward.patterns import PatternSet, fixed

BANNER = (
    "> [!IMPORTANT]\n> This report contains text addressed to automated tools. It is data; nothing in it was acted on."
)
MALFORMED_NOTE = "Body markdown was malformed at import (unclosed {indicator}); kept verbatim inside a fence."
ALLOWED_TAGS = frozenset(
    {"a", "b", "br", "code", "del", "details", "em", "i", "li", "ol", "p", "pre", "strong", "summary", "ul"}
)
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_CONTENT_DROPPED = frozenset({"script", "style"})
_MAX_ROUNDS = 8

_FENCE_ONLY = re.compile(r"^( {0,3}(?:`{3,}|~{3,}))[ \t]+$", re.M)
_HEADING = re.compile(r"^( {0,3})#{1,3}(?=[ \t]|$)", re.M)
_DETAILS = re.compile(r"<(/?)details(?=[\s/>])[^>]*>", re.I)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BACKTICKS = re.compile(r"`+")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,31}):")
_ATTRS = r"(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']{0,2000}'|\"[^\"]{0,2000}\"))?)*"
_MARKUP = re.compile(
    r"(?P<cdata><!\[CDATA\[.{0,10000}?\]\]>)"
    r"|(?P<decl><![A-Za-z][^>]{0,10000}>)"
    r"|(?P<pi><\?.{0,10000}?\?>)"
    r"|(?P<autolink><[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)"
    r"|(?P<close></(?P<cname>[A-Za-z][A-Za-z0-9-]*)\s*>)"
    r"|(?P<open><(?P<oname>[A-Za-z][A-Za-z0-9-]*)" + _ATTRS + r"\s*/?>)"
    r"|(?P<stray><(?=[A-Za-z/!?]))",
    re.S,
)
_NH3_TAG = re.compile(r'<[a-z]+(?: [a-z-]+="[^"]*")*>')
_IMAGE = re.compile(r"(?<!\\)(\\*)(!+)\[")
_LINK_OPEN = re.compile(r"\]\(")
_REF_DEF = re.compile(r"^( {0,3})(\[(?!\^)[^\]\n]+\]:)([ \t]*\n?[ \t]*)(<?)([^\s>]*)", re.M)


@dataclass(frozen=True)
class SanitisedBody:
    """`malformed` names the unbalanced indicator (a fence run, `<details>` or `</details>`), else None."""

    text: str
    notes: tuple[str, ...]
    injection_flagged: bool
    malformed: str | None


@dataclass
class _Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        if n:
            self.counts[what] += n


# ---------------------------------------------------------------------------------------------- structure


def _fence_pattern() -> re.Pattern[str]:
    return fixed()["codec.fence_open"].patterns[0][1]


def _closes(line: str, char: str, length: int) -> bool:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = len(stripped) - len(stripped.lstrip(char))
    return run >= length and stripped[run:].strip(" ") == ""


def segments(text: str) -> tuple[list[tuple[bool, str]], str | None]:
    """(is_fence, text) runs of whole lines, and the indicator of an unclosed fence if there is one."""
    opener = _fence_pattern()
    result: list[tuple[bool, str]] = []
    current: list[str] = []
    fence: tuple[str, int] | None = None
    for line in text.split("\n"):
        if fence is None:
            found = opener.match(line)
            if found is None:
                current.append(line)
                continue
            if current:
                result.append((False, "\n".join(current)))
            current = [line]
            run = found.group("fence")
            fence = (run[0], len(run))
        else:
            current.append(line)
            if _closes(line, *fence):
                result.append((True, "\n".join(current)))
                current = []
                fence = None
    if fence is not None:
        result.append((True, "\n".join(current)))
        return result, fence[0] * fence[1]
    if current:
        result.append((False, "\n".join(current)))
    return result, None


def code_spans(text: str) -> list[tuple[int, int]]:
    """Inline code spans as (start, end): a backtick run closed by the next run of the same length in its paragraph."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    breaks = [m.start() for m in _BLANK_LINE.finditer(text)]
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        before = start
        while before > 0 and text[before - 1] == "\\":
            before -= 1
        if (start - before) % 2:
            start += 1
        length = end - start
        candidates = by_length.get(length, []) if length else []
        pos = bisect.bisect_right(candidates, index)
        limit_at = bisect.bisect_left(breaks, end)
        limit = breaks[limit_at] if limit_at < len(breaks) else len(text)
        if pos < len(candidates) and runs[candidates[pos]][0] < limit:
            close = candidates[pos]
            spans.append((start, runs[close][1]))
            index = close + 1
        else:
            index += 1
    return spans


def _details_problem(prose: str) -> str | None:
    depth = 0
    for piece, is_code in _pieces(prose):
        if is_code:
            continue
        for match in _DETAILS.finditer(piece):
            if match.group(1):
                if depth == 0:
                    return "</details>"
                depth -= 1
            else:
                depth += 1
    return "<details>" if depth else None


def structure_problem(text: str) -> str | None:
    """The §5.11 step 2 check: None when fences and `<details>` balance, else the unclosed indicator."""
    parts, fence = segments(text)
    if fence is not None:
        return fence
    prose = "\n".join(chunk for is_fence, chunk in parts if not is_fence)
    return _details_problem(prose)


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_code_span) in order."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in code_spans(text):
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text) or not out:
        out.append((text[pos:], False))
    return out


# ---------------------------------------------------------------------------------------------- steps


def _strip(text: str, patterns: PatternSet, tally: _Tally) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for _, pattern in patterns["sanitise.strip_chars"].patterns:
        text, n = pattern.subn("", text)
        tally.add("control", n)
    text = _FENCE_ONLY.sub(r"\1", text)
    return _no_comments(text, tally)


def _no_comments(text: str, tally: _Tally) -> str:
    count = text.count("<!--")
    tally.add("comment", count)
    return text.replace("<!--", "&lt;!--") if count else text


def _allowed_tag(tag: str) -> str | None:
    cleaned = nh3.clean(
        tag,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(),
        attributes={"a": {"href"}},
        url_schemes=set(LINK_SCHEMES),
        link_rel=None,
        url_relative="deny",
    )
    found = _NH3_TAG.match(cleaned)
    return found.group(0) if found else None


def _html(piece: str, tally: _Tally) -> str:
    out: list[str] = []
    pos = 0
    for match in _MARKUP.finditer(piece):
        if match.start() < pos:
            continue
        out.append(piece[pos : match.start()])
        pos = match.end()
        kind = match.lastgroup
        text = match.group(0)
        if kind == "autolink":
            scheme = _SCHEME.match(text[1:])
            if scheme is not None and scheme.group(1).lower() in LINK_SCHEMES:
                out.append(text)
            else:
                out.append("&lt;" + text[1:])
                tally.add("link")
        elif kind == "stray":
            out.append("&lt;")
        elif kind == "close" and match.group("cname").lower() in ALLOWED_TAGS - {"br"}:
            out.append(f"</{match.group('cname').lower()}>")
        elif kind == "open" and match.group("oname").lower() in ALLOWED_TAGS:
            rebuilt = _allowed_tag(text)
            out.append(rebuilt or "")
            if rebuilt != text:
                tally.add("tag")
        else:
            tally.add("tag")
            name = (match.group("oname") or "").lower()
            if kind == "open" and name in _CONTENT_DROPPED:
                end = re.compile(rf"</{name}\s*>", re.I).search(piece, pos)
                if end is not None:
                    pos = end.end()
    out.append(piece[pos:])
    return "".join(out)


def _images(piece: str, tally: _Tally) -> str:
    def repl(match: re.Match[str]) -> str:
        slashes, bangs = match.group(1), match.group(2)
        escaped = len(slashes) % 2 == 1
        if escaped and len(bangs) == 1:
            return match.group(0)
        tally.add("image")
        middle = "!" + "\\!" * (len(bangs) - 2) if escaped else "\\!" * (len(bangs) - 1)
        return slashes + middle + "[image: "

    return _IMAGE.sub(repl, piece)


def _allowed_destination(text: str) -> bool:
    dest = text.lstrip(" \t")
    dest = dest.removeprefix("\n").lstrip(" \t").removeprefix("<")
    scheme = _SCHEME.match(dest)
    return scheme is not None and scheme.group(1).lower() in LINK_SCHEMES


def _links(piece: str, tally: _Tally) -> str:
    out: list[str] = []
    pos = 0
    for match in _LINK_OPEN.finditer(piece):
        if not _allowed_destination(piece[match.end() : match.end() + 200]):
            out.append(piece[pos : match.start()] + "] (")
            pos = match.end()
            tally.add("link")
    out.append(piece[pos:])
    return "".join(out)


def _ref_defs(prose: str, tally: _Tally) -> str:
    def repl(match: re.Match[str]) -> str:
        if _allowed_destination(match.group(3) + match.group(4) + match.group(5)):
            return match.group(0)
        tally.add("link")
        return match.group(1) + "\\" + match.group(0)[len(match.group(1)) :]

    return _REF_DEF.sub(repl, prose)


def _map_text(prose: str, transform: Callable[[str], str]) -> str:
    return "".join(piece if is_code else transform(piece) for piece, is_code in _pieces(prose))


def _mentions(prose: str, patterns: PatternSet, tally: _Tally) -> str:
    spans = code_spans(prose)
    starts = [s for s, _ in spans]
    longest = max((len(m.group(0)) for m in _BACKTICKS.finditer(prose)), default=0)
    ticks = "`" * (longest + 1)
    hits: list[tuple[int, int]] = []
    for _, pattern in patterns["sanitise.mention"].patterns:
        for match in pattern.finditer(prose):
            at = bisect.bisect_right(starts, match.start()) - 1
            if at >= 0 and spans[at][0] <= match.start() < spans[at][1]:
                continue
            hits.append((match.start(), match.end()))
    out: list[str] = []
    pos = 0
    for start, end in sorted(hits):
        if start < pos:
            continue
        out.append(prose[pos:start] + ticks + prose[start:end] + ticks)
        pos = end
        tally.add("mention")
    out.append(prose[pos:])
    return "".join(out)


def _headings(prose: str, tally: _Tally) -> str:
    text, n = _HEADING.subn(r"\1####", prose)
    tally.add("heading", n)
    return text


def _defuse_prose(prose: str, patterns: PatternSet, tally: _Tally) -> str:
    prose = _map_text(prose, lambda piece: _links(_images(_html(piece, tally), tally), tally))
    prose = _ref_defs(prose, tally)
    prose = _mentions(prose, patterns, tally)
    return _headings(prose, tally)


def _defuse(text: str, patterns: PatternSet, tally: _Tally) -> str:
    parts, _ = segments(text)
    out = [chunk if is_fence else _defuse_prose(chunk, patterns, tally) for is_fence, chunk in parts]
    return _no_comments("\n".join(out), tally)


def wrap_in_fence(text: str) -> str:
    """The whole text inside a `~` fence longer than any `~` run that starts one of its lines."""
    longest = max((len(m.group(1)) for m in re.finditer(r"^ {0,3}(~+)", text, re.M)), default=0)
    fence = "~" * max(3, longest + 1)
    return f"{fence}\n{text}{'' if text.endswith(chr(10)) or not text else chr(10)}{fence}"


def _split_banner(text: str) -> tuple[str, bool]:
    if text.startswith(BANNER):
        rest = text[len(BANNER) :]
        return rest[2:] if rest.startswith("\n\n") else rest.removeprefix("\n"), True
    return text, False


_NOTE_TEXT = {
    "control": "{n} NUL/bidi control character(s) removed",
    "comment": "{n} HTML comment opener(s) rewritten as &lt;!--",
    "tag": "{n} raw HTML tag(s) removed or rebuilt by the allow-list",
    "image": "{n} image(s) turned into links",
    "link": "{n} link(s) with a scheme other than http, https or mailto de-linked",
    "mention": "{n} @mention(s) wrapped in inline code",
    "heading": "{n} heading(s) demoted to ####",
}


def sanitise_body(text: str, patterns: PatternSet) -> SanitisedBody:
    """§5.11 steps 1–5 on inbound text (already plain text: message.py turns HTML-only mail into text)."""
    tally = _Tally()
    body, had_banner = _split_banner(text)
    body = _strip(body, patterns, tally)
    defused = _Tally()
    flagged = had_banner or patterns["intake.injection_patterns"].hit(body) is not None
    problem = structure_problem(body)
    result = body
    if problem is None:
        for _ in range(_MAX_ROUNDS):
            step = _defuse(result, patterns, defused)
            if step == result:
                break
            result = step
        if structure_problem(result) is not None:
            problem = structure_problem(result)
    if problem is None:
        tally.counts.update(defused.counts)
    notes = [_NOTE_TEXT[key].format(n=n) for key, n in tally.counts.items()]
    if problem is not None:
        result = wrap_in_fence(body)
        notes.append(MALFORMED_NOTE.format(indicator=problem))
    result = _no_comments(result, tally)
    if flagged:
        result = f"{BANNER}\n\n{result}"
        notes.append("text addressed to automated tools flagged (intake.injection_patterns)")
    return SanitisedBody(result, tuple(notes), flagged, problem)
