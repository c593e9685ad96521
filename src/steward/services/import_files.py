"""`steward import md` and `steward import scan`: numbered findings, §5.13 confirmation, one tracker per chosen finding.

Re-running an import must create nothing twice (G4), also after a crash between two findings, so every created
tracker carries its import key as a line of its `### Related references` section (steward decision): inbound text
is sanitised, which demotes every `###` heading, so a finding cannot forge that section. Keys:

- markdown: `md:<16 hex of SHA-256 over the finding's whitespace-collapsed narrative>`; the same finding in an
  edited or renamed file is still recognised;
- scan: `scan:<16 hex of SHA-256 over the report file>:<finding id>`; a new scan round is a new review.

Each scan finding also gets the checks of §5.4–5.6 against every tracker and the rejections ledger, plus "fixed on
the default branch since the scan commit" when a code host is given, and a suggested bucket that is only ever shown:
the operator's `N:bucket` is the one decision (import is never the default).

Scan bucket decisions and the per-scan report (bucket shares, severity against disposition) are written only to
`.steward/scan-reports/` beside the store, never to a URL-reachable surface (§5.16, D21).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from steward.app import App
from steward.domain.board import column_for
from steward.domain.fields import BodyFormatError, parse_fields, render_body
from steward.domain.lifecycle import created_labels
from steward.domain.roles import NO_RESPONSE, SEVERITY_UNSET, Field
from steward.domain.rollup import notification_no_reporter
from steward.domain.threads import render_thread, sentinel_scan
from steward.domain.titles import TitleResult, normalise_title
from steward.errors import UsageError
from steward.intake.display import safe_terminal
from steward.intake.markdown_findings import MdFinding, map_finding, parse_md_findings
from steward.intake.sanitise import sanitise_body
from steward.intake.scan_findings import ScanFinding, ScanFormatError, ScanReport, parse_scan
from steward.patterns import norm
from steward.services import selector as sel
from steward.services.known_trackers import known_trackers
from steward.services.rollup_log import write_rollup
from steward.services.scan_checks import (
    CommitCache,
    CommitSource,
    ScanChecks,
    check_lines,
    duplicate_lines,
    scan_checks,
)
from steward.store import Reader, Transaction
from steward.textfiles import read_text_input

Kind = Literal["md", "scan"]
MAX_FILE = 20 * 1024 * 1024
KEY_PREFIX = "steward import key: "
RELATED = "Related references"
CREATE_BUCKET = "import-as-tracker"
REPORT_DIR = "scan-reports"
EDITABLE = frozenset({"title"})
_KEY_LINE = re.compile(r"^[-*+ \t]*steward import key: (?P<key>\S+)[ \t]*$", re.M)


# ---------------------------------------------------------------------------------------------- the proposal


@dataclass(frozen=True)
class Item:
    """One numbered finding of the proposal, planned completely (title, body values) before anything applies."""

    number: int
    key: str
    finding_id: str
    title: TitleResult
    severity: str
    values: dict[Field, str]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    existing: int | None
    bucket: str | None = None
    summary: Mapping[str, Any] = field(default_factory=dict)
    checks: ScanChecks | None = None
    """Scan findings only: §5.4–5.6, fixed-since-the-scan-commit and the suggested bucket."""


@dataclass(frozen=True)
class FileProposal:
    kind: Kind
    path: Path
    basename: str
    digest: str
    items: tuple[Item, ...]
    warnings: tuple[str, ...] = ()
    format: str | None = None
    tool: str | None = None
    commit: str | None = None

    @property
    def total(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Created:
    number: int
    key: str
    tracker: int
    title: str


@dataclass(frozen=True)
class FileResult:
    created: tuple[Created, ...] = ()
    already: tuple[tuple[int, int], ...] = ()
    buckets: tuple[tuple[int, str], ...] = ()
    report: Path | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "created": [
                {"number": c.number, "key": c.key, "tracker": c.tracker, "title": c.title} for c in self.created
            ],
            "already_imported": [{"number": n, "tracker": t} for n, t in self.already],
            "buckets": [{"number": n, "bucket": b} for n, b in self.buckets],
            "report": str(self.report) if self.report else None,
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def imported_keys(app: App, reader: Reader | Transaction) -> dict[str, int]:
    """Import key → tracker number, from every tracker's `### Related references` section."""
    found: dict[str, int] = {}
    for row in reader.list_trackers():
        if KEY_PREFIX not in row.body:
            continue
        try:
            parsed = parse_fields(row.body, app.headings)
        except BodyFormatError:
            continue
        for section in parsed.sections:
            if section.field is None and norm(section.heading).casefold() == RELATED.casefold():
                for hit in _KEY_LINE.finditer(section.value):
                    found.setdefault(hit.group("key"), row.number)
    return found


