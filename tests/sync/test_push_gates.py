"""§8.12 pre-push gates over fictional `widget` trackers: a clean record passes; each broken input fails its gate."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sync_rule_support import Maker, comment, make_ctx
from team_ctx import ROSTER

from steward.domain.roles import Field
from steward.records.settings_for import settings_for
from steward.sync.context import SyncContext
from steward.sync.push_gates import blocked_note, gate_failures, reference_gate
from steward.sync.rules.s09_reporter_credit import FOLLOW_UP
from steward.sync.rules.s17_cve_json import regenerate

CVE = "CVE-2099-0001"
TRACKER_URL = "https://github.com/example/widget-security/issues/4"
SUMMARY = (
    "Example Widget before 2.1.0 lets an authenticated user read files outside the template root; an attacker with "
    "template rights can do so repeatedly. Upgrade to example-widget 2.1.0 or later."
)
GOOD = {
    Field.PUBLIC_SUMMARY: SUMMARY,
    Field.AFFECTED_VERSIONS: "`< 2.1.0`",
    Field.CWE: "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    Field.SEVERITY: "medium",
    Field.REPORTER_CREDIT: "Jo Example",
    Field.REMEDIATION_DEVELOPER: "Kit Example",
}


@pytest.fixture(scope="module")
def gctx() -> SyncContext:
    return make_ctx(
        roster=ROSTER,
        cve_authority={"org_id": "00000000-0000-4000-8000-000000000001"},
        tracker={"upstream_repo": "example/widget", "repo": "example/widget-security", "platform": "github"},
        credits={"private_scanner_products": ["ScanCo Sentinel"]},
        confidentiality={"foreign_project_names": ["Otherproj"]},
    )


def failures(ctx: SyncContext, title: str | None = None, comments: Any = (), **fields: str) -> list[str]:
    values = GOOD | {Field(k.replace("_", "-")): v for k, v in fields.items()}
    kw = {"title": title} if title else {}
    facts = Maker(ctx)(fields=values, cve_id=CVE, **kw)
    body, built = regenerate(facts.row, CVE, ctx)
    return gate_failures(replace(facts.row, body=body), CVE, built, list(comments), ctx)


def test_a_clean_record_passes_every_gate(gctx: SyncContext) -> None:
    assert failures(gctx) == []


@pytest.mark.parametrize(
    ("change", "gate"),
    [
        ({"title": "[SECURITY] Template loader follows symlinks outside the root"}, "title fixpoint"),
        ({"public_summary": "Too short."}, "summary check (§8.3)"),
        ({"public_summary": SUMMARY.replace("Upgrade to example-widget 2.1.0 or later.", "")}, "check (a)"),
        ({"affected_versions": "`>= 1.4.0, < 2.1.0`"}, "conservative bound (S5)"),
        ({"public_summary": SUMMARY + " See " + TRACKER_URL}, "scrub (§10.2) TRACKER in public-summary"),
        ({"remediation_developer": f"Kit Example ({TRACKER_URL})"}, "scrub (§10.2) TRACKER in remediation-developer"),
        ({"public_summary": SUMMARY + " Also reported against Otherproj."}, "FOREIGN in public-summary"),
        ({"affected_versions": "`< 2.1.0`\n`< NEXT VERSION`"}, "schema validation"),
    ],
)
def test_each_broken_input_fails_its_gate(gctx: SyncContext, change: dict[str, str], gate: str) -> None:
    found = failures(gctx, **change)
    assert any(gate in f for f in found), found


def test_roster_evidence_lifts_the_conservative_bound(gctx: SyncContext) -> None:
    said = comment("alex", "I checked the history: the loader bug was introduced in 1.4.0.")
    assert not any("S5" in f for f in failures(gctx, comments=[said], affected_versions="`>= 1.4.0, < 2.1.0`"))


def test_a_private_scanner_with_a_personal_credit_blocks_the_push(gctx: SyncContext) -> None:
    found = failures(gctx, issue_description="Found by ScanCo Sentinel during a customer audit.")
    assert any("private scanner (S10)" in f for f in found), found
    assert failures(gctx, issue_description="Found by ScanCo Sentinel.", reporter_credit="anonymous") == []
    evidence = comment("alex", f"{FOLLOW_UP}\n\nFrom Jo Example (2031-05-01):\n\nPlease credit me as Jo Example.")
    assert failures(gctx, comments=[evidence], issue_description="Found by ScanCo Sentinel.") == []


def test_the_record_never_carries_a_url_the_reference_filter_drops(gctx: SyncContext) -> None:
    """cve_json redacts dropped URLs from every string, so §10.3 holds even when the body leaks one; the scrub gate
    still blocks the push because the field itself carries it."""
    facts = Maker(gctx)(fields=GOOD | {Field.PUBLIC_SUMMARY: SUMMARY + " " + TRACKER_URL}, cve_id=CVE)
    _, built = regenerate(facts.row, CVE, gctx)
    assert TRACKER_URL not in built.generated.json_text
    assert reference_gate(built.generated.record, settings_for(gctx.config)) == []
    leaked = {"containers": {"cna": {"references": [{"url": TRACKER_URL}]}}}
    [problem] = reference_gate(leaked, settings_for(gctx.config))
    assert "tracker URL" in problem and TRACKER_URL in problem


def test_blocked_note_names_every_failure() -> None:
    note = blocked_note(CVE, ["a: fix a", "b: fix b"])
    assert note.startswith(f"record of {CVE} not pushed") and "fix a" in note and "fix b" in note
