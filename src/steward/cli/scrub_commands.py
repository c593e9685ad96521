"""`steward scrub check (--text FILE | --git-range A..B) [--allow PATTERN-ID --reason T] [--json]` (spec §10.2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.errors import Refused, UsageError
from steward.intake.display import safe_terminal
from steward.services import scrub_command as service

scrub_app = typer.Typer(
    help="Check public text for embargoed words before it leaves (spec §10.2).", no_args_is_help=True
)
app.add_typer(scrub_app, name="scrub")


def _describe(hit: service.LocatedHit) -> str:
    where = hit.target.where
    shown = safe_terminal(hit.hit.text, max_chars=80).replace("\n", " ")
    return f"{where}: {hit.hit.pattern_id} at offset {hit.hit.offset}: {shown!r}"


@scrub_app.command("check")
def check(
    text: Annotated[Path | None, typer.Option("--text", help="A file of public text (PR body, release notes).")] = None,
    git_range: Annotated[
        str | None, typer.Option("--git-range", help="A..B: the commit messages and branch name to check.")
    ] = None,
    allow: Annotated[str | None, typer.Option("--allow", help="Lift one pattern id for this run (audited).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the lifted pattern may be published.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Exit 3 naming every hit's pattern id and offset; exit 0 when the text is clean."""
    if (text is None) == (git_range is None):
        raise UsageError("scrub check needs exactly one of --text FILE or --git-range A..B.")
    service.check_allow(allow, reason)
    application = open_app(config)
    application.member()
    if text is not None:
        targets = service.text_targets(text)
        checked = f"--text {text}"
    else:
        assert git_range is not None
        targets = service.git_targets(Path.cwd(), git_range)
        checked = f"--git-range {git_range}"
    report = service.run_scrub(service.scrub_context(application), targets, allow)
    if allow is not None and reason is not None:
        service.audit_allow(application, report, reason, checked)
    if as_json:
        output.print_json(report.as_json())
    else:
        for hit in report.hits:
            output.plain(_describe(hit))
        if report.allowed is not None:
            output.plain(f"lifted {report.allowed} for this run ({len(report.lifted)} hit(s)); the lift is audited.")
        if not report.hits:
            output.plain(f"scrub ok: {len(report.targets)} text(s) checked, no hits.")
    if report.hits:
        first = report.hits[0]
        commit = f" in commit {first.target.commit}" if first.target.commit else f" in {first.target.where}"
        raise Refused(
            f"scrub check found {len(report.hits)} hit(s), first {first.hit.pattern_id} at offset "
            f"{first.hit.offset}{commit}; reword the text, or rerun with --allow {first.hit.pattern_id} "
            "--reason TEXT if it is cleared for publication."
        )
