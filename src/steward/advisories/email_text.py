"""The plain advisory e-mail of spec §11.5 (`steward advisory ID --format email`).

Plain text with full bare URLs, so it reads the same in every mail client and
archive. The body opens with the marker lines (demo line, then `TLP:CLEAR`):
by the time this is rendered the release is confirmed and sending it is the
disclosure (§11.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.advisories.facts import CVE_ORG, AdvisoryContext, AdvisoryFacts, marker_lines

DEMO_SUBJECT = "[FICTIONAL DEMO] "
_ROLES = {"finder": "finder", "tool": "finder (tool)", "remediation developer": "remediation developer"}


@dataclass(frozen=True)
class EmailText:
    subject: str
    body: str


def subject(facts: AdvisoryFacts, ctx: AdvisoryContext) -> str:
    """`<CVE>: <title>`; without a CVE id the project name stands in."""
    head = facts.cve_id or ctx.advisory_id or f"{ctx.project_name} security advisory"
    text = f"{head}: {facts.headline()}"
    return DEMO_SUBJECT + text if facts.demo else text


def affected_lines(facts: AdvisoryFacts) -> list[str]:
    out: list[str] = []
    for package in facts.packages:
        phrases = package.phrases()
        out.append(f"- {package.label}: {'; '.join(phrases) if phrases else 'affected versions not yet known'}")
    return out


def credit_lines(facts: AdvisoryFacts) -> list[str]:
    return [f"- {credit.name} ({_ROLES.get(credit.role, credit.role)})" for credit in facts.credits]


def reference_urls(facts: AdvisoryFacts) -> list[str]:
    urls = [ref.url for ref in facts.references]
    if facts.cve_id and CVE_ORG + facts.cve_id not in urls:
        urls.append(CVE_ORG + facts.cve_id)
    return urls


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"{title}:", "", *lines, ""] if lines else []


def render_email(facts: AdvisoryFacts, ctx: AdvisoryContext) -> EmailText:
    lines = [*marker_lines(facts), ""]
    if facts.cve_id:
        lines.append(f"CVE: {facts.cve_id}")
    lines.append(f"Severity: {facts.severity or 'not rated'}")
    lines += [f"CVSS {s.version}: {s.base_score} {s.base_severity} ({s.vector})" for s in facts.scores]
    if facts.cwe_id:
        lines.append(f"CWE: {facts.cwe_id}" + (f": {facts.cwe_name}" if facts.cwe_name else ""))
    lines.append("")
    lines += _section("Affected", affected_lines(facts))
    lines += _section("Description", [facts.description or "No public description yet."])
    lines += _section("Mitigation", [facts.mitigation] if facts.mitigation else [])
    upgrade = [
        f"Users of {p.label} should upgrade to {p.upgrade_target()}." for p in facts.packages if p.upgrade_target()
    ]
    if ctx.upgrade_instructions:
        upgrade.append(ctx.upgrade_instructions.strip())
    lines += _section("Upgrade", upgrade)
    lines += _section("Credit", credit_lines(facts))
    lines += _section("References", reference_urls(facts))
    return EmailText(subject(facts, ctx), "\n".join(lines).rstrip("\n") + "\n")
