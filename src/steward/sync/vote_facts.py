"""§8.7 release votes as facts: an open `[VOTE]` thread for the fix version, and a `[RESULT]` sender as RM candidate.

Read during fact gathering only, through the MailArchive port's `list_recent` (one bounded listing per list), so
the S18 rule stays pure. The matching (`open_vote`, `result_sender`) is pure and works on archive header facts:
a vote is open when no `release_process.vote_result_subject` message for the same version, and no reply to the
vote's root, is archived. The RM candidate is only ever proposed for config, never assigned (§8.7: never guessed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from steward.archive.interface import ArchiveEntry, MailArchive
from steward.domain.release_detection import fix_versions
from steward.domain.roles import Label
from steward.errors import StewardError
from steward.patterns import Entry

from .context import SyncContext
from .release_facts import release_facts
from .release_managers import release_manager
from .scope import scope_of

if TYPE_CHECKING:
    from .facts import TrackerFacts

VOTE_DAYS = 21
RESULT_DAYS = 14
VOTE = "release_process.vote_subject"
RESULT = "release_process.vote_result_subject"


@dataclass(frozen=True)
class VoteFacts:
    versions: tuple[str, ...]
    open_vote: ArchiveEntry | None = None
    """The `[VOTE]` thread naming a fix version with no `[RESULT]` yet (S18)."""
    open_version: str | None = None
    rm_candidate: str | None = None
    """The `From:` of a `[RESULT]` thread on the dev list, when config names no RM."""
    rm_version: str | None = None


def _plain(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") else version


def subject_version(entry: Entry, subject: str) -> str | None:
    found = entry.hit(subject)
    if found is None:
        return None
    named = found.groupdict().get("version")
    return _plain(named) if named else None


def _is_result(entry: ArchiveEntry, result: Entry) -> bool:
    return result.hit(entry.subject) is not None


def open_vote(
    entries: Sequence[ArchiveEntry], versions: Sequence[str], vote: Entry, result: Entry
) -> tuple[ArchiveEntry, str] | None:
    """The first `[VOTE]` root naming one of `versions` that has no `[RESULT]` for that version."""
    wanted = {_plain(v) for v in versions}
    closed = {v for e in entries if _is_result(e, result) and (v := subject_version(result, e.subject))}
    for entry in entries:
        if _is_result(entry, result):
            continue
        version = subject_version(vote, entry.subject)
        if version is None or version not in wanted or version in closed:
            continue
        answered = any(
            _is_result(e, result) and (e.in_reply_to == entry.message_id or entry.message_id in e.references)
            for e in entries
        )
        if not answered:
            return entry, version
    return None


def result_sender(entries: Sequence[ArchiveEntry], versions: Sequence[str], result: Entry) -> tuple[str, str] | None:
    """(sender, version) of the newest-listed `[RESULT]` message naming one of `versions`; None without one."""
    wanted = {_plain(v) for v in versions}
    found = None
    for entry in entries:
        version = subject_version(result, entry.subject)
        if version in wanted and entry.from_addr:
            found = (entry.from_addr, version)
    return found


def _versions(facts: TrackerFacts, ctx: SyncContext) -> tuple[str, ...]:
    release, _ = release_facts(facts.row, facts.parsed, facts.comments, ctx, facts.operator.released)
    return tuple(dict.fromkeys(_plain(f.version) for f in fix_versions(release, ctx.patterns).found))


def _landed(facts: TrackerFacts, ctx: SyncContext) -> bool:
    labels = set(facts.row.labels)
    return facts.row.is_open and (
        ctx.labels.of(Label.PR_MERGED) in labels or ctx.labels.of(Label.FIX_RELEASED) in labels
    )


def read_votes(
    facts: TrackerFacts, ctx: SyncContext, archive: MailArchive | None
) -> tuple[VoteFacts | None, list[str]]:
    """(vote facts, notes); no archive, no landed fix or no fix version ⇒ no request at all."""
    if archive is None or not _landed(facts, ctx):
        return None, []
    versions = _versions(facts, ctx)
    if not versions:
        return None, []
    process = ctx.config.release_process
    votes = VoteFacts(versions)
    vote, result = ctx.patterns[VOTE], ctx.patterns[RESULT]
    try:
        if (
            process.release_vote_gating
            and process.release_vote_list
            and ctx.labels.of(Label.PR_MERGED) in facts.row.labels
        ):
            since = ctx.now - timedelta(days=VOTE_DAYS)
            found = open_vote(list(archive.list_recent(str(process.release_vote_list), since)), versions, vote, result)
            if found is not None:
                votes = replace(votes, open_vote=found[0], open_version=found[1])
        scope = scope_of(facts.row.labels, ctx).name
        wanted = [*versions, *([facts.row.milestone] if facts.row.milestone else [])]
        cascade = process.release_manager_lookup_cascade
        if "mailing_list_vote_thread" in cascade and release_manager(ctx.config, scope, wanted) is None:
            since = ctx.now - timedelta(days=RESULT_DAYS)
            sender = result_sender(list(archive.list_recent(str(ctx.config.lists.dev), since)), versions, result)
            if sender is not None:
                votes = replace(votes, rm_candidate=sender[0], rm_version=sender[1])
    except StewardError as exc:
        return None, [f"release vote threads could not be read ({exc}); S18 and the RM lookup not checked"]
    return votes, []
