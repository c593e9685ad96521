"""`steward triage`, `steward dedupe` and `steward comment` (design §4), and what their one-item `--apply` means."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from steward.app import App, open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.errors import Refused, UsageError
from steward.intake.display import safe_terminal
from steward.services import selector as sel
from steward.services.dedupe import dedupe as dedupe_pair
from steward.services.triage_decide import DecisionRequest, DecisionResult, concur, decide, post_comment, propose
from steward.services.triage_evidence import gather_evidence, render_evidence
from steward.services.triage_split import parse_scopes, split
from steward.textfiles import read_text_input
from steward.triage.quorum import Decision

# ---------------------------------------------------------------- the §5.13 selector, for one-item proposals


@dataclass(frozen=True)
class Confirmation:
    """What a selection means for proposal item `n`: applied or not, and its options."""

    apply: bool
    silent: bool = False
    canned: str | None = None
    edits: tuple[tuple[str, str], ...] = ()

    def edit(self, name: str) -> str | None:
        return next((v for k, v in self.edits if k == name), None)


def _highest(selection: sel.Selection) -> int:
    """The largest item number a selection names, so naming an item these commands lack is not an error."""
    numbers = [1]
    for d in selection:
        if isinstance(d, sel.Pick | sel.Skip):
            numbers += [s.end for s in d.spans]
        elif isinstance(d, sel.ItemAction):
            numbers.append(d.number)
    return max(numbers)


def confirmation(text: str | None, n: int, *, edit_fields: tuple[str, ...]) -> Confirmation:
    """No `--apply`: nothing applies (G1). Only `silent`, `canned SLUG` and `edit` of `edit_fields` act here."""
    if text is None:
        return Confirmation(False)
    selection = sel.parse_selection(text)
    resolved = sel.resolve(selection, _highest(selection), default_all=[n])
    if n not in resolved.chosen:
        return Confirmation(False)
    silent = False
    canned: str | None = None
    edits: list[tuple[str, str]] = []
    for action in resolved.actions[n]:
        if isinstance(action, sel.Silent):
            silent = True
        elif isinstance(action, sel.Canned):
            canned = action.slug
        elif isinstance(action, sel.Edit):
            if action.field not in edit_fields:
                allowed = ", ".join(f"{f}=<text>" for f in edit_fields) or "nothing"
                raise UsageError(f"--apply {n}:edit {action.field}=…: this command takes {allowed}.")
            edits.append((action.field, action.value))
        elif not isinstance(action, sel.ActAll | sel.ActPick):
            raise UsageError(
                f"--apply {n}:{sel.render_action(action)} does not apply to this command; nothing was applied."
            )
    return Confirmation(True, silent, canned, tuple(edits))


# ---------------------------------------------------------------- helpers


def _open(config: Path | None) -> App:
    return open_app(config)


def _print_decision(result: DecisionResult) -> None:
    if result.noop:
        output.plain(result.items[0])
        return
    head = "Applied" if result.applied else "Proposal (nothing applied; confirm with --apply all)"
    output.plain(f"{head} for #{result.number}:")
    output.plain(f"  1. {result.action}")
    for item in result.items:
        output.plain(f"     - {safe_terminal(item)}")
    if result.template:
        output.plain(f"     - draft: {result.template} (X-Steward-Key {result.draft_key})")
    output.plain(f"     - {result.notification}")
    for warning in result.warnings:
        output.plain(f"warning: {safe_terminal(warning)}")


# ---------------------------------------------------------------- commands


@app.command()
def triage(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    evidence: Annotated[bool, typer.Option("--evidence", help="Print the evidence pack (read-only).")] = False,
    propose_cls: Annotated[str | None, typer.Option("--propose", help="Post a triage proposal of CLASS.")] = None,
    note: Annotated[Path | None, typer.Option("--note", help="The proposal text, with --propose.")] = None,
    concur_flag: Annotated[bool, typer.Option("--concur", help="Add your 👍 to the newest proposal.")] = False,
    valid: Annotated[bool, typer.Option("--valid", help="Decide: valid (needs --scope).")] = False,
    scope: Annotated[str | None, typer.Option("--scope", help="The scope label, with --valid.")] = None,
    invalid: Annotated[bool, typer.Option("--invalid", help="Decide: not a vulnerability.")] = False,
    not_cve_worthy: Annotated[bool, typer.Option("--not-cve-worthy", help="Decide: below the CVE bar.")] = False,
    wontfix: Annotated[bool, typer.Option("--wontfix", help="Decide: hardening only.")] = False,
    need_info: Annotated[Path | None, typer.Option("--need-info", help="Ask the reporter the questions in F.")] = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="Reopen a closed tracker (needs --reason).")] = False,
    split_scopes: Annotated[str | None, typer.Option("--split", help="SCOPE[,SCOPE]: split by scope.")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why (required with --reopen and --force).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Bypass quorum (needs --reason).")] = False,
    canned: Annotated[str | None, typer.Option("--canned", help="Rejection template slug.")] = None,
    silent: Annotated[bool, typer.Option("--silent", help="Make no reporter draft.")] = False,
    apply_sel: Annotated[str | None, typer.Option("--apply", help="Confirm: all, 1, 1:silent, ...")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Evidence, proposals, concurrence and triage decisions (spec §6)."""
    decisions = [
        (valid, Decision.VALID),
        (invalid, Decision.INVALID),
        (not_cve_worthy, Decision.NOT_CVE_WORTHY),
        (wontfix, Decision.WONTFIX),
        (need_info is not None, Decision.NEED_INFO),
        (reopen, Decision.REOPEN),
    ]
    modes = [evidence, propose_cls is not None, concur_flag, split_scopes is not None] + [on for on, _ in decisions]
    if sum(modes) != 1:
        raise UsageError(
            "steward triage needs exactly one of --evidence, --propose CLASS, --concur, --valid, --invalid, "
            "--not-cve-worthy, --wontfix, --need-info F, --reopen, --split SCOPE[,SCOPE]."
        )
    if scope is not None and not valid:
        raise UsageError("--scope goes with --valid only.")
    if note is not None and propose_cls is None:
        raise UsageError("--note goes with --propose CLASS only.")
    if evidence:
        _evidence(tracker, config, as_json)
    elif propose_cls is not None:
        _propose(tracker, propose_cls, note, config, as_json)
    elif concur_flag:
        _concur(tracker, config, as_json)
    elif split_scopes is not None:
        _split(tracker, split_scopes, apply_sel, config, as_json)
    else:
        decision = next(d for on, d in decisions if on)
        questions = read_text_input(need_info, "--need-info") if need_info is not None else None
        chosen = confirmation(apply_sel, 1, edit_fields=("explanation",))
        if (chosen.silent or chosen.canned) and decision not in (
            Decision.INVALID,
            Decision.NOT_CVE_WORTHY,
            Decision.WONTFIX,
        ):
            raise UsageError(
                "N:silent and N:canned pick the rejection draft of --invalid, --not-cve-worthy, --wontfix."
            )
        request = DecisionRequest(
            decision,
            scope=scope,
            reason=reason,
            force=force,
            canned=chosen.canned or canned,
            silent=silent or chosen.silent,
            questions=questions,
            explanation=chosen.edit("explanation"),
        )
        application = _open(config)
        result = decide(application, tracker, request, apply=chosen.apply)
        if as_json:
            output.print_json(result.as_json())
        else:
            _print_decision(result)


