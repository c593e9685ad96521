"""The named patterns and phrase lists of defaults.yml (spec G6), compiled once.

The spec writes no pattern inline: every rule asks this module for an entry by
name. Placeholders (`{{upstream}}` and friends) are filled from the project's
configuration; an item or phrase whose placeholder is unset is skipped, and in a
single regex an unset placeholder matches nothing where it stands: the rest of an
alternation still works (`cve|secur|{{tracker_number}}` still finds "cve" with no
tracker number), while a pattern that needs the value everywhere never matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

FLAGS = {"I": re.IGNORECASE, "M": re.MULTILINE, "A": re.ASCII}
SHAPES = ("regex", "items", "phrases", "groups", "names")
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")

Use = Literal["search", "match", "fullmatch", "equals"]
PlaceholderValue = str | Sequence[str] | None


def norm(text: str) -> str:
    """NFC-normalise and fold U+2019, as G6 requires before any match."""
    return unicodedata.normalize("NFC", text).replace("\u2019", "'")


class _Unset(Exception):
    """A placeholder the pattern needs has no value."""


def _alternation(values: Sequence[str]) -> str:
    return "(?:" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + ")"


NOTHING = "(?!)"
"""A regex that matches nowhere: what an unset placeholder becomes inside a single regex."""


def _fill_regex(pattern: str, values: Mapping[str, PlaceholderValue], *, unset: str | None = None) -> str:
    """The pattern with placeholders filled; an unset one raises, or becomes `unset` when given."""

    def sub(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None or value == "" or (not isinstance(value, str) and not [v for v in value if v]):
            if unset is not None:
                return unset
            raise _Unset(m.group(1))
        if isinstance(value, str):
            return re.escape(value)
        return _alternation([v for v in value if v])

    return PLACEHOLDER.sub(sub, pattern)


def _phrase_regex(phrases: Sequence[str], values: Mapping[str, PlaceholderValue]) -> str | None:
    alts: list[str] = []
    for phrase in phrases:
        try:
            text = PLACEHOLDER.sub(lambda m: _scalar(values, m.group(1)), norm(str(phrase)))
        except _Unset:
            continue
        alts.append(r"\s+".join(re.escape(word) for word in text.split()))
    if not alts:
        return None
    alts.sort(key=len, reverse=True)
    return r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)"


def _scalar(values: Mapping[str, PlaceholderValue], name: str) -> str:
    value = values.get(name)
    if not value:
        raise _Unset(name)
    return value if isinstance(value, str) else str(value[0])


@dataclass(frozen=True)
class Entry:
    """One compiled defaults.yml entry; `patterns` holds (item or group name, regex) in order."""

    name: str
    use: Use
    shape: str
    flags: int
    patterns: tuple[tuple[str, re.Pattern[str]], ...] = ()
    names: frozenset[str] = field(default_factory=frozenset)

    def _run(self, pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
        text = norm(text)
        if self.use == "match":
            return pattern.match(text)
        if self.use == "fullmatch":
            return pattern.fullmatch(text)
        return pattern.search(text)

    def hit(self, text: str) -> re.Match[str] | None:
        """The first match of any of the entry's patterns under its `use`."""
        for _, pattern in self.patterns:
            found = self._run(pattern, text)
            if found:
                return found
        return None

    def hits(self, text: str) -> Iterator[tuple[str, re.Match[str]]]:
        """Every (item/group name, match) pair; for `search` every non-overlapping match."""
        text = norm(text)
        for label, pattern in self.patterns:
            if self.use == "search":
                for each in pattern.finditer(text):
                    yield label, each
            else:
                single = self._run(pattern, text)
                if single:
                    yield label, single

    def first_item(self, text: str) -> tuple[str, re.Match[str]] | None:
        """The first item (or group) whose pattern matches, with its match."""
        for label, pattern in self.patterns:
            found = self._run(pattern, text)
            if found:
                return label, found
        return None

    def equals(self, text: str) -> bool:
        """`names` entries: whole-value comparison after stripping `@` and `[bot]`."""
        value = norm(text).strip().removeprefix("@").removesuffix("[bot]").strip()
        return value.casefold() in self.names

    def __bool__(self) -> bool:
        return bool(self.patterns or self.names)


def _compile_entry(name: str, raw: Mapping[str, Any], values: Mapping[str, PlaceholderValue]) -> Entry:
    use = raw["use"]
    flags = 0
    for flag in raw.get("flags") or []:
        flags |= FLAGS[flag]
    shape = next(s for s in SHAPES if s in raw)
    compiled: list[tuple[str, re.Pattern[str]]] = []
    if shape == "regex":
        compiled.append((name, re.compile(_fill_regex(raw["regex"], values, unset=NOTHING), flags)))
    elif shape == "items":
        for item, spec in raw["items"].items():
            regex = spec["regex"] if isinstance(spec, Mapping) else spec
            try:
                compiled.append((item, re.compile(_fill_regex(regex, values), flags)))
            except _Unset:
                continue
    elif shape == "phrases":
        regex = _phrase_regex(raw["phrases"], values)
        if regex is not None:
            compiled.append((name, re.compile(regex, flags)))
    elif shape == "groups":
        for group, phrases in raw["groups"].items():
            regex = _phrase_regex(phrases, values)
            if regex is not None:
                compiled.append((group, re.compile(regex, flags)))
    else:
        return Entry(name, use, shape, flags, names=frozenset(str(n).casefold() for n in raw["names"]))
    return Entry(name, use, shape, flags, tuple(compiled))


@cache
def raw_defaults() -> dict[str, Any]:
    """The shipped defaults.yml as parsed YAML (read once per process)."""
    text = resources.files("steward.data").joinpath("defaults.yml").read_text(encoding="utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def sample_placeholders() -> dict[str, PlaceholderValue]:
    """The `sample` value of every placeholder: what the shipped examples assume."""
    return {k: v["sample"] for k, v in raw_defaults()["placeholders"].items()}


class PatternSet:
    """Every entry compiled against one project's placeholder values and overrides.

    `overrides` maps an entry name to a replacement shape value (a regex string,
    a list of regexes or phrases, ...). An override keeps the entry's use and flags.
    """

    def __init__(
        self,
        values: Mapping[str, PlaceholderValue] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> None:
        self._values = dict(values or {})
        self._overrides = dict(overrides or {})
        self._entries: dict[str, Entry] = {}

    def raw(self, name: str) -> dict[str, Any]:
        entries: dict[str, Any] = raw_defaults()["entries"]
        if name not in entries:
            raise KeyError(f"defaults.yml has no entry {name!r}")
        raw = dict(entries[name])
        if name in self._overrides:
            shape = next(s for s in SHAPES if s in raw)
            value = self._overrides[name]
            if shape == "items" and isinstance(value, list):
                value = {f"{i + 1}": {"regex": v} for i, v in enumerate(value)}
            if shape == "regex" and isinstance(value, list):
                raw.pop("regex")
                raw["items"] = {f"{i + 1}": {"regex": v} for i, v in enumerate(value)}
            else:
                raw[shape] = value
        return raw

    def __getitem__(self, name: str) -> Entry:
        entry = self._entries.get(name)
        if entry is None:
            entry = _compile_entry(name, self.raw(name), self._values)
            self._entries[name] = entry
        return entry

    def names(self) -> list[str]:
        return list(raw_defaults()["entries"])


@cache
def fixed() -> PatternSet:
    """Patterns that need no project values (ids.*, codec.*, markers.*, ...).

    Entries with placeholders compiled here never match; ask the project's
    PatternSet for those.
    """
    return PatternSet()