def _title(app: App, raw: str) -> TitleResult:
    text = " ".join(raw.split())[:256] or "Untitled finding"
    return normalise_title(text, app.patterns, app.config.product.subject_prefix_strip)


def _related(title: TitleResult, key: str) -> str:
    lines = [f"- {token}" for token in title.stripped]
    lines.append(f"- {KEY_PREFIX}{key}")
    return "\n".join(lines)


def propose_md(app: App, path: Path, credit: str | None = None) -> FileProposal:
    """Parse a findings file (§5.15) into numbered items; nothing is written."""
    if credit is not None:
        credit = credit.strip()
        if not credit or "\n" in credit or "\r" in credit:
            raise UsageError("--credit takes one non-empty line, e.g. --credit 'Jo Example of Example Labs'.")
    text = read_text_input(path, "findings file", max_bytes=MAX_FILE)
    upstream = app.config.tracker.upstream_repo
    parsed = parse_md_findings(text, str(path), upstream, app.patterns)
    with app.store.read(app.slug) as reader:
        known = imported_keys(app, reader)
    items: list[Item] = []
    total = len(parsed.findings)
    for finding in parsed.findings:
        mapped = map_finding(
            finding,
            basename=path.name,
            upstream=upstream,
            security_list=app.config.security_inbox.address,
            credit=credit,
            patterns=app.patterns,
        )
        key = f"md:{finding.key}"
        title = _title(app, mapped.title)
        items.append(
            Item(
                number=finding.number,
                key=key,
                finding_id=f"{finding.number}/{total}",
                title=title,
                severity=finding.severity,
                values=mapped.values,
                notes=mapped.notes,
                warnings=finding.warnings + title.warnings,
                existing=known.get(key),
                summary=_md_summary(finding, mapped.pr_number),
            )
        )
    return FileProposal("md", path, path.name, _digest(text), tuple(items), parsed.warnings)


def _md_summary(finding: MdFinding, pr: int | None) -> dict[str, Any]:
    return {
        "repository": finding.repository,
        "branch": finding.branch,
        "category": finding.metadata.get("category"),
        "status": finding.metadata.get("status"),
        "pr": pr,
    }


def scan_description(finding: ScanFinding, report: ScanReport, basename: str) -> str:
    """The tracker description of a scan finding; the scanner's severity and CWE stay here, never in fields."""
    parts = [f"**Scanner finding {finding.id}** from {basename} ({report.tool})."]
    if finding.description:
        parts.append(finding.description)
    lines = [f"Scanner-reported severity: {finding.severity}" + (f" (level {finding.level})" if finding.level else "")]
    if finding.cwe:
        lines.append(f"Scanner-reported CWE: {', '.join(finding.cwe)}")
    if report.commit:
        lines.append(f"Scan commit: {report.commit}")
    parts.append("  \n".join(lines))
    if finding.files:
        parts.append("#### Files\n\n" + "\n".join(f"- `{f.replace('`', '')}`" for f in finding.files))
    if finding.attacker_capability:
        parts.append(f"#### Attacker capability\n\n{finding.attacker_capability}")
    if finding.impact:
        parts.append(f"#### Impact\n\n{finding.impact}")
    if finding.remediation:
        parts.append(
            f"<details>\n<summary>Remediation (per the scanner)</summary>\n\n{finding.remediation}\n\n</details>"
        )
    return "\n\n".join(parts)


