"""The OSV export (spec §11.5 `--format osv`): ranges translated from the CVE record, schema 1.7.3 offline."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))

from corpus import CASES, SETTINGS, Case, case

from steward.advisories import AdvisoryContext, render_advisory
from steward.advisories.schemas import validate_advisory
from steward.domain.roles import Field
from steward.records.cve_json import DEMO_LINE, generate
from steward.records.inputs import ScopeSettings

CTX = AdvisoryContext("Example Widget")
NOW = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _osv(c: Case, ctx: AdvisoryContext = CTX) -> tuple[dict[str, Any], Any]:
    out = render_advisory("osv", c.record_input(), c.config, ctx, _clock)
    return json.loads(out.text), out


def _events(name: str) -> list[list[dict[str, str]]]:
    doc, _ = _osv(case(name))
    return [rng["events"] for rng in doc["affected"][0]["ranges"]]


@pytest.mark.parametrize(
    "c",
    [c for c in CASES if generate(c.record_input(), c.config).record["cveMetadata"].get("cveId")],
    ids=lambda c: c.name,
)
def test_every_corpus_case_with_a_cve_id_is_schema_valid(c: Case) -> None:
    _, out = _osv(c)
    assert out.errors == ()
    assert out.media_type == "application/json"


def test_without_cve_id_the_placeholder_is_reported_and_an_explicit_id_validates() -> None:
    doc, out = _osv(case("no-cve-id"))
    assert doc["id"] == "EXAMPLE-WIDGET-UNASSIGNED"
    assert any(e.path == "$.id" for e in out.errors)
    assert any("no CVE id" in w for w in out.warnings)
    doc, out = _osv(case("no-cve-id"), dataclasses.replace(CTX, advisory_id="PYSEC-2099-1"))
    assert doc["id"] == "PYSEC-2099-1"
    assert out.errors == ()


def test_explicit_id_keeps_the_cve_as_alias() -> None:
    doc, _ = _osv(case("complete"), dataclasses.replace(CTX, advisory_id="PYSEC-2099-1"))
    assert doc["id"] == "CVE-2099-10001"
    assert doc["aliases"] == []


def test_event_translation() -> None:
    assert _events("complete") == [[{"introduced": "0"}, {"fixed": "2.7.1"}]]
    assert _events("less-or-equal") == [[{"introduced": "0"}, {"last_affected": "2.7.0"}]]
    assert _events("range-le") == [[{"introduced": "2.0"}, {"last_affected": "2.7.0"}]]
    assert _events("unbounded") == [[{"introduced": "2.0"}]]
    assert _events("two-branches") == [
        [{"introduced": "2.0"}, {"fixed": "2.7.1"}],
        [{"introduced": "3.0.0"}, {"fixed": "3.0.2"}],
    ]


def test_exact_versions_list() -> None:
    doc, _ = _osv(case("exact-list"))
    assert doc["affected"] == [
        {"package": {"ecosystem": "PyPI", "name": "example-widget"}, "versions": ["2.6.0", "2.6.1", "2.7.0"]}
    ]


def test_ecosystems_from_registry_and_scheme() -> None:
    doc, out = _osv(case("multi-packages"))
    packages = [(a["package"]["ecosystem"], a["package"]["name"], a["ranges"][0]["type"]) for a in doc["affected"]]
    assert packages == [
        ("PyPI", "example-widget", "ECOSYSTEM"),
        ("PyPI", "example-widget-provider-ftp", "ECOSYSTEM"),
        ("Maven", "org.example:widget-core", "ECOSYSTEM"),
    ]
    assert any("widget-chart is left out" in w for w in out.warnings)


def test_npm_semver_scope_uses_semver_ranges() -> None:
    scopes = {"ui": ScopeSettings("Example Widget UI", "@example/widget-ui", None, "semver", "npm")}
    settings = dataclasses.replace(SETTINGS["py"], scopes=scopes)
    c = dataclasses.replace(case("complete"), fields={Field.AFFECTED_VERSIONS: "`< 1.12.0`"}, labels=("ui",))
    out = render_advisory("osv", c.record_input(), settings, CTX, _clock)
    doc = json.loads(out.text)
    assert doc["affected"][0]["package"] == {"ecosystem": "npm", "name": "@example/widget-ui"}
    assert doc["affected"][0]["ranges"] == [{"events": [{"introduced": "0"}, {"fixed": "1.12.0"}], "type": "SEMVER"}]
    assert out.errors == ()


def test_credits_references_and_severity() -> None:
    doc, _ = _osv(case("cvss-both-disagree"))
    assert doc["severity"] == [
        {"score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "type": "CVSS_V3"},
        {"score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "type": "CVSS_V4"},
    ]
    doc, _ = _osv(case("tool-finder"))
    assert {"name": "deep-scan", "type": "TOOL"} in doc["credits"]
    assert {"name": "John Roe", "type": "REMEDIATION_DEVELOPER"} in doc["credits"]
    doc, _ = _osv(case("public-advisory"))
    assert doc["references"] == [
        {"type": "FIX", "url": "https://github.com/example/widget/pull/1234"},
        {"type": "ADVISORY", "url": "https://lists.example.org/thread/pub1"},
    ]
    doc, _ = _osv(case("incomplete-fix"))
    assert {"type": "WEB", "url": "https://www.cve.org/CVERecord?id=CVE-2099-10000"} in doc["references"]


def test_timestamps_from_the_injected_clock_and_context() -> None:
    published = datetime(2098, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))
    doc, _ = _osv(case("complete"), dataclasses.replace(CTX, published=published))
    assert doc["modified"] == "2099-01-02T03:04:05Z"
    assert doc["published"] == "2099-01-01T01:00:00Z"
    doc, _ = _osv(case("complete"))
    assert "published" not in doc


def test_demo_flags() -> None:
    doc, _ = _osv(case("demo-project"))
    assert doc["details"].startswith(DEMO_LINE)
    assert doc["database_specific"]["demo"] is True
    doc, _ = _osv(case("complete"))
    assert "demo" not in doc["database_specific"]
    assert not doc["details"].startswith(DEMO_LINE)


def test_summary_details_and_mitigation() -> None:
    doc, _ = _osv(case("mitigation"))
    assert doc["summary"] == case("mitigation").title
    assert doc["details"].endswith("### Mitigation\n\nDisable the export endpoint in `widget.cfg`.")
    assert doc["database_specific"]["cwe_ids"] == ["CWE-639"]


def test_agrees_with_the_cve_record() -> None:
    for c in CASES:
        record = generate(c.record_input(), c.config).record
        doc, _ = _osv(c)
        cve_ranges = sum(
            1
            for item in record["containers"]["cna"]["affected"]
            if item["packageName"] != "widget-chart"
            for v in item.get("versions", [])
            if "lessThan" in v or "lessThanOrEqual" in v
        )
        assert sum(len(a.get("ranges", [])) for a in doc["affected"]) == cve_ranges, c.name


def test_deterministic_json_text() -> None:
    _, out = _osv(case("multi-packages"))
    assert out.text == json.dumps(json.loads(out.text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert _osv(case("multi-packages"))[1].text == out.text


def test_schema_rejects_a_broken_record() -> None:
    doc, _ = _osv(case("complete"))
    del doc["modified"]
    doc["affected"][0]["ranges"][0]["events"] = [{"fixed": "1"}]
    paths = {e.path for e in validate_advisory(doc, "osv")}
    assert "$" in paths
    assert "$.affected[0].ranges[0].events" in paths