def _evidence(tracker: int, config: Path | None, as_json: bool) -> None:
    pack = gather_evidence(_open(config), tracker)
    if as_json:
        output.print_json(pack.as_json())
        return
    for line in render_evidence(pack):
        output.plain(safe_terminal(line))


def _propose(tracker: int, cls: str, note: Path | None, config: Path | None, as_json: bool) -> None:
    if note is None:
        raise UsageError("--propose CLASS needs --note FILE with the proposal's summary.")
    text = read_text_input(note, "--note")
    posted = propose(_open(config), tracker, cls, text)
    if as_json:
        output.print_json({"tracker": tracker, "comment": posted.comment.id, "mentions": list(posted.mentions)})
        return
    output.plain(f"Posted triage proposal {posted.comment.id} on #{tracker}:")
    output.plain(safe_terminal(posted.comment.body))


def _concur(tracker: int, config: Path | None, as_json: bool) -> None:
    done = concur(_open(config), tracker)
    if as_json:
        output.print_json({"tracker": tracker, "proposal": done.proposal.id, "added": done.added, "note": done.note})
        return
    output.plain(f"#{tracker}: {done.note}")


def _split(tracker: int, scopes: str, apply_sel: str | None, config: Path | None, as_json: bool) -> None:
    chosen = confirmation(apply_sel, 1, edit_fields=())
    result = split(_open(config), tracker, parse_scopes(scopes), apply=chosen.apply)
    if as_json:
        output.print_json(result.as_json())
        return
    head = "Applied" if result.applied else "Proposal (nothing applied; confirm with --apply all)"
    output.plain(f"{head} for #{tracker}:")
    output.plain(f"  1. Split: anchor keeps {result.anchor_scope}; new trackers for {', '.join(result.new_scopes)}")
    if result.created:
        output.plain(f"     - created {', '.join(f'#{n}' for n in result.created)}")


@app.command()
def dedupe(
    keep: Annotated[int, typer.Argument(help="The tracker to keep.")],
    drop: Annotated[int, typer.Argument(help="The tracker to close as its duplicate.")],
    apply_sel: Annotated[str | None, typer.Option("--apply", help="Confirm: all, 1:edit reason=TEXT, ...")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Merge DROP into KEEP (spec §6.2); without --apply only the proposal is printed."""
    chosen = confirmation(apply_sel, 1, edit_fields=("reason", "summary"))
    application = _open(config)
    result = dedupe_pair(
        application, keep, drop, apply=chosen.apply, reason=chosen.edit("reason"), summary=chosen.edit("summary")
    )
    if as_json:
        output.print_json(result.as_json())
    elif result.nothing_to_do:
        output.plain(f"#{drop} is already merged into #{keep}; nothing to do.")
    else:
        head = "Applied" if result.applied else "Proposal"
        if not result.applied and not result.blockers:
            head += " (nothing applied; confirm with --apply all)"
        output.plain(f"{head}: merge #{drop} into #{keep}")
        for blocker in result.blockers:
            output.plain(f"  blocker {safe_terminal(blocker)}")
        if not result.blockers:
            output.plain("  1. kept body, duplicate + close not planned on the dropped tracker, reporter draft")
            for line in result.diff:
                output.plain(f"     - {safe_terminal(line)}")
            for note in result.notes:
                output.plain(f"     - note: {safe_terminal(note)}")
            output.plain(f"     - {result.notification}")
    if result.blockers:
        raise Refused(f"dedupe #{keep} #{drop} is blocked: {result.blockers[0]}")


@app.command()
def comment(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    body_file: Annotated[Path, typer.Option("--body-file", help="The comment text (UTF-8).")],
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """A roster member's comment on the tracker (concurrence, discussion); the command line confirms it."""
    body = read_text_input(body_file, "--body-file")
    posted = post_comment(_open(config), tracker, body)
    if as_json:
        output.print_json({"tracker": tracker, "comment": posted.id})
        return
    output.plain(f"Posted comment {posted.id} on #{tracker}.")