def report_path(app: App, basename: str, digest: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", basename)[:80] or "scan"
    return app.loaded.root / ".steward" / REPORT_DIR / f"{safe}-{digest}.json"


def _decisions(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    raw = data.get("decisions") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v["bucket"]) for k, v in raw.items() if isinstance(v, dict) and v.get("bucket") in sel.BUCKETS}


def propose_scan(app: App, path: Path, code_host: CommitSource | None = None) -> FileProposal:
    """Parse a scan report (§5.16) into numbered findings with any bucket already decided and the §5.4–5.6
    checks of each; nothing is written. `code_host`, when given, is only read (commits since the scan commit)."""
    text = read_text_input(path, "scan report", max_bytes=MAX_FILE)
    try:
        report = parse_scan(text, app.patterns)
    except ScanFormatError as exc:
        raise UsageError(
            f"scan report {path} {exc}; give a SARIF 2.1.0 log or an ASVS issues.md/consolidated.md."
        ) from None
    digest = _digest(text)
    decided = _decisions(report_path(app, path.name, digest))
    with app.store.read(app.slug) as reader:
        known = imported_keys(app, reader)
        trackers = known_trackers(app, reader)
        rejections = reader.list_rejections()
    now = app.now()
    commits = CommitCache(code_host, report.commit)
    sentinel = render_thread(sentinel_scan(path.name, app.config.security_inbox.address))
    items: list[Item] = []
    for number, finding in enumerate(report.findings, 1):
        key = f"scan:{digest}:{finding.id}"
        own = known.get(key)
        others = [t for t in trackers if t.number != own]
        checks = scan_checks(app, finding, trackers=others, rejections=rejections, commits=commits, now=now)
        sanitised = sanitise_body(scan_description(finding, report, path.name), app.patterns)
        values = dict.fromkeys(Field, NO_RESPONSE)
        values[Field.SEVERITY] = SEVERITY_UNSET
        values[Field.ISSUE_DESCRIPTION] = sanitised.text
        values[Field.SECURITY_THREAD] = sentinel
        title = _title(app, finding.title)
        items.append(
            Item(
                number=number,
                key=key,
                finding_id=finding.id,
                title=title,
                severity=finding.severity,
                values=values,
                notes=sanitised.notes,
                warnings=title.warnings,
                existing=known.get(key),
                bucket=CREATE_BUCKET if known.get(key) else decided.get(finding.id),
                summary={
                    "level": finding.level,
                    "cwe": list(finding.cwe),
                    "files": list(finding.files),
                    "attacker_capability": finding.attacker_capability,
                    "impact": finding.impact,
                    "remediation": finding.remediation,
                },
                checks=checks,
            )
        )
    return FileProposal(
        "scan", path, path.name, digest, tuple(items), report.warnings, report.format, report.tool, report.commit
    )


# ---------------------------------------------------------------------------------------------- rendering


def proposal_json(proposal: FileProposal) -> dict[str, Any]:
    return {
        "kind": proposal.kind,
        "file": str(proposal.path),
        "digest": proposal.digest,
        "format": proposal.format,
        "tool": proposal.tool,
        "commit": proposal.commit,
        "warnings": list(proposal.warnings),
        "findings": [
            {
                "number": i.number,
                "id": i.finding_id,
                "key": i.key,
                "title": i.title.title,
                "original_title": i.title.original,
                "severity": i.severity,
                "warnings": list(i.warnings),
                "notes": list(i.notes),
                "existing_tracker": i.existing,
                "bucket": i.bucket,
                "action": "none" if i.existing else ("create" if proposal.kind == "md" else "review"),
                **dict(i.summary),
                **(i.checks.as_json() if i.checks is not None else {}),
            }
            for i in proposal.items
        ],
    }


