"""The record input R of spec §2.7 and the configuration slice the generator reads.

The generator must stay a pure function, so it never sees the project config
object or the store: callers copy the handful of values it needs into a frozen
`RecordSettings` and the tracker's facts into a `RecordInput`. The standalone
form (`cve json --body-file`) leaves labels, milestone and reporter names as
None, which readiness reports as not ready (§8.4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from steward.domain.fields import Headings, is_unset, parse_fields
from steward.domain.roles import DEFAULT_HEADINGS, OPTIONAL_SECTIONS, Field
from steward.ids import first_cve
from steward.patterns import PatternSet, PlaceholderValue, norm

VersionScheme = Literal["pep440", "semver", "maven"]
RecordFormat = Literal["5.1", "5.2"]
_URL = re.compile(r"https?://[^\s<>\"'`\[\]{}|\\^]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?*_~"
REDACTED_LINK = "[internal link removed]"
DEMO_ORG_ID = "00000000-0000-4000-8000-000000000000"
"""Fictional, schema-valid orgId used only by demo projects (never a real CNA)."""


def urls_in(text: str) -> list[str]:
    """Every http(s) URL in free text, trailing punctuation and an unbalanced `)` removed, in order."""
    out: list[str] = []
    for found in _URL.finditer(text):
        url = found.group(0).rstrip(_URL_TAIL)
        while url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1].rstrip(_URL_TAIL)
        out.append(url)
    return out


def _folded_prefix(url: str) -> str:
    """Scheme and host lower-cased, so `HTTPS://GitHub.com/...` cannot dodge a prefix filter."""
    parts = urlsplit(url)
    head = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    return head + url[len(parts.scheme) + 3 + len(parts.netloc) :] if "://" in url else url


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass(frozen=True)
class ScopeSettings:
    """One `scope_detection.labels.<scope>` entry (or the implicit scope), already resolved against `product.*`.

    `package_name` may hold `{name}`, a glob wildcard matched against line prefixes.
    `registry` (pypi, npm, maven, ...) only picks the PURL type of 5.2 records.
    """

    product: str
    package_name: str
    collection_url: str | None = None
    version_scheme: VersionScheme = "pep440"
    registry: str | None = None

    @property
    def is_glob(self) -> bool:
        return "{name}" in self.package_name

    def matches_package(self, package: str) -> bool:
        if not self.is_glob:
            return package.casefold() == self.package_name.casefold()
        glob = ".+".join(re.escape(part) for part in self.package_name.split("{name}"))
        return re.fullmatch(glob, package, re.IGNORECASE) is not None


@dataclass(frozen=True)
class ResolvedPackage:
    """What a version line's package resolves to: the `affected[]` entry's identity."""

    package_name: str
    product: str
    collection_url: str | None
    version_scheme: VersionScheme
    registry: str | None


@dataclass(frozen=True)
class RecordSettings:
    """Exactly the configuration the generator and readiness read (built from the project config by the caller).

    Keys: `cve_authority.org_id` / `.record_format`; `product.name` / `.short_name` / `.vendor` / `.package_name` /
    `.version_scheme` / `.severity_scale` / `.trigger_phrases`; `scope_detection.labels` (`scopes`, empty ⇒ one
    implicit scope from `product.*`); `archive_system.advisory_hosts` / `.private_url_patterns`; `tracker.base_url`
    / `.repo` / `.upstream_repo`; the CNA tool's host; the code host base URL; `project_kind: demo`; `foundation`;
    `confidentiality.foreign_project_names`; `credits.*` overrides (`pattern_overrides`, defaults.yml entry names).
    """

    org_id: str | None
    product_name: str
    product_vendor: str
    package_name: str
    product_short_name: str = ""
    version_scheme: VersionScheme = "pep440"
    registry: str | None = None
    record_format: RecordFormat = "5.1"
    scopes: Mapping[str, ScopeSettings] = field(default_factory=dict)
    advisory_hosts: tuple[str, ...] = ()
    tracker_base_url: str | None = None
    tracker_slug: str | None = None
    cna_tool_host: str | None = None
    private_url_patterns: tuple[str, ...] = ()
    upstream_repo: str | None = None
    code_host_base_url: str = "https://github.com/"
    demo: bool = False
    steward_version: str = "0.0.0"
    severity_scale: tuple[str, ...] = ("low", "medium", "high", "critical")
    trigger_phrases: tuple[str, ...] = ()
    foreign_project_names: tuple[str, ...] = ()
    foundation: str | None = None
    pattern_overrides: Mapping[str, Any] = field(default_factory=dict)
    _patterns: PatternSet = field(init=False, repr=False, compare=False)
    _private: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "scopes", MappingProxyType(dict(self.scopes)))
        object.__setattr__(self, "pattern_overrides", MappingProxyType(dict(self.pattern_overrides)))
        object.__setattr__(self, "_patterns", PatternSet(self.placeholders(), self.pattern_overrides))
        try:
            private = tuple(re.compile(p, re.IGNORECASE | re.ASCII) for p in self.private_url_patterns)
        except re.error as exc:
            raise ValueError(
                f"archive_system.private_url_patterns has an invalid regex ({exc}); fix the pattern in project.yml."
            ) from exc
        object.__setattr__(self, "_private", private)

    def placeholders(self, **extra: PlaceholderValue) -> dict[str, PlaceholderValue]:
        """The defaults.yml placeholder values this slice of config can fill."""
        names = [s.package_name for s in self.all_scopes().values() if not s.is_glob] + [self.product_name]
        values: dict[str, PlaceholderValue] = {
            "upstream_name": self.product_name,
            "upstream_short_name": self.product_short_name or None,
            "package_names": sorted(set(names)),
            "upstream": self.upstream_repo,
            "tracker_slug": self.tracker_slug,
            "tracker_base_url": self.tracker_base_url,
            "severity_scale": list(self.severity_scale),
            "foundation": self.foundation,
        }
        values.update(extra)
        return values

    @property
    def patterns(self) -> PatternSet:
        """The project's PatternSet (credits.* overrides and placeholders applied)."""
        return self._patterns

    @property
    def private_patterns(self) -> tuple[re.Pattern[str], ...]:
        return self._private

    def private_url_reason(self, url: str) -> str | None:
        """§10.3: why a URL must never be exported (tracker prefix, CNA tool host, private pattern), else None.

        Besides the literal `tracker.base_url` prefix, anything under the tracker repository on the code host is
        private too (its private fix PRs, §11.8), so that prefix is filtered as well (steward decision).
        """
        folded = _folded_prefix(url)
        for base in self._tracker_prefixes():
            if folded.startswith(base) or folded == base.rstrip("/"):
                return "tracker URL"
        if self.cna_tool_host and host_of(url) == self.cna_tool_host.lower():
            return "CNA tool URL"
        if any(p.search(url) for p in self._private):
            return "private archive URL"
        return None

    def _tracker_prefixes(self) -> list[str]:
        prefixes: list[str] = []
        if self.tracker_base_url:
            prefixes.append(_folded_prefix(self.tracker_base_url))
        if self.tracker_slug and "/" in self.tracker_slug:
            prefixes.append(_folded_prefix(self.code_host_base_url.rstrip("/") + "/" + self.tracker_slug + "/"))
        return prefixes

    def redact(self, text: str) -> str:
        """Free text with every private URL (and any glued-on tracker base URL) replaced by a fixed note."""
        out = text
        for url in urls_in(text):
            if self.private_url_reason(url):
                out = out.replace(url, REDACTED_LINK)
        for base in self._tracker_prefixes():
            out = re.sub(re.escape(base.rstrip("/")) + r"(?![\w-])", REDACTED_LINK, out, flags=re.IGNORECASE)
        return out

    @property
    def implicit_scope(self) -> ScopeSettings:
        return ScopeSettings(self.product_name, self.package_name, None, self.version_scheme, self.registry)

    def all_scopes(self) -> Mapping[str, ScopeSettings]:
        """The configured scopes, else the implicit one labelled `product.short_name` lower-cased (§13)."""
        if self.scopes:
            return self.scopes
        return {(self.product_short_name or self.product_name).lower(): self.implicit_scope}

    def tracker_scope(self, labels: Sequence[str] | None, explicit: str | None = None) -> ScopeSettings:
        """The scope of unprefixed lines: the explicit one, else the one scope label, else the only/implicit one."""
        scopes = self.all_scopes()
        if explicit is not None and explicit in scopes:
            return scopes[explicit]
        hits = [scopes[label] for label in labels or () if label in scopes]
        if len(hits) == 1:
            return hits[0]
        if len(scopes) == 1:
            return next(iter(scopes.values()))
        return self.implicit_scope

    def resolve(self, package: str | None, scope: ScopeSettings) -> ResolvedPackage | None:
        """§2.7: a prefix picks the scope whose packageName matches; an unprefixed line uses its scope's literal name.

        None when an unprefixed line meets a `{name}` scope (the line needs a package prefix).
        """
        if package is None:
            if scope.is_glob:
                return None
            return ResolvedPackage(
                scope.package_name, scope.product, scope.collection_url, scope.version_scheme, scope.registry
            )
        for candidate in self.all_scopes().values():
            if candidate.matches_package(package):
                return ResolvedPackage(
                    package, candidate.product, candidate.collection_url, candidate.version_scheme, candidate.registry
                )
        return ResolvedPackage(package, self.product_name, None, scope.version_scheme, scope.registry)


