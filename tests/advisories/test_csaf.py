"""The CSAF 2.0 export (spec §11.5 `--format csaf`), validated offline against the vendored OASIS schema."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "records"))

from corpus import CASES, Case, case

from steward.advisories import AdvisoryContext, render_advisory
from steward.advisories.csaf import vers
from steward.advisories.facts import PackageFacts, VersionRange
from steward.advisories.schemas import validate_advisory
from steward.records.cve_json import DEMO_LINE

CTX = AdvisoryContext("Example Widget", upgrade_instructions="Run `pip install --upgrade example-widget`.")
NOW = datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)


def _clock() -> datetime:
    return NOW


def _csaf(c: Case, ctx: AdvisoryContext = CTX) -> tuple[dict[str, Any], Any]:
    out = render_advisory("csaf", c.record_input(), c.config, ctx, _clock)
    return json.loads(out.text), out


def _product_ids(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["product_id"]] if "product_id" in node else []
        return own + [pid for value in node.values() for pid in _product_ids(value)]
    if isinstance(node, list):
        return [pid for value in node for pid in _product_ids(value)]
    return []


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_every_corpus_case_is_schema_valid_and_consistent(c: Case) -> None:
    doc, out = _csaf(c)
    assert out.errors == ()
    tree_ids = _product_ids(doc.get("product_tree", {}))
    assert len(tree_ids) == len(set(tree_ids))
    status = doc["vulnerabilities"][0].get("product_status", {})
    for ids in status.values():
        assert set(ids) <= set(tree_ids)


def test_document_metadata() -> None:
    doc, _ = _csaf(case("complete"))
    document = doc["document"]
    assert document["category"] == "csaf_security_advisory"
    assert document["csaf_version"] == "2.0"
    assert document["distribution"]["tlp"]["label"] == "WHITE"
    assert document["distribution"]["text"] == "TLP:CLEAR"
    assert document["publisher"] == {
        "category": "vendor",
        "name": "Example Foundation",
        "namespace": "https://github.com/example/widget",
    }
    assert document["tracking"]["id"] == "CVE-2099-10001"
    assert document["tracking"]["current_release_date"] == "2099-01-02T03:04:05Z"
    assert document["tracking"]["status"] == "final"
    assert "experimental" not in out_text(doc).casefold()


def out_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc)


def test_initial_release_date_from_context() -> None:
    ctx = dataclasses.replace(
        CTX, published=datetime(2098, 6, 1, tzinfo=UTC), publisher_namespace="https://widget.example.org"
    )
    doc, _ = _csaf(case("complete"), ctx)
    assert doc["document"]["tracking"]["initial_release_date"] == "2098-06-01T00:00:00Z"
    assert doc["document"]["publisher"]["namespace"] == "https://widget.example.org"


def test_product_tree_ranges_and_status() -> None:
    doc, _ = _csaf(case("two-branches"))
    leaves = doc["product_tree"]["branches"][0]["branches"][0]["branches"]
    assert [(leaf["category"], leaf["name"]) for leaf in leaves] == [
        ("product_version_range", "vers:pypi/>=2.0|<2.7.1"),
        ("product_version_range", "vers:pypi/>=3.0.0|<3.0.2"),
        ("product_version", "2.7.1"),
        ("product_version", "3.0.2"),
    ]
    vuln = doc["vulnerabilities"][0]
    assert vuln["product_status"] == {
        "known_affected": ["CSAFPID-0001", "CSAFPID-0002"],
        "fixed": ["CSAFPID-0003", "CSAFPID-0004"],
    }
    assert vuln["remediations"][0]["category"] == "vendor_fix"
    assert "Run `pip install --upgrade example-widget`." in vuln["remediations"][0]["details"]


def test_vulnerability_fields() -> None:
    doc, _ = _csaf(case("cvss31"))
    vuln = doc["vulnerabilities"][0]
    assert vuln["cve"] == "CVE-2099-10001"
    assert vuln["cwe"] == {"id": "CWE-639", "name": "Authorization Bypass Through User-Controlled Key"}
    assert vuln["scores"][0]["cvss_v3"]["baseScore"] == 9.8
    assert vuln["scores"][0]["products"] == ["CSAFPID-0001"]
    assert vuln["notes"][0]["category"] == "description"
    assert {"names": ["Jane Doe of Example Corp"], "summary": "found by"} in vuln["acknowledgments"]
    assert vuln["references"] == [
        {"category": "external", "summary": "Fix", "url": "https://github.com/example/widget/pull/1234"}
    ]


def test_cvss4_is_a_note_not_a_score() -> None:
    doc, out = _csaf(case("cvss40"))
    vuln = doc["vulnerabilities"][0]
    assert "scores" not in vuln
    assert any(note["text"].startswith("CVSS:4.0/") for note in vuln["notes"])
    assert any("CVSS v4.0" in w for w in out.warnings)


def test_mitigation_is_a_workaround() -> None:
    doc, _ = _csaf(case("mitigation"))
    categories = [r["category"] for r in doc["vulnerabilities"][0]["remediations"]]
    assert categories == ["vendor_fix", "workaround"]


def test_unfixed_range_has_no_fix_available() -> None:
    doc, _ = _csaf(case("unbounded"))
    vuln = doc["vulnerabilities"][0]
    assert vuln["remediations"][0]["category"] == "none_available"
    assert "fixed" not in vuln["product_status"]


def test_demo_note() -> None:
    doc, _ = _csaf(case("demo-project"))
    assert doc["document"]["notes"][0]["text"] == DEMO_LINE
    doc, _ = _csaf(case("complete"))
    assert all(note["text"] != DEMO_LINE for note in doc["document"]["notes"])


def test_vers_strings() -> None:
    maven = PackageFacts("Client", "org.example:widget-core", "maven", "maven")
    chart = PackageFacts("Chart", "widget-chart", "semver", None)
    assert vers(maven, VersionRange("3.0.0-M1", fixed="3.2.1")) == "vers:maven/>=3.0.0-M1|<3.2.1"
    assert vers(chart, VersionRange("0", last_affected="1.2.0")) == "vers:semver/<=1.2.0"
    assert vers(chart, VersionRange("0")) == "vers:semver/*"


def test_schema_resolves_cvss_refs_offline_and_rejects_bad_scores() -> None:
    doc, _ = _csaf(case("cvss31"))
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = 11
    del doc["document"]["publisher"]
    errors = validate_advisory(doc, "csaf")
    paths = {e.path for e in errors}
    assert "$.vulnerabilities[0].scores[0].cvss_v3.baseScore" in paths
    assert "$.document" in paths


def test_deterministic() -> None:
    assert _csaf(case("multi-packages"))[1].text == _csaf(case("multi-packages"))[1].text
