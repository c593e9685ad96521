"""Release detection (spec §8.6): which version carries each package's fix, and has it shipped?

The fix version comes from the first source that names one, in the order a human would trust them: a roster
member saying so, the Affected-versions upper bound, then the milestone. Only a `<` bound names the fix version —
`<= W` says W is still affected (steward decision). A `train` milestone names a date, not a version, so it never
counts. Whether the version shipped is asked of the registry through an injected lookup, so this module stays
free of I/O; with registry `none` only the team's word (a statement or `--released`) counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from steward.domain.versions import VersionLine
from steward.patterns import PatternSet, fixed, norm
from steward.registry.interface import RegistryError, Release

Source = Literal["operator", "statement", "upper-bound", "milestone"]
MilestoneScheme = Literal["version", "train"]
STATEMENT = "sync.fix_released_statement"
MILESTONE = "release_process.milestone_version_regex"


@dataclass(frozen=True)
class RosterComment:
    """A tracker comment by a roster member (§1.1); callers drop everyone else's, oldest first."""

    author: str
    text: str
    url: str | None = None


@dataclass(frozen=True)
class ReleaseFacts:
    """What §8.6 reads from one tracker and its scope."""

    lines: Sequence[VersionLine]
    """Parsed Affected-versions lines (steward.domain.versions.parse_affected(...).lines)."""
    package_name: str
    """The scope's literal `packageName` (implicit scope: `product.package_name`); may hold `{name}`."""
    registry: str = "none"
    """The scope's `registry` (`pypi`, `npm`, `maven`, `artifacthub`, `none`)."""
    version_scheme: str = "pep440"
    milestone: str | None = None
    milestone_scheme: MilestoneScheme = "version"
    comments: Sequence[RosterComment] = ()
    released_flag: str | None = None
    """`steward sync ID --released VERSION`: the operator's word, which beats every other source."""


@dataclass(frozen=True)
class FixVersion:
    """One package's fix version (one per release branch) and where it was read."""

    package: str
    version: str
    source: Source
    detail: str
    """Human-readable origin for the rollup: `statement by @alice`, `Affected versions line 2`, `milestone v2.7.1`."""


@dataclass(frozen=True)
class NoFixVersion:
    package: str
    reason: str


@dataclass(frozen=True)
class Detection:
    found: tuple[FixVersion, ...]
    missing: tuple[NoFixVersion, ...]

    @property
    def complete(self) -> bool:
        """Every package on the tracker has a fix version."""
        return bool(self.found) and not self.missing


@dataclass(frozen=True)
class ReleaseCheck:
    """The §8.6 verdict; `evidence` goes in the rollup, `pending` says what has not shipped (or why unknown)."""

    released: bool
    evidence: tuple[str, ...]
    pending: tuple[str, ...]


