"""`steward pii add TYPE VALUE` (spec §10.4): prints the id only, never a stored value."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.services.pii_add import add_pii

pii_app = typer.Typer(help="Third-party personal data the redaction must replace (spec §10.4).", no_args_is_help=True)
app.add_typer(pii_app, name="pii")


@pii_app.command("add")
def add(
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="N (name), H (handle) or A (postal address).")],
    value: Annotated[str, typer.Argument(help="The value to redact from now on, quoted if it has spaces.")],
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List a name, handle or address; stored text gets its `<CODE>-<hex>` id from the next import on."""
    done = add_pii(open_app(config), type_, value)
    if as_json:
        output.print_json({"id": done.id, "type": done.type, "written": done.written})
    elif done.written:
        output.plain(f"Added {done.id} to the PII mapping.")
    else:
        output.plain(f"{done.id} is already in the PII mapping; nothing written.")
