"""The OSV export of spec §11.5 (`--format osv`), validated against the vendored OSV schema 1.7.3.

Ranges are translated from the CVE `versions[]` entries rather than re-parsed
from the tracker, so OSV and CVE always say the same thing: `lessThan` becomes
`fixed`, `lessThanOrEqual` becomes `last_affected` (one range each, as OSV
forbids both in one range), `*` has no closing event, and an exact list becomes
`versions`. A package whose ecosystem OSV does not know (e.g. a Helm chart) is
left out with a warning instead of being filed under a wrong ecosystem.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from steward.advisories.facts import AdvisoryContext, AdvisoryFacts, PackageFacts, format_utc, scrub_json
from steward.advisories.schemas import OSV_SCHEMA_VERSION, validate_advisory
from steward.records.cve_json import DEMO_LINE
from steward.records.inputs import RecordSettings
from steward.records.validate import SchemaError

ECOSYSTEMS = {"pypi": "PyPI", "npm": "npm", "maven": "Maven"}
_SCHEME_ECOSYSTEM = {"pep440": "PyPI", "maven": "Maven"}
CREDIT_TYPES = {"finder": "FINDER", "tool": "TOOL", "remediation developer": "REMEDIATION_DEVELOPER"}
SEVERITY_TYPES = {"3.1": "CVSS_V3", "4.0": "CVSS_V4"}


@dataclass(frozen=True)
class OsvExport:
    document: dict[str, Any]
    text: str
    errors: tuple[SchemaError, ...]
    warnings: tuple[str, ...]


def ecosystem(package: PackageFacts) -> str | None:
    """The scope's registry first, else the version scheme; semver alone names no ecosystem."""
    if package.registry:
        return ECOSYSTEMS.get(package.registry.lower())
    return _SCHEME_ECOSYSTEM.get(package.version_scheme)


def package_name(name: str, eco: str) -> str:
    """PyPI names normalised as PEP 503 does, the form OSV databases key on; others unchanged."""
    return re.sub(r"[-_.]+", "-", name).lower() if eco == "PyPI" else name


def _events(introduced: str, fixed: str | None, last: str | None) -> list[dict[str, str]]:
    events = [{"introduced": introduced}]
    if fixed is not None:
        events.append({"fixed": fixed})
    elif last is not None:
        events.append({"last_affected": last})
    return events


def _affected(facts: AdvisoryFacts, warnings: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for package in facts.packages:
        eco = ecosystem(package)
        if eco is None:
            warnings.append(
                f"OSV export: {package.package_name} is left out because its scope names no OSV ecosystem "
                "(set the scope's registry to pypi, npm or maven)."
            )
            continue
        entry: dict[str, Any] = {"package": {"ecosystem": eco, "name": package_name(package.package_name, eco)}}
        range_type = "SEMVER" if package.version_scheme == "semver" else "ECOSYSTEM"
        ranges = [
            {"type": range_type, "events": _events(r.introduced, r.fixed, r.last_affected)} for r in package.ranges
        ]
        if ranges:
            entry["ranges"] = ranges
        if package.exact:
            entry["versions"] = list(package.exact)
        if not ranges and not package.exact:
            warnings.append(f"OSV export: {package.package_name} has no affected versions yet.")
        out.append(entry)
    return out


def _reference_type(tags: tuple[str, ...]) -> str:
    if "patch" in tags:
        return "FIX"
    if "vendor-advisory" in tags:
        return "ADVISORY"
    return "WEB"


def advisory_id(facts: AdvisoryFacts, ctx: AdvisoryContext, warnings: list[str]) -> str:
    if facts.cve_id:
        return facts.cve_id
    if ctx.advisory_id:
        return ctx.advisory_id
    warnings.append("OSV export: the record has no CVE id; pass an advisory id (the placeholder is not publishable).")
    return re.sub(r"[^A-Za-z0-9]+", "-", ctx.project_name).strip("-").upper() + "-UNASSIGNED"


def build_osv(facts: AdvisoryFacts, ctx: AdvisoryContext, modified: str, warnings: list[str]) -> dict[str, Any]:
    record_id = advisory_id(facts, ctx, warnings)
    details = facts.description
    if facts.demo:
        details = DEMO_LINE + ("\n\n" + details if details else "")
    if facts.mitigation:
        details = (details + "\n\n" if details else "") + "### Mitigation\n\n" + facts.mitigation
    doc: dict[str, Any] = {
        "schema_version": OSV_SCHEMA_VERSION,
        "id": record_id,
        "modified": modified,
        "aliases": [facts.cve_id] if facts.cve_id and facts.cve_id != record_id else [],
        "summary": facts.headline(),
        "details": details,
        "affected": _affected(facts, warnings),
        "references": [{"type": _reference_type(ref.tags), "url": ref.url} for ref in facts.references],
    }
    if ctx.published is not None:
        doc["published"] = format_utc(ctx.published)
    severity = [
        {"type": SEVERITY_TYPES[s.version], "score": s.vector} for s in facts.scores if s.version in SEVERITY_TYPES
    ]
    if severity:
        doc["severity"] = severity
    credits = [
        {"name": c.name, "type": CREDIT_TYPES[c.role]} for c in facts.credits if c.role in CREDIT_TYPES and c.name
    ]
    if credits:
        doc["credits"] = credits
    specific: dict[str, Any] = {"source": f"steward {facts.steward_version}"}
    if facts.cwe_id:
        specific["cwe_ids"] = [facts.cwe_id]
    if facts.severity:
        specific["severity"] = facts.severity
    if facts.demo:
        specific["demo"] = True
    doc["database_specific"] = specific
    return doc


def dump_json(document: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, indent 2, UTF-8 kept, one trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_osv(facts: AdvisoryFacts, ctx: AdvisoryContext, settings: RecordSettings, modified: str) -> OsvExport:
    """The OSV record with its schema errors (empty when valid) and the operator warnings."""
    warnings: list[str] = []
    document: dict[str, Any] = scrub_json(build_osv(facts, ctx, modified, warnings), settings)
    errors = tuple(validate_advisory(document, "osv"))
    return OsvExport(document, dump_json(document), errors, tuple(dict.fromkeys(warnings)))
