"""The CVE 5.x record generator of spec §2.7: a pure, deterministic function of R and config.

Nothing here reads the clock, the network, the store or the security thread,
so the same input always yields byte-identical JSON and the embedded block only
changes when a field does. Every URL and free text passes the §10.3 filter on
the way out: a draft may be incomplete, but it never carries a private link.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from steward.domain.credits import credit_kind, export_role, parse_credits, skipped_note
from steward.domain.roles import Field
from steward.domain.severity import parse_cwe, parse_severity
from steward.domain.versions import NEXT, VersionLine
from steward.ids import cves_in_text
from steward.records.cvss_scores import score_all
from steward.records.cwe_catalogue import lookup, usage_warnings
from steward.records.inputs import DEMO_ORG_ID, RecordInput, RecordSettings, ResolvedPackage, host_of, urls_in
from steward.records.readiness import State, parse_versions, pr_references, readiness
from steward.records.validate import validate_record

DEMO_LINE = "FICTIONAL DEMO DATA — not a real project or vulnerability."
TEXTUAL_SEVERITY = "Textual description of severity"
VERSION_TYPES = {"pep440": "python", "semver": "semver", "maven": "maven"}
RELATED_HOSTS = frozenset({"cve.org", "www.cve.org", "nvd.nist.gov"})
GAP_52 = (
    "Record format 5.2 — the 5.2 schema is not vendored yet; the record was validated against the 5.1.1 rules "
    "with packageURL removed."
)


@dataclass(frozen=True)
class GeneratedRecord:
    """`state` is the generic CNA state (never inside the record); `gaps` block review-ready; `warnings` do not."""

    record: dict[str, Any]
    state: State
    gaps: tuple[str, ...]
    warnings: tuple[str, ...]
    json_text: str


def dump(record: dict[str, Any]) -> str:
    """§2.7's canonical text: indent 4, sorted keys, UTF-8 kept, one trailing newline."""
    return json.dumps(record, indent=4, sort_keys=True, ensure_ascii=False) + "\n"


def _version_entries(line: VersionLine, version_type: str) -> list[dict[str, str]]:
    """The §2.7 mapping table; a NEXT VERSION upper bound yields nothing (readiness lists the gap)."""
    if line.upper is NEXT:
        return []
    base = {"status": "affected", "versionType": version_type}
    if line.kind == "exact":
        return [{"status": "affected", "version": v} for v in line.versions]
    if line.kind == "ge":
        return [{**base, "version": str(line.lower), "lessThan": "*"}]
    lower = "0" if line.kind in ("lt", "le") else str(line.lower)
    bound = "lessThan" if line.kind in ("lt", "range_lt") else "lessThanOrEqual"
    return [{**base, "version": lower, bound: str(line.upper)}]


def package_url(package: ResolvedPackage) -> str | None:
    """A version-less PURL for 5.2 records; None when the registry type is unknown."""
    kind = package.registry or {"pep440": "pypi", "maven": "maven"}.get(package.version_scheme)
    name = package.package_name
    if kind == "pypi":
        return "pkg:pypi/" + quote(name.lower().replace("_", "-").replace(".", "-"), safe="-")
    if kind == "npm":
        return "pkg:npm/" + quote(name, safe="/-._")
    if kind == "maven" and name.count(":") == 1:
        group, artifact = name.split(":")
        return f"pkg:maven/{quote(group, safe='-._')}/{quote(artifact, safe='-._')}"
    return None


