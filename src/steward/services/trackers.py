"""Trackers made and relabelled by hand: `steward new` and `steward label`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from steward.app import App
from steward.domain.board import column_for
from steward.domain.fields import BodyFormatError, parse_fields, render_body
from steward.domain.lifecycle import LabelEdit, check_label_edit, created_labels
from steward.domain.roles import Column, Field
from steward.domain.rollup import notification_no_event, notification_no_reporter
from steward.domain.severity import parse_severity
from steward.domain.titles import TitleResult, normalise_title
from steward.domain.versions import parse_affected
from steward.errors import UsageError
from steward.services.facts import parse_stored, tracker_facts
from steward.services.rollup_log import write_rollup
from steward.store import TrackerRow

MAX_TITLE = 256


def parse_field_options(options: Sequence[str]) -> dict[Field, str]:
    """`--field role=value` pairs; the role is one of the eleven of spec §2.1."""
    values: dict[Field, str] = {}
    allowed = ", ".join(f.value for f in Field)
    for option in options:
        role, sep, value = option.partition("=")
        if not sep:
            raise UsageError(f"--field {option!r} needs the form role=value; roles: {allowed}.")
        try:
            field = Field(role.strip())
        except ValueError:
            raise UsageError(f"--field {role.strip()!r} is not a body-field role; use one of {allowed}.") from None
        if field in values:
            raise UsageError(f"--field {field.value} is given twice; give each role once.")
        values[field] = value.replace("\\n", "\n")
    return values


def body_from_text(text: str, source: str, headings: Mapping[Field, str]) -> dict[Field, str]:
    """Field values of a body file; bad content is a usage error naming the file (G8)."""
    try:
        parsed = parse_fields(text, headings)
    except BodyFormatError as exc:
        raise UsageError(f"{source}: {exc}") from exc
    values = dict(parsed.values)
    extra = parsed.preamble.strip()
    if extra:
        if Field.ISSUE_DESCRIPTION in values:
            raise UsageError(
                f"{source}: text before the first ### heading; move it under '### {headings[Field.ISSUE_DESCRIPTION]}'."
            )
        values[Field.ISSUE_DESCRIPTION] = extra
    return values


def check_values(app: App, values: Mapping[Field, str], source: str) -> None:
    """No writer stores an unparsable value (spec §2.4, D12)."""
    affected = values.get(Field.AFFECTED_VERSIONS)
    if affected:
        scheme = app.config.product.version_scheme
        parsed = parse_affected(affected, lambda _package: scheme)
        if parsed.errors:
            raise UsageError(f"{source}: Affected versions: {parsed.errors[0].message}")
    severity = values.get(Field.SEVERITY)
    if severity:
        result = parse_severity(severity, app.config.product.severity_scale)
        if result.errors:
            raise UsageError(f"{source}: Severity: {result.errors[0]}")


def normalised_title(app: App, title: str) -> TitleResult:
    title = " ".join(title.split())
    if not title:
        raise UsageError("--title is empty; give the tracker a descriptive title.")
    if len(title) > MAX_TITLE:
        raise UsageError(f"--title is {len(title)} characters; keep it under {MAX_TITLE}.")
    return normalise_title(title, app.patterns, app.config.product.subject_prefix_strip)


@dataclass(frozen=True)
class Created:
    tracker: TrackerRow
    title: TitleResult


def new_tracker(app: App, title: str, values: Mapping[Field, str], source: str) -> Created:
    """T2 by hand: `needs triage`, `security issue`, the default TLP label, board, rollup, audit."""
    app.member()
    cascade = normalised_title(app, title)
    final = cascade.original if cascade.over_strip else cascade.title
    check_values(app, values, source)
    try:
        body = render_body(values, app.headings)
    except BodyFormatError as exc:
        raise UsageError(f"{source}: {exc}") from exc
    labels = created_labels(app.labels, app.config.disclosure.default_tlp)
    ordered = sorted(labels, key=lambda name: (name.startswith("TLP:"), name))
    column = column_for(labels, False, None, app.labels)
    with app.store.transaction(app.slug, actor=app.identity, command="new") as tx:
        row = tx.create_tracker(final, body, ordered, column.value, app.identity)
        tx.audit(row.number, f"{row.number}:create", None, {"title": final, "body": body, "labels": ordered})
        write_rollup(
            tx,
            app,
            row.number,
            action="Created by hand",
            headline=f"Tracker created by hand as {final!r}.",
            items=[f"labels: {', '.join(ordered)}", f"board: {column.value}"],
            next_move=f"triage — @{app.identity} (steward triage {row.number} --evidence)",
            notification=notification_no_reporter("created by hand"),
        )
        row = tx.get_tracker(row.number)
    return Created(row, cascade)


@dataclass(frozen=True)
class Relabelled:
    tracker: TrackerRow
    edit: LabelEdit
    changed: bool


def edit_labels(app: App, number: int, add: Sequence[str], remove: Sequence[str]) -> Relabelled:
    """`steward label`: the lifecycle decides; a forbidden change raises Refused before anything is written."""
    app.member()
    if not add and not remove:
        raise UsageError("steward label needs --add LABEL or --remove LABEL.")
    with app.store.transaction(app.slug, actor=app.identity, command="label") as tx:
        row = tx.get_tracker(number)
        parse_stored(row, app.headings)
        facts = tracker_facts(app, row)
        edit = check_label_edit(facts, app.labels, add, remove, gate_passed=app.passes_allocation_gate())
        if edit.new_labels == facts.labels:
            return Relabelled(row, edit, changed=False)
        kept = [name for name in row.labels if name in edit.new_labels]
        ordered = kept + sorted(edit.new_labels - set(kept))
        previous = Column(row.board_column) if row.board_column in set(Column) else None
        column = column_for(edit.new_labels, not row.is_open, previous, app.labels)
        tx.update_tracker(number, labels=ordered, board_column=column.value)
        tx.audit(number, f"{number}:labels:{edit.rule}", list(row.labels), ordered)
        added = sorted(edit.new_labels - facts.labels)
        removed = sorted(facts.labels - edit.new_labels)
        change = ", ".join([f"+{a}" for a in added] + [f"-{r}" for r in removed])
        items = [f"labels {change} ({edit.rule})"]
        if column.value != row.board_column:
            items.append(f"board: {row.board_column} → {column.value}")
        write_rollup(
            tx,
            app,
            number,
            action=f"Labels ({change})",
            headline=f"Labels changed by hand under {edit.rule}.",
            items=items,
            next_move="unchanged",
            notification=notification_no_event(),
        )
        row = tx.get_tracker(number)
    return Relabelled(row, edit, changed=True)
