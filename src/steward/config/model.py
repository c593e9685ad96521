"""The schema of `.steward/project.yml` (spec §13), one pydantic model per block.

Every block forbids unknown keys, so a typo is an error with a line number
instead of a silently ignored setting. A value of `None` on a key whose
default lives in defaults.yml (G6) means "use the shipped entry".
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from steward.domain.roles import DEFAULT_HEADINGS, DEFAULT_LABELS, Role
from steward.domain.roles import Field as FieldRole
from steward.domain.roles import Label as LabelRole


class Allowed:
    """Annotation metadata: how an error message describes the values a key accepts."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Allowed({self.text!r})"


def _fail(problem: str, allowed: str) -> PydanticCustomError:
    return PydanticCustomError("steward", "{problem}", {"problem": problem, "allowed": allowed})


SECRET_ALLOWED = "a reference env:NAME, keyring:SERVICE/NAME or file:PATH"
_SECRET_REF = re.compile(r"env:[A-Za-z_][A-Za-z0-9_]*|keyring:[^/\s]+/\S+|file:\S+")


def _secret(value: str) -> str:
    if not _SECRET_REF.fullmatch(value):
        # Never echo the value: it may be the secret itself.
        raise _fail("a secret must be a reference, never a literal value", SECRET_ALLOWED)
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise _fail(f"regex does not compile ({exc})", "a Python regular expression") from None
    return value


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>.]+")


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise _fail(f"{value!r} is not an e-mail address", "an addr-spec such as name@example.org")
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"https?://\S+", value):
        raise _fail(f"{value!r} is not a URL", "an http:// or https:// URL")
    return value


def _cve_template(value: str) -> str:
    if "{cve_id}" not in value:
        raise _fail("the template does not contain {cve_id}", "a URL template containing {cve_id}")
    return value


def _repo(value: str) -> str:
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", value):
        raise _fail(f"{value!r} is not a repository", "owner/name")
    return value


