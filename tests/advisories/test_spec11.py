"""The SPEC 11 security-release announcement (spec §11.5 `--format spec11`)."""

from __future__ import annotations

import dataclasses
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))

from corpus import GOOD_TITLE, case

from steward.advisories import AdvisoryContext, render_advisory
from steward.advisories.facts import advisory_facts
from steward.advisories.spec11 import cve_line, render_spec11
from steward.records.cve_json import DEMO_LINE

CTX = AdvisoryContext(
    "Example Widget",
    version_command="widget --version",
    upgrade_instructions="Run `pip install --upgrade example-widget`.",
)
HEADINGS = (
    "*Am I vulnerable?*",
    "*How do I mitigate the vulnerability?*",
    "*How do I upgrade?*",
    "*Vulnerability Details*",
)


def _clock() -> datetime:
    return datetime(2099, 1, 2, tzinfo=UTC)


def _spec11(name: str, ctx: AdvisoryContext = CTX) -> tuple[str, str]:
    c = case(name)
    out = render_advisory("spec11", c.record_input(), c.config, ctx, _clock)
    assert out.subject is not None
    return out.subject, out.text


def test_subject() -> None:
    subject, _ = _spec11("complete")
    assert subject == "Security release of Example Widget 2.7.1 is now available"


def test_release_version_override_and_milestone_fallback() -> None:
    subject, body = _spec11("complete", dataclasses.replace(CTX, release_version="2.8.0"))
    assert subject == "Security release of Example Widget 2.8.0 is now available"
    assert "upgrade to 2.8.0 or later" in body
    subject, _ = _spec11("less-or-equal")  # `<= 2.7.0` has no fix version: the milestone 2.7.1 is the release
    assert subject.endswith("Example Widget 2.7.1 is now available")


def test_cve_list_with_and_without_score() -> None:
    _, body = _spec11("cvss31")
    assert f"- CVE-2099-10001 (CVSS score 9.8): {GOOD_TITLE}" in body.splitlines()
    _, body = _spec11("complete")
    assert f"- CVE-2099-10001: {GOOD_TITLE}" in body.splitlines()
    assert "CVSS score" not in body


def test_greeting_recommendation_and_headings_in_order() -> None:
    _, body = _spec11("mitigation")
    lines = body.splitlines()
    assert lines[:3] == ["TLP:CLEAR", "", "Hello,"]
    assert "We recommend that all users of Example Widget upgrade to 2.7.1 or later." in lines
    positions = [lines.index(h) for h in HEADINGS]
    assert positions == sorted(positions)
    assert "Disable the export endpoint in `widget.cfg`." in lines


def test_mitigation_heading_only_with_the_section() -> None:
    _, body = _spec11("complete")
    assert "*How do I mitigate the vulnerability?*" not in body


def test_am_i_vulnerable_uses_version_command_and_last_vulnerable_version() -> None:
    _, body = _spec11("less-or-equal")
    assert "Run `widget --version` to see which version of Example Widget you run." in body
    assert "example-widget through 2.7.0 is affected; the last vulnerable version is 2.7.0." in body
    _, body = _spec11("exact-list")
    assert "the last vulnerable version is 2.7.0." in body
    _, body = _spec11("complete")
    assert "the last vulnerable version is the release before 2.7.1, the first fixed version" in body


def test_without_version_command() -> None:
    _, body = _spec11("complete", AdvisoryContext("Example Widget"))
    assert "Check which version of Example Widget you run." in body
    assert "Upgrade example-widget to 2.7.1 or later." in body


def test_upgrade_instructions_are_taken_verbatim() -> None:
    _, body = _spec11("complete")
    section = body.split("*How do I upgrade?*\n\n", 1)[1]
    assert section.startswith("Run `pip install --upgrade example-widget`.\n")


def test_vulnerability_details_list_each_advisory_link() -> None:
    _, body = _spec11("public-advisory")
    assert "- CVE-2099-10001:\n  https://lists.example.org/thread/pub1\n" in body
    _, body = _spec11("complete")
    assert "  https://www.cve.org/CVERecord?id=CVE-2099-10001\n" in body


def test_several_cves_in_one_announcement() -> None:
    first, second = case("cvss31"), case("mitigation")
    facts = [advisory_facts(first.record_input(), first.config), advisory_facts(second.record_input(), second.config)]
    mail = render_spec11(facts, CTX)
    assert "It fixes the following vulnerabilities:" in mail.body
    assert mail.body.count("- CVE-2099-10001") >= 2
    assert "CVE-2099-10001: Disable the export endpoint" in mail.body


def test_cve_line_for_unassigned_id() -> None:
    c = case("no-cve-id")
    assert cve_line(advisory_facts(c.record_input(), c.config)) == f"Unassigned CVE: {GOOD_TITLE}"


def test_empty_sequence_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one record"):
        render_spec11([], CTX)


def test_demo_marks() -> None:
    subject, body = _spec11("demo-project")
    assert subject.startswith("[FICTIONAL DEMO] Security release of")
    assert body.splitlines()[:2] == [DEMO_LINE, "TLP:CLEAR"]