def _title_line(item: Item) -> str:
    shown = safe_terminal(item.title.title, max_chars=120)
    if item.title.changed and not item.title.over_strip:
        shown += f"  (from {safe_terminal(item.title.original, max_chars=80)!r})"
    return shown


def render_md(proposal: FileProposal) -> str:
    lines = [f"Markdown import from {safe_terminal(proposal.basename)}: {proposal.total} finding(s)."]
    lines += [f"warning: {safe_terminal(w)}" for w in proposal.warnings]
    for item in proposal.items:
        state = f"already imported as #{item.existing}" if item.existing else "create"
        lines.append(f"{item.number}. [{item.severity}] {_title_line(item)} — {state}")
        lines += [f"   warning: {safe_terminal(w)}" for w in item.warnings]
        lines += [f"   note: {safe_terminal(n)}" for n in item.notes]
    pending = [i for i in proposal.items if not i.existing]
    if pending:
        lines.append(
            "Each creates a tracker (needs triage, security issue, TLP); no reporter, no outreach. "
            "Apply with --apply all, or e.g. --apply 1,3 or --apply '2:edit title=...'."
        )
    else:
        lines.append("Nothing to import.")
    return "\n".join(lines)


def render_scan(proposal: FileProposal) -> str:
    """The list, then the first finding without a bucket in full: review is one finding at a time (§5.16)."""
    tool = f" ({safe_terminal(proposal.tool or '')})" if proposal.tool else ""
    lines = [
        f"Scan review of {safe_terminal(proposal.basename)}{tool}: {proposal.total} finding(s); "
        "import is never the default."
    ]
    if proposal.commit:
        lines.append(f"scan commit: {safe_terminal(proposal.commit)}")
    lines += [f"warning: {safe_terminal(w)}" for w in proposal.warnings]
    for item in proposal.items:
        state = f"#{item.existing}" if item.existing else (item.bucket or "undecided")
        if item.checks is not None and item.checks.suggested and item.bucket is None:
            state += f" (suggested: {item.checks.suggested})"
        lines.append(
            f"{item.number}. [{item.severity}] {safe_terminal(item.finding_id, max_chars=60)} "
            f"{_title_line(item)} — {state}"
        )
        if item.checks is not None:
            lines += [f"   {line}" for line in duplicate_lines(item.checks)]
    current = next((i for i in proposal.items if i.bucket is None), None)
    if current is None:
        lines.append("Every finding has a bucket." if proposal.items else "Nothing to review.")
        return "\n".join(lines)
    lines.append("")
    lines.append(f"Finding {current.number} of {proposal.total}: {safe_terminal(current.finding_id)}")
    summary = current.summary
    for label, value in (
        ("title", current.title.title),
        ("severity", current.severity + (f" (level {summary.get('level')})" if summary.get("level") else "")),
        ("cwe", ", ".join(summary.get("cwe") or []) or "none reported"),
        ("files", ", ".join(summary.get("files") or []) or "none"),
        ("attacker capability", summary.get("attacker_capability") or "not stated"),
        ("impact", summary.get("impact") or "not stated"),
        ("remediation", summary.get("remediation") or "not stated"),
    ):
        lines.append(f"  {label}: {safe_terminal(str(value), max_chars=600)}")
    if current.checks is not None:
        lines += [f"  {line}" for line in check_lines(current.checks)]
    lines.append(
        f"Decide with --apply '{current.number}:bucket <bucket>' ({', '.join(sel.BUCKETS)}); "
        f"only {CREATE_BUCKET} creates a tracker."
    )
    return "\n".join(lines)


def render_result(result: FileResult) -> str:
    lines = [f"{c.number}. created #{c.tracker}: {safe_terminal(c.title)}" for c in result.created]
    lines += [f"{n}. already imported as #{t}; nothing created" for n, t in result.already]
    lines += [f"{n}. bucket {b}" for n, b in result.buckets if b != CREATE_BUCKET]
    if result.report:
        lines.append(f"Scan report written to {result.report} (local only).")
    lines.append(f"Created {len(result.created)} tracker(s).")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class _Plan:
    item: Item
    title: str
    bucket: str | None


