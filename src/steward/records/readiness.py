"""The one readiness function of spec §12 D1 over the record input R.

Generator state, the Stage-1 gate (§8.4) and the UI all ask this function, so
"ready" means one thing everywhere. It checks the CVE id, the title, the six
mandatory fields (set and parsable), the §8.3 summary checks that need no I/O,
and that labels, milestone and reporter names are known. It never answers
`public`: publication is an explicit act (§12 D3).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from steward.domain.credits import parse_credits
from steward.domain.roles import DEFAULT_HEADINGS, Field
from steward.domain.severity import parse_cwe, parse_severity
from steward.domain.versions import NEXT, AffectedVersions, parse_affected
from steward.ids import cves_in_text, is_cve
from steward.patterns import Entry, PatternSet, fixed, norm
from steward.records.cvss_scores import score_all
from steward.records.inputs import RecordInput, RecordSettings, ResolvedPackage, urls_in

State = Literal["allocated", "review-ready"]
SIX_FIELDS = (
    Field.CWE,
    Field.AFFECTED_VERSIONS,
    Field.SEVERITY,
    Field.REPORTER_CREDIT,
    Field.PUBLIC_SUMMARY,
    Field.PR_WITH_FIX,
)
_HINTS = {
    Field.CWE: "write `CWE-NNN: <Title>` from the CWE catalogue",
    Field.AFFECTED_VERSIONS: "add one backticked range per line, e.g. `< 2.7.1`",
    Field.SEVERITY: "write the team's rating on line 1 (CVSS vectors optional on later lines)",
    Field.REPORTER_CREDIT: "write the credit line, `anonymous`, or `N/A — <reason>`",
    Field.PUBLIC_SUMMARY: "write the public description of the vulnerability",
    Field.PR_WITH_FIX: "paste the URL of the public pull request with the fix",
}
MIN_SUMMARY = 60
MIN_REPORTER_NAME = 4


@dataclass(frozen=True)
class Readiness:
    state: State
    gaps: tuple[str, ...]


def heading(role: Field) -> str:
    return DEFAULT_HEADINGS[role]


def empty_gap(role: Field) -> str:
    return f"{heading(role)} — currently empty; {_HINTS[role]}."


def parse_versions(r: RecordInput, settings: RecordSettings) -> AffectedVersions:
    """Affected versions with each line's version scheme taken from the scope its package resolves to."""
    scope = settings.tracker_scope(r.labels, r.scope)

    def scheme_for(package: str | None) -> str:
        resolved = settings.resolve(package, scope)
        return resolved.version_scheme if resolved is not None else scope.version_scheme

    return parse_affected(r.value(Field.AFFECTED_VERSIONS), scheme_for)


def pr_references(r: RecordInput, settings: RecordSettings) -> list[str]:
    """URLs of the PR field, `<upstream>#N` written out as a PR URL; private URLs excluded."""
    value = r.value(Field.PR_WITH_FIX)
    if value is None:
        return []
    found = list(urls_in(value))
    if settings.upstream_repo:
        base = settings.code_host_base_url.rstrip("/") + "/" + settings.upstream_repo
        for _, hit in settings.patterns["ids.upstream_pr_ref"].hits(value):
            url = f"{base}/pull/{int(hit.group('number'))}"
            if hit.group(0).find("/pull/") < 0 and url not in found:
                found.append(url)
    return [url for url in found if settings.private_url_reason(url) is None]


@lru_cache(maxsize=512)
def _upgrade_entry(names: tuple[str, ...], fix_version: str) -> Entry:
    return PatternSet({"package_names": list(names), "fix_version": fix_version})["summary.upgrade_target"]