@dataclass(frozen=True)
class RecordInput:
    """R: the tracker's fields and optional sections, title, labels, milestone, reporter names.

    `fields` hold raw values as read by the codec (unset forms allowed). `cve_id` None ⇒ taken from the CVE tool
    link field. `advisory_url` is an explicit `--advisory-url`. `labels`, `milestone`, `reporter_names` None ⇒ not
    known (standalone form). Reporter names come from the store: the generator never reads the security thread.
    """

    fields: Mapping[Field, str]
    title: str | None = None
    cve_id: str | None = None
    sections: Mapping[str, str] = field(default_factory=dict)
    labels: tuple[str, ...] | None = None
    milestone: str | None = None
    reporter_names: tuple[str, ...] | None = None
    advisory_url: str | None = None
    scope: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "sections", MappingProxyType(dict(self.sections)))

    def value(self, role: Field) -> str | None:
        """The field's stripped value, None when missing or unset (§2.3)."""
        raw = self.fields.get(role)
        return None if is_unset(raw, role) or raw is None else raw.strip()

    def section(self, heading: str) -> str | None:
        """An optional section's value (heading compared NFC-normalised, case-insensitively)."""
        wanted = norm(heading).casefold()
        for name, raw in self.sections.items():
            if norm(name).casefold() == wanted and not is_unset(raw):
                return raw.strip()
        return None

    @property
    def effective_cve_id(self) -> str | None:
        if self.cve_id is not None:
            return self.cve_id
        link = self.value(Field.CVE_TOOL_LINK)
        return first_cve(link) if link else None

    @classmethod
    def from_body(
        cls,
        body: str,
        *,
        headings: Headings = DEFAULT_HEADINGS,
        title: str | None = None,
        cve_id: str | None = None,
        labels: Sequence[str] | None = None,
        milestone: str | None = None,
        reporter_names: Sequence[str] | None = None,
        advisory_url: str | None = None,
        scope: str | None = None,
    ) -> RecordInput:
        """R from a tracker body (raises `BodyFormatError` like the codec); the CVE JSON block is never read."""
        parsed = parse_fields(body, headings)
        optional = {norm(name).casefold() for name in OPTIONAL_SECTIONS}
        sections = {
            s.heading: s.value for s in parsed.sections if s.field is None and norm(s.heading).casefold() in optional
        }
        return cls(
            fields=dict(parsed.values),
            title=title,
            cve_id=cve_id,
            sections=sections,
            labels=tuple(labels) if labels is not None else None,
            milestone=milestone,
            reporter_names=tuple(reporter_names) if reporter_names is not None else None,
            advisory_url=advisory_url,
            scope=scope,
        )
