"""§5.4–5.6 for one scan finding (§5.16): duplicates, prior rejections, public fixes, commits since the scan.

Every check is stated even when it finds nothing, and the bucket it suggests is only shown: the operator's
`N:bucket` is the one decision, because import is never the default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from steward.app import App
from steward.codehost.interface import CodeHostError
from steward.intake.display import safe_terminal
from steward.intake.scan_findings import ScanFinding
from steward.intake.signals import (
    CandidateText,
    Duplicate,
    KnownTracker,
    Strength,
    duplicate_signals,
    prior_rejections,
    public_fix_prs,
    subject_keywords,
)
from steward.store import RejectionRow

COMMIT_LIMIT = 20
SHOWN_COMMITS = 5
_LINE_SUFFIX = re.compile(r"(?:\s*:[0-9]+)+\s*\Z")


@runtime_checkable
class CommitLike(Protocol):
    """What the scan review reads of one upstream commit (the code host's `Commit` has these fields)."""

    @property
    def sha(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def url(self) -> str: ...


@runtime_checkable
class CommitSource(Protocol):
    """The one code-host read the scan review needs, local so it does not wait for `codehost.interface`."""

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> Sequence[CommitLike]: ...


@dataclass(frozen=True)
class LedgerPrecedent:
    """A rejections-ledger record (§5.17) sharing keywords with the finding; reporter and thread stay out."""

    id: int
    date: str
    canned: str
    summary: str


@dataclass(frozen=True)
class SinceCommit:
    sha: str
    summary: str
    url: str


@dataclass(frozen=True)
class FixedSince:
    """ "Fixed on the default branch since the scan commit": `checked` is False with the reason in `statement`."""

    checked: bool
    statement: str
    commits: tuple[SinceCommit, ...] = ()


@dataclass(frozen=True)
class ScanChecks:
    """§5.4–5.6 on one finding's text and the suggested bucket; nothing here is ever applied by itself."""

    duplicates: tuple[Duplicate, ...]
    duplicate_notes: tuple[str, ...]
    precedents: tuple[int, ...]
    ledger: tuple[LedgerPrecedent, ...]
    rejection_statement: str
    public_fixes: tuple[int, ...]
    fixed_since: FixedSince
    suggested: str | None
    suggested_reason: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "duplicates": [
                {"tracker": d.tracker, "signal": d.signal, "strength": d.strength.value, "detail": d.detail}
                for d in self.duplicates
            ],
            "duplicate_notes": list(self.duplicate_notes),
            "prior_rejections": {
                "trackers": list(self.precedents),
                "ledger": [{"id": p.id, "date": p.date, "canned": p.canned, "summary": p.summary} for p in self.ledger],
                "statement": self.rejection_statement,
            },
            "fix_already_public": list(self.public_fixes),
            "fixed_since_scan_commit": {
                "checked": self.fixed_since.checked,
                "statement": self.fixed_since.statement,
                "commits": [{"sha": c.sha, "summary": c.summary, "url": c.url} for c in self.fixed_since.commits],
            },
            "suggested_bucket": self.suggested,
            "suggested_reason": self.suggested_reason,
        }


def finding_text(finding: ScanFinding) -> str:
    """What the §5.4–5.6 checks read: the title is the subject, files, impact and remediation the body."""
    return "\n".join(part for part in ("\n".join(finding.files), finding.impact, finding.remediation) if part)


def finding_paths(finding: ScanFinding) -> list[str]:
    """The finding's files without `:line` suffixes, in order, each once."""
    paths = (_LINE_SUFFIX.sub("", f).strip() for f in finding.files)
    return list(dict.fromkeys(p for p in paths if p))


def ledger_precedents(
    keywords: Sequence[str], rejections: Sequence[RejectionRow], now: datetime, days: int
) -> list[LedgerPrecedent]:
    """Ledger records within `days` whose summary or canned slug shares ≥ 2 keywords (the tracker rule of §5.5)."""
    wanted = {k.casefold() for k in keywords}
    since = (now - timedelta(days=days)).date()
    found: list[LedgerPrecedent] = []
    for row in rejections:
        if row.date < since:
            continue
        words = {w.casefold() for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9_.-]*", f"{row.summary} {row.canned}")}
        if len(wanted & words) >= 2:
            found.append(LedgerPrecedent(row.id, row.date.isoformat(), row.canned, row.summary))
    return found


def rejection_statement(precedents: Sequence[int], ledger: Sequence[LedgerPrecedent], days: int) -> str:
    """§5.5 is always stated, an empty result included."""
    if not precedents and not ledger:
        return f"no prior rejection in the last {days} days"
    parts: list[str] = []
    if precedents:
        parts.append("reject-class precedent: " + ", ".join(f"#{n}" for n in precedents))
    if ledger:
        parts.append(
            "rejections ledger: " + "; ".join(f"{p.date} {p.canned}: {' '.join(p.summary.split())}" for p in ledger)
        )
    return "; ".join(parts)


class CommitCache:
    """Code-host reads for one proposal: one call per distinct path set, and no more calls after a failure."""

    def __init__(self, host: CommitSource | None, base: str | None) -> None:
        self.host = host
        self.base = base
        self.cache: dict[tuple[str, ...], FixedSince] = {}
        self.failed: str | None = None

    def check(self, paths: Sequence[str]) -> FixedSince:
        if self.host is None:
            return FixedSince(False, "not checked: no code host configured")
        if not self.base:
            return FixedSince(False, "not checked: the scan names no commit")
        if not paths:
            return FixedSince(False, "not checked: the finding names no file")
        if self.failed is not None:
            return FixedSince(False, f"not checked: {self.failed}")
        key = tuple(paths)
        if key not in self.cache:
            self.cache[key] = self._ask(key)
        return self.cache[key]

    def _ask(self, paths: tuple[str, ...]) -> FixedSince:
        assert self.host is not None and self.base is not None
        try:
            found = self.host.commits_since(self.base, paths, limit=COMMIT_LIMIT)
        except CodeHostError as exc:
            self.failed = f"the code host did not answer ({' '.join(str(exc).split())})"
            return FixedSince(False, f"not checked: {self.failed}")
        commits = tuple(SinceCommit(str(c.sha), " ".join(str(c.summary).split()), str(c.url)) for c in found)
        short = self.base[:7]
        if not commits:
            return FixedSince(True, f"no commit touching the finding's files since the scan commit {short}")
        shown = "; ".join(f"{c.sha[:7]} {c.summary}" for c in commits[:SHOWN_COMMITS])
        more = f" (+{len(commits) - SHOWN_COMMITS} more)" if len(commits) > SHOWN_COMMITS else ""
        return FixedSince(True, f"possibly fixed since the scan commit: {shown}{more}", commits)


def suggest_bucket(
    duplicates: Sequence[Duplicate], public_fixes: Sequence[int], fixed: FixedSince
) -> tuple[str | None, str | None]:
    """STRONG duplicate ⇒ `duplicate`; a public fix or commits since ⇒ `already-fixed`; otherwise no suggestion."""
    strong = next((d for d in duplicates if d.strength is Strength.STRONG), None)
    if strong is not None:
        return "duplicate", f"STRONG {strong.signal} match with #{strong.tracker}"
    if public_fixes:
        return "already-fixed", "names upstream PR " + ", ".join(f"#{n}" for n in public_fixes)
    if fixed.commits:
        return "already-fixed", f"{len(fixed.commits)} commit(s) touch its files since the scan commit"
    return None, None


def scan_checks(
    app: App,
    finding: ScanFinding,
    *,
    trackers: Sequence[KnownTracker],
    rejections: Sequence[RejectionRow],
    commits: CommitCache,
    now: datetime,
) -> ScanChecks:
    """§5.4–5.6 and the code-host check for one finding; `trackers` exclude the finding's own import."""
    product = app.config.product
    prefixes = tuple(product.subject_prefix_strip)
    text = finding_text(finding)
    report = duplicate_signals(
        CandidateText(None, finding.title, text, "", prefixes),
        trackers,
        app.patterns,
        now,
        cli_names=[n for n in (product.code_pointer_token, product.short_name.lower()) if n],
    )
    days = app.config.disclosure.prior_rejection_days
    keywords = subject_keywords(finding.title, app.patterns, prefixes)
    precedents, _ = prior_rejections(keywords, trackers, days)
    ledger = ledger_precedents(keywords, rejections, now, days)
    fixes = public_fix_prs(f"{finding.title}\n{text}", app.patterns, trackers)
    fixed = commits.check(finding_paths(finding))
    suggested, reason = suggest_bucket(report.duplicates, fixes, fixed)
    return ScanChecks(
        duplicates=report.duplicates,
        duplicate_notes=report.notes,
        precedents=tuple(precedents),
        ledger=tuple(ledger),
        rejection_statement=rejection_statement(precedents, ledger, days),
        public_fixes=tuple(fixes),
        fixed_since=fixed,
        suggested=suggested,
        suggested_reason=reason,
    )


def _one_line(text: str, limit: int = 200) -> str:
    return safe_terminal(" ".join(text.split()), max_chars=limit)


def _detail(dup: Duplicate) -> str:
    return f" ({_one_line(dup.detail, 120)})" if dup.detail else ""


def duplicate_lines(checks: ScanChecks) -> list[str]:
    lines = [f"duplicate: #{d.tracker} {d.signal} {d.strength.value}{_detail(d)}" for d in checks.duplicates]
    return lines + [f"note: {_one_line(n)}" for n in checks.duplicate_notes]


def check_lines(checks: ScanChecks) -> list[str]:
    """The §5.4–5.6 facts of one finding as text, the same facts `--json` carries; every line is stated."""
    lines = duplicate_lines(checks) or ["duplicates: none"]
    lines.append(f"prior rejections: {_one_line(checks.rejection_statement, 600)}")
    if checks.public_fixes:
        lines.append("fix already public: upstream PR " + ", ".join(f"#{n}" for n in checks.public_fixes))
    else:
        lines.append("fix already public: no linked upstream PR outside the trackers")
    lines.append(f"since the scan commit: {_one_line(checks.fixed_since.statement, 600)}")
    if checks.suggested:
        lines.append(
            f"suggested bucket: {checks.suggested} ({_one_line(checks.suggested_reason or '')}); "
            "not applied without N:bucket"
        )
    else:
        lines.append("suggested bucket: none")
    return lines
