"""`steward import md|scan|pr`: findings files, scan reports and public PRs as numbered proposals (spec §5.14–5.16).

The commands join the `import` group of `steward import mail` when that module is loaded, so `steward import`
lists all four; the group is created here otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from steward.app import App, open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.codehost.interface import CodeHost
from steward.errors import ConfigError, UsageError
from steward.services import import_files as files
from steward.services import import_pr as prs
from steward.services.scan_checks import CommitSource
from steward.services.selector import parse_selection

try:
    from steward.cli.import_commands import import_app
except ImportError:  # pragma: no cover - the mail command is not part of this build
    import_app = typer.Typer(help="Import reports into trackers.", no_args_is_help=True)
    app.add_typer(import_app, name="import")

ApplyOpt = Annotated[
    str | None, typer.Option("--apply", help="Confirm items: all, 1,3, 2:skip, 3:bucket pr-worth ... (§5.13).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")]


def _demo_banner(kind: str) -> None:
    if kind == "demo":
        output.plain("FICTIONAL DEMO DATA — not a real project or vulnerability.")


def _propose_and_apply(
    config: Path | None,
    apply: str | None,
    propose: Callable[[App], files.FileProposal],
    *,
    as_json: bool,
    quiet: bool,
) -> None:
    """The md and scan commands: parse the selector first (exit 2 before any read), propose, apply if asked."""
    selection = parse_selection(apply) if apply is not None else None
    application = open_app(config)
    try:
        application.member()
        proposal = propose(application)
        result = files.apply_files(application, proposal, selection) if selection is not None else None
    finally:
        application.store.close()
    _show(application.config.project_kind, application.slug, proposal, result, as_json=as_json, quiet=quiet)


@import_app.command("md")
def import_md(
    file: Annotated[Path, typer.Argument(help="A findings file: '# Title' sections, '---', metadata lines.")],
    credit: Annotated[str | None, typer.Option("--credit", help="Reporter credit line for every finding.")] = None,
    apply: ApplyOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Propose one tracker per finding of a markdown findings file; --apply confirms."""
    _propose_and_apply(config, apply, lambda a: files.propose_md(a, file, credit), as_json=as_json, quiet=quiet)


def scan_code_host(application: App, clone: Path | None) -> CommitSource:
    """What `import scan --check-commits` reads: the local clone given with `--clone` (git log, offline), else
    GitHub for tracker.upstream_repo; both read-only. Tests replace this function."""
    if clone is not None:
        from steward.codehost.git_local import GitCodeHost

        if not clone.is_dir():
            raise UsageError(f"--clone {clone} is not a directory; give the path of a local clone of the upstream.")
        return GitCodeHost(clone)
    host = prs.github_code_host(application)
    if not isinstance(host, CommitSource):
        raise ConfigError(
            "import scan --check-commits needs a code host adapter that lists commits (commits_since); "
            "this build has none, so run without --check-commits or give --clone PATH."
        )
    return host


@import_app.command("scan")
def import_scan(
    file: Annotated[Path, typer.Argument(help="A SARIF 2.1.0 log or an ASVS issues.md / consolidated.md report.")],
    check_commits: Annotated[
        bool,
        typer.Option(
            "--check-commits",
            help="List upstream commits touching each finding's files since the scan commit (reads GitHub, "
            "or the --clone).",
        ),
    ] = False,
    clone: Annotated[
        Path | None,
        typer.Option("--clone", help="A local clone of the upstream to read commits from (implies --check-commits)."),
    ] = None,
    apply: ApplyOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Review scan findings one at a time; N:bucket import-as-tracker is the only way to a tracker."""

    def propose(application: App) -> files.FileProposal:
        wanted = check_commits or clone is not None
        host = scan_code_host(application, clone) if wanted else None
        return files.propose_scan(application, file, host)

    _propose_and_apply(config, apply, propose, as_json=as_json, quiet=quiet)


def _show(
    kind: str,
    slug: str,
    proposal: files.FileProposal,
    result: files.FileResult | None,
    *,
    as_json: bool,
    quiet: bool,
) -> None:
    if quiet:
        return
    if as_json:
        data = {"project": slug, **files.proposal_json(proposal)}
        if result is not None:
            data["result"] = result.as_json()
        output.print_json(data)
        return
    _demo_banner(kind)
    output.plain(files.render_md(proposal) if proposal.kind == "md" else files.render_scan(proposal))
    if result is not None:
        output.plain(files.render_result(result))


def code_host_for(application: App) -> CodeHost:
    """The code host `import pr` reads (GitHub, read-only)."""
    return prs.github_code_host(application)


@import_app.command("pr")
def import_pr(
    url: Annotated[str, typer.Argument(help="PR number, <upstream>#N or the PR's URL on tracker.upstream_repo.")],
    force: Annotated[bool, typer.Option("--force", help="Import even if a tracker already references the PR.")] = False,
    apply: ApplyOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Open a tracker from a public upstream PR (scope, fix label, milestone); never comments on the PR."""
    selection = parse_selection(apply) if apply is not None else None
    application = open_app(config)
    try:
        application.member()
        prs.parse_pr_ref(url, prs.upstream_of(application))
        proposal = prs.gather_pr(application, code_host_for(application), url, force=force)
        result = prs.apply_pr(application, proposal, selection, force=force) if selection is not None else None
    finally:
        application.store.close()
    if quiet:
        return
    if as_json:
        data = {"project": application.slug, **prs.proposal_json(proposal)}
        if selection is not None:
            data["result"] = result.as_json() if result is not None else None
        output.print_json(data)
        return
    _demo_banner(application.config.project_kind)
    output.plain(prs.render_pr(proposal))
    if selection is not None:
        if result is None:
            output.plain("Nothing selected; nothing written.")
        else:
            output.plain(f"Created #{result.tracker}: {result.title}")
