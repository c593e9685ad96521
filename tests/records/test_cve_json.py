"""The CVE 5.x generator (spec §2.7, §5.9, §10.3, §11.4, §12 D1/D3/D10/D11)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from corpus import (
    CASES,
    CNA_HOST,
    GOOD,
    GOOD_SUMMARY,
    GOOD_TITLE,
    ORG_ID,
    PRIVATE_URL,
    SETTINGS,
    TRACKER_BASE,
    Case,
    case,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.credits import classify_kind, parse_credits
from steward.domain.fields import set_field
from steward.domain.roles import Field
from steward.ids import cves_in_text
from steward.records.cve_json import DEMO_LINE, GAP_52, dump, generate, package_url
from steward.records.inputs import REDACTED_LINK, RecordInput, ResolvedPackage, urls_in
from steward.records.readiness import fix_versions, parse_versions
from steward.records.validate import validate_record

CNA_OF_FIELD = {
    "descriptions": Field.PUBLIC_SUMMARY,
    "affected": Field.AFFECTED_VERSIONS,
    "references": Field.PR_WITH_FIX,
    "credits": Field.REPORTER_CREDIT,
    "problemTypes": Field.CWE,
    "metrics": Field.SEVERITY,
}


def cna(record: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = record["containers"]["cna"]
    return result


def repaired(c: Case, gaps: tuple[str, ...]) -> Case:
    """The case with every gap's cause replaced by a known-good value (fields by heading, schema errors by path)."""
    headings = {
        "CWE": Field.CWE,
        "Affected versions": Field.AFFECTED_VERSIONS,
        "Severity": Field.SEVERITY,
        "Reporter credited as": Field.REPORTER_CREDIT,
        "Short public summary for publish": Field.PUBLIC_SUMMARY,
        "PR with the fix": Field.PR_WITH_FIX,
    }
    fix: dict[Field, str] = {}
    changes: dict[str, Any] = {}
    for gap in gaps:
        head = gap.split(" — ", 1)[0]
        if head in headings:
            fix[headings[head]] = GOOD[headings[head]]
        elif head == "CVE id":
            fix[Field.CVE_TOOL_LINK] = GOOD[Field.CVE_TOOL_LINK]
        elif head == "Title":
            changes["title"] = GOOD_TITLE
        elif head == "cve_authority.org_id":
            changes["settings"] = "py"
        elif head == "Labels":
            changes["labels"] = ("security issue", "widget")
        elif head == "Milestone":
            changes["milestone"] = "2.7.1"
        elif head == "Reporter names":
            changes["reporter_names"] = ("Jane Doe",)
        elif head == "Record format 5.2":
            changes["settings"] = "py"
        elif head == "Schema":
            path = gap.split(" — ", 1)[1]
            if path.startswith("$.containers.cna.title"):
                changes["title"] = GOOD_TITLE
            for key, role in CNA_OF_FIELD.items():
                if path.startswith(f"$.containers.cna.{key}"):
                    fix[role] = GOOD[role]
    if any("no package prefix" in gap for gap in gaps):
        fix[Field.AFFECTED_VERSIONS] = "`example-widget-provider-ftp < 1.4.2`"
    body = c.body
    for role, value in fix.items():
        if role is not Field.PUBLIC_SUMMARY:
            body = set_field(body, role, value)
    out = dataclasses.replace(c, raw_body=body, **changes)
    if Field.PUBLIC_SUMMARY in fix or any(g.startswith("Short public summary") for g in gaps):
        out = dataclasses.replace(out, raw_body=set_field(body, Field.PUBLIC_SUMMARY, good_summary(out)))
    return out


def good_summary(c: Case) -> str:
    """A summary passing §8.3 for this case: two triggers, every package's upgrade target, any follow-up named."""
    r = c.record_input()
    parsed = parse_versions(r, c.config)
    targets = fix_versions(r, c.config, parsed) or {None: ["2.7.1"]}
    parts = ["An authenticated Viewer user can read stored connection passwords by crafting a request."]
    for package, versions in targets.items():
        name = package.package_name if package is not None else "Example Widget"
        parts.append(f"Users should upgrade to {name} {(versions or ['2.7.1'])[-1]} or later.")
    for other in cves_in_text(r.section("Related references") or ""):
        parts.append(f"This completes the fix for {other}; users who applied it must also upgrade.")
    return " ".join(parts)


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_every_corpus_body_validates_or_names_its_gaps(c: Case) -> None:
    generated = generate(c.record_input(), c.config)
    errors = validate_record(generated.record)
    if errors:
        assert generated.gaps, c.name
        assert all(f"Schema — {e.path}: {e.rule}" in "\n".join(generated.gaps) for e in errors)
    assert (generated.state == "review-ready") == (not generated.gaps)
    if generated.gaps:
        fixed = repaired(c, generated.gaps)
        again = generate(fixed.record_input(), fixed.config)
        assert validate_record(again.record) == [], (c.name, again.gaps)
        assert again.gaps == (), (c.name, again.gaps)
        assert again.state == "review-ready"


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


