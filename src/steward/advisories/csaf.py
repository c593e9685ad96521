"""The CSAF 2.0 `csaf_security_advisory` export of spec §11.5 (`--format csaf`).

Validated offline against the OASIS CSAF 2.0 JSON schema and FIRST's CVSS
schemas vendored in data/csaf-2.0, so the export is not labelled experimental.
Only the schema is checked: the CSAF mandatory tests (§6.1 of the standard)
are not run. Ranges are `product_version_range` branches named in `vers:`
syntax; fix versions are `product_version` branches listed as `fixed`. CVSS
v4.0 has no place in CSAF 2.0 and is kept as a vulnerability note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from steward.advisories.facts import (
    CVE_ORG,
    TLP_CLEAR,
    AdvisoryContext,
    AdvisoryFacts,
    PackageFacts,
    VersionRange,
    format_utc,
    scrub_json,
)
from steward.advisories.osv import dump_json
from steward.advisories.schemas import validate_advisory
from steward.ids import is_cve
from steward.records.cve_json import DEMO_LINE
from steward.records.inputs import RecordSettings
from steward.records.validate import SchemaError

TLP_URL = "https://www.first.org/tlp/"
_VERS = {"pypi": "pypi", "npm": "npm", "maven": "maven"}
_SCHEME_VERS = {"pep440": "pypi", "maven": "maven", "semver": "semver"}
_REF_SUMMARY = {"patch": "Fix", "vendor-advisory": "Advisory", "related": "Related vulnerability"}
_ACK = {"finder": "found by", "tool": "found by (tool)", "remediation developer": "fixed by"}


@dataclass(frozen=True)
class CsafExport:
    document: dict[str, Any]
    text: str
    errors: tuple[SchemaError, ...]
    warnings: tuple[str, ...]


def vers_type(package: PackageFacts) -> str:
    if package.registry and package.registry.lower() in _VERS:
        return _VERS[package.registry.lower()]
    return _SCHEME_VERS[package.version_scheme]


def vers(package: PackageFacts, found: VersionRange) -> str:
    """`vers:pypi/>=1.0|<1.4.2` (the version-range specifier CSAF 2.0 recommends for ranges)."""
    parts = [] if found.introduced == "0" else [f">={found.introduced}"]
    if found.fixed is not None:
        parts.append(f"<{found.fixed}")
    elif found.last_affected is not None:
        parts.append(f"<={found.last_affected}")
    return f"vers:{vers_type(package)}/" + ("|".join(parts) or "*")


class _Ids:
    """Deterministic `CSAFPID-0001`… in product-tree order."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"CSAFPID-{self.count:04d}"


def _leaf(category: str, name: str, product_name: str, product_id: str) -> dict[str, Any]:
    return {"category": category, "name": name, "product": {"name": product_name, "product_id": product_id}}


def _product_tree(facts: AdvisoryFacts) -> tuple[dict[str, Any], list[str], list[str], dict[str, list[str]]]:
    """(tree, known_affected, fixed, affected ids per package name)."""
    ids = _Ids()
    affected: list[str] = []
    fixed: list[str] = []
    per_package: dict[str, list[str]] = {}
    products: dict[str, list[dict[str, Any]]] = {}
    for package in facts.packages:
        leaves = products.setdefault(package.product, [])
        mine = per_package.setdefault(package.package_name, [])
        for found in package.ranges:
            pid = ids.next()
            leaves.append(
                _leaf("product_version_range", vers(package, found), f"{package.label} {found.phrase()}", pid)
            )
            affected.append(pid)
            mine.append(pid)
        for version in package.exact:
            pid = ids.next()
            leaves.append(_leaf("product_version", version, f"{package.label} {version}", pid))
            affected.append(pid)
            mine.append(pid)
        for version in package.fixed_versions:
            pid = ids.next()
            leaves.append(_leaf("product_version", version, f"{package.label} {version}", pid))
            fixed.append(pid)
    branches = [
        {"category": "product_name", "name": product, "branches": leaves}
        for product, leaves in products.items()
        if leaves
    ]
    tree: dict[str, Any] = {}
    if branches:
        tree["branches"] = [{"category": "vendor", "name": facts.vendor, "branches": branches}]
    return tree, affected, fixed, per_package


