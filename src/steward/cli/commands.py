"""The foundation commands: init, config check, new, list, show, label, audit verify, demo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from steward.app import App, open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app, audit_app, config_app, git_root
from steward.config.check import check_config
from steward.config.loader import find_config, load_config, resolved_items
from steward.errors import ConfigError, UsageError
from steward.identity import acting_identity
from steward.intake.display import safe_terminal
from steward.services import views
from steward.services.audit_check import verify
from steward.services.project_init import init_project
from steward.services.trackers import body_from_text, edit_labels, new_tracker, parse_field_options
from steward.textfiles import read_text_input


def _open(config: Path | None) -> App:
    return open_app(config)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to create .steward/ (default: here).")] = Path(),
    profile: Annotated[str, typer.Option(help="Organisation profile: asf or independent.")] = "independent",
    name: Annotated[str | None, typer.Option(help="Project name (default: the directory name).")] = None,
    security_list: Annotated[str | None, typer.Option("--security-list", help="The private security address.")] = None,
    identity: Annotated[str | None, typer.Option(help="Your roster handle (default: your login name).")] = None,
    debug: DebugOpt = False,
) -> None:
    """Create .steward/project.yml, the store and the private folders; put you on the roster."""
    if profile not in ("asf", "independent"):
        raise UsageError(f"--profile {profile!r} is not a profile; use asf or independent.")
    handle = (identity or acting_identity()).removeprefix("@")
    done = init_project(directory, profile=profile, name=name, security_list=security_list, identity=handle)
    output.plain(f"Initialised {done.config_path} (store: {done.store_url}).")
    if done.user_file:
        output.plain(f"Wrote {done.user_file} with identity: {handle}.")
    loaded = load_config(done.config_path)
    report = check_config(loaded, git_root(done.root))
    for warning in report.warnings:
        output.plain(f"warning: {warning}")
    output.plain("Next: replace the TODO placeholders, then `steward config check`.")


@config_app.command("check")
def config_check(
    config: ConfigOpt = None,
    show: Annotated[bool, typer.Option("--show", help="Print every resolved key with its layer.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Validate project.yml: errors exit 2, placeholders are warnings."""
    loaded = load_config(find_config(Path.cwd(), config))
    report = check_config(loaded, git_root(loaded.root))
    if show:
        table = Table("key", "value", "layer", box=None, show_header=True)
        for key, value, layer in resolved_items(loaded):
            table.add_row(key, safe_terminal(repr(value) if not isinstance(value, str) else value), layer)
        output.out.print(table)
    for warning in report.warnings:
        output.plain(f"warning: {warning}")
    if report.errors:
        for error in report.errors[1:]:
            output.error_line(f"error: {error}")
        raise ConfigError(report.errors[0])
    output.plain(f"{loaded.path}: ok ({len(report.warnings)} warning(s)).")


