"""Facts of one tracker for the sync rules (spec §8.1), gathered read-only from the store and the ports.

Everything a rule needs is read here, once, so the rules stay pure: the parsed body, the lifecycle facts, the
rollup entries, which drafts the sink still holds, the linked PR as the code host reports it, and what the operator
stated on the command line (`--released`, `--advisory-url`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from steward import ids
from steward.codehost.interface import CodeHost, CodeHostError, PullRequest
from steward.domain.fields import BodyFormatError, ParsedBody, field_value, parse_fields
from steward.domain.lifecycle import State
from steward.domain.lifecycle import TrackerFacts as LifecycleFacts
from steward.domain.release_detection import ReleaseCheck
from steward.domain.roles import CloseReason, Field, Label
from steward.domain.rollup import RollupEntry, parse_rollup, rollup_part
from steward.errors import UsageError
from steward.store import CommentRow, MessageRow, MilestoneRow, Reader, TrackerRow

from .context import SyncContext

if TYPE_CHECKING:
    from steward.archive.interface import MailArchive
    from steward.cveorg.client import CveOrgClient

    from .archive_facts import Announcement
    from .release_facts import RegistryFactory
    from .reviewer_facts import Review
    from .vote_facts import VoteFacts

_URL = re.compile(r"https?://\S+")


@dataclass(frozen=True)
class OperatorFacts:
    """What the operator asserted for this run (§8.6 `--released`, §8.8 `--advisory-url`)."""

    released: str | None = None
    advisory_url: str | None = None


@dataclass(frozen=True)
class PrFacts:
    url: str
    number: int
    state: str
    merged: bool
    author_login: str
    author_name: str | None
    milestone: str | None
    milestone_due: date | None = None
    merged_at: datetime | None = None
    files: tuple[str, ...] = ()

    @classmethod
    def of(cls, url: str, pr: PullRequest) -> PrFacts:
        ms = pr.milestone
        return cls(
            url,
            pr.number,
            pr.state,
            pr.merged,
            pr.author_login,
            pr.author_name,
            ms.title if ms else None,
            ms.due_on if ms else None,
            pr.merged_at,
            pr.files,
        )


@dataclass(frozen=True)
class CveOrgFacts:
    """The §8.8 publication check of a closed tracker's CVE: `outcome` of `steward.cveorg.client.check`."""

    outcome: str
    state: str | None
    error: str | None = None


@dataclass(frozen=True)
class TrackerFacts:
    row: TrackerRow
    parsed: ParsedBody
    life: LifecycleFacts
    state: State
    cve_id: str | None
    pr_url: str | None
    pr: PrFacts | None
    rollup: tuple[RollupEntry, ...]
    sink_keys: frozenset[str] | None
    """Keys the draft sink holds now; None when the sink was not read."""
    operator: OperatorFacts = OperatorFacts()
    notes: tuple[str, ...] = ()
    """Why a fact could not be read (PR lookup failed, rollup unreadable); shown, never guessed around."""
    comments: tuple[CommentRow, ...] = ()
    """Every tracker comment, oldest first; rules decide whose count (steward.sync.comments)."""
    messages: tuple[MessageRow, ...] = ()
    """Stored inbound messages of the tracker's threads (routing facts only; bodies are not stored, §9.3)."""
    milestone_row: MilestoneRow | None = None
    release: ReleaseCheck | None = None
    """§8.6 verdict, read for `pr merged` trackers only; None when not checked."""
    record_state: str | None = None
    """The stored CNA record state of the CVE (§3.1 record axis), when known."""
    draft_templates: frozenset[str] = frozenset()
    """Templates of every draft the store records for this tracker (§9.4: was the credit question asked?)."""
    cve_org: CveOrgFacts | None = None
    """cve.org's answer for a closed tracker (§8.8); None when not checked."""
    mentioning_prs: tuple[PrFacts, ...] = ()
    """Upstream PRs whose text names the tracker (§8.1 search), for S1; empty when not searched."""
    announcement: Announcement | None = None
    """The archived advisory naming the tracker's CVE (§8.8 trigger); None when none is archived or not read."""
    votes: VoteFacts | None = None
    """§8.7 release-vote threads and the RM candidate from the archive; None when not read."""
    reviews: tuple[Review, ...] | None = None
    """S16: CNA reviewer comments with findings (`reviewer_channel: mailing-list`); None when not read."""

    @property
    def root_message(self) -> MessageRow | None:
        """The first thread's root message: the real reporter's `From:` (§8.1)."""
        return next((m for m in self.messages if m.message_id == m.root_message_id), None)

    @property
    def number(self) -> int:
        return self.row.number

    def value(self, role: Field) -> str | None:
        return field_value(self.parsed, role)