@lru_cache(maxsize=64)
def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    alts = [r"\s+".join(re.escape(w) for w in norm(p).split()) for p in phrases if p.strip()]
    if not alts:
        return None
    alts.sort(key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", re.IGNORECASE)


def fix_versions(
    r: RecordInput, settings: RecordSettings, parsed: AffectedVersions
) -> dict[ResolvedPackage, list[str]]:
    """§8.6 (2)/(3) without I/O: each package's `<` upper bounds, else a milestone that is a version."""
    scope = settings.tracker_scope(r.labels, r.scope)
    out: dict[ResolvedPackage, list[str]] = {}
    for line in parsed.lines:
        resolved = settings.resolve(line.package, scope)
        if resolved is None:
            continue
        bucket = out.setdefault(resolved, [])
        if line.kind in ("lt", "range_lt") and isinstance(line.upper, str) and line.upper not in bucket:
            bucket.append(line.upper)
    if r.milestone:
        own = settings.resolve(None, scope)
        milestone = r.milestone.strip()
        if own is not None and fixed()[f"versions.{own.version_scheme}"].hit(milestone):
            for package, bucket in out.items():
                if not bucket and package.version_scheme == own.version_scheme:
                    bucket.append(milestone)
            if not out:
                out[own] = [milestone]
    return out


def summary_checks(r: RecordInput, settings: RecordSettings, parsed: AffectedVersions) -> list[str]:
    """§8.3 (a)–(f); a check whose input R lacks fails."""
    summary = r.value(Field.PUBLIC_SUMMARY)
    if summary is None:
        return []
    label = heading(Field.PUBLIC_SUMMARY)
    gaps: list[str] = []
    # (a) upgrade target, one hit per package with a known fix version.
    targets = {package: versions for package, versions in fix_versions(r, settings, parsed).items() if versions}
    if not targets:
        gaps.append(f"{label} — check (a): no fix version is known (Affected versions `< W` bound or milestone).")
    for package, versions in targets.items():
        names = tuple(sorted({package.package_name, package.product, settings.product_name}))
        if not any(_upgrade_entry(names, version).hit(summary) for version in versions):
            gaps.append(f'{label} — check (a): say "upgrade to {package.package_name} {versions[-1]} or later".')
    # (b) at least two distinct trigger conditions.
    triggers = {m.group(0).casefold() for _, m in settings.patterns["summary.trigger_patterns"].hits(summary)}
    extra = _phrases(settings.trigger_phrases)
    if extra is not None:
        triggers |= {m.group(0).casefold() for m in extra.finditer(norm(summary))}
    if len(triggers) < 2:
        gaps.append(
            f"{label} — check (b): name at least two trigger conditions (who can exploit it, and how); "
            f"found {len(triggers)}."
        )
    # (c) incomplete-fix follow-up.
    own = r.effective_cve_id
    related = [c for c in cves_in_text(r.section("Related references") or "") if c != own]
    named = set(cves_in_text(summary))
    for other in related:
        if other not in named or re.search(r"\balso\b", summary, re.IGNORECASE) is None:
            gaps.append(
                f"{label} — check (c): this follows up {other}; name it and say users who applied it must also "
                "apply this fix."
            )
    # (d) CWE long form.
    cwe = r.value(Field.CWE)
    if cwe is not None and fixed()["fields.cwe_long"].hit(cwe) is None:
        gaps.append(f"{heading(Field.CWE)} — check (d): write the long form `CWE-NNN: <Title>`.")
    # (e) no TRACKER, REPORTER, FOREIGN or INTERNAL hit.
    gaps.extend(f"{label} — check (e): {problem}" for problem in _scrub(r, settings, summary))
    # (f) length and not the title.
    if len(summary) < MIN_SUMMARY:
        gaps.append(f"{label} — check (f): at least {MIN_SUMMARY} characters (has {len(summary)}).")
    if r.title is not None and summary.strip().casefold() == r.title.strip().casefold():
        gaps.append(f"{label} — check (f): must say more than the title.")
    return gaps


def _scrub(r: RecordInput, settings: RecordSettings, summary: str) -> list[str]:
    problems: list[str] = []
    patterns = settings.patterns
    folded = norm(summary).casefold()
    if patterns["scrub.tracker"].hit(summary) or any(
        settings.private_url_reason(u) == "tracker URL" for u in urls_in(summary)
    ):
        problems.append("it names the private tracker; remove the reference.")
    if r.reporter_names is None:
        problems.append("reporter names are unknown (standalone form), so the REPORTER check cannot pass.")
    names = list(r.reporter_names or ())
    names += [c.name for c in parse_credits(r.value(Field.REPORTER_CREDIT)) if c.exports]
    for name in sorted({n.strip() for n in names if len(n.strip()) >= MIN_REPORTER_NAME}):
        if re.search(r"(?<!\w)" + re.escape(norm(name).casefold()) + r"(?!\w)", folded):
            problems.append(f"it names the reporter ({name}); remove the name.")
    foreign = _phrases(settings.foreign_project_names)
    if patterns["scrub.foreign_phrases"].hit(summary) or (foreign is not None and foreign.search(norm(summary))):
        problems.append("it mentions another project's report; remove it.")
    internal = settings.cna_tool_host is not None and settings.cna_tool_host.casefold() in folded
    internal = internal or any(
        settings.private_url_reason(u) in ("CNA tool URL", "private archive URL") for u in urls_in(summary)
    )
    if internal:
        problems.append("it names an internal URL (CNA tool or private archive); remove it.")
    if patterns["scrub.severity_word"].hit(summary):
        problems.append("it states the severity in words; the severity goes in the Severity field only.")
    return problems


def field_gaps(r: RecordInput, settings: RecordSettings, parsed: AffectedVersions) -> list[str]:
    """The six fields set (§2.3) and parsable (§2.4), plus NEXT VERSION and `{name}` scopes."""
    gaps: list[str] = []
    for role in SIX_FIELDS:
        if r.value(role) is None:
            gaps.append(empty_gap(role))
    label = heading(Field.AFFECTED_VERSIONS)
    gaps.extend(f"{label} — line {e.line} ({e.text!r}): {e.reason}" for e in parsed.errors)
    scope = settings.tracker_scope(r.labels, r.scope)
    for line in parsed.lines:
        if line.upper is NEXT:
            gaps.append(
                f"{label} — line {line.source_line} has the upper bound NEXT VERSION; replace it with the fix version "
                "once it is known."
            )
        if settings.resolve(line.package, scope) is None:
            gaps.append(
                f"{label} — line {line.source_line} has no package prefix, but the scope's packageName "
                f"{scope.package_name!r} is a pattern; prefix the line with the package name."
            )
    if r.value(Field.CWE) is not None and parse_cwe(r.value(Field.CWE)).id is None:
        gaps.append(f"{heading(Field.CWE)} — names no CWE id; write `CWE-NNN: <Title>`.")
    severity = parse_severity(r.value(Field.SEVERITY), settings.severity_scale)
    gaps.extend(f"{heading(Field.SEVERITY)} — {error}" for error in severity.errors)
    if r.value(Field.SEVERITY) is not None and severity.rating is None and not severity.errors:
        gaps.append(empty_gap(Field.SEVERITY))
    _, cvss_errors, _ = score_all(severity.rating, severity.vectors)
    gaps.extend(f"{heading(Field.SEVERITY)} — {error}" for error in cvss_errors)
    if r.value(Field.REPORTER_CREDIT) is not None and not parse_credits(r.value(Field.REPORTER_CREDIT)):
        gaps.append(empty_gap(Field.REPORTER_CREDIT))
    if r.value(Field.PR_WITH_FIX) is not None and not pr_references(r, settings):
        gaps.append(
            f"{heading(Field.PR_WITH_FIX)} — has no public pull-request URL (private tracker and CNA URLs do not "
            "count); paste the upstream PR URL."
        )
    return gaps


def context_gaps(r: RecordInput, settings: RecordSettings) -> list[str]:
    """CVE id, title, org id, labels (with a scope label), milestone and reporter names."""
    gaps: list[str] = []
    cve_id = r.effective_cve_id
    if cve_id is None:
        gaps.append("CVE id — none on the tracker; allocate one (Step 6) and set the CVE tool link.")
    elif not is_cve(cve_id):
        gaps.append(f"CVE id — {cve_id!r} is not a valid CVE id; fix the CVE tool link.")
    if r.title is None or not r.title.strip():
        gaps.append("Title — empty; give the tracker a descriptive title.")
    if not settings.org_id and not settings.demo:
        gaps.append("cve_authority.org_id — not configured; set the CNA's organisation UUID in project.yml.")
    if r.labels is None:
        gaps.append("Labels — unknown (standalone form); run on the tracker itself.")
    elif settings.scopes and not any(label in settings.scopes for label in r.labels):
        gaps.append(f"Labels — no scope label; add one of {', '.join(sorted(settings.scopes))}.")
    if r.milestone is None or not r.milestone.strip():
        gaps.append("Milestone — not set; assign the milestone of the release that will carry the fix.")
    if r.reporter_names is None:
        gaps.append("Reporter names — unknown (standalone form); run on the tracker itself.")
    return gaps


def readiness(r: RecordInput, settings: RecordSettings, schema_gaps: Sequence[str] = ()) -> Readiness:
    """`review-ready` when nothing is missing (schema errors of the generated record included), else `allocated`."""
    parsed = parse_versions(r, settings)
    gaps = [*context_gaps(r, settings), *field_gaps(r, settings, parsed), *summary_checks(r, settings, parsed)]
    gaps.extend(schema_gaps)
    unique = tuple(dict.fromkeys(gaps))
    return Readiness("allocated" if unique else "review-ready", unique)
