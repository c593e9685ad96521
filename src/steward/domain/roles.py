"""The fixed vocabularies: body-field roles, label roles, TLP labels, board columns.

Code speaks only of roles; headings and label names come from configuration
(`tracker.body_fields`, `tracker.labels`), whose defaults are these (spec §2.1,
§2.8, D9). Every component reads the same maps.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType


class Field(StrEnum):
    """The 11 body-field roles of spec §2.1, in body order."""

    ISSUE_DESCRIPTION = "issue-description"
    PUBLIC_SUMMARY = "public-summary"
    AFFECTED_VERSIONS = "affected-versions"
    SECURITY_THREAD = "security-thread"
    PUBLIC_ADVISORY_URL = "public-advisory-url"
    REPORTER_CREDIT = "reporter-credit"
    PR_WITH_FIX = "pr-with-fix"
    REMEDIATION_DEVELOPER = "remediation-developer"
    CWE = "cwe"
    SEVERITY = "severity"
    CVE_TOOL_LINK = "cve-tool-link"


DEFAULT_HEADINGS: MappingProxyType[Field, str] = MappingProxyType(
    {
        Field.ISSUE_DESCRIPTION: "The issue description",
        Field.PUBLIC_SUMMARY: "Short public summary for publish",
        Field.AFFECTED_VERSIONS: "Affected versions",
        Field.SECURITY_THREAD: "Security mailing list thread",
        Field.PUBLIC_ADVISORY_URL: "Public advisory URL",
        Field.REPORTER_CREDIT: "Reporter credited as",
        Field.PR_WITH_FIX: "PR with the fix",
        Field.REMEDIATION_DEVELOPER: "Remediation developer",
        Field.CWE: "CWE",
        Field.SEVERITY: "Severity",
        Field.CVE_TOOL_LINK: "CVE tool link",
    }
)

OPTIONAL_SECTIONS = ("Related references", "Disclosure timeline", "Mitigation")
"""Sections that may follow field 11 (spec §2.1); preserved, never fields."""

NO_RESPONSE = "_No response_"
SEVERITY_UNSET = "Unknown"


class Label(StrEnum):
    """Label roles of `tracker.labels` (spec §2.8, §13)."""

    SECURITY_MARKER = "security_marker"
    NEEDS_TRIAGE = "needs_triage"
    PR_OPEN = "pr_open"
    PR_MERGED = "pr_merged"
    FIX_RELEASED = "fix_released"
    CVE_ALLOCATED = "cve_allocated"
    ANNOUNCED_EMAILS_SENT = "announced_emails_sent"
    ANNOUNCED = "announced"
    INVALID = "invalid"
    NOT_CVE_WORTHY = "not_cve_worthy"
    DUPLICATE = "duplicate"
    WONTFIX = "wontfix"
    RC_VOTING = "rc_voting"
    REJECTIONS_LEDGER = "rejections_ledger"


DEFAULT_LABELS: MappingProxyType[Label, str] = MappingProxyType(
    {
        Label.SECURITY_MARKER: "security issue",
        Label.NEEDS_TRIAGE: "needs triage",
        Label.PR_OPEN: "pr created",
        Label.PR_MERGED: "pr merged",
        Label.FIX_RELEASED: "fix released",
        Label.CVE_ALLOCATED: "cve allocated",
        Label.ANNOUNCED_EMAILS_SENT: "announced - emails sent",
        Label.ANNOUNCED: "announced",
        Label.INVALID: "invalid",
        Label.NOT_CVE_WORTHY: "not CVE worthy",
        Label.DUPLICATE: "duplicate",
        Label.WONTFIX: "wontfix",
        Label.RC_VOTING: "rc voting",
        Label.REJECTIONS_LEDGER: "rejections-ledger",
    }
)

FIX_AXIS = (Label.PR_OPEN, Label.PR_MERGED, Label.FIX_RELEASED)
DISPOSITIONS = (Label.INVALID, Label.NOT_CVE_WORTHY, Label.DUPLICATE, Label.WONTFIX)
ANNOUNCED_PAIR = (Label.ANNOUNCED_EMAILS_SENT, Label.ANNOUNCED)

TLP_LABELS = ("TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR")


class Column(StrEnum):
    """Board columns of spec §2.11."""

    NEEDS_TRIAGE = "Needs triage"
    ASSESSED = "Assessed"
    CVE_ALLOCATED = "CVE allocated"
    PR_CREATED = "PR created"
    PR_MERGED = "PR merged"
    FIX_RELEASED = "Fix released"
    ANNOUNCED = "Announced"


class CloseReason(StrEnum):
    COMPLETED = "completed"
    NOT_PLANNED = "not planned"


class Role(StrEnum):
    """Roster roles (spec §13, `roster.members[].roles`)."""

    TRIAGER = "triager"
    REMEDIATION_DEVELOPER = "remediation-developer"
    RELEASE_MANAGER = "release-manager"
    MAINTAINER = "maintainer"
    GOVERNANCE = "governance"