class PreflightSkip(Exception):
    """A tracker sync cannot read safely (bad stored body); it lands in the pre-flight skipped bucket."""


def pr_url_of(value: str | None) -> str | None:
    found = _URL.search(value or "")
    return found.group(0).rstrip(").,;") if found else None


def _pr_number(url: str, upstream: str) -> int | None:
    from steward.services.import_pr import parse_pr_ref

    try:
        return parse_pr_ref(url, upstream)
    except UsageError:
        return None


def read_pr(url: str | None, upstream: str, code_host: CodeHost | None) -> tuple[PrFacts | None, str | None]:
    """The PR named by the `pr-with-fix` field (trusted over search, §8.1), or why it is not known."""
    if url is None or code_host is None:
        return None, None
    number = _pr_number(url, upstream)
    if number is None:
        return None, f"PR URL {url} is not a pull request on {upstream}; S2-S4 not checked"
    try:
        return PrFacts.of(url, code_host.get_pr(number)), None
    except CodeHostError as exc:
        return None, f"PR {upstream}#{number} could not be read ({exc}); S2-S4 not checked"


def _rollup(bodies: Sequence[str]) -> tuple[tuple[RollupEntry, ...], str | None]:
    try:
        return tuple(parse_rollup(bodies)), None
    except ValueError as exc:
        return (), f"status rollup unreadable ({exc}); S19 not checked"


def build_facts(
    row: TrackerRow,
    ctx: SyncContext,
    *,
    pr: PrFacts | None = None,
    rollup_bodies: Sequence[str] = (),
    sink_keys: frozenset[str] | None = None,
    operator: OperatorFacts = OperatorFacts(),
    notes: Sequence[str] = (),
    comments: Sequence[CommentRow] = (),
    messages: Sequence[MessageRow] = (),
    milestone_row: MilestoneRow | None = None,
    release: ReleaseCheck | None = None,
    record_state: str | None = None,
    draft_templates: frozenset[str] = frozenset(),
    cve_org: CveOrgFacts | None = None,
    mentioning_prs: Sequence[PrFacts] = (),
) -> TrackerFacts:
    """The pure half of `gather`: facts from what was read; raises PreflightSkip for a body the codec refuses."""
    try:
        parsed = parse_fields(row.body, ctx.headings)
    except BodyFormatError as exc:
        raise PreflightSkip(f"tracker #{row.number}: {exc}; fix the body, then re-run sync") from exc
    pr_field = field_value(parsed, Field.PR_WITH_FIX)
    reason = CloseReason(row.close_reason) if row.close_reason else None
    link = field_value(parsed, Field.CVE_TOOL_LINK) or ""
    life = LifecycleFacts(
        labels=frozenset(row.labels),
        closed=not row.is_open,
        close_reason=reason,
        has_pr_url="://" in (pr_field or ""),
        has_cve_id=bool(ids.cves_in_text(link)),
        number=row.number,
    )
    rollup, rollup_note = _rollup(rollup_bodies)
    return TrackerFacts(
        row=row,
        parsed=parsed,
        life=life,
        state=life.state(ctx.labels),
        cve_id=row.cve_id or ids.first_cve(link),
        pr_url=pr_url_of(pr_field),
        pr=pr,
        rollup=rollup,
        sink_keys=sink_keys,
        operator=operator,
        notes=tuple(n for n in (*notes, rollup_note) if n),
        comments=tuple(comments),
        messages=tuple(messages),
        milestone_row=milestone_row,
        release=release,
        record_state=record_state,
        draft_templates=draft_templates,
        cve_org=cve_org,
        mentioning_prs=tuple(mentioning_prs),
    )


