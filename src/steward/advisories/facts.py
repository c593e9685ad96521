"""What every advisory format says, read back from the generated CVE record.

The CVE record is the single source (spec §2.7): it has already passed the
§10.3 URL filter and the credit, CWE and CVSS rules, so reading the advisory
facts from it keeps the e-mail, SPEC 11, OSV and CSAF texts in step with the
record and never re-reads the tracker's private fields. From R only the
scope labels (to find each package's registry) and the milestone (a last
fallback for the release version) are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from steward.records.cve_json import DEMO_LINE, TEXTUAL_SEVERITY, generate
from steward.records.inputs import RecordInput, RecordSettings, VersionScheme

TLP_CLEAR = "TLP:CLEAR"
CVE_ORG = "https://www.cve.org/CVERecord?id="
Clock = Callable[[], datetime]
_SCHEMES: dict[str, VersionScheme] = {"python": "pep440", "semver": "semver", "maven": "maven"}


@dataclass(frozen=True)
class AdvisoryContext:
    """The project facts an advisory needs beyond R, passed explicitly so this package never reads the config.

    `project_name` is the project as announced (`product.name`); `version_command` / `upgrade_instructions` are
    `product.version_command` / `product.upgrade_instructions`; `release_version` overrides the version derived from
    the record; `advisory_id` names a record without a CVE id (project-prefixed); `publisher_namespace` is the
    publisher's public URL for CSAF; `published` the first publication time (OSV `published`, CSAF initial release).
    """

    project_name: str
    version_command: str | None = None
    upgrade_instructions: str | None = None
    release_version: str | None = None
    advisory_id: str | None = None
    publisher_namespace: str | None = None
    published: datetime | None = None
    signature: str | None = None


@dataclass(frozen=True)
class VersionRange:
    """One CVE `versions[]` range: `fixed` ⇐ lessThan, `last_affected` ⇐ lessThanOrEqual, neither ⇐ `*`."""

    introduced: str
    fixed: str | None = None
    last_affected: str | None = None

    def phrase(self) -> str:
        """Plain English: `before 2.7.1`, `from 2.0 through 2.7.0`, `2.0 and later (no fix released yet)`."""
        start = "" if self.introduced == "0" else f"from {self.introduced} "
        if self.fixed is not None:
            return f"{start}before {self.fixed}"
        if self.last_affected is not None:
            return f"{start}through {self.last_affected}"
        return f"{self.introduced} and later (no fix released yet)" if start else "all versions (no fix released yet)"


@dataclass(frozen=True)
class PackageFacts:
    product: str
    package_name: str
    version_scheme: VersionScheme
    registry: str | None
    ranges: tuple[VersionRange, ...] = ()
    exact: tuple[str, ...] = ()

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.fixed for r in self.ranges if r.fixed is not None))

    def upgrade_target(self) -> str | None:
        """`2.7.1 or later`, or each line's fix when several release lines are patched."""
        fixed = self.fixed_versions
        if not fixed:
            return None
        if len(fixed) == 1:
            return f"{fixed[0]} or later"
        return ", ".join(fixed[:-1]) + f" or {fixed[-1]} (or later in the same release line)"

    @property
    def label(self) -> str:
        """`Example Widget (example-widget)`, or just the name when product and package are spelled alike."""
        if self.product.casefold().replace(" ", "-") == self.package_name.casefold():
            return self.package_name
        return f"{self.product} ({self.package_name})"

    def phrases(self) -> list[str]:
        out = [r.phrase() for r in self.ranges]
        if self.exact:
            out.append(", ".join(self.exact))
        return out


@dataclass(frozen=True)
class CvssScore:
    version: str
    vector: str
    base_score: float
    base_severity: str


@dataclass(frozen=True)
class Reference:
    url: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class CreditFacts:
    """`role` is the CVE credit type: `finder`, `tool` or `remediation developer`."""

    name: str
    role: str


@dataclass(frozen=True)
class AdvisoryFacts:
    """The record's content in the shape the renderers need; `description` carries no demo line."""

    record: Mapping[str, Any]
    cve_id: str | None
    title: str | None
    description: str
    mitigation: str | None
    severity: str | None
    scores: tuple[CvssScore, ...]
    cwe_id: str | None
    cwe_name: str | None
    packages: tuple[PackageFacts, ...]
    credits: tuple[CreditFacts, ...]
    references: tuple[Reference, ...]
    milestone: str | None
    demo: bool
    steward_version: str
    vendor: str

    @property
    def advisory_links(self) -> list[str]:
        """Vendor-advisory references, else the cve.org page of the CVE (spec11 *Vulnerability Details*)."""
        links = [ref.url for ref in self.references if "vendor-advisory" in ref.tags]
        if not links and self.cve_id:
            links = [CVE_ORG + self.cve_id]
        return links

    @property
    def first_score(self) -> CvssScore | None:
        """The team's first vector (Severity line 2), the one quoted in announcements."""
        return self.scores[0] if self.scores else None

    def release_version(self, ctx: AdvisoryContext) -> str | None:
        """The explicit version, else the first package's first fix version, else the milestone."""
        if ctx.release_version:
            return ctx.release_version
        for package in self.packages:
            if package.fixed_versions:
                return package.fixed_versions[0]
        return self.milestone

    def headline(self) -> str:
        """The one-line summary of the issue: the record title, else the description's first sentence."""
        if self.title:
            return self.title
        first = re.split(r"(?<=[.!?])\s", self.description.strip(), maxsplit=1)[0]
        return first or "Security vulnerability"