def test_complete_case_maps_every_field() -> None:
    generated = generate(case("complete").record_input(), SETTINGS["py"])
    record = generated.record
    assert generated.state == "review-ready"
    assert record["dataType"] == "CVE_RECORD"
    assert record["dataVersion"] == "5.1"
    assert record["cveMetadata"] == {"assignerOrgId": ORG_ID, "cveId": "CVE-2099-10001", "state": "PUBLISHED"}
    body = cna(record)
    assert body["providerMetadata"] == {"orgId": ORG_ID}
    assert body["title"] == GOOD_TITLE
    assert body["descriptions"][0]["value"] == GOOD_SUMMARY
    assert body["descriptions"][0]["supportingMedia"] == [{"base64": False, "type": "text/html", "value": GOOD_SUMMARY}]
    assert body["affected"] == [
        {
            "defaultStatus": "unaffected",
            "packageName": "example-widget",
            "product": "Example Widget",
            "vendor": "Example Foundation",
            "versions": [{"lessThan": "2.7.1", "status": "affected", "version": "0", "versionType": "python"}],
        }
    ]
    assert body["problemTypes"][0]["descriptions"][0]["cweId"] == "CWE-639"
    assert body["metrics"] == [{"other": {"type": "Textual description of severity", "content": {"text": "high"}}}]
    assert body["credits"] == [
        {"lang": "en", "type": "finder", "value": "Jane Doe of Example Corp"},
        {"lang": "en", "type": "remediation developer", "value": "John Roe"},
    ]
    assert body["references"] == [{"url": "https://github.com/example/widget/pull/1234", "tags": ["patch"]}]
    assert body["source"] == {"discovery": "EXTERNAL"}
    assert body["x_generator"] == {"engine": "steward 0.1.0"}
    assert "x_generator" not in record
    assert "x_steward" not in body
    assert generated.json_text == dump(record)
    assert "dateUpdated" not in generated.json_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("`< 2.7.1`", [{"version": "0", "versionType": "python", "lessThan": "2.7.1"}]),
        ("`<= 2.7.0`", [{"version": "0", "versionType": "python", "lessThanOrEqual": "2.7.0"}]),
        ("`>= 2.0, < 2.7.1`", [{"version": "2.0", "versionType": "python", "lessThan": "2.7.1"}]),
        ("`>= 2.0, <= 2.7.0`", [{"version": "2.0", "versionType": "python", "lessThanOrEqual": "2.7.0"}]),
        ("`>= 2.0`", [{"version": "2.0", "versionType": "python", "lessThan": "*"}]),
        ("`2.6.0, 2.6.1`", [{"version": "2.6.0"}, {"version": "2.6.1"}]),
        ("`< 2.7.1`\n`< 2.7.1`", [{"version": "0", "versionType": "python", "lessThan": "2.7.1"}]),
    ],
)
def test_version_line_table(value: str, expected: list[dict[str, str]]) -> None:
    r = dataclasses.replace(case("complete"), fields={Field.AFFECTED_VERSIONS: value}).record_input()
    versions = cna(generate(r, SETTINGS["py"]).record)["affected"][0]["versions"]
    assert versions == [{**e, "status": "affected"} for e in expected]


@pytest.mark.parametrize("name", ["affected-empty", "next-version", "glob-needs-prefix"])
def test_no_usable_lines_give_default_status_unknown(name: str) -> None:
    c = case(name)
    affected = cna(generate(c.record_input(), c.config).record)["affected"]
    assert len(affected) == 1
    assert affected[0]["defaultStatus"] == "unknown"
    assert "versions" not in affected[0]


def test_next_version_is_a_gap_and_never_exported() -> None:
    generated = generate(case("range-next").record_input(), SETTINGS["py"])
    assert any("NEXT VERSION" in gap for gap in generated.gaps)
    assert "NEXT" not in generated.json_text.upper().replace("NEXT VERSION; REPLACE", "")


def test_unparsable_line_is_a_gap_naming_the_line_and_is_dropped() -> None:
    generated = generate(case("unparsable").record_input(), SETTINGS["py"])
    assert any("line 1" in gap and "all versions before 3" in gap for gap in generated.gaps)
    assert cna(generated.record)["affected"][0]["versions"] == [
        {"lessThan": "2.7.1", "status": "affected", "version": "0", "versionType": "python"}
    ]


