"""`steward cve json` and `cve validate`: the record from a tracker or a body file, strict where it leaves steward."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from steward import ids
from steward.config.model import ProjectConfig
from steward.domain.credits import parse_credits
from steward.domain.fields import BodyFormatError, field_value, parse_fields
from steward.domain.roles import Field
from steward.domain.versions import NEXT, parse_affected, render_line
from steward.errors import BadStoredContent, Refused, UsageError
from steward.records.cve_json import GeneratedRecord, generate
from steward.records.inputs import RecordInput
from steward.records.settings_for import settings_for
from steward.records.validate import SchemaError, validate_record

DEMO_PREFIX = "CVE-2099-"


def check_cve_id(value: str, config: ProjectConfig) -> str:
    """G7 validation, and no demo id outside a demo project (§7.3)."""
    if not ids.is_cve(value):
        raise UsageError(f"--cve-id {value!r} is not a CVE id; use the form CVE-YYYY-NNNN (upper case).")
    if value.startswith(DEMO_PREFIX) and config.project_kind != "demo":
        raise Refused(
            f"{value} is a fictional demo id; project {config.project} is not a demo (project_kind: real), "
            "so it refuses every CVE-2099- id."
        )
    return value


@dataclass(frozen=True)
class Built:
    generated: GeneratedRecord
    schema_errors: tuple[SchemaError, ...]
    version_errors: tuple[str, ...]

    @property
    def strict_refusal(self) -> str | None:
        """Why the record may not leave steward, or None (§2.7: strict where it leaves)."""
        if self.version_errors:
            return self.version_errors[0]
        if self.schema_errors:
            first = self.schema_errors[0]
            return f"the record does not validate: {first.path}: {first.rule}: {first.message}"
        return None


def _version_errors(fields: Mapping[Field, str], config: ProjectConfig) -> tuple[str, ...]:
    value = fields.get(Field.AFFECTED_VERSIONS)
    if not value:
        return ()
    scheme = config.product.version_scheme
    parsed = parse_affected(value, lambda _package: scheme)
    errors = [f"Affected versions: {e.message}" for e in parsed.errors]
    errors += [
        f"Affected versions line {line.source_line} ({render_line(line)}) still has the NEXT VERSION bound; "
        "set the fix version first"
        for line in parsed.lines
        if line.upper is NEXT
    ]
    return tuple(errors)


def build(r: RecordInput, config: ProjectConfig) -> Built:
    generated = generate(r, settings_for(config))
    return Built(generated, tuple(validate_record(generated.record)), _version_errors(r.fields, config))


def from_body_file(
    path: Path,
    *,
    title: str,
    cve_id: str | None,
    advisory_url: str | None,
    config: ProjectConfig,
    headings: Mapping[Field, str],
) -> Built:
    """The standalone form: bad body content is exit 2 (G8); it lacks labels, milestone and reporter names."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--body-file {path} cannot be read as UTF-8 text ({exc.__class__.__name__}).") from None
    try:
        r = RecordInput.from_body(text, headings=headings, title=title, cve_id=cve_id, advisory_url=advisory_url)
    except BodyFormatError as exc:
        raise UsageError(f"--body-file {path}: {exc}") from exc
    built = build(r, config)
    if built.version_errors:
        raise UsageError(f"--body-file {path}: {built.version_errors[0]}.")
    return built


def from_tracker(
    number: int,
    *,
    body: str,
    title: str,
    labels: Sequence[str],
    milestone: str | None,
    cve_id: str | None,
    advisory_url: str | None,
    config: ProjectConfig,
    headings: Mapping[Field, str],
) -> Built:
    try:
        parsed = parse_fields(body, headings)
    except BodyFormatError as exc:
        raise BadStoredContent(f"tracker #{number}: {exc}; fix the body first.") from exc
    if cve_id is None:
        cve_id = ids.first_cve(field_value(parsed, Field.CVE_TOOL_LINK) or "")
    r = RecordInput.from_body(
        body,
        headings=headings,
        title=title,
        cve_id=cve_id,
        labels=list(labels),
        milestone=milestone,
        reporter_names=[c.name for c in parse_credits(field_value(parsed, Field.REPORTER_CREDIT) or "") if c.exports],
        advisory_url=advisory_url,
    )
    return build(r, config)


def write_out(built: Built, out: Path, where: str) -> None:
    """Refuse (exit 3) a record that does not validate; write atomically so nothing is half-written."""
    reason = built.strict_refusal
    if reason is not None:
        raise Refused(f"{where}: {reason}; nothing was written to {out}.")
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        tmp.write_text(built.generated.json_text, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"--out {out} cannot be written ({exc.strerror}).") from None


@dataclass(frozen=True)
class FileReport:
    path: str
    errors: tuple[SchemaError, ...]
    unreadable: str | None = None


def validate_files(paths: Sequence[Path]) -> list[FileReport]:
    reports: list[FileReport] = []
    for path in paths:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            reports.append(FileReport(str(path), (), "does not exist"))
            continue
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            reports.append(FileReport(str(path), (), f"is not JSON ({exc.__class__.__name__})"))
            continue
        reports.append(FileReport(str(path), tuple(validate_record(record))))
    return reports