def _strip_demo(text: str) -> str:
    if text.startswith(DEMO_LINE):
        return text[len(DEMO_LINE) :].lstrip("\n")
    return text


def _ranges(entries: Sequence[Mapping[str, Any]]) -> tuple[tuple[VersionRange, ...], tuple[str, ...], str | None]:
    ranges: list[VersionRange] = []
    exact: list[str] = []
    version_type: str | None = None
    for entry in entries:
        version = str(entry.get("version", ""))
        if "versionType" in entry:
            version_type = str(entry["versionType"])
        if "lessThan" in entry:
            upper = str(entry["lessThan"])
            ranges.append(VersionRange(version, fixed=None if upper == "*" else upper))
        elif "lessThanOrEqual" in entry:
            upper = str(entry["lessThanOrEqual"])
            ranges.append(VersionRange(version, last_affected=None if upper == "*" else upper))
        elif version:
            exact.append(version)
    return tuple(ranges), tuple(exact), version_type


def _packages(cna: Mapping[str, Any], r: RecordInput, settings: RecordSettings) -> tuple[PackageFacts, ...]:
    scope = settings.tracker_scope(r.labels, r.scope)
    out: list[PackageFacts] = []
    for item in cna.get("affected", []):
        name = str(item.get("packageName", ""))
        ranges, exact, version_type = _ranges(item.get("versions", []))
        resolved = settings.resolve(name, scope)
        scheme: VersionScheme = resolved.version_scheme if resolved is not None else scope.version_scheme
        if version_type in _SCHEMES:
            scheme = _SCHEMES[version_type]
        registry = resolved.registry if resolved is not None else scope.registry
        out.append(PackageFacts(str(item.get("product", name)), name, scheme, registry, ranges, exact))
    return tuple(out)


def _scores(cna: Mapping[str, Any]) -> tuple[str | None, tuple[CvssScore, ...]]:
    severity: str | None = None
    scores: list[CvssScore] = []
    for metric in cna.get("metrics", []):
        other = metric.get("other")
        if other and other.get("type") == TEXTUAL_SEVERITY and severity is None:
            severity = str(other.get("content", {}).get("text", "")) or None
        for key in ("cvssV3_1", "cvssV4_0"):
            if key in metric:
                m = metric[key]
                scores.append(
                    CvssScore(str(m["version"]), str(m["vectorString"]), float(m["baseScore"]), str(m["baseSeverity"]))
                )
    return severity, tuple(scores)


def _cwe(cna: Mapping[str, Any]) -> tuple[str | None, str | None]:
    for problem in cna.get("problemTypes", []):
        for description in problem.get("descriptions", []):
            cwe_id = description.get("cweId")
            if cwe_id:
                text = str(description.get("description", ""))
                prefix = f"{cwe_id}: "
                return str(cwe_id), text[len(prefix) :] if text.startswith(prefix) else None
    return None, None


def facts_from_record(record: Mapping[str, Any], r: RecordInput, settings: RecordSettings) -> AdvisoryFacts:
    """The facts of an already generated record (`GeneratedRecord.record`) and R."""
    cna: Mapping[str, Any] = record.get("containers", {}).get("cna", {})
    descriptions = cna.get("descriptions", [])
    workarounds = cna.get("workarounds", [])
    severity, scores = _scores(cna)
    cwe_id, cwe_name = _cwe(cna)
    title = cna.get("title")
    return AdvisoryFacts(
        record=record,
        cve_id=record.get("cveMetadata", {}).get("cveId"),
        title=str(title) if title else None,
        description=_strip_demo(str(descriptions[0]["value"])) if descriptions else "",
        mitigation=str(workarounds[0]["value"]) if workarounds else None,
        severity=severity,
        scores=scores,
        cwe_id=cwe_id,
        cwe_name=cwe_name,
        packages=_packages(cna, r, settings),
        credits=tuple(CreditFacts(str(c["value"]), str(c["type"])) for c in cna.get("credits", [])),
        references=tuple(Reference(str(ref["url"]), tuple(ref.get("tags", ()))) for ref in cna.get("references", [])),
        milestone=settings.redact(r.milestone.strip()) if r.milestone and r.milestone.strip() else None,
        demo=settings.demo,
        steward_version=settings.steward_version,
        vendor=settings.product_vendor,
    )


def advisory_facts(r: RecordInput, settings: RecordSettings) -> AdvisoryFacts:
    """Generate the CVE record for R and read the advisory facts from it."""
    return facts_from_record(generate(r, settings).record, r, settings)


def format_utc(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z` (OSV and CSAF); a naive value is taken as UTC."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")


def scrub_json(value: Any, settings: RecordSettings) -> Any:
    """Every string of a JSON document through the §10.3 redaction (the last line of defence)."""
    if isinstance(value, str):
        return settings.redact(value)
    if isinstance(value, list):
        return [scrub_json(v, settings) for v in value]
    if isinstance(value, dict):
        return {k: scrub_json(v, settings) for k, v in value.items()}
    return value


def marker_lines(facts: AdvisoryFacts) -> list[str]:
    """§7.3 / §11.2: the demo line above the TLP line that opens every text advisory."""
    return [DEMO_LINE, TLP_CLEAR] if facts.demo else [TLP_CLEAR]
