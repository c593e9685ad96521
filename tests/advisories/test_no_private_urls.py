"""§10.1–10.3 for every advisory format × every corpus body: nothing private leaves, demo outputs are marked."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))

from corpus import CASES, CNA_HOST, GOOD, PRIVATE_URL, SETTINGS, TRACKER_BASE, Case

from steward.advisories import FORMATS, AdvisoryContext, AdvisoryFormat, render_advisory, scrub_check
from steward.domain.roles import Field
from steward.records.cve_json import DEMO_LINE
from steward.records.inputs import RecordInput

THREAD = "https://mail.example.net/archives/widget-security/msg-4242"
"""A security-thread URL no private pattern catches: only never reading the field keeps it out."""
CTX = AdvisoryContext(
    "Example Widget",
    version_command="widget --version",
    upgrade_instructions=f"Upgrade with pip; questions to {TRACKER_BASE}1 are redacted.",
)


def _clock() -> datetime:
    return datetime(2099, 1, 2, tzinfo=UTC)


def _with_thread(c: Case) -> Case:
    if c.raw_body is not None:
        legacy = "No public archive URL — tracked privately on thread <legacy.1@mail.example.net>"
        assert legacy in c.raw_body
        return dataclasses.replace(c, raw_body=c.raw_body.replace(legacy, THREAD))
    return dataclasses.replace(c, fields={**c.fields, Field.SECURITY_THREAD: f"{THREAD} · Root Message-ID: `<a@b>`"})


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_no_forbidden_url_in_any_output(c: Case, fmt: AdvisoryFormat) -> None:
    c = _with_thread(c)
    assert THREAD in c.body
    out = render_advisory(fmt, c.record_input(), c.config, CTX, _clock)
    for text in (out.text, out.subject or ""):
        assert scrub_check(text, c.config, [THREAD]) == []
        assert THREAD not in text
        assert TRACKER_BASE.casefold() not in text.casefold()
        assert CNA_HOST not in text
        assert PRIVATE_URL not in text
        assert "example/widget-security" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_demo_outputs_are_marked_fictional(fmt: AdvisoryFormat) -> None:
    c = next(c for c in CASES if c.config.demo)
    out = render_advisory(fmt, c.record_input(), c.config, CTX, _clock)
    if fmt in ("email", "spec11"):
        assert out.text.splitlines()[0] == DEMO_LINE
        assert out.subject is not None
        assert "FICTIONAL DEMO" in out.subject
    elif fmt == "osv":
        doc = json.loads(out.text)
        assert doc["details"].startswith(DEMO_LINE)
        assert doc["database_specific"]["demo"] is True
    else:
        doc = json.loads(out.text)
        assert any(note["text"] == DEMO_LINE for note in doc["document"]["notes"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_non_demo_outputs_carry_no_demo_mark(fmt: AdvisoryFormat) -> None:
    c = next(c for c in CASES if c.name == "complete")
    out = render_advisory(fmt, c.record_input(), c.config, CTX, _clock)
    assert DEMO_LINE not in out.text
    assert '"demo"' not in out.text


def test_scrub_check_finds_each_kind() -> None:
    conf = SETTINGS["py"]
    text = (
        f"see {TRACKER_BASE}12, https://{CNA_HOST}/cve5/CVE-2099-1 and {PRIVATE_URL} "
        f"and {THREAD}/reply plus https://github.com/example/widget-security/pull/3 "
        f"and again {TRACKER_BASE}12."
    )
    found = scrub_check(text, conf, [THREAD])
    assert found[:5] == [
        f"{TRACKER_BASE}12",
        f"https://{CNA_HOST}/cve5/CVE-2099-1",
        PRIVATE_URL,
        f"{THREAD}/reply",
        "https://github.com/example/widget-security/pull/3",
    ]
    assert len(found) == len(set(found))


def test_scrub_check_catches_glued_and_bare_forms() -> None:
    conf = SETTINGS["py"]
    assert scrub_check(f"x{TRACKER_BASE.upper()}", conf) != []
    assert scrub_check(f"mail {CNA_HOST} now", conf) == [CNA_HOST]
    assert scrub_check("https://github.com/example/widget/pull/1 https://lists.example.org/thread/pub1", conf) == []


@settings(max_examples=50, deadline=None)
@given(
    st.text(max_size=120),
    st.sampled_from([f"{TRACKER_BASE}7", f"https://{CNA_HOST}/cve5/x", PRIVATE_URL, TRACKER_BASE.rstrip("/")]),
    st.sampled_from(FORMATS),
)
def test_forbidden_urls_in_free_text_never_survive(noise: str, url: str, fmt: AdvisoryFormat) -> None:
    fields = {**GOOD, Field.PUBLIC_SUMMARY: f"{noise} {url} {noise}", Field.SECURITY_THREAD: THREAD}
    r = RecordInput(
        fields=fields,
        title=f"Example Widget: {noise[:20]} {url}",
        sections={"Mitigation": f"{url} {noise}"},
        milestone="2.7.1",
    )
    out = render_advisory(fmt, r, SETTINGS["py"], CTX, _clock)
    assert scrub_check(out.text, SETTINGS["py"], [THREAD]) == []
    assert scrub_check(out.subject or "", SETTINGS["py"], [THREAD]) == []


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=30), max_size=3))
def test_scrub_check_never_crashes(text: str, extra: list[str]) -> None:
    found = scrub_check(text, SETTINGS["py"], extra)
    assert len(found) == len(set(found))
