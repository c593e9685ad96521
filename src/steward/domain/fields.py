"""The tracker body codec of spec §2.2–§2.3: fence-aware reading and byte-preserving field surgery.

Humans edit tracker bodies by hand, so a write must touch only the value it
changes: every other byte (odd spacing, unknown sections, the CVE JSON block)
survives. Headings come from `tracker.body_fields`, so every function takes the
heading mapping instead of naming a heading itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from steward.domain.roles import DEFAULT_HEADINGS, NO_RESPONSE, OPTIONAL_SECTIONS, SEVERITY_UNSET, Field
from steward.patterns import fixed, norm

Headings = Mapping[Field, str]

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_BLANK_TAIL = re.compile(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)\Z")
_UNSET = frozenset({"", "_no response_", "*no response*"})


class BodyFormatError(ValueError):
    """The body cannot be split into fields; callers map it to exit 2 (`--body-file`) or 3 (stored tracker)."""


@dataclass(frozen=True)
class Section:
    """One `### ` section: `start` is its heading line, the raw value is `body[value_start:end]`."""

    heading: str
    field: Field | None
    line: int
    start: int
    heading_end: int
    value_start: int
    end: int
    value: str


@dataclass(frozen=True)
class ParsedBody:
    body: str
    values: dict[Field, str]
    sections: tuple[Section, ...]
    preamble: str
    cve_json_start: int | None

    def section(self, role: Field) -> Section | None:
        return next((s for s in self.sections if s.field is role), None)


@dataclass(frozen=True)
class _Boundary:
    kind: str  # "heading" or "marker"
    line: int
    start: int
    content_end: int
    end: int
    heading: str


def _lines(text: str) -> Iterator[tuple[int, int, int, int]]:
    """(1-based number, start, end of content, end including the line break); CR, LF and CRLF all end a line."""
    pos, number = 0, 0
    while pos < len(text):
        found = _LINE.match(text, pos)
        assert found is not None  # the pattern matches the empty string
        number += 1
        content = found.group(0).rstrip("\r\n")
        yield number, pos, pos + len(content), found.end()
        pos = found.end()


def _closes(content: str, char: str, length: int) -> bool:
    return re.fullmatch(r" {0,3}" + re.escape(char) + "{" + str(length) + r",} *", content) is not None


def _is_begin_marker(content: str) -> bool:
    steward = fixed()["markers.steward"].hit(content)
    if steward is not None and steward.group("name") == "cve-json-begin":
        return True
    legacy = fixed()["markers.legacy_cve_json"].hit(content)
    return legacy is not None and legacy.start() == 0


def _boundaries(text: str, what: str) -> list[_Boundary]:
    """Every heading line and CVE JSON begin marker outside fences; raises on a fence left open."""
    heading_line = fixed()["codec.heading_line"]
    fence_open = fixed()["codec.fence_open"]
    fence: tuple[str, int, int] | None = None
    found: list[_Boundary] = []
    seen_marker = False
    for number, start, content_end, end in _lines(text):
        content = text[start:content_end]
        if fence is not None:
            if _closes(content, fence[0], fence[1]):
                fence = None
            continue
        if heading_line.hit(content):
            found.append(_Boundary("heading", number, start, content_end, end, content[4:].rstrip(" \t")))
            continue
        if not seen_marker and _is_begin_marker(content):
            seen_marker = True
            found.append(_Boundary("marker", number, start, content_end, end, ""))
            continue
        opened = fence_open.hit(content)
        if opened is not None:
            mark = opened.group("fence")
            fence = (mark[0], len(mark), number)
    if fence is not None:
        raise BodyFormatError(
            f"{what} has a code fence opened on line {fence[2]} that is never closed; "
            f"close it with a line of at least {fence[1]} {fence[0]!r} characters."
        )
    return found


def parse_fields(body: str, headings: Headings = DEFAULT_HEADINGS) -> ParsedBody:
    """Split a body into sections; a duplicated known heading or an unclosed fence raises BodyFormatError."""
    known = {norm(text): role for role, text in headings.items()}
    bounds = _boundaries(body, "The body")
    sections: list[Section] = []
    values: dict[Field, str] = {}
    first_line: dict[Field, int] = {}
    cve_json_start = next((b.start for b in bounds if b.kind == "marker"), None)
    for index, bound in enumerate(bounds):
        if bound.kind != "heading":
            continue
        end = bounds[index + 1].start if index + 1 < len(bounds) else len(body)
        role = known.get(norm(bound.heading))
        value = body[bound.end : end].strip()
        if role is not None:
            if role in values:
                raise BodyFormatError(
                    f"The body has the heading '### {bound.heading}' twice (lines {first_line[role]} and "
                    f"{bound.line}); merge the two sections into one."
                )
            values[role] = value
            first_line[role] = bound.line
        sections.append(Section(bound.heading, role, bound.line, bound.start, bound.content_end, bound.end, end, value))
    preamble = body[: bounds[0].start] if bounds else body
    return ParsedBody(body, values, tuple(sections), preamble, cve_json_start)


def is_unset(value: str | None, role: Field | None = None) -> bool:
    """§2.3: `_No response_`, `*No response*` and blank are unset, and for Severity so is `Unknown`."""
    if value is None:
        return True
    folded = value.strip().casefold()
    return folded in _UNSET or (role is Field.SEVERITY and folded == SEVERITY_UNSET.casefold())


def field_value(parsed_or_body: ParsedBody | str, role: Field, headings: Headings = DEFAULT_HEADINGS) -> str | None:
    """The field's stripped value, or None when the heading is missing or the value is unset."""
    parsed = parse_fields(parsed_or_body, headings) if isinstance(parsed_or_body, str) else parsed_or_body
    value = parsed.values.get(role)
    return None if is_unset(value, role) else value


