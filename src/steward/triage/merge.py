"""The field-by-field dedupe merge of spec §6.2.

Two reports of one root cause become one tracker without losing anything either
side knew: every version range, thread, PR and credit survives, and the dropped
description is kept verbatim under the kept one. Where the two sides disagree
in a way no rule settles (two summaries, unrelated CWEs) the merge reports a
conflict instead of guessing. Merging is idempotent: merging the same dropped
tracker again changes nothing, so a re-run proposes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime
from functools import cmp_to_key

from steward.domain.credits import Credit, credit_kind, parse_credits, render_credits, skipped_note
from steward.domain.fields import is_unset
from steward.domain.roles import Field
from steward.domain.severity import parse_cwe
from steward.domain.threads import (
    LegacyThread,
    Sentinel,
    ThreadLine,
    ThreadRef,
    parse_threads,
    render_thread,
    render_threads,
)
from steward.domain.versions import NEXT, Kind, VersionLine, parse_affected, render_affected
from steward.patterns import PatternSet, fixed
from steward.triage.version_order import compare, sort_versions

Values = Mapping[Field, str | None]
SchemeFor = Callable[[str | None], str]


@dataclass(frozen=True)
class Conflict:
    """A disagreement the operator settles; `blocker` conflicts stop the dedupe until resolved."""

    field: Field
    message: str
    keep: str | None
    drop: str | None
    blocker: bool


@dataclass(frozen=True)
class MergeResult:
    """The kept tracker's new field values (None = unset), what needs the operator, and rollup notes."""

    fields: dict[Field, str | None]
    conflicts: tuple[Conflict, ...]
    notes: tuple[str, ...]
    changed: tuple[Field, ...]

    @property
    def blocked(self) -> bool:
        return any(c.blocker for c in self.conflicts)


def _value(values: Values, role: Field) -> str | None:
    raw = values.get(role)
    return None if is_unset(raw, role) else raw


def _same(a: str | None, b: str | None, role: Field) -> bool:
    if is_unset(a, role) and is_unset(b, role):
        return True
    return a is not None and b is not None and a.strip() == b.strip()


# ---------------------------------------------------------------- description


def report_line(drop_ref: str, drop_url: str, date: str) -> str:
    """The bold second-report line, without the headline (also how a re-run recognises its own block)."""
    return f"**Second independent report: [{drop_ref}]({drop_url}) — merged on {date}.**"


def _description(
    keep: str | None, drop: str | None, *, drop_ref: str, drop_url: str, date: str, reason: str, headline: str
) -> tuple[str | None, Conflict | None]:
    if keep is not None and f"**Second independent report: [{drop_ref}]({drop_url})" in keep:
        return keep, None
    if not reason.strip():
        return keep, Conflict(
            Field.ISSUE_DESCRIPTION,
            "the merge needs the operator's same-root-cause reason; give it with N:edit reason=<text>.",
            keep,
            drop,
            True,
        )
    line = report_line(drop_ref, drop_url, date) + (f" {headline.strip()}" if headline.strip() else "")
    dropped = drop.strip() if drop is not None else "_The dropped tracker had no description._"
    block = "\n".join(
        [
            line,
            "",
            "<details>",
            f"<summary>Same root cause — the report of {drop_ref}</summary>",
            "",
            f"**Same root cause:** {reason.strip()}",
            "",
            dropped,
            "",
            "</details>",
        ]
    )
    head = f"{keep.rstrip()}\n\n---\n\n" if keep is not None else "---\n\n"
    return head + block, None


# ---------------------------------------------------------------- affected versions


@dataclass(frozen=True)
class _Span:
    """One range: inclusive `lower` (None: no lower bound); `upper` None with `next` False is unbounded (`>= V`)."""

    lower: str | None
    upper: str | None
    inclusive: bool
    next: bool

    @property
    def infinite(self) -> bool:
        return self.upper is None


def _span(line: VersionLine) -> _Span:
    if line.kind == "ge" or line.upper is None:
        return _Span(line.lower, None, False, False)
    if line.upper is NEXT:
        return _Span(line.lower, None, False, True)
    return _Span(line.lower, str(line.upper), line.kind in ("le", "range_le"), False)


