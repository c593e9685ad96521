"""`steward sync` as a service (spec §8): select trackers, gather facts, run the rules, propose, apply.

Without a selection to apply nothing is written (G1). Applying re-gathers nothing: the confirmed items are
operations on the trackers as they are, so a re-run after apply finds every target already held and proposes
nothing for it (G4).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from steward import ids
from steward.app import App
from steward.archive.interface import MailArchive
from steward.codehost.interface import CodeHost
from steward.cveorg.client import CveOrgClient
from steward.domain.lifecycle import State
from steward.domain.roles import Label
from steward.domain.rollup import parse_rollup, rollup_part
from steward.errors import UsageError
from steward.services.facts import state as state_of
from steward.store import Reader, TrackerRow
from steward.sync.apply import Applied, apply_items, context_of
from steward.sync.closeout import RULE as CLOSEOUT
from steward.sync.closeout import CloseOutResult, closeout_item, closeout_target, run_closeout
from steward.sync.context import SyncContext
from steward.sync.facts import OperatorFacts, PreflightSkip, TrackerFacts, gather
from steward.sync.items import SyncItem
from steward.sync.preflight import Dispatch, Verdict, classify
from steward.sync.proposal import Proposal, Skipped, build_proposal, select
from steward.sync.release_facts import RegistryFactory
from steward.sync.rules import run_notes, run_rules

_RANGE = re.compile(r"([0-9]+)(?:-([0-9]+))?")


@dataclass(frozen=True)
class SyncRequest:
    ids: tuple[str, ...] = ()
    all: bool = False
    open: bool = False
    closed: bool = False
    label: str | None = None
    advisory_url: str | None = None
    released: str | None = None
    preflight: bool = False
    """§8.13's `--all` classifier; the CLI turns it on unless `--no-preflight`. A service that wants every rule on
    every tracker (the demo's closing reconciliation) leaves it off."""
    apply: str | None = None


@dataclass(frozen=True)
class SyncResult:
    proposal: Proposal
    applied: tuple[Applied, ...] = ()
    closeouts: tuple[CloseOutResult, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "proposal": self.proposal.as_json(),
            "applied": [a.as_json() for a in self.applied],
            "closeouts": [
                {"tracker": c.tracker, "steps": list(c.steps), "completed": c.completed, "stopped": c.stopped}
                for c in self.closeouts
            ],
        }


def check_request(req: SyncRequest) -> None:
    modes = sum([bool(req.ids), req.all, req.open, req.closed, req.label is not None])
    if modes != 1:
        raise UsageError("steward sync needs exactly one of: tracker IDs, --all, --open, --closed, --label L.")
    single = len(req.ids) == 1 and (req.ids[0].lstrip("#").isdigit() or ids.is_cve(req.ids[0]))
    if req.advisory_url is not None and not single:
        raise UsageError("--advisory-url names the advisory of one tracker; give exactly one tracker ID with it.")
    if req.advisory_url is not None and not req.advisory_url.startswith(("https://", "http://")):
        raise UsageError(f"--advisory-url {req.advisory_url!r} is not an http(s) URL; give the archived advisory URL.")


def _by_ids(reader: Reader, tokens: Sequence[str]) -> list[TrackerRow]:
    numbers: set[int] = set()
    rows: dict[int, TrackerRow] = {}
    for token in tokens:
        text = token.strip().lstrip("#")
        if ids.is_cve(text):
            found = reader.find_tracker_by_cve(text)
            if found is not None:
                rows[found.number] = found
            continue
        match = _RANGE.fullmatch(text)
        if match is None:
            raise UsageError(f"sync: {token!r} is neither a tracker number, a range N-M nor a CVE id.")
        start = int(match.group(1))
        end = int(match.group(2) or start)
        if end < start:
            raise UsageError(f"sync: range {token} runs backwards; write it low-high.")
        numbers.update(range(start, end + 1))
    known = {t.number: t for t in reader.list_trackers()}
    rows.update({n: known[n] for n in numbers if n in known})
    return [rows[n] for n in sorted(rows)]


def select_trackers(app: App, reader: Reader, req: SyncRequest) -> list[TrackerRow]:
    """§8 selectors; the rejections ledger is never a tracker. No match is an empty list, not an error (G8)."""
    ledger = app.labels.of(Label.REJECTIONS_LEDGER)
    if req.ids:
        rows = _by_ids(reader, req.ids)
    elif req.label is not None:
        rows = reader.list_trackers(label=req.label)
    elif req.open:
        rows = reader.list_trackers(open_only=True)
    elif req.closed:
        rows = reader.list_trackers(open_only=False)
    else:
        horizon = app.now() - timedelta(days=app.config.disclosure.cve_org_check_days)
        rows = [
            t
            for t in reader.list_trackers()
            if t.is_open
            or (state_of(app, t) is State.CLOSED_ANNOUNCED and t.closed_at is not None and t.closed_at >= horizon)
        ]
    return [t for t in rows if ledger not in t.labels]


def _preflight(app: App, reader: Reader, row: TrackerRow, req: SyncRequest) -> Verdict | None:
    """The §8.13 classifier, only for `--all` with pre-flight on; None means a full dispatch."""
    if not (req.all and req.preflight):
        return None
    comments = reader.list_comments(row.number)
    try:
        rollup = parse_rollup([c.body for c in comments if rollup_part(c.body) is not None])
    except ValueError:
        rollup = []  # gather notes the unreadable rollup
    return classify(row, comments, rollup, context_of(app))


def _dispatch(facts: TrackerFacts, ctx: SyncContext, verdict: Verdict | None) -> tuple[list[SyncItem], list[str]]:
    """Items and notes; a watch runs only its own rule and is promoted to a full run when its signal fires."""
    released = facts.release is not None and facts.release.released
    if verdict is not None and verdict.kind is Dispatch.RELEASE_WATCH and not released:
        return [], list(facts.notes)
    if verdict is not None and verdict.kind is Dispatch.ARCHIVE_WATCH and closeout_item(facts, ctx) is None:
        return [], list(facts.notes)
    items = run_rules(facts, ctx)
    closing = closeout_item(facts, ctx)
    if closing is not None:
        items = [i for i in items if i.rule != "S17"] + [closing]
    return items, list(facts.notes) + run_notes(facts, ctx)


def _sink_keys(app: App) -> frozenset[str] | None:
    from steward.services.reporter_drafts import draft_sink

    try:
        return frozenset(d.key for d in draft_sink(app).list())
    except Exception:
        return None


def propose(
    app: App,
    req: SyncRequest,
    code_host: CodeHost | None = None,
    registries: RegistryFactory | None = None,
    cve_org: CveOrgClient | None = None,
    *,
    archive: MailArchive | None = None,
) -> Proposal:
    check_request(req)
    ctx = context_of(app)
    operator = OperatorFacts(released=req.released, advisory_url=req.advisory_url)
    keys = _sink_keys(app)
    per_tracker: list[tuple[int, str, list[Any], list[str]]] = []
    skipped: list[Skipped] = []
    classes: dict[int, str] = {}
    with app.store.read(app.slug) as reader:
        for row in select_trackers(app, reader, req):
            verdict = _preflight(app, reader, row, req)
            if verdict is not None and verdict.kind is Dispatch.SKIP:
                skipped.append(Skipped(row.number, verdict.reason))
                continue
            try:
                facts = gather(
                    reader,
                    row,
                    ctx,
                    code_host=code_host,
                    sink_keys=keys,
                    operator=operator,
                    registries=registries,
                    cve_org=cve_org,
                    archive=archive,
                )
            except PreflightSkip as exc:
                skipped.append(Skipped(row.number, str(exc)))
                continue
            items, notes = _dispatch(facts, ctx, verdict)
            if keys is None:
                notes.append("draft sink unreadable; S19 not checked")
            if verdict is not None:
                classes[row.number] = verdict.kind.value
            per_tracker.append((row.number, row.title, items, notes))
    return build_proposal(per_tracker, skipped, classes)


def sync(
    app: App,
    req: SyncRequest,
    code_host: CodeHost | None = None,
    registries: RegistryFactory | None = None,
    cve_org: CveOrgClient | None = None,
    *,
    archive: MailArchive | None = None,
) -> SyncResult:
    """Propose, and with `req.apply` apply the selection; the acting user must be on the roster (§1.3).

    `cve_org` is read only for closed trackers within `disclosure.cve_org_check_days`, `archive` only for open
    trackers at `fix released` or `announced` (§8.8); None skips either."""
    app.member()
    proposal = propose(app, req, code_host, registries, cve_org, archive=archive)
    if req.apply is None or proposal.empty:
        if req.apply is not None:
            select(proposal, req.apply)  # a bad selection is still exit 2
        return SyncResult(proposal)
    chosen = select(proposal, req.apply)
    plain = [i for i in chosen if i.rule != CLOSEOUT]
    closing = [i for i in chosen if i.rule == CLOSEOUT]
    applied = apply_items(app, plain)
    results: list[CloseOutResult] = []
    ctx = context_of(app)
    for item in closing:
        url, summary = closeout_target(item)
        with app.store.transaction(app.slug, actor=app.identity, command="sync") as tx:
            results.append(run_closeout(app, tx, item.tracker, url, ctx, req.released, summary))
    return SyncResult(proposal, tuple(applied), tuple(results))