def test_multi_package_scopes() -> None:
    generated = generate(case("multi-packages").record_input(), SETTINGS["multi"])
    by_package = {a["packageName"]: a for a in cna(generated.record)["affected"]}
    assert list(by_package) == [
        "example-widget",
        "example-widget-provider-ftp",
        "widget-chart",
        "org.example:widget-core",
    ]
    assert by_package["example-widget-provider-ftp"]["product"] == "Example Widget Providers"
    assert by_package["example-widget-provider-ftp"]["collectionURL"] == "https://pypi.org"
    assert by_package["widget-chart"]["versions"][0]["versionType"] == "semver"
    assert by_package["org.example:widget-core"]["versions"][0] == {
        "lessThan": "3.2.1",
        "status": "affected",
        "version": "3.0.0-M1",
        "versionType": "maven",
    }
    assert all(a["vendor"] == "Example Foundation" for a in by_package.values())


def test_unknown_prefix_falls_back_to_product_name() -> None:
    r = dataclasses.replace(case("complete"), fields={Field.AFFECTED_VERSIONS: "`other-thing < 2.0`"})
    affected = cna(generate(r.record_input(), SETTINGS["multi"]).record)["affected"]
    assert affected[0]["product"] == "Example Widget"
    assert affected[0]["packageName"] == "other-thing"


def test_demo_marking() -> None:
    generated = generate(case("demo-project").record_input(), SETTINGS["demo"])
    body = cna(generated.record)
    assert body["descriptions"][0]["value"].startswith(DEMO_LINE)
    assert body["x_steward"] == {"demo": True}
    assert body["providerMetadata"]["orgId"] == "00000000-0000-4000-8000-000000000000"
    assert validate_record(generated.record) == []


def test_missing_org_id_is_a_gap_without_a_fake_uuid() -> None:
    generated = generate(case("missing-org").record_input(), SETTINGS["no_org"])
    assert any(g.startswith("cve_authority.org_id") for g in generated.gaps)
    assert "00000000-0000-4000-8000-000000000000" not in generated.json_text


def test_record_format_52() -> None:
    generated = generate(case("format-52").record_input(), SETTINGS["v52"])
    assert generated.record["dataVersion"] == "5.2"
    purls = [a.get("packageURL") for a in cna(generated.record)["affected"]]
    assert purls == ["pkg:pypi/example-widget", "pkg:maven/org.example/widget-core"]
    assert GAP_52 in generated.gaps


@pytest.mark.parametrize(
    ("name", "registry", "scheme", "expected"),
    [
        ("Example_Widget", "pypi", "pep440", "pkg:pypi/example-widget"),
        ("@example/widget", "npm", "semver", "pkg:npm/%40example/widget"),
        ("org.example:widget-core", None, "maven", "pkg:maven/org.example/widget-core"),
        ("widget-chart", None, "semver", None),
    ],
)
def test_package_url(name: str, registry: str | None, scheme: Any, expected: str | None) -> None:
    assert package_url(ResolvedPackage(name, "P", None, scheme, registry)) == expected


def test_cvss_metrics_beside_textual_rating() -> None:
    generated = generate(case("cvss-both-disagree").record_input(), SETTINGS["py"])
    metrics = cna(generated.record)["metrics"]
    assert metrics[0] == {"other": {"type": "Textual description of severity", "content": {"text": "low"}}}
    assert metrics[1]["cvssV3_1"] == {
        "version": "3.1",
        "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "baseScore": 9.8,
        "baseSeverity": "CRITICAL",
    }
    assert metrics[2]["cvssV4_0"]["baseSeverity"] == "CRITICAL"
    assert sum("rates CRITICAL" in w for w in generated.warnings) == 2


def test_invalid_vector_is_a_gap_and_not_exported() -> None:
    generated = generate(case("cvss-invalid").record_input(), SETTINGS["py"])
    assert any("CVSS:3.1/AV:N/AC:L" in g for g in generated.gaps)
    assert "cvssV3_1" not in generated.json_text


