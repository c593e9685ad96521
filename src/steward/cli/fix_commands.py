"""`steward fix claim ID` and `steward fix link ID URL [--private]` (design §4; spec Steps 7, 9, 10)."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.intake.display import safe_terminal

fix_app = typer.Typer(help="The fix: claim it, link its PR.", no_args_is_help=True)
app.add_typer(fix_app, name="fix")


@fix_app.command("claim")
def fix_claim(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Become the tracker's assignee and remediation developer (Step 7)."""
    from steward.services.fix_commands import claim

    done = claim(open_app(config), tracker)
    if as_json:
        output.print_json(done.as_json())
        return
    output.plain(done.message)
    for item in done.items:
        output.plain(f"  {safe_terminal(item)}")


@fix_app.command("link")
def fix_link(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    url: Annotated[str, typer.Argument(help="The fix PR's URL (on tracker.upstream_repo, or private with --private).")],
    private: Annotated[
        bool, typer.Option("--private", help="A private PR (tracker repo or GHSA fork): record it with a checklist.")
    ] = False,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Link the fix PR: field, `pr created`, assignee, board, milestone, reporter draft (T8); or record a private PR."""
    from steward.services.fix_commands import link

    done = link(open_app(config), tracker, url, private=private)
    if as_json:
        output.print_json(done.as_json())
        return
    output.plain(done.message)
    for item in done.items:
        output.plain(f"  {safe_terminal(item)}")
    if done.notification:
        output.plain(done.notification)
