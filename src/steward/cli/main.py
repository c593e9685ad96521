"""Entry point: parse argv, run one command, turn every StewardError into one line and its exit code (G8)."""

from __future__ import annotations

import subprocess
import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer

from steward import __version__
from steward.cli import output
from steward.errors import StewardError, UsageError

app = typer.Typer(
    name="steward",
    help="Run a project's security-report handling: intake, triage, CVE, fix, release, advisory.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(help="Validate and show the project configuration.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the hash-chained audit log.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(audit_app, name="audit")

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="project.yml to use instead of the nearest .steward/project.yml.")
]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show a traceback instead of the one-line error.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _version(value: bool) -> None:
    if value:
        output.plain(f"steward {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """steward: proposes, people confirm; mail is only ever drafted."""


def git_root(start: Path) -> Path | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


# Commands live in their own modules; importing them registers them on `app`.
from steward.cli import (  # noqa: E402, F401
    advisory_commands,
    commands,
    credit_commands,
    cve_commands,
    cve_login_commands,
    drafts_commands,
    fix_commands,
    import_commands,
    import_files_commands,
    pii_commands,
    scrub_commands,
    sync_commands,
    triage_commands,
    web_commands,
)


def main(argv: list[str] | None = None) -> int:
    """Run steward with `argv`; returns the exit code instead of exiting (tests call this)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = app(args=args, prog_name="steward", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        output.error_line("aborted.")
        return 1
    except typer.TyperException as exc:
        command = " ".join(a for a in args[:2] if not a.startswith("-"))
        output.error_line(f"usage error: {exc.format_message()} (see `steward {command} --help`)".replace("  ", " "))
        return UsageError.exit_code
    except StewardError as exc:
        if debug:
            traceback.print_exc()
        output.error_line(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        output.error_line("interrupted; nothing after the last completed step was written.")
        return 1
    except Exception as exc:
        if debug:
            raise
        output.error_line(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for a traceback)")
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