def _higher_upper(a: _Span, b: _Span, scheme: str) -> _Span:
    """The span whose upper bound is higher: NEXT VERSION > unbounded > any version; `<=` beats `<` at a tie."""
    rank_a = 2 if a.next else (1 if a.infinite else 0)
    rank_b = 2 if b.next else (1 if b.infinite else 0)
    if rank_a != rank_b or rank_a:
        return a if rank_a >= rank_b else b
    assert a.upper is not None and b.upper is not None
    order = compare(a.upper, b.upper, scheme)
    if order != 0:
        return a if order > 0 else b
    return a if a.inclusive or not b.inclusive else b


def _touches(cur: _Span, nxt: _Span, scheme: str) -> bool:
    """`nxt` (sorted after `cur`) overlaps or touches `cur`: `< 2.0` and `>= 2.0` make one range."""
    if cur.infinite or nxt.lower is None:
        return True
    assert cur.upper is not None
    return compare(nxt.lower, cur.upper, scheme) <= 0


def _lower_cmp(scheme: str) -> Callable[[_Span, _Span], int]:
    def cmp(a: _Span, b: _Span) -> int:
        if a.lower is None or b.lower is None:
            return (b.lower is None) - (a.lower is None)
        return compare(a.lower, b.lower, scheme)

    return cmp


def _contains(span: _Span, version: str, scheme: str) -> bool:
    if span.lower is not None and compare(version, span.lower, scheme) < 0:
        return False
    if span.upper is None:
        return True
    order = compare(version, span.upper, scheme)
    return order <= 0 if span.inclusive else order < 0


def _to_line(span: _Span, package: str | None) -> VersionLine:
    if span.upper is None:
        if span.lower is None or span.next:
            # "every version" has no §2.4 form; `< NEXT VERSION` says the same until S5 sets the fix version
            kind: Kind = "lt" if span.lower is None else "range_lt"
            return VersionLine(package=package, kind=kind, lower=span.lower, upper=NEXT)
        return VersionLine(package=package, kind="ge", lower=span.lower)
    if span.lower is None:
        return VersionLine(package=package, kind="le" if span.inclusive else "lt", upper=span.upper)
    kind = "range_le" if span.inclusive else "range_lt"
    return VersionLine(package=package, kind=kind, lower=span.lower, upper=span.upper)


def merge_lines(lines: Sequence[VersionLine], scheme_for: SchemeFor) -> list[VersionLine]:
    """Per package (first appearance order): ranges merged where they overlap or touch, then one exact line."""
    packages: list[str | None] = list(dict.fromkeys(line.package for line in lines))
    out: list[VersionLine] = []
    for package in packages:
        scheme = scheme_for(package)
        own = [line for line in lines if line.package == package]
        spans = sorted((_span(line) for line in own if line.kind != "exact"), key=cmp_to_key(_lower_cmp(scheme)))
        merged: list[_Span] = []
        for span in spans:
            if merged and _touches(merged[-1], span, scheme):
                cur = merged[-1]
                top = _higher_upper(cur, span, scheme)
                merged[-1] = _Span(cur.lower, top.upper, top.inclusive, top.next)
            else:
                merged.append(span)
        points: list[str] = []
        for line in own:
            for version in line.versions:
                if any(_contains(span, version, scheme) for span in merged):
                    continue
                if any(compare(version, seen, scheme) == 0 for seen in points):
                    continue
                points.append(version)
        out.extend(_to_line(span, package) for span in merged)
        if points:
            ordered = tuple(sort_versions(points, scheme))
            out.append(VersionLine(package=package, kind="exact", versions=ordered))
    return out


def _affected(keep: str | None, drop: str | None, scheme_for: SchemeFor) -> tuple[str | None, Conflict | None]:
    if drop is None:
        return keep, None
    parsed_keep, parsed_drop = parse_affected(keep, scheme_for), parse_affected(drop, scheme_for)
    errors = [*(("kept", e) for e in parsed_keep.errors), *(("dropped", e) for e in parsed_drop.errors)]
    if errors:
        side, error = errors[0]
        return keep, Conflict(
            Field.AFFECTED_VERSIONS,
            f"the {side} tracker's {error.message[0].lower()}{error.message[1:]}; fix the line before merging.",
            keep,
            drop,
            True,
        )
    merged = merge_lines([*parsed_keep.lines, *parsed_drop.lines], scheme_for)
    if merged == parsed_keep.lines:
        return keep, None
    return render_affected(merged) or None, None


