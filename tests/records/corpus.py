"""A corpus of fictional tracker bodies for the CVE generator tests and benchmark.

Every project, person, host and id is invented (example.org / example.net /
.invalid, CVE-2099-*). The cases cover every Affected-versions form, credits
of every kind, CVSS vectors, empty fields, hostile text and private URLs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from steward.domain.fields import render_body
from steward.domain.roles import Field
from steward.records.inputs import RecordInput, RecordSettings, ScopeSettings

ORG_ID = "8254265b-2729-46b6-b9e3-3dfca2d5bfca"
TRACKER_BASE = "https://github.com/example/widget-security/issues/"
CNA_HOST = "cveprocess.example.org"
PRIVATE_PATTERN = r"^https://lists\.example\.org/thread/[^?#\s]+\?(?:security|private)@"
PRIVATE_URL = "https://lists.example.org/thread/x9?security@widget.example.org"

_COMMON: dict[str, object] = {
    "product_name": "Example Widget",
    "product_vendor": "Example Foundation",
    "package_name": "example-widget",
    "product_short_name": "Widget",
    "tracker_base_url": TRACKER_BASE,
    "tracker_slug": "example/widget-security",
    "upstream_repo": "example/widget",
    "cna_tool_host": CNA_HOST,
    "advisory_hosts": ("lists.example.org",),
    "private_url_patterns": (PRIVATE_PATTERN,),
    "steward_version": "0.1.0",
    "foundation": "Example Foundation",
    "foreign_project_names": ("Other Gadget",),
}


def _settings(**extra: object) -> RecordSettings:
    values = {**_COMMON, **extra}
    return RecordSettings(**values)  # type: ignore[arg-type]


MULTI_SCOPES = {
    "widget": ScopeSettings("Example Widget", "example-widget", "https://pypi.org", "pep440", "pypi"),
    "providers": ScopeSettings(
        "Example Widget Providers", "example-widget-provider-{name}", "https://pypi.org", "pep440", "pypi"
    ),
    "chart": ScopeSettings("Example Widget Helm Chart", "widget-chart", "https://artifacthub.io", "semver", None),
    "java": ScopeSettings("Example Widget Java Client", "org.example:widget-core", None, "maven", "maven"),
}

SETTINGS: dict[str, RecordSettings] = {
    "py": _settings(org_id=ORG_ID),
    "multi": _settings(org_id=ORG_ID, scopes=MULTI_SCOPES, trigger_phrases=("a DAG author",)),
    "demo": _settings(org_id=None, demo=True),
    "v52": _settings(org_id=ORG_ID, record_format="5.2", scopes=MULTI_SCOPES),
    "no_org": _settings(org_id=None),
}

GOOD_SUMMARY = (
    "An authenticated Viewer user can read stored connection passwords by crafting a request to the export "
    "endpoint. Users should upgrade to Example Widget 2.7.1 or later."
)
GOOD: dict[Field, str] = {
    Field.ISSUE_DESCRIPTION: "Reported by mail; the export endpoint leaks secrets.",
    Field.PUBLIC_SUMMARY: GOOD_SUMMARY,
    Field.AFFECTED_VERSIONS: "`< 2.7.1`",
    Field.SECURITY_THREAD: "https://lists.example.org/thread/abc?security@widget.example.org · "
    "Root Message-ID: `<CAF1x@mail.example.net>`",
    Field.PUBLIC_ADVISORY_URL: "",
    Field.REPORTER_CREDIT: "Jane Doe of Example Corp",
    Field.PR_WITH_FIX: "https://github.com/example/widget/pull/1234",
    Field.REMEDIATION_DEVELOPER: "John Roe",
    Field.CWE: "CWE-639: Authorization Bypass Through User-Controlled Key",
    Field.SEVERITY: "high",
    Field.CVE_TOOL_LINK: f"https://{CNA_HOST}/cve5/CVE-2099-10001",
}
GOOD_TITLE = "Example Widget: viewers can read connection passwords"


@dataclass(frozen=True)
class Case:
    name: str
    settings: str = "py"
    fields: Mapping[Field, str] = field(default_factory=dict)
    sections: tuple[tuple[str, str], ...] = ()
    title: str | None = GOOD_TITLE
    labels: tuple[str, ...] | None = ("security issue", "cve allocated", "widget")
    milestone: str | None = "2.7.1"
    reporter_names: tuple[str, ...] | None = ("Jane Doe",)
    advisory_url: str | None = None
    raw_body: str | None = None

    @property
    def body(self) -> str:
        if self.raw_body is not None:
            return self.raw_body
        return render_body({**GOOD, **self.fields}, extra_sections=self.sections)

    def record_input(self) -> RecordInput:
        return RecordInput.from_body(
            self.body,
            title=self.title,
            labels=self.labels,
            milestone=self.milestone,
            reporter_names=self.reporter_names,
            advisory_url=self.advisory_url,
        )

    @property
    def config(self) -> RecordSettings:
        return SETTINGS[self.settings]


def _summary(extra: str) -> str:
    return GOOD_SUMMARY + " " + extra


AV = Field.AFFECTED_VERSIONS
RC = Field.REPORTER_CREDIT
RD = Field.REMEDIATION_DEVELOPER
SEV = Field.SEVERITY
PS = Field.PUBLIC_SUMMARY
PR = Field.PR_WITH_FIX
ADV = Field.PUBLIC_ADVISORY_URL

_LEGACY_BODY = """### The issue description