def _edits(number: int, actions: Sequence[sel.Action]) -> dict[str, str]:
    edits: dict[str, str] = {}
    for action in actions:
        if isinstance(action, sel.Edit):
            if action.field not in EDITABLE:
                raise UsageError(f"--apply {number}:edit {action.field}=… is not editable here; only title is.")
            edits[action.field] = action.value
    return edits


def _final_title(app: App, item: Item, edits: Mapping[str, str]) -> str:
    if "title" in edits:
        result = _title(app, edits["title"])
        return result.original if result.over_strip else result.title
    return item.title.original if item.title.over_strip else item.title.title


def _allowed(kind: Kind, number: int, action: sel.Action) -> None:
    ok: tuple[type, ...] = (sel.ActAll, sel.ActPick, sel.Edit)
    if kind == "scan":
        ok = (*ok, sel.Bucket)
    if not isinstance(action, ok):
        raise UsageError(
            f"--apply {number}:{sel.render_action(action)} does not apply to a {kind} import; "
            + ("use N, N:edit title=… or N:bucket BUCKET." if kind == "scan" else "use N or N:edit title=….")
        )


def plan(app: App, proposal: FileProposal, selection: sel.Selection) -> list[_Plan]:
    """The whole selection checked before anything applies (G1): bad numbers, actions or buckets write nothing."""
    count = proposal.total
    if proposal.kind == "md":
        default_all = [i.number for i in proposal.items if not i.existing]
    else:
        default_all = [
            d.number for d in selection if isinstance(d, sel.ItemAction) and isinstance(d.action, sel.Bucket)
        ]
    resolved = sel.resolve(selection, count, default_all)
    plans: list[_Plan] = []
    for number in resolved.chosen:
        item = proposal.items[number - 1]
        actions = resolved.actions.get(number, ())
        for action in actions:
            _allowed(proposal.kind, number, action)
        buckets = [a.bucket for a in actions if isinstance(a, sel.Bucket)]
        if len(set(buckets)) > 1:
            raise UsageError(f"--apply gives finding {number} two buckets ({', '.join(buckets)}); give one.")
        bucket = buckets[0] if buckets else None
        if proposal.kind == "scan" and bucket is None:
            raise UsageError(
                f"--apply picks scan finding {number} without a bucket; write {number}:bucket BUCKET "
                f"({', '.join(sel.BUCKETS)}); import is never the default."
            )
        title = _final_title(app, item, _edits(number, actions))
        plans.append(_Plan(item, title, bucket))
    return plans


def _create(app: App, proposal: FileProposal, step: _Plan) -> Created | int:
    """One tracker in its own unit of work; a key already present (crash, race) is the tracker number instead."""
    item = step.item
    command = "import md" if proposal.kind == "md" else "import scan"
    body = render_body(item.values, app.headings, [(RELATED, _related(item.title, item.key))])
    labels = created_labels(app.labels, app.config.disclosure.default_tlp)
    ordered = sorted(labels, key=lambda name: (name.startswith("TLP:"), name))
    column = column_for(labels, False, None, app.labels)
    with app.store.transaction(app.slug, actor=app.identity, command=command) as tx:
        existing = imported_keys(app, tx).get(item.key)
        if existing is not None:
            return existing
        row = tx.create_tracker(step.title, body, ordered, column.value, app.identity)  # §1.1: the importer
        tx.audit(row.number, f"{item.key}:create", None, {"title": step.title, "body": body, "labels": ordered})
        if proposal.kind == "md":
            action = f"Import from markdown ({proposal.basename}, finding {item.number}/{proposal.total})"
            path = "import-from-md"
        else:
            action = f"Import from scan ({proposal.basename}, {item.finding_id})"
            path = "import-from-scan"
        items = [f"labels: {', '.join(ordered)}", f"board: {column.value}", f"import key: {item.key}"]
        items += list(item.notes)
        write_rollup(
            tx,
            app,
            row.number,
            action=action,
            headline=f"Imported finding {item.finding_id} of {proposal.basename} as {step.title!r}.",
            items=items,
            next_move=f"triage — @{app.identity} (steward triage {row.number} --evidence)",
            notification=notification_no_reporter(path),
        )
    return Created(item.number, item.key, row.number, step.title)


