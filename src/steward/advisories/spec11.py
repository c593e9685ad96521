"""The SPEC 11 security-release announcement of spec §11.5 (`--format spec11`).

One announcement may cover several CVEs fixed by the same release, so the
renderer takes a sequence of facts; each CVE keeps its own line, advisory links
and affected ranges. The version command and upgrade instructions come from the
caller (`product.version_command`, `product.upgrade_instructions`) so this
module stays free of the config.
"""

from __future__ import annotations

from collections.abc import Sequence

from steward.advisories.email_text import DEMO_SUBJECT, EmailText
from steward.advisories.facts import AdvisoryContext, AdvisoryFacts, PackageFacts, marker_lines


def spec11_subject(version: str, ctx: AdvisoryContext, demo: bool) -> str:
    text = f"Security release of {ctx.project_name} {version} is now available"
    return DEMO_SUBJECT + text if demo else text


def cve_line(facts: AdvisoryFacts) -> str:
    """`<CVE> (CVSS score <score>): <summary>`, the score part omitted when the record has none."""
    head = facts.cve_id or "Unassigned CVE"
    score = facts.first_score
    scored = f"{head} (CVSS score {score.base_score})" if score is not None else head
    return f"{scored}: {facts.headline()}"


def vulnerable_lines(package: PackageFacts) -> list[str]:
    """One line per range: the affected versions and the last vulnerable (or first fixed) version."""
    if not package.ranges and not package.exact:
        return [f"{package.label}: the affected versions are not known yet."]
    out: list[str] = []
    for found in package.ranges:
        if found.last_affected is not None:
            tail = f"the last vulnerable version is {found.last_affected}"
        elif found.fixed is not None:
            tail = f"the last vulnerable version is the release before {found.fixed}, the first fixed version"
        else:
            tail = "no fixed version is released yet"
        out.append(f"{package.label} {found.phrase()} is affected; {tail}.")
    if package.exact:
        listed = ", ".join(package.exact)
        out.append(f"{package.label} {listed} is affected; the last vulnerable version is {package.exact[-1]}.")
    return out


def _vulnerable(all_facts: Sequence[AdvisoryFacts], ctx: AdvisoryContext) -> list[str]:
    if ctx.version_command:
        lines = [f"Run `{ctx.version_command.strip()}` to see which version of {ctx.project_name} you run.", ""]
    else:
        lines = [f"Check which version of {ctx.project_name} you run.", ""]
    for facts in all_facts:
        prefix = f"{facts.cve_id}: " if len(all_facts) > 1 and facts.cve_id else ""
        for package in facts.packages:
            lines += [f"- {prefix}{line}" for line in vulnerable_lines(package)]
    return lines


def _upgrade(all_facts: Sequence[AdvisoryFacts], ctx: AdvisoryContext, version: str) -> list[str]:
    if ctx.upgrade_instructions:
        return [ctx.upgrade_instructions.strip()]
    targets = dict.fromkeys(
        f"Upgrade {p.package_name} to {p.upgrade_target()}."
        for f in all_facts
        for p in f.packages
        if p.upgrade_target()
    )
    return list(targets) or [f"Upgrade {ctx.project_name} to {version} or later."]


def render_spec11(all_facts: Sequence[AdvisoryFacts], ctx: AdvisoryContext) -> EmailText:
    """Subject and body; ValueError when no record is given (an announcement names at least one CVE)."""
    if not all_facts:
        raise ValueError("a SPEC 11 announcement needs at least one record; pass the trackers fixed by the release.")
    demo = any(f.demo for f in all_facts)
    version = next((v for f in all_facts if (v := f.release_version(ctx))), None) or "(version not yet known)"
    plural = len(all_facts) > 1
    lines = [*marker_lines(all_facts[0]), "", "Hello,", ""]
    lines.append(
        f"{ctx.project_name} {version} is now available. It fixes the following "
        + ("vulnerabilities:" if plural else "vulnerability:")
    )
    lines += ["", *(f"- {cve_line(f)}" for f in all_facts), ""]
    lines += [f"We recommend that all users of {ctx.project_name} upgrade to {version} or later.", ""]
    lines += ["*Am I vulnerable?*", "", *_vulnerable(all_facts, ctx), ""]
    mitigations = [f for f in all_facts if f.mitigation]
    if mitigations:
        lines += ["*How do I mitigate the vulnerability?*", ""]
        for facts in mitigations:
            prefix = f"{facts.cve_id}: " if plural and facts.cve_id else ""
            lines += [f"{prefix}{facts.mitigation}", ""]
    lines += ["*How do I upgrade?*", "", *_upgrade(all_facts, ctx, version), ""]
    lines += ["*Vulnerability Details*", ""]
    for facts in all_facts:
        links = facts.advisory_links or ["(advisory link not yet available)"]
        lines += [f"- {facts.cve_id or facts.headline()}:", *(f"  {link}" for link in links)]
    lines += ["", "Thank you,", ctx.signature or f"The {ctx.project_name} security team"]
    return EmailText(spec11_subject(version, ctx, demo), "\n".join(lines) + "\n")