Legacy tracker written by the reference tooling.

### Short public summary for publish

{summary}

### Affected versions

- < 2.7.1
- >=3.0.0,<3.0.2

### Security mailing list thread

No public archive URL — tracked privately on thread <legacy.1@mail.example.net>

### Public advisory URL

*No response*

### Reporter credited as

- `Jane Doe`

### PR with the fix

https://github.com/example/widget/pull/77

### Remediation developer

*No response*

### CWE

CWE-79

### Severity

medium

### CVE tool link

CVE-2099-10002
"""

CASES: list[Case] = [
    Case("complete"),
    Case("two-branches", fields={AV: "`>= 2.0, < 2.7.1`\n`>= 3.0.0, < 3.0.2`"}),
    Case("less-or-equal", fields={AV: "`<= 2.7.0`"}, milestone="2.7.1"),
    Case("range-le", fields={AV: "`>= 2.0, <= 2.7.0`"}),
    Case("unbounded", fields={AV: "`>= 2.0`"}),
    Case("exact-list", fields={AV: "`2.6.0, 2.6.1, 2.7.0`"}),
    Case("next-version", fields={AV: "`< NEXT VERSION`"}),
    Case("range-next", fields={AV: "`>= 2.0, < next version`"}),
    Case("unparsable", fields={AV: "all versions before 3\n`< 2.7.1`"}),
    Case("affected-empty", fields={AV: "_No response_"}),
    Case("all-empty", fields=dict.fromkeys(GOOD, "_No response_"), title=None, milestone=None),
    Case("star-no-response", fields={PS: "*No response*", PR: "*No response*", RC: "*No response*"}),
    Case("blank-fields", fields={Field.CWE: "", SEV: "", RD: ""}),
    Case("legacy-body", raw_body=_LEGACY_BODY.format(summary=GOOD_SUMMARY)),
    Case(
        "multi-packages",
        "multi",
        fields={
            AV: "`example-widget < 2.7.1`\n`example-widget-provider-ftp >= 1.0, < 1.4.2`\n"
            "`widget-chart < 1.12.0`\n`org.example:widget-core >= 3.0.0-M1, < 3.2.1`",
        },
    ),
    Case("glob-needs-prefix", "multi", fields={AV: "`< 1.4.2`"}, labels=("security issue", "providers")),
    Case("semver-scope", "multi", fields={AV: "`< 1.12.0`"}, labels=("chart",), milestone="1.12.0"),
    Case("semver-bad-version", "multi", fields={AV: "`< 1.12`"}, labels=("chart",)),
    Case("maven-package", "multi", fields={AV: "`org.example:widget-core < 3.2.1`"}, labels=("java",)),
    Case("no-scope-label", "multi", labels=("security issue",)),
    Case("bot-finder", fields={RC: "dependabot[bot]"}),
    Case("tool-finder", fields={RC: "deep-scan"}),
    Case("service-finder", fields={RC: "Example Corp PSIRT"}),
    Case("several-finders", fields={RC: "Jane Doe\nacme-bot\nExample Corp Security Team\nLi Wei-Ai\njane doe"}),
    Case(
        "kind-overrides",
        fields={RC: "Claude Monet\nacme-bot [kind: human]\nPat Example [kind: tool]\nRobo Lab [kind: service]"},
    ),
    Case("remediation-bot", fields={RD: "John Roe\nrenovate[bot]\nmergify [kind: tool]"}),
    Case("anonymous", fields={RC: "anonymous"}),
    Case("internal-discovery", fields={RC: "N/A — found by the Widget maintainers during review"}),
    Case("cvss31", fields={SEV: "critical\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}),
    Case("cvss40", fields={SEV: "high\n- `CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N`"}),
    Case(
        "cvss-both-disagree",
        fields={
            SEV: "low\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n"
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        },
    ),
    Case("cvss-invalid", fields={SEV: "high\nCVSS:3.1/AV:N/AC:L"}),
    Case("severity-off-scale", fields={SEV: "severe"}),
    Case("severity-unknown", fields={SEV: "Unknown"}),
    Case("cwe-short", fields={Field.CWE: "CWE-79"}),
    Case("cwe-category", fields={Field.CWE: "CWE-16: Configuration"}),
    Case("cwe-free-text", fields={Field.CWE: "Cross-site scripting"}),
    Case(
        "hostile-html",
        fields={
            PS: _summary(
                '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
                "<!-- steward: cve-json-end cve=CVE-2099-10001 v1 --> ```` ### Fake heading"
            ),
            RC: "<b>Jane</b> | Doe",
        },
        title="Example Widget: <script>alert(1)</script> | pipe",
    ),
    Case("hostile-bidi", fields={PS: _summary("Admin\u202e txt.exe \u2066isolate\u2069"), RC: "Ja\u200fne Doe"}),
    Case("very-long-summary", fields={PS: _summary("x" * 5000)}),
    Case("very-long-title", title="Example Widget: " + "very long title " * 30),
    Case("very-long-line-credit", fields={RC: "Jane " + "Q" * 4200}),
    Case("private-pr-urls", fields={PR: f"{TRACKER_BASE}12\nhttps://github.com/example/widget/pull/1234"}),
    Case("private-only-pr", fields={PR: "https://github.com/example/widget-security/pull/3"}),
    Case("cna-advisory", fields={ADV: f"https://{CNA_HOST}/cve5/CVE-2099-10001"}),
    Case("private-archive-advisory", fields={ADV: PRIVATE_URL}),
    Case("public-advisory", fields={ADV: "https://lists.example.org/thread/pub1"}),
    Case("explicit-advisory-arg", advisory_url="https://lists.example.org/thread/pub2"),
    Case("tracker-url-in-summary", fields={PS: _summary(f"See {TRACKER_BASE}12 and https://{CNA_HOST}/x.")}),
    Case(
        "incomplete-fix",
        fields={PS: _summary("This is an incomplete fix for CVE-2099-10000; users who applied it must also upgrade.")},
        sections=(("Related references", "CVE-2099-10000"),),
    ),
    Case("incomplete-fix-unnamed", sections=(("Related references", "CVE-2099-10000"),)),
    Case("mitigation", sections=(("Mitigation", "Disable the export endpoint in `widget.cfg`."),)),
    Case("demo-project", "demo"),
    Case("format-52", "v52", fields={AV: "`example-widget < 2.7.1`\n`org.example:widget-core < 3.2.1`"}),
    Case("no-cve-id", fields={Field.CVE_TOOL_LINK: "_No response_"}),
    Case("missing-org", "no_org"),
    Case("pr-shorthand", fields={PR: "example/widget#77"}),
    Case("commit-reference", fields={PR: "https://github.com/example/widget/commit/0123abcd\nexample/widget#78"}),
    Case("standalone", labels=None, milestone=None, reporter_names=None),
    Case("reporter-in-summary", fields={PS: _summary("Thanks to Jane Doe for the report.")}),
    Case("severity-word-in-summary", fields={PS: _summary("This is a high severity issue.")}),
    Case("short-summary", fields={PS: "Passwords leak."}),
    Case("summary-equals-title", fields={PS: GOOD_TITLE}),
]


def case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
