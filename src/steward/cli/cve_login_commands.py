"""`steward cve login`: fetch a Vulnogram token through the browser and keep it in the keyring (§7.3, design §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.cli import output
from steward.cli.cve_commands import cve_app
from steward.cli.main import ConfigOpt, DebugOpt
from steward.cna import vulnogram_login
from steward.config.loader import find_config, load_config


@cve_app.command("login")
def cve_login(
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL to open (on another machine's browser).")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1.0, help="Seconds to wait for the browser to come back.")
    ] = vulnogram_login.DEFAULT_TIMEOUT,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Authorize steward at the Vulnogram instance (loopback OAuth with PKCE) and store the token in the keyring."""
    loaded = load_config(find_config(Path.cwd(), config))
    settings = vulnogram_login.settings_from(loaded.config)
    store = vulnogram_login.keyring_store()
    result = vulnogram_login.login(
        settings,
        store=store,
        say=output.plain,
        open_browser=None if no_browser else vulnogram_login.open_in_browser,
        timeout=timeout,
    )
    output.plain(f"Stored the Vulnogram token under {result.ref} (scopes {', '.join(sorted(result.scopes))}).")
    if not result.configured:
        output.plain(f"Put this in {loaded.path} under cve_authority.vulnogram: token: {result.ref}")