@app.command()
def new(
    title: Annotated[str, typer.Option("--title", help="Tracker title (normalised by the title cascade).")],
    body_file: Annotated[Path | None, typer.Option("--body-file", help="A body of ### Field sections.")] = None,
    field: Annotated[list[str] | None, typer.Option("--field", help="role=value, e.g. severity=high.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Create a tracker by hand: needs triage, security issue and the default TLP label."""
    if body_file is not None and field:
        raise UsageError("use either --body-file or --field, not both.")
    if body_file is None and not field:
        raise UsageError("steward new needs --body-file FILE or at least one --field role=value.")
    application = _open(config)
    if body_file is not None:
        values = body_from_text(read_text_input(body_file, "--body-file"), str(body_file), application.headings)
        source = str(body_file)
    else:
        values = parse_field_options(field or [])
        source = "--field"
    created = new_tracker(application, title, values, source)
    if as_json:
        output.print_json(views.summary(application, created.tracker))
        return
    if created.title.changed and not created.title.over_strip:
        output.plain(f"title: {created.title.original!r} → {created.title.title!r}")
    for warning in created.title.warnings:
        output.plain(f"warning: {warning}")
    output.plain(f"Created #{created.tracker.number}: {safe_terminal(created.tracker.title)}")


@app.command("list")
def list_cmd(
    label: Annotated[str | None, typer.Option("--label", help="Only trackers with this label.")] = None,
    state: Annotated[str | None, typer.Option("--state", help="Only trackers in this state id.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List trackers with their state, labels and board column."""
    wanted = views.parse_state(state)
    application = _open(config)
    application.member()
    rows = views.list_trackers(application, label, wanted)
    if as_json:
        output.print_json({"project": application.slug, "trackers": [views.summary(application, r) for r in rows]})
        return
    if application.config.project_kind == "demo":
        output.plain("FICTIONAL DEMO DATA — not a real project or vulnerability.")
    output.plain(f"{'#':>4}  {'state':<26} {'CVE':<16} title")
    for row in rows:
        item = views.summary(application, row)
        shown = item["state"] + (" (unclaimed)" if item["unclaimed"] else "")
        output.plain(f"{row.number:>4}  {shown:<26} {row.cve_id or '-':<16} {safe_terminal(row.title, max_chars=90)}")
    output.plain(f"{len(rows)} tracker(s).")


@app.command()
def show(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show one tracker: fields, labels, state, step and comments."""
    application = _open(config)
    application.member()
    with application.store.read(application.slug) as reader:
        row = reader.get_tracker(tracker)
        comments = reader.list_comments(tracker)
    item = views.detail(application, row, comments)
    if as_json:
        output.print_json(item)
        return
    output.plain(f"#{row.number} {safe_terminal(row.title)}")
    output.plain(f"state: {item['state']}   step: {item['step']}   column: {row.board_column}")
    output.plain(f"labels: {safe_terminal(', '.join(row.labels))}")
    if row.cve_id:
        output.plain(f"CVE: {row.cve_id}")
    for violation in item["violations"]:
        output.plain(f"drift: {violation['rule']}: {violation['message']}")
    output.plain("")
    output.plain(safe_terminal(row.body))
    for comment in comments:
        output.plain(f"--- comment {comment.id} by @{comment.author}")
        output.plain(safe_terminal(comment.body))


@app.command()
def label(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    add: Annotated[list[str] | None, typer.Option("--add", help="Label to add.")] = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", help="Label to remove.")] = None,
    as_json: JsonOpt = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Change labels within the lifecycle's rules; a forbidden change exits 3 naming the rule."""
    application = _open(config)
    done = edit_labels(application, tracker, add or [], remove or [])
    if as_json:
        output.print_json(views.summary(application, done.tracker))
        return
    if not done.changed:
        output.plain(f"#{tracker}: nothing to change.")
        return
    output.plain(f"#{tracker}: labels now {safe_terminal(', '.join(done.tracker.labels))} ({done.edit.rule}).")


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False, config: ConfigOpt = None, debug: DebugOpt = False) -> None:
    """Recompute the audit chain and the rollups' audit lines; name the first broken event."""
    application = _open(config)
    report = verify(application)
    if as_json:
        output.print_json(report.as_json())
    elif report.ok:
        output.plain(f"audit log ok: {report.checked} event(s), {report.rollup_lines} rollup line(s) checked.")
    if not report.ok:
        raise report.refusal()


@app.command()
def demo(
    directory: Annotated[Path, typer.Option("--dir", help="Where to build the demo project.")] = Path("demo"),
    debug: DebugOpt = False,
) -> None:
    """Build the bundled fictional adopter, take it through the lifecycle, and list it."""
    from steward.demo.build import build_demo

    root = build_demo(directory, identity=acting_identity())
    output.plain(f"Built the fictional demo project in {root}.")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        list_cmd(label=None, state=None, as_json=False, config=None, debug=False)
    finally:
        os.chdir(cwd)
