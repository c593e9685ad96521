"""Ordering of versions per `version_scheme` (spec §2.4) and range membership.

Dedupe merges Affected-versions ranges (§6.2), which needs to know which of two
bounds is lower under the scope's own rules: pep440 through `packaging`, semver
by its precedence rules (build metadata ignored), maven by a simplified
ComparableVersion:

* the version splits into items at `.`, `-` and every digit/letter transition;
  a `-` (or a digit/letter transition) starts a new segment, and each segment's
  trailing "null" items (`0`, `ga`, `final`, `release`, empty) are trimmed, so
  `1.0` == `1` == `1.0.0` == `1.0.Final` and `1.0-rc1` < `1.0`;
* qualifiers rank `alpha`/`a` < `beta`/`b` < `milestone`/`m` < `rc`/`cr` <
  `snapshot` < release (null) < `sp` < any other qualifier (those compare
  case-insensitively among themselves) < any number;
* the shorter item list is padded with null items; a number, `0` included, beats null.

Nested list items of the real Maven algorithm are flattened; that differs only
for exotic spellings such as `1-final-1`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from packaging.version import InvalidVersion, Version

from steward.domain.versions import NEXT, Scheme, VersionLine

_SEMVER = re.compile(
    r"v?(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)\.(?P<patch>0|[1-9][0-9]*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?",
    re.ASCII,
)
_MAVEN_ITEM = re.compile(r"[0-9]+|[A-Za-z]+|[.-]", re.ASCII)
_QUALIFIER_RANK = {
    "alpha": 0,
    "a": 0,
    "beta": 1,
    "b": 1,
    "milestone": 2,
    "m": 2,
    "rc": 3,
    "cr": 3,
    "snapshot": 4,
    "": 5,
    "ga": 5,
    "final": 5,
    "release": 5,
    "sp": 6,
}
_NULL = (1, 5, "")
"""The key of a null maven item (release qualifier, or `0`-padding)."""

MavenItem = tuple[int, int, str]


def _pep440(version: str) -> Version:
    try:
        return Version(version)
    except InvalidVersion as error:
        raise ValueError(f"{version!r} is not a pep440 version; write it like 2.7.1 or 3.0.0rc1.") from error


def _semver(version: str) -> tuple[object, ...]:
    found = _SEMVER.fullmatch(version.strip())
    if found is None:
        raise ValueError(f"{version!r} is not a semver version; write it like 1.2.3 or 1.2.3-rc.1.")
    major, minor, patch = int(found["major"]), int(found["minor"]), int(found["patch"])
    pre = found["pre"]
    if pre is None:
        return major, minor, patch, (1,)
    idents = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return major, minor, patch, (0, *idents)


def _maven_items(version: str) -> list[MavenItem]:
    text = version.strip().casefold()
    if not text or _MAVEN_ITEM.sub("", text):
        raise ValueError(f"{version!r} is not a maven version; write it like 2.17.1 or 3.0.0-M1.")
    segments: list[list[MavenItem]] = [[]]
    previous = ""
    for token in _MAVEN_ITEM.findall(text):
        if token == ".":
            previous = token
            continue
        if token == "-" or (previous not in ("", ".", "-") and previous.isdigit() != token.isdigit()):
            segments.append([])
        if token == "-":
            previous = token
            continue
        if token.isdigit():
            segments[-1].append((3, int(token), ""))
        elif token in _QUALIFIER_RANK:
            rank = _QUALIFIER_RANK[token]
            segments[-1].append(_NULL if rank == 5 else (0 if rank < 5 else 2, rank, ""))
        else:
            segments[-1].append((2, 7, token))
        previous = token
    items: list[MavenItem] = []
    for segment in segments:
        while segment and segment[-1] in (_NULL, (3, 0, "")):
            segment.pop()
        items.extend(segment)
    return items


def _maven_compare(a: str, b: str) -> int:
    left, right = _maven_items(a), _maven_items(b)
    for index in range(max(len(left), len(right))):
        x = left[index] if index < len(left) else _NULL
        y = right[index] if index < len(right) else _NULL
        if x != y:
            return -1 if x < y else 1
    return 0


def _cmp(x: object, y: object) -> int:
    return -1 if x < y else (1 if x > y else 0)  # type: ignore[operator]


def compare(a: str, b: str, scheme: Scheme | str) -> int:
    """-1, 0 or 1 as `a` sorts before, with or after `b`; ValueError names a version the scheme rejects."""
    if scheme == "pep440":
        return _cmp(_pep440(a), _pep440(b))
    if scheme == "semver":
        return _cmp(_semver(a), _semver(b))
    if scheme == "maven":
        return _maven_compare(a, b)
    raise ValueError(f"unknown version scheme {scheme!r}; use pep440, semver or maven.")


def is_valid(version: str, scheme: Scheme | str) -> bool:
    try:
        compare(version, version, scheme)
    except ValueError:
        return False
    return True


def sort_key(scheme: Scheme | str) -> Callable[[str], Any]:
    """A `key=` for `sorted` in the scheme's order."""
    return functools.cmp_to_key(lambda a, b: compare(a, b, scheme))


def sort_versions(versions: Iterable[str], scheme: Scheme | str) -> list[str]:
    return sorted(versions, key=sort_key(scheme))


def in_line(line: VersionLine, version: str, scheme: Scheme | str) -> bool:
    """Whether `line` says `version` is affected; `NEXT VERSION` as upper bound covers every later version."""
    if line.kind == "exact":
        return any(compare(version, v, scheme) == 0 for v in line.versions)
    if line.lower is not None and compare(version, line.lower, scheme) < 0:
        return False
    if line.kind == "ge" or line.upper is NEXT or line.upper is None:
        return True
    order = compare(version, str(line.upper), scheme)
    return order <= 0 if line.kind in ("le", "range_le") else order < 0


def covers(lines: Sequence[VersionLine], version: str, scheme: Scheme | str, package: str | None = None) -> bool:
    """Whether any of the package's lines says `version` is affected."""
    return any(line.package == package and in_line(line, version, scheme) for line in lines)
