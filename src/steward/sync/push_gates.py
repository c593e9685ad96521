"""§8.12 pre-push gates: what must hold of the regenerated record before any `push_update`.

Pure: the caller passes the tracker as applied, its built record and its comments. Each failure is one line
naming the gate and what to fix, so apply can write it to the rollup and push nothing (never a partial push).
Order as §8.12 lists them: schema, title fixpoint, §8.3, S10, S5's conservative bound, §10.3, §10.2.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from steward.comms.drafts import tracker_base_url
from steward.config.patterns_for import patterns_for
from steward.domain.credits import parse_credits
from steward.domain.fields import field_value, parse_fields
from steward.domain.roles import Field
from steward.domain.scrub import scrub
from steward.domain.titles import normalise_title
from steward.domain.versions import parse_affected
from steward.records.inputs import RecordInput, RecordSettings, urls_in
from steward.records.readiness import parse_versions, summary_checks
from steward.records.settings_for import cna_tool_host, settings_for
from steward.services.cve_records import Built
from steward.store import CommentRow, TrackerRow
from steward.sync.comments import roster_statements
from steward.sync.context import SyncContext
from steward.sync.rules.s10_scanner_credit import scanner_problem, thread_texts
from steward.sync.scope import scope_of

RECORD_FIELDS = (
    Field.PUBLIC_SUMMARY,
    Field.AFFECTED_VERSIONS,
    Field.PUBLIC_ADVISORY_URL,
    Field.REPORTER_CREDIT,
    Field.PR_WITH_FIX,
    Field.REMEDIATION_DEVELOPER,
    Field.CWE,
    Field.SEVERITY,
)
"""The fields the generator reads (§2.7); the security thread and the CVE tool link never reach the record."""
SCRUBBED = frozenset({"TRACKER", "FOREIGN", "INTERNAL"})
"""§10.2: the scrub ids that also apply to every field feeding the record."""


def record_input(row: TrackerRow, cve: str, ctx: SyncContext) -> RecordInput:
    """R as `steward.services.cve_records.from_tracker` builds it, so the gates judge what is pushed."""
    parsed = parse_fields(row.body, ctx.headings)
    title = normalise_title(row.title, ctx.patterns, ctx.config.product.subject_prefix_strip).title
    names = [c.name for c in parse_credits(field_value(parsed, Field.REPORTER_CREDIT) or "") if c.exports]
    return RecordInput.from_body(
        row.body,
        headings=ctx.headings,
        title=title,
        cve_id=cve,
        labels=list(row.labels),
        milestone=row.milestone,
        reporter_names=names,
        advisory_url=None,
    )


def title_gate(row: TrackerRow, ctx: SyncContext) -> list[str]:
    cascade = normalise_title(row.title, ctx.patterns, ctx.config.product.subject_prefix_strip)
    if not cascade.over_strip and cascade.title != row.title:
        return ["title fixpoint (§5.12): the title is not normalised; apply the S7 item first"]
    return []


def summary_gate(r: RecordInput, settings: RecordSettings) -> list[str]:
    return [f"summary check (§8.3): {gap}" for gap in summary_checks(r, settings, parse_versions(r, settings))]


def scanner_gate(row: TrackerRow, comments: Sequence[CommentRow], ctx: SyncContext) -> list[str]:
    parsed = parse_fields(row.body, ctx.headings)
    texts = thread_texts(field_value(parsed, Field.ISSUE_DESCRIPTION), comments)
    why = scanner_problem(
        texts, field_value(parsed, Field.REPORTER_CREDIT), field_value(parsed, Field.PUBLIC_SUMMARY), ctx
    )
    return (
        [f"private scanner (S10): {why}; apply the S10 item (credit `anonymous`, name out of the summary)"]
        if why
        else []
    )


def bound_gate(row: TrackerRow, comments: Sequence[CommentRow], ctx: SyncContext) -> list[str]:
    """S5: under `all-before-fix`, a `>= A, < B` line needs a roster statement backing A."""
    view = scope_of(row.labels, ctx)
    if view.versions_convention != "all-before-fix":
        return []
    value = field_value(parse_fields(row.body, ctx.headings), Field.AFFECTED_VERSIONS)
    parsed = parse_affected(value, lambda _package: view.version_scheme)
    if not any(line.kind == "range_lt" for line in parsed.lines):
        return []
    evidence = ctx.patterns["sync.version_evidence_phrases"]
    if any(evidence.hit(c.body) for c in roster_statements(comments, ctx)):
        return []
    return [
        "conservative bound (S5): Affected versions has a `>= A, < B` line without roster evidence for A; "
        "apply the S5 item (`< B`) or have a roster member state the lower bound"
    ]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def reference_gate(record: dict[str, Any], settings: RecordSettings) -> list[str]:
    """§10.3 over the record as built: no reference, and no URL anywhere in its text, that the filter drops."""
    out: list[str] = []
    for url in dict.fromkeys(u for text in _strings(record) for u in urls_in(text)):
        reason = settings.private_url_reason(url)
        if reason is not None:
            out.append(f"reference filter (§10.3): the record carries a {reason} ({url}); remove it from the body")
    return out


def scrub_gate(row: TrackerRow, r: RecordInput, ctx: SyncContext) -> list[str]:
    """§10.2 TRACKER, FOREIGN and INTERNAL over the title and every field that feeds the record."""
    config = ctx.config
    patterns = patterns_for(config, {"tracker_base_url": tracker_base_url(config)})
    inputs = [("title", r.title or row.title)] + [(role.value, r.value(role) or "") for role in RECORD_FIELDS]
    out: list[str] = []
    for where, text in inputs:
        hits = scrub(
            text,
            patterns,
            surface="text",
            cna_host=cna_tool_host(config),
            private_url_patterns=tuple(config.archive_system.private_url_patterns),
            foreign_names=tuple(config.confidentiality.foreign_project_names),
        )
        for hit in (h for h in hits if h.pattern_id in SCRUBBED):
            out.append(f"scrub (§10.2) {hit.pattern_id} in {where} at {hit.offset}: {hit.text!r}; remove it")
    return out


def gate_failures(
    row: TrackerRow, cve: str, built: Built, comments: Sequence[CommentRow], ctx: SyncContext
) -> list[str]:
    """Every failing gate (empty ⇒ the push may go ahead)."""
    if built.strict_refusal:
        return [f"schema validation: {built.strict_refusal}"]
    settings = settings_for(ctx.config)
    r = record_input(row, cve, ctx)
    return [
        *title_gate(row, ctx),
        *summary_gate(r, settings),
        *scanner_gate(row, comments, ctx),
        *bound_gate(row, comments, ctx),
        *reference_gate(built.generated.record, settings),
        *scrub_gate(row, r, ctx),
    ]


def blocked_note(cve: str, failures: Sequence[str]) -> str:
    return f"record of {cve} not pushed: " + "; ".join(failures)