def apply_files(app: App, proposal: FileProposal, selection: sel.Selection) -> FileResult:
    """Plan everything, then apply finding by finding; the first failure stops the run (G1)."""
    app.member()
    plans = plan(app, proposal, selection)
    created: list[Created] = []
    already: list[tuple[int, int]] = []
    buckets: list[tuple[int, str]] = []
    for step in plans:
        if step.item.existing is not None:
            already.append((step.item.number, step.item.existing))
            continue
        if proposal.kind == "scan" and step.bucket != CREATE_BUCKET:
            assert step.bucket is not None
            if step.item.bucket != step.bucket:
                with app.store.transaction(app.slug, actor=app.identity, command="import scan") as tx:
                    tx.audit(None, f"{step.item.key}:bucket", step.item.bucket, step.bucket)
                buckets.append((step.item.number, step.bucket))
            continue
        outcome = _create(app, proposal, step)
        if isinstance(outcome, Created):
            created.append(outcome)
            if proposal.kind == "scan":
                buckets.append((step.item.number, CREATE_BUCKET))
        else:
            already.append((step.item.number, outcome))
    report = None
    if proposal.kind == "scan" and (buckets or created):
        report = write_scan_report(app, proposal, dict(buckets), {c.number: c.tracker for c in created})
    return FileResult(tuple(created), tuple(already), tuple(buckets), report)


# ---------------------------------------------------------------------------------------------- the local report


def write_scan_report(app: App, proposal: FileProposal, new: Mapping[int, str], trackers: Mapping[int, int]) -> Path:
    """Merge this run's decisions into the scan's local report (JSON for steward, Markdown for people)."""
    path = report_path(app, proposal.basename, proposal.digest)
    decisions: dict[str, dict[str, Any]] = {}
    for item in proposal.items:
        bucket = new.get(item.number) or item.bucket
        if bucket is None:
            continue
        tracker = trackers.get(item.number) or item.existing
        decisions[item.finding_id] = {"bucket": bucket, "severity": item.severity, "tracker": tracker}
    data = {
        "scan": proposal.basename,
        "digest": proposal.digest,
        "format": proposal.format,
        "tool": proposal.tool,
        "commit": proposal.commit,
        "findings": proposal.total,
        "decisions": decisions,
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(render_report(data), encoding="utf-8")
    return path


def render_report(data: Mapping[str, Any]) -> str:
    """Bucket shares and severity against disposition; tracker numbers stay in this private file only."""
    decisions: Mapping[str, Mapping[str, Any]] = data["decisions"]
    total = int(data["findings"]) or 1
    shares = Counter(d["bucket"] for d in decisions.values())
    lines = [
        f"# Scan report: {data['scan']}",
        "",
        "Local file, not for publication; scrub tracker numbers and unpublished CVE ids from any copy sent back.",
        "",
        f"Findings: {data['findings']}, decided: {len(decisions)}, undecided: {int(data['findings']) - len(decisions)}",
        "",
        "| bucket | findings | share |",
        "|---|---|---|",
    ]
    lines += [f"| {b} | {shares.get(b, 0)} | {100 * shares.get(b, 0) / total:.0f}% |" for b in sel.BUCKETS]
    severities = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
    lines += ["", "| severity | " + " | ".join(sel.BUCKETS) + " |", "|---" * (len(sel.BUCKETS) + 1) + "|"]
    for severity in severities:
        row = [
            sum(1 for d in decisions.values() if d["severity"] == severity and d["bucket"] == b) for b in sel.BUCKETS
        ]
        lines.append(f"| {severity} | " + " | ".join(str(n) for n in row) + " |")
    return "\n".join(lines) + "\n"
