"""`steward advisory ID --format email|spec11|osv|csaf` (renders; never sends)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, app
from steward.errors import Refused, UsageError
from steward.services.advisory import render_for_tracker

FORMATS = ("email", "spec11", "osv", "csaf")


@app.command()
def advisory(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    fmt: Annotated[str, typer.Option("--format", help="email, spec11, osv or csaf.")] = "email",
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of printing.")] = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Render the advisory texts of a tracker from its CVE record; steward never sends them."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is not a format; use one of {', '.join(FORMATS)}.")
    done = render_for_tracker(open_app(config), tracker, fmt)
    rendered = done.rendered
    if rendered.errors:
        first = rendered.errors[0]
        raise Refused(
            f"tracker #{tracker}: the {fmt} document does not validate: {first.path}: {first.rule}: {first.message}; "
            "fill the fields the record needs and render again."
        )
    text = (f"Subject: {rendered.subject}\n\n" if rendered.subject else "") + rendered.text
    if out is not None:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        output.plain(f"Wrote {out} ({rendered.media_type}).")
    else:
        output.out.file.write(text if text.endswith("\n") else text + "\n")
    for warning in done.warnings:
        output.error_line(f"warning: {warning}")
