"""The status rollup codec of spec §2.5: one audit narrative per tracker, split into parts past 60,000 characters.

The rollup is both what humans read and what `audit verify` checks, so the
writer emits exactly one shape and the reader parses exactly that shape back;
anything else in a rollup comment is bad stored content, not something to guess at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from steward.domain.markers import ROLLUP, first_line, parse_legacy_rollup, parse_marker, render_marker

PART_LIMIT = 60_000
SEPARATOR = "\n\n---\n\n"
_SUMMARY = re.compile(r"<details><summary>(\d{4}-\d{2}-\d{2}) · @([^\s·]+) · (.+)</summary>\Z")
_AUDIT = re.compile(r"[0-9a-f]{16}\Z")
_USER = re.compile(r"[^\s·]+\Z")
_NEXT = "**Next:** "
_NOTIFICATION_FORMS = (
    re.compile(r"Reporter notification drafted: (?P<draft>\S+)\.\Z"),
    re.compile(r"Reporter draft (?P<draft>\S+) is no longer in Drafts — sent or discarded\.\Z"),
    re.compile(r"No reporter notification: (?P<event>.+) is not relayed in via-forwarder mode\.\Z"),
    re.compile(r"No reporter notification: reporter is on the security team\.\Z"),
    re.compile(r"No reporter notification: no reporter on this path \((?P<path>.+)\)\.\Z"),
    re.compile(r"Reporter notification suppressed by configuration \((?P<key>[^=\s]+)=(?P<value>.*)\)\.\Z"),
    re.compile(r"No reporter notification: no reporter-facing event\.\Z"),
)


def notification_drafted(draft_id: str) -> str:
    return f"Reporter notification drafted: {draft_id}."


def notification_draft_gone(draft_id: str) -> str:
    return f"Reporter draft {draft_id} is no longer in Drafts — sent or discarded."


def notification_not_relayed(event: str) -> str:
    return f"No reporter notification: {event} is not relayed in via-forwarder mode."


def notification_reporter_on_team() -> str:
    return "No reporter notification: reporter is on the security team."


def notification_no_reporter(path: str) -> str:
    return f"No reporter notification: no reporter on this path ({path})."


def notification_suppressed(key: str, value: str) -> str:
    return f"Reporter notification suppressed by configuration ({key}={value})."


def notification_no_event() -> str:
    return "No reporter notification: no reporter-facing event."


def is_notification_line(line: str) -> bool:
    """True when `line` is one of the seven §2.5 reporter-notification forms."""
    return any(form.match(line) for form in _NOTIFICATION_FORMS)


@dataclass(frozen=True)
class RollupEntry:
    date: dt.date
    user: str
    """The login, without `@`."""
    action: str
    headline: str
    """Without the `**` that render adds."""
    items: tuple[str, ...]
    next: str
    notification: str
    audit: str
    """The first 16 hex digits of the audit head."""


def validate_entry(entry: RollupEntry) -> None:
    """Refuse an entry the reader could not parse back, or one without exactly one notification line."""
    named = [("user", entry.user), ("action", entry.action), ("headline", entry.headline), ("next", entry.next)]
    named += [("notification", entry.notification), ("audit", entry.audit)]
    named += [(f"item {i + 1}", item) for i, item in enumerate(entry.items)]
    for name, value in named:
        if not value or "\n" in value or "\r" in value or value != value.strip():
            raise ValueError(f"rollup entry {name} {value!r} must be one non-empty line without surrounding spaces.")
    if not _USER.match(entry.user):
        raise ValueError(f"rollup entry user {entry.user!r} must be a login without spaces or '·'.")
    if "</summary>" in entry.action:
        raise ValueError("rollup entry action must not contain '</summary>'.")
    if not _AUDIT.match(entry.audit):
        raise ValueError(f"rollup entry audit {entry.audit!r} must be 16 lower-case hex digits of the audit head.")
    if not is_notification_line(entry.notification):
        raise ValueError(f"rollup entry notification {entry.notification!r} is not one of the seven §2.5 forms.")
    extra = [item for item in entry.items if is_notification_line(item)]
    if extra:
        raise ValueError(f"rollup entry needs exactly one notification line; item {extra[0]!r} is another.")


def render_entry(entry: RollupEntry) -> str:
    validate_entry(entry)
    lines = [
        f"<details><summary>{entry.date.isoformat()} · @{entry.user} · {entry.action}</summary>",
        "",
        f"**{entry.headline}**",
        *(f"- {item}" for item in entry.items),
        f"{_NEXT}{entry.next}",
        entry.notification,
        f"Audit: {entry.audit}",
        "",
        "</details>",
    ]
    return "\n".join(lines)


def parse_entry(text: str) -> RollupEntry:
    """One entry, as `render_entry` writes it; raises ValueError naming the line that does not fit."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) < 8:
        raise ValueError(f"rollup entry has {len(lines)} lines, fewer than the 8 an entry needs.")
    summary = _SUMMARY.match(lines[0])
    if summary is None:
        raise ValueError(
            f"rollup entry line 1 {lines[0][:80]!r} is not '<details><summary>DATE · @user · Action</summary>'."
        )
    try:
        date = dt.date.fromisoformat(summary.group(1))
    except ValueError as exc:
        raise ValueError(f"rollup entry date {summary.group(1)!r} is not a calendar date.") from exc
    if lines[1] != "" or lines[-2] != "" or lines[-1] != "</details>":
        raise ValueError(
            "rollup entry must have a blank line after the summary and end with a blank line and '</details>'."
        )
    headline = lines[2]
    if not (len(headline) > 4 and headline.startswith("**") and headline.endswith("**")):
        raise ValueError(f"rollup entry line 3 {headline[:80]!r} is not a bold headline.")
    body = lines[3:-2]
    if len(body) < 3 or not body[-1].startswith("Audit: ") or not body[-3].startswith(_NEXT):
        raise ValueError("rollup entry must end with '**Next:** …', one notification line and 'Audit: …' lines.")
    items = body[:-3]
    bad = next((line for line in items if not line.startswith("- ")), None)
    if bad is not None:
        raise ValueError(f"rollup entry line {bad[:80]!r} is neither a '- ' item nor the Next line.")
    entry = RollupEntry(
        date=date,
        user=summary.group(2),
        action=summary.group(3),
        headline=headline[2:-2],
        items=tuple(line[2:] for line in items),
        next=body[-3][len(_NEXT) :],
        notification=body[-2],
        audit=body[-1][len("Audit: ") :],
    )
    validate_entry(entry)
    return entry


