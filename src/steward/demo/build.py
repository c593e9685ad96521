"""`steward demo`: build the fictional Quillwort adopter and walk its trackers through the lifecycle.

Later steps of the process (triage, allocation, sync) get their own commands; until
they exist the demo reaches each state by applying the same domain transitions
those commands will apply, each audited and rolled up like any other change.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from importlib import resources
from pathlib import Path

from steward.app import App, open_app
from steward.demo.import_story import play_import
from steward.demo.stories import STORIES, VALID_EXTRA, Story
from steward.demo.triage_story import play_triage
from steward.domain.board import column_for
from steward.domain.fields import set_field
from steward.domain.labels import LabelContext
from steward.domain.lifecycle import (
    Effect,
    TrackerFacts,
    close_effect,
    close_out_effect,
    duplicate_effect,
    fix_released_effect,
    pr_created_effect,
    pr_merged_effect,
    triage_valid_effect,
)
from steward.domain.markers import render_marker
from steward.domain.roles import Column, Field, Label
from steward.domain.rollup import notification_no_reporter
from steward.domain.versions import NEXT, parse_affected
from steward.errors import UsageError
from steward.services import cve_allocation
from steward.services.facts import tracker_facts
from steward.services.project_init import init_project
from steward.services.rollup_log import write_rollup
from steward.services.sync_run import SyncRequest, sync
from steward.services.trackers import new_tracker

FICTIONAL = "FICTIONAL DEMO DATA — not a real project or vulnerability."
NO_REPORTER = notification_no_reporter("fictional demo, no mail sent")
PEER = "robin-demo"


def _project_text(identity: str) -> str:
    template = resources.files("steward.demo").joinpath("project.yml").read_text(encoding="utf-8")
    return template.replace("{identity}", identity)


def _clear(directory: Path) -> None:
    """Rebuild only what an earlier demo made; never delete anything else."""
    if not directory.exists():
        return
    marker = directory / ".steward" / "project.yml"
    if marker.exists() and "project_kind: demo" in marker.read_text(encoding="utf-8", errors="replace"):
        shutil.rmtree(directory)
        return
    if any(directory.iterdir()):
        raise UsageError(f"{directory} exists and is not a steward demo; pass --dir with an empty or new folder.")


def build_demo(directory: Path, *, identity: str, with_inbox: bool = True) -> Path:
    """`with_inbox=False` stops before the bundled inbox is imported (tests import it themselves)."""
    _clear(directory)
    directory.mkdir(parents=True, exist_ok=True)
    init_project(
        directory,
        profile="independent",
        name="Quillwort",
        security_list=None,
        identity=identity,
        env={},
        text=_project_text(identity),
        remember=False,
    )
    app = open_app(directory / ".steward" / "project.yml", env={"STEWARD_IDENTITY": identity})
    try:
        numbers: list[int] = []
        for story in STORIES:
            numbers.append(_play(app, story, numbers))
        play_triage(app)
        if with_inbox:
            play_import(app)
        # The team's daily `sync --all`, last: it brings every record in line with its fields and notes what is
        # overdue, so the demo starts from a converged state.
        sync(app, SyncRequest(all=True, preflight=False, apply="all"))
    finally:
        app.store.close()
    return directory.resolve()


Step = Callable[[TrackerFacts], Effect]


def _advance(
    app: App,
    number: int,
    step: Step,
    *,
    action: str,
    headline: str,
    fields: Mapping[Field, str] | None = None,
    cve_id: str | None = None,
    milestone: str | None = None,
) -> None:
    """One audited transition: fields first (guards read them), then labels, board, rollup."""
    with app.store.transaction(app.slug, actor=app.identity, command=f"demo {action}") as tx:
        row = tx.get_tracker(number)
        body = row.body
        for role, value in (fields or {}).items():
            body = set_field(body, role, value, app.headings)
        effect = step(tracker_facts(app, replace(row, body=body)))
        labels = [n for n in row.labels if n in effect.labels] + sorted(effect.labels - set(row.labels))
        previous = Column(row.board_column) if row.board_column else None
        column = column_for(effect.labels, effect.closed, previous, app.labels)
        if milestone:
            tx.upsert_milestone(milestone)
        changes: dict[str, object] = {"body": body, "labels": labels, "board_column": column.value}
        if effect.closed != (not row.is_open):
            changes.update(
                closed=effect.closed, close_reason=effect.close_reason.value if effect.close_reason else None
            )
        if cve_id:
            changes["cve_id"] = cve_id
        if milestone:
            changes["milestone"] = milestone
        tx.update_tracker(number, **changes)  # type: ignore[arg-type]
        tx.audit(number, f"{number}:{effect.transition}", {"labels": list(row.labels)}, {"labels": labels})
        change = ", ".join([f"+{a}" for a in sorted(effect.added)] + [f"-{r}" for r in sorted(effect.removed)])
        items = [f"{effect.transition}: {change or 'no label change'}"]
        if effect.closed and row.is_open:
            items.append(f"closed {effect.close_reason.value if effect.close_reason else ''}".strip())
        items += [f"{role.value} set" for role in (fields or {})]
        items.append(f"board: {column.value}")
        write_rollup(
            tx,
            app,
            number,
            action=action,
            headline=headline,
            items=items,
            next_move="see `steward show`",
            notification=NO_REPORTER,
        )


def _discuss(app: App, number: int, disposition: str) -> None:
    """The triage proposal and one concurrence, so the decision has quorum (spec §6.1)."""
    proposal = (
        f"{render_marker('triage-proposal')}\n**Triage proposal**\n\n{FICTIONAL}\n\n"
        f"**Proposed disposition: {disposition}.**\n\nSeverity guess (a guess): medium."
    )
    with app.store.transaction(app.slug, actor=app.identity, command="demo discussion") as tx:
        comment = tx.add_comment(number, app.identity, proposal)
        tx.add_reaction(comment.id, PEER, "+1")
        tx.add_comment(number, PEER, "Agreed with the proposal; I checked the security model.")
        tx.audit(number, f"{number}:demo-discussion", None, proposal)


def _fix_version(story: Story) -> str:
    """The upper bound of the story's first `< X` line: the release that ships the fix."""
    parsed = parse_affected(story.fields.get(Field.AFFECTED_VERSIONS, ""))
    uppers = [str(line.upper) for line in parsed.lines if line.kind == "lt" and line.upper is not NEXT]
    return uppers[0] if uppers else "2.7.1"