def _remediations(
    facts: AdvisoryFacts, ctx: AdvisoryContext, per_package: dict[str, list[str]], affected: list[str]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for package in facts.packages:
        pids = per_package.get(package.package_name, [])
        if not pids:
            continue
        target = package.upgrade_target()
        if target:
            details = f"Upgrade {package.package_name} to {target}."
            if ctx.upgrade_instructions:
                details += "\n\n" + ctx.upgrade_instructions.strip()
            out.append({"category": "vendor_fix", "details": details, "product_ids": pids})
        else:
            out.append(
                {"category": "none_available", "details": "No fixed version is released yet.", "product_ids": pids}
            )
    if facts.mitigation and affected:
        out.append({"category": "workaround", "details": facts.mitigation, "product_ids": list(affected)})
    return out


def _vulnerability(
    facts: AdvisoryFacts, ctx: AdvisoryContext, tree: tuple[dict[str, Any], list[str], list[str], dict[str, list[str]]]
) -> tuple[dict[str, Any], list[str]]:
    _, affected, fixed, per_package = tree
    warnings: list[str] = []
    notes: list[dict[str, str]] = []
    if facts.description:
        notes.append({"category": "description", "text": facts.description, "title": "Vulnerability description"})
    vuln: dict[str, Any] = {"title": facts.headline()}
    if facts.cve_id and is_cve(facts.cve_id):
        vuln["cve"] = facts.cve_id
    if facts.cwe_id:
        vuln["cwe"] = {"id": facts.cwe_id, "name": facts.cwe_name or facts.cwe_id}
    status: dict[str, list[str]] = {}
    if affected:
        status["known_affected"] = affected
    if fixed:
        status["fixed"] = fixed
    if status:
        vuln["product_status"] = status
    remediations = _remediations(facts, ctx, per_package, affected)
    if remediations:
        vuln["remediations"] = remediations
    scores = []
    for score in facts.scores:
        if score.version == "3.1" and affected:
            cvss = {
                "version": "3.1",
                "vectorString": score.vector,
                "baseScore": score.base_score,
                "baseSeverity": score.base_severity,
            }
            scores.append({"cvss_v3": cvss, "products": list(affected)})
        elif score.version == "4.0":
            notes.append(
                {"category": "other", "text": score.vector, "title": f"CVSS v4.0 (base score {score.base_score})"}
            )
            warnings.append("CSAF export: CSAF 2.0 has no CVSS v4.0 score; the vector is kept as a note.")
    if scores:
        vuln["scores"] = scores
    if notes:
        vuln["notes"] = notes
    refs = [
        {
            "category": "external",
            "summary": next((_REF_SUMMARY[t] for t in ref.tags if t in _REF_SUMMARY), "Reference"),
            "url": ref.url,
        }
        for ref in facts.references
    ]
    if refs:
        vuln["references"] = refs
    acks = [{"names": [c.name], "summary": _ACK.get(c.role, c.role)} for c in facts.credits if c.name]
    if acks:
        vuln["acknowledgments"] = acks
    return vuln, warnings


def _namespace(ctx: AdvisoryContext, settings: RecordSettings) -> str:
    if ctx.publisher_namespace:
        return ctx.publisher_namespace
    base = settings.code_host_base_url.rstrip("/")
    return f"{base}/{settings.upstream_repo}" if settings.upstream_repo else base


def build_csaf(
    facts: AdvisoryFacts, ctx: AdvisoryContext, settings: RecordSettings, now: str
) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    doc_id = facts.cve_id or ctx.advisory_id
    if not doc_id:
        warnings.append(
            "CSAF export: the record has no CVE id; pass an advisory id (the placeholder is not publishable)."
        )
        doc_id = f"{ctx.project_name} advisory (unassigned)"
    notes: list[dict[str, str]] = []
    if facts.demo:
        notes.append({"category": "legal_disclaimer", "text": DEMO_LINE, "title": "Fictional demo data"})
    if facts.description:
        notes.append({"category": "summary", "text": facts.description, "title": "Summary"})
    initial = format_utc(ctx.published) if ctx.published is not None else now
    document: dict[str, Any] = {
        "category": "csaf_security_advisory",
        "csaf_version": "2.0",
        "distribution": {"text": TLP_CLEAR, "tlp": {"label": "WHITE", "url": TLP_URL}},
        "lang": "en",
        "publisher": {"category": "vendor", "name": facts.vendor, "namespace": _namespace(ctx, settings)},
        "title": facts.headline(),
        "tracking": {
            "current_release_date": now,
            "generator": {"date": now, "engine": {"name": "steward", "version": facts.steward_version}},
            "id": doc_id,
            "initial_release_date": initial,
            "revision_history": [{"date": initial, "number": "1", "summary": "Initial release."}],
            "status": "final",
            "version": "1",
        },
    }
    if facts.severity:
        document["aggregate_severity"] = {"text": facts.severity}
    if notes:
        document["notes"] = notes
    links = [
        {"category": "external", "summary": "Advisory", "url": ref.url}
        for ref in facts.references
        if "vendor-advisory" in ref.tags
    ]
    if facts.cve_id:
        links.append({"category": "external", "summary": "CVE record", "url": CVE_ORG + facts.cve_id})
    if links:
        document["references"] = links
    tree = _product_tree(facts)
    vuln, vuln_warnings = _vulnerability(facts, ctx, tree)
    warnings += vuln_warnings
    out: dict[str, Any] = {"document": document, "vulnerabilities": [vuln]}
    if tree[0]:
        out["product_tree"] = tree[0]
    else:
        warnings.append("CSAF export: no affected package versions yet, so the product tree is empty.")
    return out, warnings


def render_csaf(facts: AdvisoryFacts, ctx: AdvisoryContext, settings: RecordSettings, now: str) -> CsafExport:
    """The CSAF document with its schema errors (empty when valid) and the operator warnings."""
    built, warnings = build_csaf(facts, ctx, settings, now)
    document: dict[str, Any] = scrub_json(built, settings)
    errors = tuple(validate_advisory(document, "csaf"))
    return CsafExport(document, dump_json(document), errors, tuple(dict.fromkeys(warnings)))
