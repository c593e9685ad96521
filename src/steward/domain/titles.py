"""The title normalisation cascade of spec §5.12, shared by import, allocation and sync.

Allocation sends the title to the CNA and sync checks it on every pass (S7), so
the result must be a fixpoint: normalising it again changes nothing. Passes repeat
until the title is stable; the patterns only ever remove text, so a title still
changing after 10 passes means the patterns fight each other (an over-strip).

`stripped` lists the text removed by `product.subject_prefix_strip`, L1–L4 and
R1–R7, trimmed of separators (for `### Related references`); reply prefixes
(`title.preclean`) and trailing spaces and dots are not references and are not listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from steward.patterns import PatternSet, norm

MAX_PASSES = 10
MIN_WORDS = 3
_WHITESPACE = re.compile(r"\s+")
_SEPARATORS = " \t:|-–—."


@dataclass(frozen=True)
class TitleResult:
    original: str
    title: str
    stripped: tuple[str, ...]
    over_strip: bool
    warnings: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return self.title != self.original


def _leading(title: str, patterns: PatternSet, prefixes: Sequence[str], stripped: list[str]) -> str:
    preclean = patterns["title.preclean"].patterns
    leading = patterns["title.leading"].patterns
    while True:
        before = title
        for _, pattern in preclean:
            found = pattern.match(title)
            if found and found.end():
                title = norm(title[found.end() :])
        for prefix in prefixes:
            if prefix and title[: len(prefix)].casefold() == prefix.casefold():
                stripped.append(prefix.strip(_SEPARATORS))
                title = norm(title[len(prefix) :])
        for _, pattern in leading:
            found = pattern.match(title)
            if found and found.end():
                stripped.append(found.group(0).strip(_SEPARATORS))
                title = norm(title[found.end() :])
        if title == before:
            return title


def _trailing(title: str, patterns: PatternSet, stripped: list[str]) -> str:
    trailing = patterns["title.trailing"].patterns
    while True:
        before = title
        for _, pattern in trailing:
            found = pattern.search(title)
            if found and found.start() < len(title):
                stripped.append(found.group(0).strip(_SEPARATORS))
                title = norm(title[: found.start()])
        title = title.rstrip(" .")
        if title == before:
            return title


def _one_pass(title: str, patterns: PatternSet, prefixes: Sequence[str], stripped: list[str]) -> str:
    title = norm(_WHITESPACE.sub(" ", title))
    title = _leading(title, patterns, prefixes, stripped)
    title = _trailing(title, patterns, stripped)
    title = title.strip()
    return norm(title[:1].upper() + title[1:])


def normalise_title(title: str, patterns: PatternSet, subject_prefix_strip: Sequence[str] = ()) -> TitleResult:
    """Run the §5.12 cascade; an over-strip keeps the original title and says why in `warnings`."""
    prefixes = [norm(p) for p in subject_prefix_strip if p]
    stripped: list[str] = []
    current = norm(title)
    stable = False
    for _ in range(MAX_PASSES):
        following = _one_pass(current, patterns, prefixes, stripped)
        if following == current:
            stable = True
            break
        current = following
    if not stable and _one_pass(current, patterns, prefixes, []) != current:
        warning = f"title still changes after {MAX_PASSES} passes; keeping the original, supply a title by hand."
        return TitleResult(title, title, (), True, (warning,))
    if len(current.split()) < MIN_WORDS:
        warning = (
            f"normalised title {current!r} has fewer than {MIN_WORDS} words; keeping the original, "
            "supply a title by hand."
        )
        return TitleResult(title, title, (), True, (warning,))
    return TitleResult(title, current, tuple(s for s in stripped if s), False, ())