def written_value(role: Field, value: str) -> str:
    """What a writer stores: the stripped value, or the §2.3 empty form."""
    if is_unset(value, role):
        return SEVERITY_UNSET if role is Field.SEVERITY else NO_RESPONSE
    return value.strip()


def check_value(value: str, heading: str) -> None:
    """A value must not end the section it is written into: no heading, begin marker or open fence."""
    what = f"The value for '### {heading}'"
    for bound in _boundaries(value, what):
        thing = "a '### ' heading" if bound.kind == "heading" else "a CVE JSON begin marker"
        raise BodyFormatError(
            f"{what} has {thing} on its line {bound.line}; demote the heading to '####' or remove the marker."
        )


def _insert_at(parsed: ParsedBody, role: Field) -> int:
    """§2.1 order: before the next known field present, else after the previous one, else before optional sections."""
    order = list(Field)
    here = order.index(role)
    present = {s.field: s for s in parsed.sections if s.field is not None}
    for later in order[here + 1 :]:
        if later in present:
            return present[later].start
    for earlier in reversed(order[:here]):
        if earlier in present:
            return present[earlier].end
    optional = {norm(name) for name in OPTIONAL_SECTIONS}
    for section in parsed.sections:
        if norm(section.heading) in optional:
            return section.start
    if parsed.cve_json_start is not None:
        return parsed.cve_json_start
    return len(parsed.body)


def set_field(body: str, role: Field, value: str, headings: Headings = DEFAULT_HEADINGS) -> str:
    """Replace one field's value (inserting the heading if missing); the identical string when unchanged."""
    parsed = parse_fields(body, headings)
    text = written_value(role, value)
    check_value(text, headings[role])
    section = parsed.section(role)
    if section is not None:
        if section.value == text:
            return body
        line_break = "\n" if section.value_start == section.heading_end else ""
        tail = "\n" if section.end < len(body) else ""
        return body[: section.value_start] + line_break + "\n" + text + "\n" + tail + body[section.end :]
    at = _insert_at(parsed, role)
    before = body[:at]
    if not before or _BLANK_TAIL.search(before):
        gap = ""
    elif before.endswith(("\n", "\r")):
        gap = "\n"
    else:
        gap = "\n\n"
    tail = "\n" if at < len(body) else ""
    return before + gap + f"### {headings[role]}\n\n{text}\n" + tail + body[at:]


def render_body(
    values: Mapping[Field, str],
    headings: Headings = DEFAULT_HEADINGS,
    extra_sections: Sequence[tuple[str, str]] = (),
) -> str:
    """The canonical body: all 11 fields in §2.1 order, then the extra (optional) sections."""
    parts: list[str] = []
    for role in Field:
        text = written_value(role, values.get(role, ""))
        check_value(text, headings[role])
        parts.append(f"### {headings[role]}\n\n{text}\n")
    for heading, raw in extra_sections:
        text = raw.strip()
        check_value(text, heading)
        parts.append(f"### {heading}\n\n{text}\n")
    return "\n".join(parts)