def _close(facts: TrackerFacts, *, ctx: LabelContext, role: Label) -> Effect:
    return close_effect(facts, ctx, role, quorum=True)


def _play(app: App, story: Story, numbers: list[int]) -> int:
    created = new_tracker(app, story.title, {Field.ISSUE_DESCRIPTION: FICTIONAL} | story.fields, "demo")
    n = created.tracker.number
    scope = next(iter(sorted(app.labels.scopes)))
    ctx = app.labels
    cve = ""
    for step in story.path:
        if step == "valid":
            _discuss(app, n, "VALID")
            _advance(
                app,
                n,
                lambda f: triage_valid_effect(f, ctx, scope, quorum=True),
                action="Triage (VALID)",
                headline="Accepted as valid with quorum.",
                fields=VALID_EXTRA,
            )
        elif step == "cve":
            cve = cve_allocation.allocate(app, n, None).cve_id or ""
        elif step == "pr":
            pr = 400 + n
            url = f"https://github.com/{app.config.tracker.upstream_repo}/pull/{pr}"
            _advance(
                app,
                n,
                lambda f: pr_created_effect(f, ctx),
                action=f"Fix PR ({app.config.tracker.upstream_repo}#{pr})",
                headline="Fix PR linked.",
                fields={Field.PR_WITH_FIX: url, Field.REMEDIATION_DEVELOPER: "Robin Example"},
            )
        elif step == "merged":
            _advance(
                app,
                n,
                lambda f: pr_merged_effect(f, ctx, merged=True),
                action="Sync (PR merged)",
                headline="The fix PR merged.",
                milestone=_fix_version(story),
            )
        elif step == "released":
            fix = _fix_version(story)
            summary = (
                f"Quillwort before {fix} lets an attacker with template-editing rights read data of other "
                f"tenants when the shared bytecode cache is enabled. Upgrade to quillwort {fix} or later."
            )
            _advance(
                app,
                n,
                lambda f: fix_released_effect(f, ctx, released=True, gate_passed=True),
                action="Sync (fix released)",
                headline=f"quillwort {_fix_version(story)} is out.",
                fields={Field.PUBLIC_SUMMARY: summary},
            )
        elif step == "announced":
            url = f"https://lists.example.org/thread/quillwort-{cve.lower()}"
            _advance(
                app,
                n,
                lambda f: close_out_effect(f, ctx, archived=True, close=False),
                action=f"Close-out ({cve})",
                headline="Advisory archived; publication pending.",
                fields={Field.PUBLIC_ADVISORY_URL: url},
            )
        elif step == "closed":
            cve_allocation.push(app, n)
            cve_allocation.publish(app, n)
            _advance(
                app,
                n,
                lambda f: close_out_effect(f, ctx, archived=True, close=True),
                action=f"Close-out ({cve})",
                headline="Record public; tracker closed.",
            )
        elif step in ("invalid", "not-cve-worthy", "wontfix"):
            role = {"invalid": Label.INVALID, "not-cve-worthy": Label.NOT_CVE_WORTHY, "wontfix": Label.WONTFIX}[step]
            klass = {"invalid": "INVALID", "not-cve-worthy": "INFO-ONLY", "wontfix": "DEFENSE-IN-DEPTH"}[step]
            _discuss(app, n, klass)
            _advance(
                app,
                n,
                partial(_close, ctx=ctx, role=role),
                action=f"Closed as {ctx.of(role)}",
                headline=f"Closed as {ctx.of(role)} with quorum.",
            )
        elif step.startswith("duplicate-of:"):
            keep = numbers[int(step.split(":")[1])]
            _advance(
                app,
                n,
                lambda f: duplicate_effect(f, ctx, pair_clear=True),
                action=f"Merge (dropped) (into #{keep})",
                headline=f"Same root cause as #{keep}.",
            )
    return n
