"""Comment markers of spec §2.6: `<!-- steward: <name>[ k=v…] v1 -->` on line 1.

A marker is trusted only on line 1 of a comment by steward, a roster member or a
`tracker.bot_logins` login; anywhere else it is text, so a reporter quoting a
marker can never impersonate a steward comment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from steward.patterns import fixed

_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_KEY = re.compile(r"[a-z][a-z_]*\Z")
_VALUE = re.compile(r"[^\s>]+\Z")
_ARG = re.compile(r" ([a-z][a-z_]*)=([^\s>]+)")

ROLLUP = "status-rollup"


@dataclass(frozen=True)
class Marker:
    """A parsed marker; `legacy` is True for a `markers.legacy_rollup` line (args: slug, version)."""

    name: str
    args: tuple[tuple[str, str], ...] = ()
    legacy: bool = False

    def get(self, key: str) -> str | None:
        return next((v for k, v in self.args if k == key), None)


def render_marker(name: str, **args: str | int) -> str:
    """The marker line; arguments keep the order given."""
    if not _NAME.match(name):
        raise ValueError(f"marker name {name!r} must be lower-case letters, digits and '-', starting with a letter.")
    parts = [f"<!-- steward: {name}"]
    for key, raw in args.items():
        value = str(raw)
        if not _KEY.match(key):
            raise ValueError(f"marker key {key!r} must be lower-case letters and '_', starting with a letter.")
        if not _VALUE.match(value):
            raise ValueError(f"marker value {value!r} for {key} must be non-empty without spaces or '>'.")
        parts.append(f" {key}={value}")
    parts.append(" v1 -->")
    return "".join(parts)


def parse_marker(line: str) -> Marker | None:
    """The steward marker at the start of `line` (`markers.steward`), or None."""
    found = fixed()["markers.steward"].hit(line)
    if found is None:
        return None
    return Marker(found.group("name"), tuple(_ARG.findall(found.group("args"))))


def parse_legacy_rollup(line: str) -> Marker | None:
    """The legacy rollup marker (`markers.legacy_rollup`) at the start of `line`, as a status-rollup marker."""
    found = fixed()["markers.legacy_rollup"].hit(line)
    if found is None:
        return None
    return Marker(ROLLUP, (("slug", found.group("slug")), ("version", found.group("version"))), legacy=True)


def first_line(body: str) -> str:
    return body.split("\n", 1)[0].removesuffix("\r")


def comment_marker(body: str, author: str, trusted_authors: Iterable[str]) -> Marker | None:
    """The marker of a comment: line 1 only, and only when the author is trusted (case-insensitive login)."""
    login = _login(author)
    if login not in {_login(a) for a in trusted_authors}:
        return None
    line = first_line(body)
    return parse_marker(line) or parse_legacy_rollup(line)


def _login(name: str) -> str:
    return name.strip().removeprefix("@").casefold()