def _affected(r: RecordInput, settings: RecordSettings, warnings: list[str]) -> list[dict[str, Any]]:
    parsed = parse_versions(r, settings)
    scope = settings.tracker_scope(r.labels, r.scope)
    warnings.extend(w.message for w in parsed.warnings)
    groups: dict[ResolvedPackage, list[dict[str, str]]] = {}
    for line in parsed.lines:
        resolved = settings.resolve(line.package, scope)
        if resolved is None:
            continue
        bucket = groups.setdefault(resolved, [])
        for entry in _version_entries(line, VERSION_TYPES[resolved.version_scheme]):
            if entry not in bucket:
                bucket.append(entry)
    if not groups:
        own = settings.resolve(None, scope) or ResolvedPackage(
            settings.package_name, settings.product_name, None, settings.version_scheme, settings.registry
        )
        groups[own] = []
    out: list[dict[str, Any]] = []
    for package, versions in groups.items():
        item: dict[str, Any] = {
            "vendor": settings.product_vendor,
            "product": package.product,
            "packageName": package.package_name,
            "defaultStatus": "unaffected" if versions else "unknown",
        }
        if package.collection_url:
            item["collectionURL"] = package.collection_url
        if versions:
            item["versions"] = versions
        if settings.record_format == "5.2":
            purl = package_url(package)
            if purl:
                item["packageURL"] = purl
        out.append(item)
    return out


def _problem_types(r: RecordInput, warnings: list[str]) -> list[dict[str, Any]]:
    cwe = parse_cwe(r.value(Field.CWE))
    if cwe.id is None:
        return []
    entry = lookup(cwe.id)
    warnings.extend(usage_warnings(cwe.id))
    name = entry.name if entry is not None else cwe.title
    if entry is not None and cwe.title is not None and " ".join(cwe.title.split()) != entry.name:
        warnings.append(f"CWE field title differs from the catalogue; the record uses {entry.long_form!r}.")
    description = f"CWE-{cwe.id}: {name}" if name else f"CWE-{cwe.id}"
    return [{"descriptions": [{"cweId": f"CWE-{cwe.id}", "description": description, "lang": "en", "type": "CWE"}]}]


def _metrics(r: RecordInput, settings: RecordSettings, warnings: list[str]) -> list[dict[str, Any]]:
    severity = parse_severity(r.value(Field.SEVERITY), settings.severity_scale)
    metrics: list[dict[str, Any]] = []
    if severity.rating is not None:
        metrics.append({"other": {"type": TEXTUAL_SEVERITY, "content": {"text": severity.rating}}})
    scores, _, found_warnings = score_all(severity.rating, severity.vectors)
    warnings.extend(found_warnings)
    for found in scores:
        metric = found.metric()
        if metric not in metrics:
            metrics.append(metric)
    return metrics


def _credits(r: RecordInput, settings: RecordSettings, warnings: list[str]) -> tuple[list[dict[str, str]], bool]:
    """(credits, internal discovery); `anonymous` and `N/A — ` lines export nothing."""
    out: list[dict[str, str]] = []
    internal = False
    for role in (Field.REPORTER_CREDIT, Field.REMEDIATION_DEVELOPER):
        for credit in parse_credits(r.value(role)):
            if not credit.exports:
                internal = internal or (role is Field.REPORTER_CREDIT and credit.name.startswith("N/A — "))
                continue
            kind = export_role(credit_kind(credit, settings.patterns), role)
            if kind is None:
                warnings.append(skipped_note(credit))
                continue
            entry = {"lang": "en", "type": kind, "value": settings.redact(credit.name)}
            if entry not in out:
                out.append(entry)
    return out, internal


def _tag(url: str, settings: RecordSettings) -> list[str]:
    """§10.3 tags: patch (PR or commit on the code host), vendor-advisory (advisory host), related (cve.org, NVD)."""
    host = host_of(url)
    code_host = host_of(settings.code_host_base_url)
    path = url.split(host, 1)[-1] if host else url
    if host and host == code_host and ("/pull/" in path or "/commit/" in path):
        return ["patch"]
    if host in {h.lower() for h in settings.advisory_hosts}:
        return ["vendor-advisory"]
    if host in RELATED_HOSTS:
        return ["related"]
    return []


def _references(r: RecordInput, settings: RecordSettings, cve_id: str | None) -> list[dict[str, Any]]:
    candidates: list[str] = list(pr_references(r, settings))
    advisory = r.value(Field.PUBLIC_ADVISORY_URL)
    candidates += urls_in(advisory or "")
    candidates += urls_in(r.advisory_url or "")
    for other in cves_in_text(r.value(Field.PUBLIC_SUMMARY) or ""):
        if other != cve_id:
            candidates.append(f"https://www.cve.org/CVERecord?id={other}")
    refs: dict[str, dict[str, Any]] = {}
    for url in candidates:
        if settings.private_url_reason(url) is not None or len(url) > 2048 or url in refs:
            continue
        entry: dict[str, Any] = {"url": url}
        tags = _tag(url, settings)
        if tags:
            entry["tags"] = tags
        refs[url] = entry
    return [refs[url] for url in sorted(refs)]


