"""`steward cve json` and `steward cve validate` (record generation and strict validation)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from steward.app import open_app
from steward.cli import output
from steward.cli.main import ConfigOpt, DebugOpt, JsonOpt, app
from steward.config.loader import find_config, load_config
from steward.errors import Refused, UsageError
from steward.services import cve_records
from steward.services.effective_fields import effective_body
from steward.services.trackers import normalised_title

cve_app = typer.Typer(help="CVE records: generate, validate.", no_args_is_help=True)
app.add_typer(cve_app, name="cve")


@cve_app.command("json")
def cve_json(
    tracker: Annotated[int | None, typer.Argument(help="Tracker number (or use --body-file).")] = None,
    body_file: Annotated[Path | None, typer.Option("--body-file", help="A tracker body, outside a tracker.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="The title, with --body-file.")] = None,
    cve_id: Annotated[str | None, typer.Option("--cve-id", help="The CVE id, when the body has none.")] = None,
    advisory_url: Annotated[str | None, typer.Option("--advisory-url", help="The public advisory URL.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the validated record here (strict).")] = None,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Print (or, strictly, write) the CVE JSON 5.x record the tracker's fields describe."""
    if (tracker is None) == (body_file is None):
        raise UsageError("steward cve json needs a tracker number or --body-file FILE --title TITLE, not both.")
    if body_file is not None:
        if not title:
            raise UsageError("--body-file needs --title TITLE.")
        loaded = load_config(find_config(Path.cwd(), config))
        if cve_id:
            cve_records.check_cve_id(cve_id, loaded.config)
        from steward.config.patterns_for import patterns_for
        from steward.domain.titles import normalise_title

        cascade = normalise_title(title, patterns_for(loaded.config), loaded.config.product.subject_prefix_strip)
        final = cascade.original if cascade.over_strip else cascade.title
        headings = loaded.config.tracker.body_fields.as_map()
        built = cve_records.from_body_file(
            body_file, title=final, cve_id=cve_id, advisory_url=advisory_url, config=loaded.config, headings=headings
        )
        where = f"--body-file {body_file}"
    else:
        application = open_app(config)
        application.member()
        if cve_id:
            cve_records.check_cve_id(cve_id, application.config)
        with application.store.read(application.slug) as reader:
            row = reader.get_tracker(tracker or 0)
            comments = reader.list_comments(row.number)
        final = normalised_title(application, row.title).title
        built = cve_records.from_tracker(
            row.number,
            body=effective_body(application, row, comments),
            title=final,
            labels=row.labels,
            milestone=row.milestone,
            cve_id=cve_id or row.cve_id,
            advisory_url=advisory_url,
            config=application.config,
            headings=application.headings,
        )
        where = f"tracker #{row.number}"
    if out is not None:
        cve_records.write_out(built, out, where)
        output.plain(f"Wrote {out} (state {built.generated.state}, {len(built.generated.gaps)} gap(s)).")
    else:
        output.out.file.write(built.generated.json_text)
    for gap in built.generated.gaps:
        output.error_line(f"gap: {gap}")
    for warning in built.generated.warnings:
        output.error_line(f"warning: {warning}")


@cve_app.command("validate")
def cve_validate(
    files: Annotated[list[Path], typer.Argument(help="CVE JSON 5.x record files.")],
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Validate records against the bundled official schema; every error with its JSON path."""
    reports = cve_records.validate_files(files)
    if as_json:
        output.print_json(
            [
                {
                    "file": r.path,
                    "valid": not r.errors and r.unreadable is None,
                    "unreadable": r.unreadable,
                    "errors": [{"path": e.path, "rule": e.rule, "message": e.message} for e in r.errors],
                }
                for r in reports
            ]
        )
    else:
        for report in reports:
            if report.unreadable:
                output.plain(f"{report.path}: {report.unreadable}")
            elif not report.errors:
                output.plain(f"{report.path}: valid")
            for error in report.errors:
                output.plain(f"{report.path}: {error.path}: {error.rule}: {error.message}")
    unreadable = [r for r in reports if r.unreadable]
    if unreadable:
        raise UsageError(f"{unreadable[0].path} {unreadable[0].unreadable}; pass CVE JSON files.")
    invalid = [r for r in reports if r.errors]
    if invalid:
        first = invalid[0]
        raise Refused(
            f"{len(invalid)} of {len(reports)} file(s) do not validate; first: {first.path}: {first.errors[0].path}: "
            f"{first.errors[0].rule}."
        )


@cve_app.command("allocate")
def cve_allocate(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    cve_id: Annotated[str | None, typer.Option("--cve-id", help="Wire an id allocated elsewhere.")] = None,
    no_sync: Annotated[bool, typer.Option("--no-sync", help="Do not run sync on the tracker afterwards.")] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Allocate a CVE (or wire one) for a valid tracker: gate, blockers, field, label, JSON block, draft."""
    from steward.services import cve_allocation

    done = cve_allocation.allocate(open_app(config), tracker, cve_id)
    if done.title.changed:
        output.plain(f"title: {done.title.original!r} → {done.title.title!r}")
    if done.manual is not None:
        output.plain(str(done.manual))
        if done.manual.text:
            output.plain(done.manual.text)
        output.plain(f"Then wire the id: steward cve allocate {tracker} --cve-id CVE-YYYY-NNNN")
        return
    if done.pending is not None:
        output.plain(f"Allocation requested ({done.pending.ref}); wire the id later with --cve-id.")
        return
    output.plain(f"#{tracker}: {done.cve_id} allocated.")
    if done.push_note:
        output.plain(done.push_note)
    if done.notification:
        output.plain(done.notification)
    output.plain(f"next: steward sync {tracker}" if not no_sync else "sync skipped (--no-sync).")


@cve_app.command("push")
def cve_push(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    allow_product_change: Annotated[
        bool, typer.Option("--allow-product-change", help="Let the push change affected products.")
    ] = False,
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Regenerate the record, validate it strictly and push it (never public, never a lower state)."""
    from steward.services import cve_allocation

    output.plain(cve_allocation.push(open_app(config), tracker, allow_product_change=allow_product_change))


@cve_app.command("publish")
def cve_publish(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Make the record public (needs a vendor-advisory reference)."""
    from steward.services import cve_allocation

    output.plain(cve_allocation.publish(open_app(config), tracker))


@cve_app.command("retract")
def cve_retract(
    tracker: Annotated[int, typer.Argument(help="Tracker number.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the record is retracted.")] = "",
    config: ConfigOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Retract a non-public record (governance gate)."""
    from steward.services import cve_allocation

    output.plain(cve_allocation.retract(open_app(config), tracker, reason))