# ---------------------------------------------------------------- threads, PRs, credits


def _thread_key(line: ThreadLine) -> str:
    if isinstance(line, ThreadRef | LegacyThread) and line.message_id is not None:
        return "id:" + line.message_id
    if isinstance(line, LegacyThread) and line.url is not None:
        return "url:" + line.url
    return "text:" + (line.url if isinstance(line, ThreadRef) and line.url else str(line)).casefold()


def _threads(
    keep: str | None, drop: str | None, thread_dates: Mapping[str, datetime] | None
) -> tuple[str | None, list[str]]:
    if drop is None:
        return keep, []
    kept, dropped = parse_threads(keep), parse_threads(drop)
    keys = {_thread_key(line) for line in kept}
    new: list[ThreadLine] = []
    for line in dropped:
        if _thread_key(line) not in keys:
            keys.add(_thread_key(line))
            new.append(line)
    if not new:
        return keep, []
    lines = [*kept, *new]
    if any(isinstance(line, ThreadRef | LegacyThread) for line in lines):
        lines = [line for line in lines if not isinstance(line, Sentinel)]
    dates = thread_dates or {}

    def when(line: ThreadLine) -> datetime | None:
        if isinstance(line, ThreadRef | LegacyThread) and line.message_id is not None:
            return dates.get(line.message_id)
        return None

    stamps = [when(line) for line in lines]
    if all(stamp is not None for stamp in stamps):
        order = sorted(range(len(lines)), key=lambda i: (stamps[i], i))
        lines = [lines[i] for i in order]
    notes = [f"thread added from the dropped tracker: {render_thread(line)}" for line in new]
    return render_threads(lines) or None, notes


_URL = re.compile(r"https?://[^\s<>()]+")


def _pr_key(line: str) -> str:
    found = _URL.search(line)
    return found.group(0).rstrip(".,;").casefold() if found else line.strip().casefold()


def _prs(keep: str | None, drop: str | None) -> str | None:
    if drop is None:
        return keep
    kept = [line.strip() for line in (keep or "").splitlines() if line.strip()]
    keys = {_pr_key(line) for line in kept}
    new: list[str] = []
    for line in (line.strip() for line in drop.splitlines()):
        if line and _pr_key(line) not in keys:
            keys.add(_pr_key(line))
            new.append(line)
    if not new:
        return keep
    return "\n".join([*kept, *new])


def _union(keep: str | None, drop: str | None) -> list[Credit]:
    credits = parse_credits(keep)
    seen = {c.name.casefold() for c in credits}
    for credit in parse_credits(drop):
        if credit.name.casefold() not in seen:
            seen.add(credit.name.casefold())
            credits.append(credit)
    return credits


def _reporter_credits(keep: str | None, drop: str | None, patterns: PatternSet) -> tuple[str | None, list[str]]:
    credits = _union(keep, drop)
    notes = [f"credit kind: {c.name} ({credit_kind(c, patterns)})" for c in parse_credits(drop)]
    if credits == parse_credits(keep):
        return keep, []
    return render_credits(credits) or None, notes


def _remediation(keep: str | None, drop: str | None, patterns: PatternSet) -> tuple[str | None, list[str]]:
    credits = _union(keep, drop)
    kept = [c for c in credits if credit_kind(c, patterns) != "tool"]
    notes = [skipped_note(c) for c in credits if credit_kind(c, patterns) == "tool"]
    if kept == parse_credits(keep) and not notes:
        return keep, []
    return render_credits(kept) or None, notes


# ---------------------------------------------------------------- CWE and summary


