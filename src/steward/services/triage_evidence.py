"""`steward triage ID --evidence`: the read-only evidence pack of spec §6.1.

Triagers judge a report against what the team decided before: closed
`invalid` / `not CVE worthy` trackers are negative precedents, `cve allocated`
ones positive. Precedents are ranked by lexical similarity only, which is cheap
and explainable; the judgement stays with people (G5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from steward.app import App
from steward.config.model import ProjectConfig
from steward.domain.fields import field_value
from steward.domain.roles import Field, Label
from steward.errors import BadStoredContent
from steward.intake.signals import CandidateText, Duplicate, duplicate_signals, public_fix_prs
from steward.services.facts import parse_stored, state
from steward.services.known_trackers import known_trackers
from steward.store import CommentRow, TrackerRow

LAST_COMMENTS = 10
MAX_PRECEDENTS = 5
MIN_SCORE = 30.0
_URL = re.compile(r"https?://[^\s<>()]+")
_ANCHOR_WORDS = re.compile(r"[-_#/]+")


@dataclass(frozen=True)
class Precedent:
    number: int
    title: str
    kind: str
    """`negative` (closed invalid / not CVE worthy) or `positive` (cve allocated)."""
    label: str
    score: float


@dataclass(frozen=True)
class Quote:
    text: str
    source: str


@dataclass(frozen=True)
class Evidence:
    tracker: TrackerRow
    state: str
    description: str | None
    comments: tuple[CommentRow, ...]
    prs: tuple[str, ...]
    precedents: tuple[Precedent, ...]
    security_model_url: str | None
    quotes: tuple[Quote, ...]
    duplicates: tuple[Duplicate, ...] = ()
    """§5.4 signals of the current text against every other tracker."""
    public_fixes: tuple[int, ...] = ()
    """§5.6: upstream PRs the text links that no tracker holds as its fix."""

    def as_json(self) -> dict[str, Any]:
        return {
            "tracker": self.tracker.number,
            "title": self.tracker.title,
            "state": self.state,
            "labels": list(self.tracker.labels),
            "body": self.tracker.body,
            "comments": [
                {"id": c.id, "author": c.author, "created_at": c.created_at.isoformat(), "body": c.body}
                for c in self.comments
            ],
            "linked_prs": list(self.prs),
            "precedents": [
                {"tracker": p.number, "title": p.title, "kind": p.kind, "label": p.label, "score": round(p.score, 1)}
                for p in self.precedents
            ],
            "security_model_url": self.security_model_url,
            "security_model_quotes": [{"text": x.text, "source": x.source} for x in self.quotes],
            "duplicates": [
                {"tracker": d.tracker, "signal": d.signal, "strength": str(d.strength), "detail": d.detail}
                for d in self.duplicates
            ],
            "fix_already_public": list(self.public_fixes),
        }


def similarity(a: str, b: str) -> float:
    """0-100, word order ignored (rapidfuzz token_sort_ratio on case-folded text)."""
    return float(fuzz.token_sort_ratio(a.casefold(), b.casefold()))


def linked_prs(value: str | None) -> tuple[str, ...]:
    """The PR URLs of the `PR with the fix` field, in field order, deduplicated."""
    found = [m.group(0).rstrip(".,;") for m in _URL.finditer(value or "")]
    return tuple(dict.fromkeys(found))


def security_model_quotes(config: ProjectConfig, text: str) -> list[Quote]:
    """`product.trust_boundaries` anchors of the security model, the closest to `text` first.

    The model itself is not fetched (steward works offline); each anchor is quoted as
    written and cited as `<security_model_url>#<anchor>`.
    """
    url = config.product.security_model_url
    quotes: list[tuple[float, int, Quote]] = []
    for index, anchor in enumerate(config.product.trust_boundaries):
        words = _ANCHOR_WORDS.sub(" ", anchor).strip()
        if not words:
            continue
        source = f"{url.rstrip('#')}#{anchor.lstrip('#')}" if url else anchor
        score = float(fuzz.token_set_ratio(words.casefold(), text.casefold()))
        quotes.append((score, index, Quote(words, source)))
    quotes.sort(key=lambda item: (-item[0], item[1]))
    return [quote for _, _, quote in quotes]


def _text_of(row: TrackerRow, app: App) -> str:
    try:
        description = field_value(parse_stored(row, app.headings), Field.ISSUE_DESCRIPTION)
    except BadStoredContent:
        description = None
    return f"{row.title}\n{description or ''}"


def precedents(app: App, row: TrackerRow, others: list[TrackerRow], limit: int = MAX_PRECEDENTS) -> list[Precedent]:
    """Closed invalid / not CVE worthy trackers (negative) and cve allocated ones (positive), most similar first."""
    ctx = app.labels
    negative = {ctx.of(Label.INVALID), ctx.of(Label.NOT_CVE_WORTHY)}
    positive = ctx.of(Label.CVE_ALLOCATED)
    mine = _text_of(row, app)
    found: list[Precedent] = []
    for other in others:
        if other.number == row.number:
            continue
        hit = sorted(negative & set(other.labels))
        if not other.is_open and hit:
            kind, label = "negative", hit[0]
        elif positive in other.labels:
            kind, label = "positive", positive
        else:
            continue
        score = similarity(mine, _text_of(other, app))
        if score >= MIN_SCORE:
            found.append(Precedent(other.number, other.title, kind, label, score))
    found.sort(key=lambda p: (-p.score, p.number))
    return found[:limit]


def gather_evidence(app: App, number: int) -> Evidence:
    """Read-only: nothing is written, not even an audit event."""
    app.member()
    with app.store.read(app.slug) as reader:
        row = reader.get_tracker(number)
        comments = reader.list_comments(number)
        others = reader.list_trackers()
        known = [k for k in known_trackers(app, reader) if k.number != number]
    parsed = parse_stored(row, app.headings)
    text = _text_of(row, app)
    candidate = CandidateText(None, row.title, field_value(parsed, Field.ISSUE_DESCRIPTION) or "")
    found = duplicate_signals(candidate, known, app.patterns, app.now())
    return Evidence(
        tracker=row,
        state=state(app, row).value,
        description=field_value(parsed, Field.ISSUE_DESCRIPTION),
        comments=tuple(comments[-LAST_COMMENTS:]),
        prs=linked_prs(field_value(parsed, Field.PR_WITH_FIX)),
        precedents=tuple(precedents(app, row, others)),
        security_model_url=app.config.product.security_model_url,
        quotes=tuple(security_model_quotes(app.config, text)[:3]),
        duplicates=tuple(found.duplicates),
        public_fixes=tuple(public_fix_prs(text, app.patterns, known)),
    )


def render_evidence(evidence: Evidence) -> list[str]:
    """Plain lines; the caller passes inbound text through `safe_terminal` before printing."""
    row = evidence.tracker
    lines = [f"Evidence for #{row.number}: {row.title}", f"state: {evidence.state}   labels: {', '.join(row.labels)}"]
    lines += ["", "== Body", row.body.rstrip()]
    lines += ["", f"== Last {len(evidence.comments)} comment(s)"]
    for comment in evidence.comments:
        lines += [f"--- comment {comment.id} by @{comment.author} at {comment.created_at:%Y-%m-%d %H:%M}"]
        lines += [comment.body.rstrip()]
    lines += ["", "== Linked PRs"]
    lines += [f"- {url}" for url in evidence.prs] or ["- none recorded in the PR field"]
    lines += ["", "== Possible duplicates (current text)"]
    lines += [
        f"- #{d.tracker} {d.strength}: {d.signal}" + (f" ({d.detail})" if d.detail else "") for d in evidence.duplicates
    ] or ["- none"]
    lines += ["", "== Fix already public"]
    lines += [f"- upstream PR #{n}" for n in evidence.public_fixes] or ["- no linked upstream PR outside the trackers"]
    lines += ["", "== Precedents"]
    lines += [
        f"- #{p.number} ({p.kind}: {p.label}, similarity {p.score:.0f}): {p.title}" for p in evidence.precedents
    ] or ["- none similar enough"]
    lines += ["", "== Security model"]
    if evidence.security_model_url is None:
        lines.append("- product.security_model_url is not set; set it in .steward/project.yml to cite the model.")
    else:
        lines.append(f"- {evidence.security_model_url}")
    lines += [f"> {quote.text} — {quote.source}" for quote in evidence.quotes]
    return lines
