"""The Affected-versions grammar of spec §2.4: lenient on read, one canonical form on write.

The reference wrote lines without backticks and with loose spacing, so reading
accepts both; writers always emit the canonical spelling, so a value that went
through steward once compares equal from then on. Nothing unparsable is ever
stored (§12 D12): callers get the offending line and a reason instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from steward.domain.fields import is_unset
from steward.patterns import fixed

Kind = Literal["lt", "le", "range_lt", "range_le", "ge", "exact"]
Scheme = Literal["pep440", "semver", "maven"]
SCHEMES: tuple[Scheme, ...] = ("pep440", "semver", "maven")


class Next(Enum):
    """`NEXT VERSION`: a fix version not yet known (S5 replaces it)."""

    NEXT = "NEXT VERSION"

    def __str__(self) -> str:
        return self.value


NEXT = Next.NEXT
Upper = str | Literal[Next.NEXT]


@dataclass(frozen=True, kw_only=True)
class VersionLine:
    """One range; `lower`/`upper` per kind, `versions` only for `exact`. `source_line` is not compared."""

    package: str | None = None
    kind: Kind
    lower: str | None = None
    upper: Upper | None = None
    versions: tuple[str, ...] = ()
    source_line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LineError:
    line: int
    text: str
    reason: str

    @property
    def message(self) -> str:
        return f"Affected versions line {self.line} ({self.text!r}): {self.reason}"


@dataclass(frozen=True)
class AffectedVersions:
    lines: list[VersionLine]
    errors: list[LineError]
    warnings: list[LineError]

    @property
    def ok(self) -> bool:
        return not self.errors


_BULLET = re.compile(r"[-*+](?:[ \t]+|(?=`))")
_TOKEN = r"[^\s,<>=]+"
_SHAPES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("le", re.compile(r"<=\s*(?P<upper>\S.*?)")),
    ("lt", re.compile(r"<\s*(?P<upper>\S.*?)")),
    ("range_le", re.compile(rf">=\s*(?P<lower>{_TOKEN})\s*,?\s*<=\s*(?P<upper>\S.*?)")),
    ("range_lt", re.compile(rf">=\s*(?P<lower>{_TOKEN})\s*,?\s*<\s*(?P<upper>\S.*?)")),
    ("ge", re.compile(rf">=\s*(?P<lower>{_TOKEN})")),
    ("exact", re.compile(rf"(?P<list>{_TOKEN}(?:\s*,\s*{_TOKEN})*)")),
)
_PACKAGE_SPLIT = re.compile(r"(?P<package>[^\s<>=,]+)\s*(?P<spec>\S.*)", re.DOTALL)
_SHAPE_HELP = (
    "write one of `< W`, `<= W`, `>= V, < W`, `>= V, <= W`, `>= V` or `V, V…`, optionally after a package name"
)


def _shape(spec: str) -> tuple[Kind, re.Match[str]] | None:
    for kind, pattern in _SHAPES:
        found = pattern.fullmatch(spec)
        if found:
            return kind, found
    return None


def _valid_version(value: str, scheme: str) -> bool:
    return fixed()[f"versions.{scheme}"].hit(value) is not None


def _build(
    kind: Kind, found: re.Match[str], package: str | None, scheme: str, number: int
) -> tuple[VersionLine | None, str | None]:
    """The line, or the reason it is invalid."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown version scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    if package is not None and fixed()["versions.package"].hit(package) is None:
        return None, f"{package!r} is not a valid package name"
    groups = found.groupdict()
    if kind == "exact":
        versions = tuple(v.strip() for v in groups["list"].split(","))
        for version in versions:
            if not _valid_version(version, scheme):
                return None, f"{version!r} is not a valid {scheme} version"
        return VersionLine(package=package, kind=kind, versions=versions, source_line=number), None
    lower = groups.get("lower")
    if lower is not None and not _valid_version(lower, scheme):
        return None, f"{lower!r} is not a valid {scheme} version"
    upper: Upper | None = None
    raw_upper = groups.get("upper")
    if raw_upper is not None:
        if fixed()["versions.next"].hit(raw_upper):
            upper = NEXT
        elif _valid_version(raw_upper, scheme):
            upper = raw_upper
        else:
            return None, f"{raw_upper!r} is not a valid {scheme} version or `NEXT VERSION`"
    return VersionLine(package=package, kind=kind, lower=lower, upper=upper, source_line=number), None


def _clean(raw: str) -> str:
    text = raw.strip()
    bullet = _BULLET.match(text)
    if bullet:
        text = text[bullet.end() :]
    return text.replace("`", "").strip()


def parse_line(
    text: str, number: int = 1, scheme_for: Callable[[str | None], str] = lambda package: "pep440"
) -> VersionLine | LineError:
    """One line of the field: the whole text as a spec first, else a leading package name and a spec."""
    clean = _clean(text)
    whole = _shape(clean)
    if whole is not None:
        line, reason = _build(whole[0], whole[1], None, scheme_for(None), number)
    else:
        split = _PACKAGE_SPLIT.fullmatch(clean)
        shaped = _shape(split.group("spec")) if split else None
        if split is None or shaped is None:
            return LineError(number, text.strip(), f"this is not a version range; {_SHAPE_HELP}.")
        package = split.group("package")
        line, reason = _build(shaped[0], shaped[1], package, scheme_for(package), number)
    if line is None:
        return LineError(number, text.strip(), f"{reason}; {_SHAPE_HELP}.")
    return line


def parse_affected(
    value: str | None, scheme_for: Callable[[str | None], str] = lambda package: "pep440"
) -> AffectedVersions:
    """Every line of an Affected versions value; an unset value (§2.3) has no lines and no errors."""
    result = AffectedVersions([], [], [])
    if value is None or is_unset(value):
        return result
    for number, raw in enumerate(re.split(r"\r\n|\r|\n", value), 1):
        if not _clean(raw):
            continue
        parsed = parse_line(raw, number, scheme_for)
        if isinstance(parsed, LineError):
            result.errors.append(parsed)
            continue
        result.lines.append(parsed)
        if parsed.kind == "ge":
            result.warnings.append(
                LineError(number, raw.strip(), "`>= V` has no upper bound; add `, < W` once the fix version is known.")
            )
    return result


def _upper(line: VersionLine) -> str:
    if line.upper is None:
        raise ValueError(f"a {line.kind} line needs an upper bound")
    return str(line.upper)


def render_spec(line: VersionLine) -> str:
    if line.kind == "exact":
        return ", ".join(line.versions)
    if line.kind == "lt":
        return f"< {_upper(line)}"
    if line.kind == "le":
        return f"<= {_upper(line)}"
    if line.kind == "ge":
        return f">= {line.lower}"
    operator = "<" if line.kind == "range_lt" else "<="
    return f">= {line.lower}, {operator} {_upper(line)}"


def render_line(line: VersionLine) -> str:
    """The canonical backticked form of §2.4."""
    prefix = f"{line.package} " if line.package else ""
    return f"`{prefix}{render_spec(line)}`"


def render_affected(lines: Sequence[VersionLine]) -> str:
    """One canonical line per range; empty for no lines (the writer stores `_No response_`)."""
    return "\n".join(render_line(line) for line in lines)