def _uuid(value: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError:
        raise _fail(f"{value!r} is not a UUID", "a UUID such as 00000000-0000-4000-8000-000000000000") from None
    return value


def _hhmm(value: str) -> str:
    if not re.fullmatch(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]", value):
        raise _fail(f"{value!r} is not a time", "HH:MM (UTC)")
    return value


def _roster_source(value: str) -> str:
    if value not in ("tracker-collaborators", "inline") and not re.fullmatch(r"roster-file:\S+", value):
        raise _fail(f"{value!r} is not a roster source", "tracker-collaborators, roster-file:<path> or inline")
    return value


def _fingerprint(value: str) -> str:
    cleaned = value.replace(" ", "")
    if not re.fullmatch(r"[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}", cleaned):
        raise _fail("not an OpenPGP fingerprint", "40 or 64 hex digits")
    return cleaned.upper()


def _nonempty(value: str) -> str:
    if not value.strip():
        raise _fail("the value is empty", "a non-empty string")
    return value


def _record_format(value: Any) -> Any:
    # YAML reads an unquoted 5.1 as a float.
    return str(value) if isinstance(value, float) else value


Secret = Annotated[str, AfterValidator(_secret), Allowed(SECRET_ALLOWED)]
Regex = Annotated[str, AfterValidator(_regex), Allowed("a Python regular expression")]
Email = Annotated[str, AfterValidator(_email), Allowed("an e-mail address")]
Url = Annotated[str, AfterValidator(_url), Allowed("an http(s) URL")]
CveTemplate = Annotated[str, AfterValidator(_cve_template), Allowed("a URL template containing {cve_id}")]
Repo = Annotated[str, AfterValidator(_repo), Allowed("owner/name")]
Text = Annotated[str, AfterValidator(_nonempty), Allowed("a non-empty string")]
Days = Annotated[int, Field(ge=0), Allowed("a number of days (integer ≥ 0)")]
RegexItems = list[Regex] | dict[str, Regex]

CveTool = Literal["vulnogram", "cve-services", "ghsa", "mitre-form", "none", "demo"]
CveState = Literal["allocated", "review-ready", "publish-ready", "public"]
Registry = Literal["pypi", "npm", "maven", "artifacthub", "none"]
VersionScheme = Literal["pep440", "semver", "maven"]
ArchiveKind = Literal["ponymail", "hyperkitty", "mbox-dir", "none", "discourse", "google-groups", "github-discussions"]
Tlp = Literal["TLP:RED", "TLP:AMBER+STRICT", "TLP:AMBER", "TLP:GREEN", "TLP:CLEAR"]
Weekday = Literal["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

FORWARDER_ADAPTERS = ("asf-security", "huntr", "hackerone", "ghsa")
"""Forwarder adapters this spec defines (§5.8); `asf-security` ships, the rest are "specified"."""

SPECIFIED_FORWARDERS = frozenset({"huntr", "hackerone", "ghsa"})

ADAPTER_STATES: dict[str, tuple[CveState, ...]] = {
    "vulnogram": ("allocated", "review-ready", "publish-ready", "public"),
    "cve-services": ("allocated", "review-ready", "publish-ready", "public"),
    "ghsa": ("allocated", "publish-ready", "public"),
    "mitre-form": ("allocated", "public"),
    "none": (),
    "demo": ("allocated", "review-ready", "publish-ready", "public"),
}
"""Each CNA adapter's exposed generic states (§7.3), used when `cve_authority.states` is unset."""

PLANNED: dict[str, frozenset[str]] = {
    "cve_authority.publication_propagation": frozenset({"webhook"}),
    "security_inbox.kind": frozenset({"ghsa-inbox", "hackerone", "chat-channel", "intake-form"}),
    "security_inbox.pgp.backend": frozenset({"sequoia"}),
    "mail_provider.primary": frozenset({"gmail"}),
    "mail_provider.drafts": frozenset({"gmail"}),
    "archive_system.kind": frozenset({"discourse", "google-groups", "github-discussions"}),
    "mail_provider.fallback": frozenset({"discourse", "google-groups", "github-discussions"}),
}
"""Values §13 names as planned: accepted, warned about, refused by the command that needs them."""


class Block(BaseModel):
    """Base of every block: unknown keys are errors, values are immutable once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- cve_authority


class Vulnogram(Block):
    base_url: Url | None = None
    pmc: str | None = None
    token: Secret | None = None


class CveServices(Block):
    env: Literal["prod", "test", "dev"] | None = None
    org: str | None = None
    user: str | None = None
    api_key: Secret | None = None


class GhsaCna(Block):
    repo: Repo | None = None


class CveAuthority(Block):
    tool: CveTool = "none"
    allocation_path: Literal["tool", "email-request"] = "tool"
    request_address: Email | None = None
    allocate_url: Url | None = None
    record_url_template: CveTemplate | None = None
    source_tab_url_template: CveTemplate | None = None
    email_preview_url_template: CveTemplate | None = None
    states: list[CveState] | None = None
    publication_propagation: Literal["poll", "manual", "webhook"] = "poll"
    emits_allocation_email: bool = False
    reviewer_channel: Literal["mailing-list", "github-pr", "none"] = "none"
    org_id: Annotated[str, AfterValidator(_uuid), Allowed("a UUID")] | None = None
    record_format: Annotated[Literal["5.1", "5.2"], BeforeValidator(_record_format)] = "5.1"
    bookkeeping_subject_patterns: RegexItems | None = None
    vulnogram: Vulnogram = Vulnogram()
    cve_services: CveServices = CveServices()
    ghsa: GhsaCna = GhsaCna()

    def effective_states(self) -> tuple[CveState, ...]:
        """The configured states, else the adapter's own list (§7.3)."""
        return tuple(self.states) if self.states is not None else ADAPTER_STATES[self.tool]


# ---------------------------------------------------------------- governance, inbox, forwarders


class Governance(Block):
    cve_allocation_gate: Literal["pmc-member", "security-team-member", "maintainer", "none"] = "security-team-member"
    private_governance_list: Email | None = None
    escalation_contact: Text
    roster_url: Url | None = None
    triage_quorum: Annotated[int, Field(ge=1), Allowed("an integer ≥ 1")] = 2


class Pgp(Block):
    enabled: bool = False
    key_fingerprint: Annotated[str, AfterValidator(_fingerprint), Allowed("an OpenPGP fingerprint")] | None = None
    backend: Literal["gnupg", "sequoia"] = "gnupg"
    gnupg_home: str | None = None
    passphrase: Secret = "env:STEWARD_PGP_PASSPHRASE"


class SecurityInbox(Block):
    kind: Literal["mailing-list", "ghsa-inbox", "hackerone", "chat-channel", "intake-form"] = "mailing-list"
    address: Text
    foundation_security_address: Email | None = None
    has_forwarder_relay: bool = False
    list_filter_query: str | None = None
    exclude_senders: list[str] = ["noreply@github.com", "security-noreply@github.com"]
    import_window_days: Days = 14
    trusted_authserv_id: str | None = None
    pgp: Pgp = Pgp()


class Forwarder(Block):
    sender_pattern: Regex | None = None
    preamble_match: Regex | None = None
    credit_patterns: RegexItems | None = None
    contact: Text | list[Text] | None = None
    via_forwarder_question_mode: bool | None = None
    ack_forwarder: bool = False
    trusted_arc_sealers: list[str] = []

    def contacts(self) -> list[str]:
        """The contact as a list (one address or a fallback list, §5.8)."""
        if self.contact is None:
            return []
        return [self.contact] if isinstance(self.contact, str) else list(self.contact)


class Forwarders(Block):
    enabled: list[str] = []
    asf_security: Forwarder = Forwarder()
    huntr: Forwarder = Forwarder()
    hackerone: Forwarder = Forwarder()
    ghsa: Forwarder = Forwarder()

    def adapter(self, name: str) -> Forwarder:
        """The block of an adapter named in either spelling (`asf-security` or `asf_security`)."""
        block = getattr(self, name.replace("-", "_"), None)
        if not isinstance(block, Forwarder):
            raise KeyError(name)
        return block


# ---------------------------------------------------------------- mail, archive, lists


class MailProvider(Block):
    primary: Literal["maildir", "mbox", "imap", "gmail"] = "maildir"
    source_uri: Text
    password: Secret = "env:STEWARD_IMAP_PASSWORD"
    drafts: Literal["maildir", "imap", "gmail"] | None = None
    drafts_uri: str | None = None
    fallback: Literal["none"] | ArchiveKind = "none"
    mandatory: list[str] | None = None


class SummaryExtract(Block):
    start: Regex | None = None
    end: Regex | None = None


class ArchiveSystem(Block):
    """The mail archive (§5.1, §5.5, §8.8). `base_url`, `path` and `session` are steward decisions the spec's
    table leaves open: where a `ponymail`/`hyperkitty` API lives, where an `mbox-dir` archive lies (relative to
    the project root), and the login a private list's archive needs."""

    kind: ArchiveKind = "none"
    base_url: Url | None = None
    path: str | None = None
    session: Secret | None = None
    list_domain: str | None = None
    search_url_template: str | None = None
    api_query_url_template: str | None = None
    advisory_publication_signal_url: Url | None = None
    announcement_lists: list[Email] = []
    advisory_hosts: list[str] = []
    private_url_patterns: list[Regex] = []
    lookback_days: Days = 30
    summary_extract: SummaryExtract = SummaryExtract()


class Lists(Block):
    users: Email
    announce: Email
    dev: Email
    private: Email


# ---------------------------------------------------------------- tracker


class Board(Block):
    kind: Literal["embedded", "github-projects-v2", "none"] = "embedded"
    project_id: str | None = None
    status_field_id: str | None = None
    option_ids: dict[str, str] = {}


def _heading(role: FieldRole) -> Any:
    return Field(default=DEFAULT_HEADINGS[role])


class BodyFields(Block):
    """`tracker.body_fields`: role → `###` heading (§2.1); keys are the Field roles in snake_case."""

    issue_description: Text = _heading(FieldRole.ISSUE_DESCRIPTION)
    public_summary: Text = _heading(FieldRole.PUBLIC_SUMMARY)
    affected_versions: Text = _heading(FieldRole.AFFECTED_VERSIONS)
    security_thread: Text = _heading(FieldRole.SECURITY_THREAD)
    public_advisory_url: Text = _heading(FieldRole.PUBLIC_ADVISORY_URL)
    reporter_credit: Text = _heading(FieldRole.REPORTER_CREDIT)
    pr_with_fix: Text = _heading(FieldRole.PR_WITH_FIX)
    remediation_developer: Text = _heading(FieldRole.REMEDIATION_DEVELOPER)
    cwe: Text = _heading(FieldRole.CWE)
    severity: Text = _heading(FieldRole.SEVERITY)
    cve_tool_link: Text = _heading(FieldRole.CVE_TOOL_LINK)

    def heading(self, role: FieldRole) -> str:
        value: str = getattr(self, role.value.replace("-", "_"))
        return value

    def as_map(self) -> dict[FieldRole, str]:
        return {role: self.heading(role) for role in FieldRole}


def _label(role: LabelRole) -> Any:
    return Field(default=DEFAULT_LABELS[role])


class Labels(Block):
    """`tracker.labels`: label role → label name (§2.8)."""

    security_marker: Text = _label(LabelRole.SECURITY_MARKER)
    needs_triage: Text = _label(LabelRole.NEEDS_TRIAGE)
    pr_open: Text = _label(LabelRole.PR_OPEN)
    pr_merged: Text = _label(LabelRole.PR_MERGED)
    fix_released: Text = _label(LabelRole.FIX_RELEASED)
    cve_allocated: Text = _label(LabelRole.CVE_ALLOCATED)
    announced_emails_sent: Text = _label(LabelRole.ANNOUNCED_EMAILS_SENT)
    announced: Text = _label(LabelRole.ANNOUNCED)
    invalid: Text = _label(LabelRole.INVALID)
    not_cve_worthy: Text = _label(LabelRole.NOT_CVE_WORTHY)
    duplicate: Text = _label(LabelRole.DUPLICATE)
    wontfix: Text = _label(LabelRole.WONTFIX)
    rc_voting: Text = _label(LabelRole.RC_VOTING)
    rejections_ledger: Text = _label(LabelRole.REJECTIONS_LEDGER)

    def name(self, role: LabelRole) -> str:
        value: str = getattr(self, role.value)
        return value

    def as_map(self) -> dict[LabelRole, str]:
        return {role: self.name(role) for role in LabelRole}


class Tracker(Block):
    platform: Literal["sql", "github"] = "sql"
    repo: str | None = None
    upstream_repo: Repo
    base_url: Url | None = None
    reporter_has_access: bool = False
    project_board_enabled: bool = True
    board: Board = Board()
    body_fields: BodyFields = BodyFields()
    labels: Labels = Labels()
    bot_logins: list[str] = []


# ---------------------------------------------------------------- scopes, releases, roster


class Scope(Block):
    """One `scope_detection.labels.<scope>` entry; unset values fall back to `product.*`."""

    product: str | None = None
    package_name: str | None = Field(default=None, alias="packageName")
    path_prefix: Regex | None = None
    collection_url: Url | None = Field(default=None, alias="collectionURL")
    registry: Registry | None = None
    version_scheme: VersionScheme | None = None
    milestone_scheme: Literal["version", "train"] = "version"
    train_prefix: str | None = None
    versions_convention: Literal["all-before-fix", "introduced-bound"] = "all-before-fix"
    reviewers: list[str] = []


class ScopeDetection(Block):
    enabled: bool = False
    test_path_pattern: Regex | None = None
    labels: dict[str, Scope] = {}


class ReleaseManager(Block):
    scope: str | None = None
    match: str | None = None
    handle: Text


class Train(Block):
    scope: str | None = None
    dates: list[date] = []


class Newsfragments(Block):
    enabled: bool = False
    tool: str | None = None


class ReleaseProcess(Block):
    release_managers: list[ReleaseManager] = []
    release_manager_lookup_cascade: list[Literal["config", "mailing_list_vote_thread", "ask"]] = [
        "config",
        "mailing_list_vote_thread",
        "ask",
    ]
    artifact_registries: list[str] = []
    trains: list[Train] = []
    milestone_version_regex: Regex | None = None
    vote_subject: Regex | None = None
    vote_result_subject: Regex | None = None
    stale_milestones: list[str] = []
    newsfragments: Newsfragments = Newsfragments()
    backport_label_template: str | None = None
    release_vote_gating: bool = False
    release_vote_list: Email | None = None


class Member(Block):
    handle: Text
    name: str | None = None
    emails: list[str] = []
    roles: list[Role] = []


class Roster(Block):
    source: Annotated[
        str, AfterValidator(_roster_source), Allowed("tracker-collaborators, roster-file:<path>, inline")
    ] = "inline"
    members: list[Member] = []
    bare_name_handles: dict[str, str] = {}

    def member(self, handle: str) -> Member | None:
        wanted = handle.removeprefix("@").casefold()
        return next((m for m in self.members if m.handle.removeprefix("@").casefold() == wanted), None)


# ---------------------------------------------------------------- product, disclosure, comms


class Product(Block):
    name: Text
    short_name: Text
    vendor: Text
    package_name: Text
    code_pointer_token: str | None = None
    code_pointer_extensions: list[str] = ["py"]
    version_scheme: VersionScheme = "pep440"
    subject_prefix_strip: list[str] = []
    affected_version_extract_prefix: str | None = None
    severity_scale: list[str] = ["low", "medium", "high", "critical"]
    registry: Registry = "none"
    security_model_url: Url | None = None
    trust_boundaries: list[str] = []
    trigger_phrases: list[str] = []
    advised_cwes: list[str] = []
    version_command: str | None = None
    upgrade_instructions: str | None = None
    press_contact: str | None = None


class Disclosure(Block):
    window_days: Days = 90
    grace_period_days: Days = 14
    caution_ratio: Annotated[float, Field(gt=0, le=1), Allowed("a number in (0, 1]")] = 0.8
    reporter_acknowledgement_model: Literal["manual", "auto", "none"] = "manual"
    ack_sla_hours: Annotated[int, Field(ge=0), Allowed("a number of hours (integer ≥ 0)")] = 48
    pre_announce_distributors: bool = False
    distributor_list: list[str] = []
    default_tlp: Tlp = "TLP:AMBER+STRICT"
    target_days_by_severity: dict[str, Days] = {
        "critical": 30,
        "high": 60,
        "important": 60,
        "medium": 90,
        "moderate": 90,
        "low": 90,
    }
    disclosure_weekdays: list[Weekday] = ["Tue", "Wed", "Thu"]
    disclosure_time_utc: Annotated[str, AfterValidator(_hhmm), Allowed("HH:MM")] = "16:00"
    stall_days: Days = 30
    escalation_phase2_days: Days = 7
    prior_rejection_days: Days = 180
    cve_org_check_days: Days = 90
    retrospective_after_days: Days = 7
    extra_announce_lists: list[Email] = []
    share_draft_advisory_with_reporter: bool = False


class Comms(Block):
    signature: str | None = None
    reporter_name_fallback: str = "there"


class Credits(Block):
    bot_names: list[str] | None = None
    bot_patterns: RegexItems | None = None
    service_patterns: RegexItems | None = None
    attribution_patterns: RegexItems | None = None
    opt_out: Regex | None = None
    private_scanner_products: list[str] = []


class Confidentiality(Block):
    foreign_project_names: list[str] = []
    extra_scrub_patterns: list[Regex] = []


Phrases = list[str]


class Intake(Block):
    """Overrides of the `intake.*` entries of defaults.yml (§5.3-5.11); unset keeps the shipped entry."""

    search_term_strip: Regex | None = None
    local_part_strip: Regex | None = None
    code_pointers: RegexItems | None = None
    bug_classes: dict[str, Phrases] | None = None
    disposition_phrases: Phrases | None = None
    acknowledgement_phrases: Phrases | None = None
    acceptance_phrases: Phrases | None = None
    consolidated_line: Regex | None = None
    scanner_finding_line: Regex | None = None
    file_reference: Regex | None = None
    reproduction_section: Regex | None = None
    product_mention: Regex | None = None
    crypto_address: Regex | None = None
    spam_phrases: Phrases | None = None
    media_phrases: Phrases | None = None
    beg_bounty_topics: Phrases | None = None
    bounty_request_phrases: Phrases | None = None
    injection_patterns: RegexItems | None = None
    fts_prefilter: bool = False


# ---------------------------------------------------------------- the whole file


class ProjectConfig(Block):
    """The resolved configuration: project file over profile over framework default."""

    project: Text
    organization: Literal["asf", "independent"] = "independent"
    foundation: str | None = None
    project_kind: Literal["real", "demo"] = "real"
    cve_authority: CveAuthority = CveAuthority()
    governance: Governance
    security_inbox: SecurityInbox
    forwarders: Forwarders = Forwarders()
    mail_provider: MailProvider
    archive_system: ArchiveSystem = ArchiveSystem()
    lists: Lists
    tracker: Tracker
    scope_detection: ScopeDetection = ScopeDetection()
    release_process: ReleaseProcess = ReleaseProcess()
    roster: Roster = Roster()
    product: Product
    disclosure: Disclosure = Disclosure()
    comms: Comms = Comms()
    credits: Credits = Credits()
    confidentiality: Confidentiality = Confidentiality()
    intake: Intake = Intake()

    def scopes(self) -> dict[str, Scope]:
        """The scope labels; without scope detection, one implicit scope named after the product (§13)."""
        if self.scope_detection.enabled and self.scope_detection.labels:
            return dict(self.scope_detection.labels)
        implicit = Scope.model_validate(
            {
                "product": self.product.name,
                "packageName": self.product.package_name,
                "registry": self.product.registry,
                "version_scheme": self.product.version_scheme,
            }
        )
        return {self.product.short_name.lower(): implicit}


BLOCKS: tuple[str, ...] = tuple(
    name
    for name, info in ProjectConfig.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
)
"""Top-level keys that hold a block (a mapping)."""
