"""`steward drafts [list | show ID] [--json]`: what steward drafted and where each draft stands (spec §9.3)."""

from __future__ import annotations

from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.errors import UsageError
from steward.intake.display import safe_terminal
from steward.services import drafts_view
from steward.services.reporter_drafts import draft_sink


@app.command()
def drafts(
    action: Annotated[str, typer.Argument(metavar="[list|show]", help="list (default) or show.")] = "list",
    draft_id: Annotated[
        str | None, typer.Argument(metavar="[ID]", help="With show: the draft's key or a prefix.")
    ] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List the drafts steward wrote with their state, or show one; steward never sends them."""
    if action not in ("list", "show"):
        raise UsageError(f"`steward drafts {action}` is not a subcommand; use `drafts list` or `drafts show ID`.")
    if action == "list" and draft_id is not None:
        raise UsageError("`steward drafts list` takes no ID; use `steward drafts show ID` for one draft.")
    if action == "show" and draft_id is None:
        raise UsageError("`steward drafts show` needs the draft's ID (its key, or a prefix from `drafts list`).")
    application = open_app(config)
    application.member()
    sink = draft_sink(application)
    if draft_id is not None:
        _show(drafts_view.show_draft(application, sink, draft_id), as_json)
        return
    views = drafts_view.list_drafts(application, sink)
    if as_json:
        output.print_json({"project": application.slug, "drafts": [v.as_json() for v in views]})
        return
    output.plain(f"{'key':<12} {'tracker':>7}  {'template':<30} {'state':<20} to / subject")
    for view in views:
        tracker = f"#{view.tracker}" if view.tracker is not None else "-"
        addressing = f"{view.to} / {view.subject}" if view.to or view.subject else "-"
        output.plain(
            f"{view.key[:12]:<12} {tracker:>7}  {view.template or '-':<30} {view.state:<20} "
            f"{safe_terminal(addressing, max_chars=100)}"
        )
    output.plain(f"{len(views)} draft(s).")


def _show(detail: drafts_view.DraftDetail, as_json: bool) -> None:
    view = detail.view
    if as_json:
        headers = {name: safe_terminal(value) for name, value in detail.headers}
        body = None if detail.body is None else safe_terminal(detail.body)
        output.print_json({**view.as_json(), "headers": headers, "body": body})
        return
    tracker = f"#{view.tracker}" if view.tracker is not None else "-"
    output.plain(f"draft {view.key}  tracker {tracker}  template {view.template or '-'}  state {view.state}")
    if detail.body is None:
        output.plain("The drafts folder does not hold this draft, so there are no headers or body to show.")
        return
    for name, value in detail.headers:
        output.plain(f"{name}: {safe_terminal(value)}")
    output.plain("")
    output.plain(safe_terminal(detail.body))