def _description(text: str, settings: RecordSettings) -> dict[str, Any]:
    value = settings.redact(text)
    return {
        "lang": "en",
        "value": value,
        "supportingMedia": [{"base64": False, "type": "text/html", "value": html.escape(value)}],
    }


def _scrub_strings(value: Any, settings: RecordSettings) -> Any:
    """Last line of defence: every string in the record goes through the URL redaction."""
    if isinstance(value, str):
        return settings.redact(value)
    if isinstance(value, list):
        return [_scrub_strings(v, settings) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_strings(v, settings) for k, v in value.items()}
    return value


def build_record(r: RecordInput, settings: RecordSettings, warnings: list[str]) -> dict[str, Any]:
    """The record alone (no validation, no state); `warnings` collects what the operator should see."""
    cve_id = r.effective_cve_id
    org_id = settings.org_id or (DEMO_ORG_ID if settings.demo else None)
    summary = r.value(Field.PUBLIC_SUMMARY)
    if settings.demo:
        summary = DEMO_LINE + ("\n\n" + summary if summary else "")
    cna: dict[str, Any] = {
        "affected": _affected(r, settings, warnings),
        "descriptions": [_description(summary, settings)] if summary else [],
        "providerMetadata": {"orgId": org_id} if org_id else {},
        "references": _references(r, settings, cve_id),
        "x_generator": {"engine": f"steward {settings.steward_version}"},
    }
    if r.title is not None and r.title.strip():
        cna["title"] = settings.redact(r.title.strip())
    problem_types = _problem_types(r, warnings)
    if problem_types:
        cna["problemTypes"] = problem_types
    metrics = _metrics(r, settings, warnings)
    if metrics:
        cna["metrics"] = metrics
    credits, internal = _credits(r, settings, warnings)
    if credits:
        cna["credits"] = credits
    cna["source"] = {"discovery": "INTERNAL" if internal else "EXTERNAL"}
    mitigation = r.section("Mitigation")
    if mitigation:
        cna["workarounds"] = [_description(mitigation, settings)]
    if settings.demo:
        cna["x_steward"] = {"demo": True}
    metadata: dict[str, Any] = {"state": "PUBLISHED"}
    if cve_id is not None:
        metadata["cveId"] = cve_id
    if org_id:
        metadata["assignerOrgId"] = org_id
    record = {
        "containers": {"cna": cna},
        "cveMetadata": metadata,
        "dataType": "CVE_RECORD",
        "dataVersion": settings.record_format,
    }
    scrubbed: dict[str, Any] = _scrub_strings(record, settings)
    return scrubbed


def _for_51(record: dict[str, Any]) -> dict[str, Any]:
    """A 5.2 record with the 5.2-only `packageURL` removed, for validation against the vendored 5.1.1 rules."""
    copy = json.loads(json.dumps(record))
    for entry in copy.get("containers", {}).get("cna", {}).get("affected", []):
        entry.pop("packageURL", None)
    result: dict[str, Any] = copy
    return result


def schema_gaps(record: dict[str, Any], record_format: str) -> list[str]:
    target = _for_51(record) if record_format == "5.2" else record
    gaps = [f"Schema — {error.path}: {error.rule}: {error.message}" for error in validate_record(target)]
    if record_format == "5.2":
        gaps.append(GAP_52)
    return gaps


def generate(r: RecordInput, settings: RecordSettings) -> GeneratedRecord:
    """(record, state, gaps, warnings, json_text) for R; the draft is returned even when gaps remain."""
    warnings: list[str] = []
    record = build_record(r, settings, warnings)
    ready = readiness(r, settings, schema_gaps(record, settings.record_format))
    return GeneratedRecord(record, ready.state, ready.gaps, tuple(dict.fromkeys(warnings)), dump(record))