def test_cwe_official_name_and_warnings() -> None:
    short = generate(case("cwe-short").record_input(), SETTINGS["py"])
    description = cna(short.record)["problemTypes"][0]["descriptions"][0]
    assert description["description"] == (
        "CWE-79: Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    )
    category = generate(case("cwe-category").record_input(), SETTINGS["py"])
    assert any("category" in w for w in category.warnings)
    free = generate(case("cwe-free-text").record_input(), SETTINGS["py"])
    assert "problemTypes" not in cna(free.record)


def test_credit_kinds_and_overrides() -> None:
    generated = generate(case("kind-overrides").record_input(), SETTINGS["py"])
    credits = [(c["type"], c["value"]) for c in cna(generated.record)["credits"]]
    assert credits[:4] == [
        ("finder", "Claude Monet"),
        ("finder", "acme-bot"),
        ("tool", "Pat Example"),
        ("finder", "Robo Lab"),
    ]
    assert "[kind:" not in generated.json_text


def test_several_finders_deduplicated() -> None:
    generated = generate(case("several-finders").record_input(), SETTINGS["py"])
    credits = [(c["type"], c["value"]) for c in cna(generated.record)["credits"]]
    assert credits == [
        ("finder", "Jane Doe"),
        ("tool", "acme-bot"),
        ("finder", "Example Corp Security Team"),
        ("finder", "Li Wei-Ai"),
        ("remediation developer", "John Roe"),
    ]


def test_tool_remediation_developers_dropped_with_warning() -> None:
    generated = generate(case("remediation-bot").record_input(), SETTINGS["py"])
    values = [c["value"] for c in cna(generated.record)["credits"]]
    assert "renovate[bot]" not in values
    assert "mergify" not in values
    assert "skipped credit: renovate[bot] (bot)" in generated.warnings


def test_anonymous_and_na_credits_export_nothing() -> None:
    anonymous = cna(generate(case("anonymous").record_input(), SETTINGS["py"]).record)
    assert [c["type"] for c in anonymous["credits"]] == ["remediation developer"]
    assert anonymous["source"] == {"discovery": "EXTERNAL"}
    internal = cna(generate(case("internal-discovery").record_input(), SETTINGS["py"]).record)
    assert [c["type"] for c in internal["credits"]] == ["remediation developer"]
    assert internal["source"] == {"discovery": "INTERNAL"}


def test_references_filtered_tagged_sorted() -> None:
    r = dataclasses.replace(
        case("complete"),
        fields={
            Field.PR_WITH_FIX: f"{TRACKER_BASE}3\nhttps://github.com/example/widget/pull/9\nexample/widget#10",
            Field.PUBLIC_ADVISORY_URL: "https://lists.example.org/thread/zz",
            Field.PUBLIC_SUMMARY: GOOD_SUMMARY + " Related to CVE-2099-10000 and CVE-2099-10001.",
        },
        advisory_url=f"https://{CNA_HOST}/cve5/CVE-2099-10001",
    ).record_input()
    refs = cna(generate(r, SETTINGS["py"]).record)["references"]
    assert refs == [
        {"url": "https://github.com/example/widget/pull/10", "tags": ["patch"]},
        {"url": "https://github.com/example/widget/pull/9", "tags": ["patch"]},
        {"url": "https://lists.example.org/thread/zz", "tags": ["vendor-advisory"]},
        {"url": "https://www.cve.org/CVERecord?id=CVE-2099-10000", "tags": ["related"]},
    ]


def test_security_thread_is_never_read() -> None:
    r = dataclasses.replace(
        case("complete"), fields={Field.SECURITY_THREAD: "https://lists.example.org/thread/public-looking"}
    )
    assert "public-looking" not in generate(r.record_input(), SETTINGS["py"]).json_text


def test_mitigation_becomes_workarounds() -> None:
    body = cna(generate(case("mitigation").record_input(), SETTINGS["py"]).record)
    assert body["workarounds"][0]["value"] == "Disable the export endpoint in `widget.cfg`."


def test_hostile_text_stays_data() -> None:
    generated = generate(case("hostile-html").record_input(), SETTINGS["py"])
    media = cna(generated.record)["descriptions"][0]["supportingMedia"][0]["value"]
    assert "<script>" not in media
    assert "&lt;script&gt;" in media
    assert validate_record(generated.record) == []


_CASE_INPUTS = st.sampled_from(CASES)


@settings(max_examples=60, deadline=None)
@given(_CASE_INPUTS, st.text(max_size=200), st.sampled_from(list(Field)))
def test_deterministic(c: Case, noise: str, role: Field) -> None:
    r = c.record_input()
    noisy = RecordInput(
        fields={**r.fields, role: noise},
        title=r.title,
        sections=r.sections,
        labels=r.labels,
        milestone=r.milestone,
        reporter_names=r.reporter_names,
    )
    first = generate(noisy, c.config)
    second = generate(
        RecordInput(
            fields=dict(noisy.fields),
            title=r.title,
            sections=dict(r.sections),
            labels=r.labels,
            milestone=r.milestone,
            reporter_names=r.reporter_names,
        ),
        c.config,
    )
    assert first.json_text == second.json_text
    assert first.gaps == second.gaps
    assert first.json_text.endswith("}\n")


_NAME = st.from_regex(r"[A-Z][a-z]{2,8} [A-Z][a-z]{2,10}", fullmatch=True)
_KIND = st.sampled_from(["", " [kind: human]", " [kind: service]", " [kind: tool]"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_NAME, _KIND), min_size=1, max_size=6))
def test_credit_parsing_never_loses_a_credit(lines: list[tuple[str, str]]) -> None:
    value = "\n".join(f"- {name}{kind}" for name, kind in lines)
    r = dataclasses.replace(case("complete"), fields={Field.REPORTER_CREDIT: value}).record_input()
    generated = generate(r, SETTINGS["py"])
    finders = {c["value"] for c in cna(generated.record).get("credits", []) if c["type"] == "finder"}
    for credit in parse_credits(value):
        kind = credit.kind_override or classify_kind(credit.name, SETTINGS["py"].patterns)
        if kind != "tool":
            assert credit.name in finders


