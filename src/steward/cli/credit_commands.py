"""`steward credit ID (--set|--add|--remove) LINE` (design §4; spec §8.11, Step 16)."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.intake.display import safe_terminal


@app.command("credit")
def credit(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    set_: Annotated[str | None, typer.Option("--set", help="Replace every reporter credit with LINE.")] = None,
    add: Annotated[str | None, typer.Option("--add", help="Add LINE to the reporter credits.")] = None,
    remove: Annotated[str | None, typer.Option("--remove", help="Remove LINE from the reporter credits.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Correct the reporter credit: the field while open, a correction comment once closed (§8.11)."""
    from steward.services.credit_correction import correct, parse_op

    op, line = parse_op(set_, add, remove)
    done = correct(open_app(config), tracker, op, line)
    if as_json:
        output.print_json(done.as_json())
        return
    output.plain(safe_terminal(done.message))
    for item in done.items:
        output.plain(f"  {safe_terminal(item)}")
    if done.notification:
        output.plain(done.notification)