def _plain(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") else version


def _valid(version: str, scheme: str) -> bool:
    return fixed()[f"versions.{scheme}"].hit(version) is not None


def _packages(facts: ReleaseFacts) -> list[str]:
    named = [line.package or facts.package_name for line in facts.lines]
    return list(dict.fromkeys(named)) if named else [facts.package_name]


def _names(text: str, package: str) -> bool:
    return re.search(r"(?<![\w.@/-])" + re.escape(package) + r"(?![\w/-])", norm(text), re.IGNORECASE) is not None


def _statement(facts: ReleaseFacts, packages: Sequence[str], patterns: PatternSet) -> dict[str, list[FixVersion]]:
    """The newest roster comment with a statement hit, per package it applies to."""
    entry = patterns[STATEMENT]
    for comment in reversed(facts.comments):
        versions: list[str] = []
        for _, found in entry.hits(comment.text):
            raw = found.groupdict().get("version") or found.group(0)
            version = _plain(raw.strip())
            if _valid(version, facts.version_scheme) and version not in versions:
                versions.append(version)
        if not versions:
            continue
        targets = list(packages) if len(packages) == 1 else [p for p in packages if _names(comment.text, p)]
        detail = f"statement by {comment.author}" + (f" ({comment.url})" if comment.url else "")
        return {p: [FixVersion(p, v, "statement", detail) for v in versions] for p in targets}
    return {}


def _bounds(facts: ReleaseFacts, package: str) -> tuple[list[FixVersion], str | None]:
    found: list[FixVersion] = []
    why: str | None = None
    for line in facts.lines:
        if (line.package or facts.package_name) != package:
            continue
        where = f"Affected versions line {line.source_line}" if line.source_line else "Affected versions"
        if line.kind in ("lt", "range_lt") and isinstance(line.upper, str):
            version = _plain(line.upper)
            if version not in [f.version for f in found]:
                found.append(FixVersion(package, version, "upper-bound", where))
        elif line.kind in ("le", "range_le") and isinstance(line.upper, str):
            why = why or f"{where} ends with `<= {line.upper}`, which is still affected, so it names no fix version"
        elif line.upper is not None:
            why = why or f"{where} ends with `NEXT VERSION`"
    return found, why


def _milestone(facts: ReleaseFacts, patterns: PatternSet) -> tuple[str | None, str]:
    if not facts.milestone:
        return None, "the tracker has no milestone"
    if facts.milestone_scheme == "train":
        return None, f"milestone {facts.milestone!r} is a release train, which needs a statement or an upper bound"
    found = patterns[MILESTONE].hit(facts.milestone.strip())
    if found is None:
        return None, f"milestone {facts.milestone!r} does not match {MILESTONE}"
    version = _plain(found.groupdict().get("version") or found.group(0))
    if not _valid(version, facts.version_scheme):
        return None, f"milestone {facts.milestone!r} is not a {facts.version_scheme} version"
    return version, f"milestone {facts.milestone}"


def fix_versions(facts: ReleaseFacts, patterns: PatternSet) -> Detection:
    """Each package's fix version(s), first source wins: operator, statement, upper bound, milestone (§8.6)."""
    packages = _packages(facts)
    statement = _statement(facts, packages, patterns)
    milestone, milestone_note = _milestone(facts, patterns)
    found: list[FixVersion] = []
    missing: list[NoFixVersion] = []
    for package in packages:
        if "{name}" in package:
            missing.append(
                NoFixVersion(package, "the scope's packageName holds {name}; prefix each Affected versions line")
            )
            continue
        if facts.released_flag:
            found.append(FixVersion(package, _plain(facts.released_flag.strip()), "operator", "--released"))
            continue
        if package in statement:
            found.extend(statement[package])
            continue
        bounds, bound_note = _bounds(facts, package)
        if bounds:
            found.extend(bounds)
            continue
        if milestone is not None:
            found.append(FixVersion(package, milestone, "milestone", milestone_note))
            continue
        reasons = ["no roster statement", bound_note or "no `<` upper bound in Affected versions", milestone_note]
        missing.append(NoFixVersion(package, "; ".join(reasons)))
    return Detection(tuple(found), tuple(missing))


def _moment(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def is_released(
    fix: Sequence[FixVersion] | Detection,
    lookup: Callable[[str, str], Release | None],
    now: datetime,
    *,
    registry: str = "pypi",
) -> ReleaseCheck:
    """Released iff every fix version is published, final and dated at or before `now` (§8.6).

    `lookup` is `ReleaseRegistry.released`; with `registry="none"` it is not called and only operator and
    statement sources count. A registry failure leaves the tracker pending, with the reason, for the next run.
    """
    if isinstance(fix, Detection):
        if fix.missing:
            return ReleaseCheck(False, (), tuple(f"{m.package}: no fix version ({m.reason})" for m in fix.missing))
        fix = fix.found
    if not fix:
        return ReleaseCheck(False, (), ("no fix version is known",))
    evidence: list[str] = []
    pending: list[str] = []
    for item in fix:
        if registry == "none":
            if item.source in ("operator", "statement"):
                evidence.append(f"{item.package} {item.version}: released per {item.detail} (registry none)")
            else:
                pending.append(
                    f"{item.package} {item.version} ({item.detail}): registry none; a roster statement or "
                    "`steward sync ID --released VERSION` confirms the release"
                )
            continue
        try:
            release = lookup(item.package, item.version)
        except RegistryError as exc:
            pending.append(f"{item.package} {item.version}: registry not checked ({exc})")
            continue
        if release is None or not release.is_final:
            pending.append(f"{item.package} {item.version} ({item.detail}): not published as a final release")
        elif release.published_at is not None and _moment(release.published_at) > _moment(now):
            pending.append(f"{item.package} {item.version}: published at {_stamp(release.published_at)}, after now")
        else:
            when = f"at {_stamp(release.published_at)}" if release.published_at else "(the registry reports no time)"
            evidence.append(f"{item.package} {release.version} published {when} — {release.url}")
    return ReleaseCheck(not pending and bool(evidence), tuple(evidence), tuple(pending))


def _stamp(moment: datetime) -> str:
    return _moment(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
