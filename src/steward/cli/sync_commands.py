"""`steward sync` (spec §8): print the reconciliation proposal; `--apply SEL` applies the confirmed items."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.app import App, open_app
from steward.archive.interface import MailArchive
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.codehost.interface import CodeHost
from steward.cveorg.client import CveOrgClient
from steward.intake.display import safe_terminal
from steward.services.sync_run import SyncRequest, SyncResult, sync
from steward.sync.release_facts import RegistryFactory


def sync_code_host(application: App) -> CodeHost | None:
    """The read-only code host for PR facts (S2-S4); None when it cannot be built. Tests replace this function."""
    from steward.errors import StewardError
    from steward.services.import_pr import github_code_host

    if application.config.project_kind == "demo":
        return None  # the demo's PR URLs are fictional; never contact a code host for them
    try:
        return github_code_host(application)
    except StewardError:
        return None


def sync_registries(application: App) -> RegistryFactory | None:
    """`registry_for` per scope kind (§8.6); None for the demo, whose packages are fictional. Tests replace this."""
    if application.config.project_kind == "demo":
        return None
    from steward.registry.registry import registry_for

    return registry_for


def sync_cve_org(application: App) -> CveOrgClient | None:
    """The cve.org client for the §8.8 publication check; None for the demo, whose CVE ids are fictional."""
    if application.config.project_kind == "demo":
        return None
    return CveOrgClient()


def sync_archive(application: App) -> MailArchive:
    """The configured archive for the §8.8 trigger (the demo's is `none`); a misconfigured one is a config error
    worth stopping for, since a silent skip would leave every released tracker waiting. Tests replace this."""
    from steward.archive.registry import archive_for

    config = application.config
    lists = [config.lists.dev, config.lists.private]
    return archive_for(config.archive_system, root=application.loaded.root, lists=lists)


def render(result: SyncResult) -> str:
    proposal = result.proposal
    lines: list[str] = []
    if proposal.skipped:
        lines.append("Pre-flight skipped:")
        lines += [f"  #{s.tracker}: {safe_terminal(s.reason)}" for s in proposal.skipped]
    for title, cve in (("Non-CVE-affecting:", False), ("CVE-affecting:", True)):
        bucket = proposal.bucket(cve)
        if bucket:
            lines.append(title)
            lines += [f"  {ref}  #{i.tracker} {i.rule}: {safe_terminal(i.summary)}" for ref, i in bucket]
    for section in proposal.sections:
        lines += [f"  note #{section.tracker}: {safe_terminal(n)}" for n in section.notes]
    if proposal.empty:
        lines.append("Nothing to sync.")
    elif not result.applied and not result.closeouts:
        lines.append("Nothing applied; confirm with --apply all, --apply N, --apply N:M[,M] or --apply N:skip.")
    for done in result.applied:
        lines.append(f"Applied to #{done.tracker}: {len(done.keys)} item(s)")
        lines += [f"  - {safe_terminal(n)}" for n in done.notes]
    for closing in result.closeouts:
        state = "completed" if closing.completed else f"stopped: {closing.stopped}"
        lines.append(f"Close-out #{closing.tracker}: {safe_terminal(state)}")
        lines += [f"  - {safe_terminal(s)}" for s in closing.steps]
    return "\n".join(lines)


@app.command("sync")
def sync_command(
    trackers: Annotated[list[str] | None, typer.Argument(help="Tracker numbers, ranges N-M or CVE ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Open trackers and recently announced closed ones.")] = False,
    open_: Annotated[bool, typer.Option("--open", help="Every open tracker.")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Every closed tracker.")] = False,
    label: Annotated[str | None, typer.Option("--label", help="Trackers carrying label L.")] = None,
    advisory_url: Annotated[
        str | None, typer.Option("--advisory-url", help="The archived advisory of one tracker (§8.8 close-out).")
    ] = None,
    released: Annotated[
        str | None, typer.Option("--released", help="Operator fact: VERSION is released (§8.6).")
    ] = None,
    no_preflight: Annotated[bool, typer.Option("--no-preflight", help="Disable the --all classifier.")] = False,
    apply_sel: Annotated[str | None, typer.Option("--apply", help="Confirm: all, N, N:M[,M], N:skip, cancel.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Reconcile trackers with their facts (spec §8): propose, and apply what --apply confirms."""
    application = open_app(config)
    try:
        request = SyncRequest(
            ids=tuple(trackers or ()),
            all=all_,
            open=open_,
            closed=closed,
            label=label,
            advisory_url=advisory_url,
            released=released,
            preflight=not no_preflight,
            apply=apply_sel,
        )
        result = sync(
            application,
            request,
            sync_code_host(application),
            sync_registries(application),
            sync_cve_org(application),
            archive=sync_archive(application),
        )
    finally:
        application.store.close()
    if as_json:
        output.print_json(result.as_json())
        return
    if application.config.project_kind == "demo":
        output.plain("FICTIONAL DEMO DATA — not a real project or vulnerability.")
    output.plain(render(result))