@pytest.mark.parametrize("c", CASES, ids=[c.name for c in CASES])
def test_corpus_credits_all_exported(c: Case) -> None:
    r = c.record_input()
    generated = generate(r, c.config)
    finders = {x["value"] for x in cna(generated.record).get("credits", []) if x["type"] == "finder"}
    for credit in parse_credits(r.value(Field.REPORTER_CREDIT)):
        kind = credit.kind_override or classify_kind(credit.name, c.config.patterns)
        if credit.exports and kind != "tool":
            assert c.config.redact(credit.name) in finders


_PATH = st.from_regex(r"[A-Za-z0-9/_.?=&%-]{0,30}", fullmatch=True)
_PRIVATE = st.one_of(
    _PATH.map(lambda p: TRACKER_BASE + p),
    _PATH.map(lambda p: TRACKER_BASE.upper() + p),
    _PATH.map(lambda p: "https://github.com/example/widget-security/pull/" + p),
    _PATH.map(lambda p: f"https://{CNA_HOST}/" + p),
    _PATH.map(lambda p: f"HTTPS://{CNA_HOST.upper()}:443/" + p),
    _PATH.map(lambda p: PRIVATE_URL + p),
)
_WRAP = st.sampled_from(["{}", "<{}>", "({})", "[link]({})", "x{}", "{}.", "`{}`", "see {} now"])
_TARGETS = [
    Field.PUBLIC_SUMMARY,
    Field.PR_WITH_FIX,
    Field.PUBLIC_ADVISORY_URL,
    Field.REPORTER_CREDIT,
    Field.REMEDIATION_DEVELOPER,
    Field.CWE,
    Field.SEVERITY,
    Field.SECURITY_THREAD,
    Field.ISSUE_DESCRIPTION,
]


def _leaks(text: str) -> list[str]:
    folded = text.casefold()
    found = [base for base in (TRACKER_BASE.casefold().rstrip("/"), CNA_HOST) if base in folded]
    found += [u for u in urls_in(text) if re.search(r"^https://lists\.example\.org/thread/[^?#\s]+\?security@", u)]
    found += ["tracker repo"] if "github.com/example/widget-security/" in folded else []
    return found


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(_PRIVATE, _WRAP, st.sampled_from(_TARGETS)), min_size=1, max_size=4),
    st.sampled_from(["title", "advisory", "mitigation", "none"]),
)
def test_private_urls_never_reach_the_record(injections: list[tuple[str, str, Field]], extra: str) -> None:
    fields = dict(GOOD)
    title = GOOD_TITLE
    advisory = None
    sections: tuple[tuple[str, str], ...] = ()
    for url, wrap, role in injections:
        text = wrap.format(url)
        fields[role] = fields[role] + "\n" + text if fields[role] else text
        if extra == "title":
            title = title + " " + text
        elif extra == "advisory":
            advisory = url
        elif extra == "mitigation":
            sections = (("Mitigation", "Avoid " + text),)
    c = Case("injected", fields=fields, title=title, advisory_url=advisory, sections=sections)
    generated = generate(c.record_input(), c.config)
    assert _leaks(generated.json_text) == [], generated.json_text


def test_redaction_marker_used_for_private_links_in_text() -> None:
    generated = generate(case("tracker-url-in-summary").record_input(), SETTINGS["py"])
    assert REDACTED_LINK in cna(generated.record)["descriptions"][0]["value"]
    assert _leaks(generated.json_text) == []
