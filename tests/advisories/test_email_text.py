"""The plain advisory e-mail (spec §11.5 `--format email`), derived from the generated CVE record."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))

from corpus import CNA_HOST, GOOD, GOOD_SUMMARY, GOOD_TITLE, SETTINGS, TRACKER_BASE, case

from steward.advisories import AdvisoryContext, render_advisory
from steward.advisories.email_text import render_email
from steward.advisories.facts import advisory_facts
from steward.domain.roles import Field
from steward.records.cve_json import DEMO_LINE
from steward.records.inputs import RecordInput, urls_in

CTX = AdvisoryContext("Example Widget", version_command="widget --version")


def _clock() -> datetime:
    return datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def _email(name: str) -> tuple[str, str]:
    c = case(name)
    out = render_advisory("email", c.record_input(), c.config, CTX, _clock)
    assert out.subject is not None
    return out.subject, out.text


def test_subject_is_cve_and_title() -> None:
    subject, _ = _email("complete")
    assert subject == f"CVE-2099-10001: {GOOD_TITLE}"


def test_body_carries_every_section_in_order() -> None:
    _, body = _email("complete")
    lines = body.splitlines()
    assert lines[0] == "TLP:CLEAR"
    assert "CVE: CVE-2099-10001" in lines
    assert "Severity: high" in lines
    assert "CWE: CWE-639: Authorization Bypass Through User-Controlled Key" in lines
    assert "- example-widget: before 2.7.1" in lines
    assert GOOD_SUMMARY in lines
    assert "- Jane Doe of Example Corp (finder)" in lines
    assert "- John Roe (remediation developer)" in lines
    order = [lines.index(h) for h in ("Affected:", "Description:", "Upgrade:", "Credit:", "References:")]
    assert order == sorted(order)
    assert "Mitigation:" not in lines


def test_references_are_full_bare_urls_one_per_line() -> None:
    _, body = _email("public-advisory")
    refs = body.split("References:\n\n", 1)[1].strip().splitlines()
    assert refs == [
        "https://github.com/example/widget/pull/1234",
        "https://lists.example.org/thread/pub1",
        "https://www.cve.org/CVERecord?id=CVE-2099-10001",
    ]
    assert all(urls_in(line) == [line] for line in refs)


def test_mitigation_only_with_the_section() -> None:
    _, body = _email("mitigation")
    assert "Mitigation:\n\nDisable the export endpoint in `widget.cfg`.\n" in body


def test_cvss_scores_are_listed() -> None:
    _, body = _email("cvss31")
    assert "CVSS 3.1: 9.8 CRITICAL (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H)" in body


def test_ranges_read_as_english() -> None:
    _, body = _email("two-branches")
    assert "- example-widget: from 2.0 before 2.7.1; from 3.0.0 before 3.0.2" in body
    assert "upgrade to 2.7.1 or 3.0.2 (or later in the same release line)" in body
    _, body = _email("less-or-equal")
    assert "- example-widget: through 2.7.0" in body
    _, body = _email("unbounded")
    assert "- example-widget: 2.0 and later (no fix released yet)" in body
    _, body = _email("exact-list")
    assert "- example-widget: 2.6.0, 2.6.1, 2.7.0" in body


def test_demo_marks_subject_and_first_line() -> None:
    subject, body = _email("demo-project")
    assert subject.startswith("[FICTIONAL DEMO] ")
    assert body.splitlines()[:2] == [DEMO_LINE, "TLP:CLEAR"]
    assert body.count(DEMO_LINE) == 1


def test_no_cve_id_uses_the_project_name() -> None:
    subject, body = _email("no-cve-id")
    assert subject == f"Example Widget security advisory: {GOOD_TITLE}"
    assert "CVE:" not in body


def test_deterministic() -> None:
    assert _email("multi-packages") == _email("multi-packages")


def test_render_email_directly_matches_dispatch() -> None:
    c = case("complete")
    mail = render_email(advisory_facts(c.record_input(), c.config), CTX)
    assert mail.body == _email("complete")[1]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.text(max_size=80))
def test_arbitrary_text_never_crashes_or_leaks(summary: str, credit: str) -> None:
    fields = {
        **GOOD,
        Field.PUBLIC_SUMMARY: f"{summary} {TRACKER_BASE}9 https://{CNA_HOST}/x",
        Field.REPORTER_CREDIT: credit,
    }
    r = RecordInput(fields=fields, title=summary[:40] or None)
    out = render_advisory("email", r, SETTINGS["py"], CTX, _clock)
    assert TRACKER_BASE not in out.text
    assert f"https://{CNA_HOST}" not in out.text
    assert out.text.endswith("\n")