def gather(
    reader: Reader,
    row: TrackerRow,
    ctx: SyncContext,
    *,
    code_host: CodeHost | None = None,
    sink_keys: frozenset[str] | None = None,
    operator: OperatorFacts = OperatorFacts(),
    registries: RegistryFactory | None = None,
    cve_org: CveOrgClient | None = None,
    archive: MailArchive | None = None,
) -> TrackerFacts:
    """Read-only: comments, threads, milestone and record state from the store, the PR through the code host,
    the release through the registry (`pr merged` only), cve.org for recently closed trackers and the archived
    announcement for released ones (§8.8), and the PR search (S1); raises PreflightSkip on a bad body."""
    from .network_facts import cve_org_facts, search_mentions
    from .release_facts import check_release

    try:
        parsed = parse_fields(row.body, ctx.headings)
    except BodyFormatError as exc:
        raise PreflightSkip(f"tracker #{row.number}: {exc}; fix the body, then re-run sync") from exc
    pr, pr_note = read_pr(
        pr_url_of(field_value(parsed, Field.PR_WITH_FIX)), ctx.config.tracker.upstream_repo, code_host
    )
    comments = reader.list_comments(row.number)
    bodies = [c.body for c in comments if rollup_part(c.body) is not None]
    messages = [m for ref in reader.list_thread_refs(row.number) for m in reader.thread_messages(ref.root_message_id)]
    notes = [pr_note] if pr_note else []
    release = None
    if ctx.labels.of(Label.PR_MERGED) in row.labels or (pr is not None and pr.merged):
        release, note = check_release(row, parsed, comments, ctx, released=operator.released, registries=registries)
        notes += [note] if note else []
    cve = row.cve_id or ids.first_cve(field_value(parsed, Field.CVE_TOOL_LINK) or "")
    state_row = reader.get_record_state(cve) if cve else None
    rollup, _ = _rollup(bodies)
    checked = cve_org_facts(row, cve, rollup, ctx, cve_org)
    mentions, search_note = search_mentions(row, parsed, ctx, code_host)
    notes += [search_note] if search_note else []
    facts = build_facts(
        row,
        ctx,
        pr=pr,
        rollup_bodies=bodies,
        sink_keys=sink_keys,
        operator=operator,
        notes=notes,
        comments=comments,
        messages=messages,
        milestone_row=reader.get_milestone(row.milestone) if row.milestone else None,
        release=release,
        record_state=state_row.state if state_row else None,
        draft_templates=frozenset(d.template for d in reader.list_drafts(tracker=row.number) if d.template),
        cve_org=checked,
        mentioning_prs=mentions,
    )
    return with_reviews(with_votes(with_announcement(facts, ctx, archive), ctx, archive), ctx, archive)


def with_reviews(facts: TrackerFacts, ctx: SyncContext, archive: MailArchive | None) -> TrackerFacts:
    """The §8.1 CNA reviewer reads for S16; a failed read is a note."""
    from .reviewer_facts import read_reviews

    found, notes = read_reviews(facts, ctx, archive)
    if found is None and not notes:
        return facts
    return replace(facts, reviews=found, notes=(*facts.notes, *notes))


def with_votes(facts: TrackerFacts, ctx: SyncContext, archive: MailArchive | None) -> TrackerFacts:
    """The §8.7 archive reads (S18 and the RM's second source); a failed read is a note."""
    from .vote_facts import read_votes

    found, notes = read_votes(facts, ctx, archive)
    if found is None and not notes:
        return facts
    return replace(facts, votes=found, notes=(*facts.notes, *notes))


def with_announcement(facts: TrackerFacts, ctx: SyncContext, archive: MailArchive | None) -> TrackerFacts:
    """The §8.8 archive read; an announcement without a public URL waits for the operator's `--advisory-url`."""
    from .archive_facts import read_announcement

    found, notes = read_announcement(facts.row, facts.state, facts.cve_id, ctx, archive)
    if found is not None and found.permalink is None and facts.operator.advisory_url is None:
        notes.append(
            f"announcement of {found.cve_id} found in the archive ({found.message_id}) but the archive has no "
            f"public URL for it; run `steward sync {facts.number} --advisory-url URL`"
        )
    if found is None and not notes:
        return facts
    return replace(facts, announcement=found, notes=(*facts.notes, *notes))