def rollup_part(body: str) -> int | None:
    """The part number of a rollup comment body (1 for the first part and the legacy rollup), or None."""
    line = first_line(body)
    marker = parse_marker(line)
    if marker is not None and marker.name == ROLLUP:
        part = marker.get("part")
        if part is None:
            return 1
        return int(part) if part.isdigit() else None
    if parse_legacy_rollup(line) is not None:
        return 1
    return None


def _entries_of(body: str) -> list[str]:
    rest = body.replace("\r\n", "\n").split("\n", 1)
    text = rest[1].strip() if len(rest) > 1 else ""
    return text.split(SEPARATOR) if text else []


def _ordered(comment_bodies: Sequence[str]) -> list[tuple[int, str]]:
    parts: dict[int, str] = {}
    for index, body in enumerate(comment_bodies):
        part = rollup_part(body)
        if part is None:
            raise ValueError(f"comment {index + 1} does not start with a status-rollup marker on line 1.")
        if part in parts:
            raise ValueError(f"two status-rollup comments carry part {part}; merge them into one before continuing.")
        parts[part] = body
    return sorted(parts.items())


def parse_rollup(comment_bodies: Sequence[str]) -> list[RollupEntry]:
    """Every entry of the rollup, oldest first, joining the parts in part order."""
    entries: list[RollupEntry] = []
    for part, body in _ordered(comment_bodies):
        for index, text in enumerate(_entries_of(body)):
            try:
                entries.append(parse_entry(text))
            except ValueError as exc:
                raise ValueError(f"status-rollup part {part}, entry {index + 1}: {exc}") from exc
    return entries


def part_header(part: int) -> str:
    return render_marker(ROLLUP) if part == 1 else render_marker(ROLLUP, part=part)


def append_entry(existing_parts: Sequence[str], entry: RollupEntry) -> list[str]:
    """All rollup comment bodies after appending `entry`: the last part grows, or a new part starts past the limit."""
    rendered = render_entry(entry)
    ordered = _ordered(existing_parts)
    if ordered:
        last_part, last_body = ordered[-1]
        grown = last_body.rstrip("\n") + (SEPARATOR if _entries_of(last_body) else "\n\n") + rendered
        if len(grown) <= PART_LIMIT:
            return [body for _, body in ordered[:-1]] + [grown]
    else:
        last_part = 0
    fresh = f"{part_header(last_part + 1)}\n\n{rendered}"
    if len(fresh) > PART_LIMIT:
        raise ValueError(
            f"rollup entry is {len(rendered)} characters, more than one {PART_LIMIT}-character comment holds; "
            "list fewer items per entry."
        )
    return [body for _, body in ordered] + [fresh]
