"""`steward import mail`: the numbered intake proposal, and `--apply SEL` to confirm it (spec §5, G1)."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from steward.app import App, open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.codehost.interface import CodeHost
from steward.services import import_mail as service
from steward.services import import_mail_apply as applying
from steward.services import import_mail_render as render
from steward.services import import_window as windows
from steward.services.import_pr import github_code_host
from steward.services.selector import parse_selection

import_app = typer.Typer(
    help="Import reports into trackers: mail, markdown findings, scans, public PRs.", no_args_is_help=True
)
app.add_typer(import_app, name="import")

PROGRESS_AFTER = 1.0
"""Seconds an import runs before a progress bar appears (a short run never flickers one)."""


class ProgressBar:
    """A Rich bar on stderr, started only once the import has run `PROGRESS_AFTER` seconds, and only on a TTY."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and output.err.is_terminal
        self.started = time.monotonic()
        self.bar: Progress | None = None
        self.tasks: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.started < PROGRESS_AFTER:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=output.err,
                transient=True,
            )
            self.bar.start()
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=total)
        self.bar.update(self.tasks[phase], completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _stream_dry_run(
    application: App,
    source: str | None,
    chosen: windows.Window,
    bar: ProgressBar,
    *,
    as_json: bool,
    code_host: CodeHost | None,
) -> None:
    """A dry run writes the proposal as it is built, so memory follows the mailbox's headers, not its items."""
    label, mail = windows.source_for(application, source)
    write = output.out.file.write
    if as_json:
        stream: render.ProposalStream = render.JsonStream(write)
    else:
        if application.config.project_kind == "demo":
            output.plain("FICTIONAL DEMO DATA — not a real project or vulnerability.")
        stream = render.TextStream(write)
    proposal = service.gather(application, mail, label, chosen, bar, stream=stream, code_host=code_host)
    bar.close()
    stream.finish(proposal, {"project": application.slug} if as_json else None)


def mail_code_host(application: App) -> CodeHost:
    """The read-only GitHub code host for `--check-prs`; tests replace this function."""
    return github_code_host(application)


@import_app.command("mail")
def import_mail(
    source: Annotated[
        str | None, typer.Option("--source", help="mbox:PATH or maildir:PATH (default: mail_provider.source_uri).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Threads active since YYYY-MM-DD.")] = None,
    last: Annotated[str | None, typer.Option("--last", help="Threads active in the last Nd, e.g. 30d.")] = None,
    window: Annotated[bool, typer.Option("--window", help="Threads active within disclosure.window_days.")] = False,
    thread: Annotated[str | None, typer.Option("--thread", help="Only the thread holding this Message-ID.")] = None,
    apply: Annotated[
        str | None, typer.Option("--apply", help="Confirm items: all, 1,3, 2:skip, ... (spec §5.13 grammar).")
    ] = None,
    check_prs: Annotated[
        bool,
        typer.Option("--check-prs", help="Search <upstream> PRs for a public fix (§5.6; sends report keywords)."),
    ] = False,
    as_json: JsonOpt = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print nothing but errors.")] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Propose trackers, links, comments and rejections for new security-list mail; --apply confirms."""
    selection = parse_selection(apply) if apply is not None else None
    application = open_app(config)
    bar = ProgressBar(enabled=not (quiet or as_json))
    try:
        application.member()
        chosen = windows.choose_window(application, since=since, last=last, window=window, thread=thread)
        host = mail_code_host(application) if check_prs else None
        if selection is None and not quiet:
            _stream_dry_run(application, source, chosen, bar, as_json=as_json, code_host=host)
            return
        proposal, result = service.run_import(
            application, source=source, window=chosen, apply=selection, progress=bar, code_host=host
        )
    finally:
        bar.close()
        application.store.close()
    if quiet:
        return
    if as_json:
        data = {"project": application.slug, **render.proposal_json(proposal)}
        if result is not None:
            data["result"] = result.as_json()
        output.print_json(data)
        return
    if application.config.project_kind == "demo":
        output.plain("FICTIONAL DEMO DATA — not a real project or vulnerability.")
    output.plain(render.render_import(proposal))
    if result is not None:
        output.plain(applying.render_result(result))
