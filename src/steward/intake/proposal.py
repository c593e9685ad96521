"""The import proposal (spec §5.13): one `Candidate` per thread, its `--json` form and its numbered text.

The JSON and the text carry the same facts, so a script and an operator confirm the same thing. Inbound
text (subjects, titles, credits) is passed through `safe_terminal` in the text rendering only; the JSON keeps
the data as data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from steward.config.model import ProjectConfig
from steward.intake.classify import Action, Classification, classify
from steward.intake.display import safe_terminal
from steward.intake.extract import ExtractedFields, extract_fields
from steward.intake.message import ParsedMessage, Unparsable
from steward.intake.pii import Code
from steward.intake.relays.base import RelayAdapter
from steward.intake.signals import (
    CandidateText,
    Duplicate,
    KnownTrackers,
    Strength,
    already_responded,
    duplicate_signals,
)
from steward.patterns import PatternSet

IMPORT_CLASSES = frozenset({"report", "report-converged"})


@dataclass(frozen=True)
class Candidate:
    """One proposal item. `credit` is None when no credit applies (dropped, rejected or unknown)."""

    message_id: str | None
    subject: str
    cls: str
    action: Action
    relay: str | None
    credit: str | None
    duplicates: tuple[Duplicate, ...]
    title: str
    reasons: tuple[str, ...]
    verified_relay: bool | None = None
    injection_flagged: bool = False
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    credit_kind: str | None = None
    template: str | None = None
    target_tracker: int | None = None
    reject_check: str = "no match"


def to_json(candidate: Candidate) -> dict[str, Any]:
    """The `--json` shape of one candidate."""
    return {
        "message_id": candidate.message_id,
        "subject": candidate.subject,
        "class": candidate.cls,
        "action": candidate.action,
        "relay": candidate.relay,
        "credit": candidate.credit,
        "duplicates": [
            {"tracker": d.tracker, "message_id": d.message_id, "signal": d.signal, "strength": d.strength.value}
            for d in candidate.duplicates
        ],
        "title": candidate.title,
        "reasons": list(candidate.reasons),
        "verified_relay": candidate.verified_relay,
        "injection_flagged": candidate.injection_flagged,
        "fields": dict(candidate.fields),
    }


def _line(text: str, limit: int = 200) -> str:
    return safe_terminal(text.replace("\n", " "), max_chars=limit)


def render_candidate(number: int, candidate: Candidate) -> str:
    target = f" #{candidate.target_tracker}" if candidate.target_tracker is not None else ""
    lines = [f"{number}. [{candidate.cls}] {candidate.action}{target}: {_line(candidate.title)}"]
    lines.append(f"   subject: {_line(candidate.subject)}")
    lines.append(f"   message: {_line(candidate.message_id or 'none')}")
    if candidate.relay:
        trust = "verified" if candidate.verified_relay else f"unverified relay ({candidate.relay})"
        lines.append(f"   relay: {candidate.relay} ({trust})")
    if candidate.credit is not None:
        kind = f" [{candidate.credit_kind}]" if candidate.credit_kind else ""
        lines.append(f"   credit: {_line(candidate.credit)}{kind}")
    for dup in candidate.duplicates:
        lines.append(f"   duplicate: #{dup.tracker} {dup.signal} {dup.strength.value}{_detail(dup)}")
    lines.append(f"   reject-class: {candidate.reject_check}")
    if candidate.injection_flagged:
        lines.append("   flagged: text addressed to automated tools (not acted on)")
    lines.extend(f"   - {_line(reason)}" for reason in candidate.reasons)
    return "\n".join(lines)


def _detail(dup: Duplicate) -> str:
    return f" ({_line(dup.detail, 120)})" if dup.detail else ""


def render_proposal(candidates: Sequence[Candidate]) -> str:
    """The numbered proposal; numbers are the §5.13 selector's `N`."""
    if not candidates:
        return "Nothing to import."
    return "\n".join(render_candidate(i, c) for i, c in enumerate(candidates, 1))


