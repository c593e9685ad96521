"""`steward serve` (the private web UI) and `steward dashboard` (a private static snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, app, git_root
from steward.errors import ConfigError, Refused, UsageError
from steward.web.security import is_loopback_host


def refuse_remote(host: str, allow_remote: bool) -> None:
    """Spec §10: the UI shows embargoed reports and has no login yet, so it stays on loopback unless asked."""
    if allow_remote or is_loopback_host(host):
        return
    raise Refused(
        f"--host {host} is not a loopback address: the web UI shows embargoed reports and has no login yet, so "
        "anyone who can reach the port could read them; use --host 127.0.0.1 (and an SSH tunnel for remote "
        "access), or pass --allow-remote behind an authenticating proxy."
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind; loopback only unless --allow-remote.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Bind a non-loopback address (only behind an authenticating proxy).")
    ] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the read-only web UI (tracker list, trackers, drafts, audit) on loopback."""
    refuse_remote(host, allow_remote)
    try:
        import uvicorn

        from steward.web.app import create_app
    except ImportError as exc:
        raise ConfigError(
            f"steward serve needs FastAPI and uvicorn ({exc.name} is missing); install them with "
            "pip install 'steward[web]'."
        ) from None

    api = create_app(config, hosts=["*"] if allow_remote else ())
    output.plain(
        f"steward web UI on http://{host}:{port}/ (Ctrl-C stops it); it shows embargoed data, keep it private."
    )
    uvicorn.run(api, host=host, port=port, log_level="warning" if not debug else "debug", server_header=False)


@app.command()
def dashboard(
    out: Annotated[Path, typer.Option("--out", help="The HTML file to write (owner-only, 0600).")],
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Write one self-contained HTML snapshot: counts per state, unclaimed, oldest open, time-to-ack."""
    from steward.web.dashboard import write_dashboard

    target = out.expanduser()
    if target.is_dir():
        raise UsageError(f"--out {out} is a directory; name the HTML file to write, e.g. --out {out}/dashboard.html.")
    if not target.parent.is_dir():
        raise UsageError(f"--out {out}: the folder {target.parent} does not exist; create it or pick another path.")
    application = open_app(config)
    try:
        application.member()
        board = write_dashboard(application, target)
    finally:
        application.store.close()
    output.plain(
        f"Wrote {target} (0600): {board.total} trackers, {board.open_count} open, {len(board.unclaimed)} unclaimed."
    )
    repo = git_root(target.parent.resolve())
    if repo is not None:
        output.plain(
            f"warning: {target} is inside the git work tree {repo}; it lists embargoed reports, keep it out of commits."
        )
