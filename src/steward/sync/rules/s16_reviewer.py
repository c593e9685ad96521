"""S16: CNA reviewer comments (§8.2), mapped as the spec's row says, but never written into a field by steward.

A wording suggestion becomes one item whose summary quotes the reviewer's text as given; applying it writes
nothing (a human edits the public summary). Everything else is a note naming the reviewer's address: CWE,
versions, credit and severity values are observations (S8, S5 and S9 take values from roster statements only),
a missing vendor-advisory reference is a note, `duplicate`/`out of scope` is a blocker, and `re-open for review`
tells the RM. The courtesy reply draft to the reviewer is not built here (not done).
"""

from __future__ import annotations

from steward.domain.roles import Field
from steward.domain.severity import render_cwe
from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.release_managers import release_manager
from steward.sync.reviewer_facts import Review
from steward.sync.scope import scope_of

RULE = "S16"


def _who(review: Review) -> str:
    via = " (relayed by the CNA tool)" if review.via_tool else ""
    return f"CNA reviewer {review.sender}{via}"


def _reviews(facts: TrackerFacts) -> tuple[Review, ...]:
    return () if facts.life.closed or facts.reviews is None else facts.reviews


def _rm(facts: TrackerFacts, ctx: SyncContext) -> str:
    wanted = [facts.row.milestone] if facts.row.milestone else []
    handle = release_manager(ctx.config, scope_of(facts.row.labels, ctx).name, wanted)
    return f"@{handle}" if handle else "the release manager"


def s16_reviewer(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    """The newest-listed wording suggestion that differs from the current public summary."""
    current = (facts.value(Field.PUBLIC_SUMMARY) or "").strip()
    for review in reversed(_reviews(facts)):
        for text in review.findings.wording:
            if text.strip() == current:
                continue
            heading = ctx.headings[Field.PUBLIC_SUMMARY]
            return SyncItem(
                facts.number,
                RULE,
                item_key(facts.number, RULE, text),
                f"public summary: {_who(review)} suggests the wording “{text}” ({review.message_id})",
                True,
                Change(notes=(f"steward writes nothing: edit `### {heading}` by hand if the team agrees",)),
            )
    return None


def review_notes(review: Review, cve: str, rm: str) -> list[str]:
    """What one review says besides wording, one line per finding."""
    who, found, out = _who(review), review.findings, []
    for blocker in found.blockers:
        out.append(f"S16 blocker: {who} calls {cve} {blocker}; resolve it with the CNA before anything is published")
    if found.reopen:
        out.append(f"S16: {who} asks to re-open {cve} for review; tell {rm}")
    if found.vendor_advisory_missing:
        out.append(f"S16: {who} says the record lacks a vendor-advisory reference; add it before publishing")
    if found.cwes:
        cwes = ", ".join(render_cwe(c) for c in found.cwes)
        out.append(f"S16: {who} suggests {cwes} (observation: S8 takes a CWE only from a roster member)")
    if found.versions:
        out.append(
            f"S16: {who} suggests affected versions {'; '.join(found.versions)} "
            "(observation: S5 changes the field only from its own value)"
        )
    if found.credits:
        out.append(f"S16: {who} suggests the credit {'; '.join(found.credits)} (observation for S9)")
    if found.severities:
        out.append(f"S16: {who} rates the severity {'; '.join(found.severities)} (observation, never copied)")
    return out


def s16_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    reviews = _reviews(facts)
    if not reviews:
        return []
    cve, rm = str(facts.cve_id), _rm(facts, ctx)
    return [note for review in reviews for note in review_notes(review, cve, rm)]