def _action(classification: Classification, duplicates: Sequence[Duplicate]) -> tuple[Action, int | None]:
    if classification.cls == "report":
        strong = next((d for d in duplicates if d.strength is Strength.STRONG), None)
        if strong is not None:
            return "merge", strong.tracker
    return classification.action, classification.target_tracker


def build_candidate(
    messages: Sequence[ParsedMessage | Unparsable],
    trackers: KnownTrackers,
    roster_emails: Iterable[str],
    config: ProjectConfig,
    patterns: PatternSet,
    *,
    secret: bytes,
    now: datetime,
    adapters: Sequence[RelayAdapter] = (),
    rejection_openings: Sequence[str] = (),
    permalink: str | None = None,
    operator_pii: Sequence[tuple[Code, str]] = (),
    narrow: Callable[[str, str], KnownTrackers] | None = None,
) -> Candidate:
    """Classification (§5.7), the already-responded drop (§5.3), duplicate signals (§5.4) and fields (§5.10).

    `narrow(subject, text)`, when given, picks the trackers the fuzzy signals compare with (the optional
    full-text prefilter of §5.4); classification always sees every tracker.
    """
    roster = list(roster_emails)
    result = classify(messages, trackers, roster, config, patterns, adapters=adapters)
    root = messages[0] if messages else None
    if not isinstance(root, ParsedMessage):
        mid = root.message_id if isinstance(root, Unparsable) else None
        return Candidate(mid, "", result.cls, result.action, None, None, (), "", result.signals)
    reasons = [*result.signals, *result.warnings]
    if result.relay_reason:
        reasons.append(result.relay_reason)
    parsed = [m for m in messages if isinstance(m, ParsedMessage)]
    if result.cls in IMPORT_CLASSES and already_responded(parsed, roster, patterns, now, rejection_openings):
        return Candidate(
            root.message_id,
            root.subject,
            result.cls,
            "drop",
            result.relay_name,
            None,
            (),
            root.subject,
            ("already responded: a roster rejection reply the reporter let stand", *reasons),
            result.verified_relay,
            result.injection_flagged,
        )
    fields: ExtractedFields | None = None
    duplicates: tuple[Duplicate, ...] = ()
    if result.cls in IMPORT_CLASSES:
        report = duplicate_signals(
            CandidateText(
                root.message_id,
                root.subject,
                result.text,
                root.from_addr.rpartition("@")[0],
                tuple(config.product.subject_prefix_strip),
            ),
            narrow(root.subject, result.text) if narrow is not None else trackers,
            patterns,
            now,
            cli_names=[n for n in (config.product.code_pointer_token, config.product.short_name.lower()) if n],
        )
        duplicates = report.duplicates
        reasons.extend(report.notes)
        fields = extract_fields(
            root,
            result.text,
            config,
            patterns,
            secret,
            roster_emails=roster,
            relay=result.relay,
            verified_relay=result.verified_relay,
            permalink=permalink,
            operator_pii=operator_pii,
        )
        reasons.extend(fields.title.warnings)
        reasons.extend(fields.notes)
    action, target = _action(result, duplicates)
    credit = fields.credit if fields is not None else None
    return Candidate(
        message_id=root.message_id,
        subject=root.subject,
        cls=result.cls,
        action=action,
        relay=result.relay_name,
        credit=credit.value if credit is not None and credit.source not in ("none", "held") else None,
        duplicates=duplicates,
        title=fields.title.title if fields is not None else root.subject,
        reasons=tuple(reasons),
        verified_relay=result.verified_relay,
        injection_flagged=result.injection_flagged,
        fields=MappingProxyType(fields.as_fields() if fields is not None else {}),
        credit_kind=credit.kind if credit is not None else None,
        template=result.template,
        target_tracker=target,
        reject_check=result.reject_check,
    )