def _cwe(
    keep: str | None, drop: str | None, is_ancestor: Callable[[int, int], bool]
) -> tuple[str | None, Conflict | None]:
    if drop is None or keep is None:
        return (keep if drop is None else drop), None
    a, b = parse_cwe(keep), parse_cwe(drop)
    if a.id is not None and b.id is not None:
        if a.id == b.id:
            return keep, None
        if is_ancestor(a.id, b.id):
            return drop, None
        if is_ancestor(b.id, a.id):
            return keep, None
    elif keep.strip().casefold() == drop.strip().casefold():
        return keep, None
    return keep, Conflict(
        Field.CWE,
        f"the CWEs differ ({keep.strip()} kept, {drop.strip()} dropped) and neither is an ancestor of the other in "
        "the catalogue; set one CWE on both trackers first.",
        keep,
        drop,
        True,
    )


def _summary(keep: str | None, drop: str | None) -> tuple[str | None, Conflict | None]:
    if drop is None or keep is None or keep.strip() == drop.strip():
        return (keep if keep is not None else drop), None
    return keep, Conflict(
        Field.PUBLIC_SUMMARY,
        "both trackers have a public summary; pick one or combine them (N:edit summary=<text>).",
        keep,
        drop,
        False,
    )


# ---------------------------------------------------------------- the merge


def merge_fields(
    keep: Values,
    drop: Values,
    *,
    keep_ref: str,
    drop_ref: str,
    drop_url: str,
    date: Date | str,
    reason: str,
    headline: str,
    scheme_for: SchemeFor,
    cwe_is_ancestor: Callable[[int, int], bool],
    patterns: PatternSet | None = None,
    thread_dates: Mapping[str, datetime] | None = None,
) -> MergeResult:
    """The kept tracker's fields after merging `drop` into it (§6.2 table); nothing is written here.

    `cwe_is_ancestor(a, b)` says CWE a is an ancestor of CWE b in the catalogue.
    `thread_dates` (root Message-ID → first message time) orders the merged
    threads chronologically; without a date for every thread the kept side's
    threads come first, then the dropped side's.
    """
    phrases = patterns or fixed()
    day = date.isoformat() if isinstance(date, Date) else str(date)
    k = {role: _value(keep, role) for role in Field}
    d = {role: _value(drop, role) for role in Field}
    out: dict[Field, str | None] = dict(k)
    conflicts: list[Conflict] = []
    notes: list[str] = []

    def settle(role: Field, result: tuple[str | None, Conflict | None]) -> None:
        out[role] = result[0]
        if result[1] is not None:
            conflicts.append(result[1])

    settle(
        Field.ISSUE_DESCRIPTION,
        _description(
            k[Field.ISSUE_DESCRIPTION],
            d[Field.ISSUE_DESCRIPTION],
            drop_ref=drop_ref,
            drop_url=drop_url,
            date=day,
            reason=reason,
            headline=headline,
        ),
    )
    settle(Field.PUBLIC_SUMMARY, _summary(k[Field.PUBLIC_SUMMARY], d[Field.PUBLIC_SUMMARY]))
    settle(Field.AFFECTED_VERSIONS, _affected(k[Field.AFFECTED_VERSIONS], d[Field.AFFECTED_VERSIONS], scheme_for))
    threads = _threads(k[Field.SECURITY_THREAD], d[Field.SECURITY_THREAD], thread_dates)
    out[Field.SECURITY_THREAD], thread_notes = threads
    out[Field.PR_WITH_FIX] = _prs(k[Field.PR_WITH_FIX], d[Field.PR_WITH_FIX])
    out[Field.REPORTER_CREDIT], credit_notes = _reporter_credits(
        k[Field.REPORTER_CREDIT], d[Field.REPORTER_CREDIT], phrases
    )
    out[Field.REMEDIATION_DEVELOPER], dev_notes = _remediation(
        k[Field.REMEDIATION_DEVELOPER], d[Field.REMEDIATION_DEVELOPER], phrases
    )
    settle(Field.CWE, _cwe(k[Field.CWE], d[Field.CWE], cwe_is_ancestor))
    notes += thread_notes + credit_notes + dev_notes
    for role in (Field.SEVERITY, Field.CVE_TOOL_LINK, Field.PUBLIC_ADVISORY_URL):
        if d[role] is not None and not _same(k[role], d[role], role):
            notes.append(f"{role.value} of {drop_ref} ({d[role]!r}) not carried over; {keep_ref} keeps its own.")
    changed = tuple(role for role in Field if not _same(keep.get(role), out[role], role))
    return MergeResult(out, tuple(conflicts), tuple(notes), changed)
