"""Stall escalation drafts of spec §8.9 (Step 4): phase-1 notes and the phase-2 skeleton, as values.

Nothing here writes to a sink or posts a comment: the caller stores the drafts and a human edits and sends
them. Every draft begins with the tracker's TLP line (§11.2); the tracker URL appears only in the private
audiences' drafts (governance, foundation security, the tracker, `<private-list>`), never in the reporter's or
the forwarder's, whatever `tracker.reporter_has_access` says, because §8.9 is the narrower rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr
from typing import Literal

from steward import ids
from steward.comms.canned import signature
from steward.comms.drafts import (
    DEMO_LINE,
    ThreadFacts,
    TrackerFacts,
    check_outbound,
    check_recipients,
    forbidden_urls,
    header_value,
    reply_subject,
    thread_chain,
    tracker_base_url,
)
from steward.config.model import ProjectConfig
from steward.domain.roles import TLP_LABELS
from steward.domain.stall import StallDecision
from steward.errors import Refused, UsageError

Audience = Literal["governance", "foundation-security", "reporter", "forwarder", "tracker", "private-list"]
PRIVATE_AUDIENCES: frozenset[str] = frozenset({"governance", "foundation-security", "tracker", "private-list"})

BLANK = "[TO BE WRITTEN]"
"""Marks every part of the phase-2 skeleton a human must write; steward never fills analysis."""


@dataclass(frozen=True)
class EscalationDraft:
    """One draft; `to`/`cc` are empty for the tracker comment. Threading is set only for the reporter's draft."""

    audience: Audience
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    body: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class Counterpart:
    """Who the outward phase-1 draft goes to: the reporter (direct) or the forwarder contact (relay, §9.1)."""

    kind: Literal["reporter", "forwarder"]
    address: str
    name: str | None = None
    thread: ThreadFacts | None = None


@dataclass(frozen=True)
class StallFacts:
    """The tracker facts every escalation draft states; `links` are further private links (PRs, threads)."""

    tracker: int
    title: str
    tracker_url: str
    tlp: str
    decision: StallDecision
    cve_id: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagCandidate:
    handle: str
    why: str


# ---------------------------------------------------------------- helpers


def _address(raw: str, key: str) -> str:
    address = parseaddr(header_value(raw))[1]
    if "@" not in address:
        raise Refused(f"`{key}` holds {raw!r}, which is not an e-mail address; fix it in .steward/project.yml.")
    domain = address.rpartition("@")[2].casefold().rstrip(".")
    if domain == "invalid" or domain.endswith(".invalid"):
        raise Refused(
            f"The escalation draft would go to the placeholder address {address} from `{key}`; "
            f"set `{key}` to a real address in .steward/project.yml."
        )
    return address


def _check(facts: StallFacts) -> None:
    if facts.tlp not in TLP_LABELS:
        raise UsageError(f"{facts.tlp!r} is not a TLP label; use one of {', '.join(TLP_LABELS)}.")
    if facts.cve_id is not None and not ids.is_cve(facts.cve_id):
        raise UsageError(f"{facts.cve_id!r} is not a CVE id (CVE-YYYY-NNNN…); fix the tracker's CVE field.")


def _head(config: ProjectConfig, facts: StallFacts) -> str:
    lines = [DEMO_LINE] if config.project_kind == "demo" else []
    lines.append(facts.tlp)
    return "\n".join(lines)


def _ref(facts: StallFacts) -> str:
    return f"#{facts.tracker}" + (f" ({facts.cve_id})" if facts.cve_id else "")


def _who(author: str) -> str:
    return author if author.startswith("@") or "@" in author or " " in author else f"@{author}"


def _clock(decision: StallDecision, *, with_author: bool) -> str:
    if decision.last_substantive is None:
        return "there has been no substantive comment since it was opened"
    day, author = decision.last_substantive
    if with_author:
        return f"the last substantive comment was on {day.isoformat()} by {_who(author)}"
    return f"the last substantive update was on {day.isoformat()}"


def _security_list(config: ProjectConfig) -> str:
    return _address(config.security_inbox.address, "security_inbox.address")


def _mail(
    config: ProjectConfig, facts: StallFacts, audience: Audience, *, to: str, subject: str, body: str
) -> EscalationDraft:
    cc = [_security_list(config)]
    cc = [c for c in cc if c.casefold() != to.casefold()]
    check_recipients(config, [to, *cc], facts.tlp)
    return EscalationDraft(audience, (to,), tuple(cc), header_value(subject), body)


# ---------------------------------------------------------------- phase 1


def _private_phase1(config: ProjectConfig, facts: StallFacts) -> str:
    decision = facts.decision
    links = [facts.tracker_url, *(link for link in facts.links if link != facts.tracker_url)]
    paragraphs = [
        _head(config, facts),
        f'Security tracker {_ref(facts)} of {config.product.name}, "{header_value(facts.title)}", has stalled: '
        f"it has been {decision.days_stalled} days and {_clock(decision, with_author=True)}.",
        "We would welcome ideas on how to move it forward: who could take it on, what is missing to decide it, "
        "or whether it should be closed. Please reply to this message.",
        "Links:\n" + "\n".join(links),
        signature(config),
    ]
    return "\n\n".join(paragraphs) + "\n"


def _outward_phase1(config: ProjectConfig, facts: StallFacts, counterpart: Counterpart) -> str:
    decision = facts.decision
    name = header_value(counterpart.name or "") or config.comms.reporter_name_fallback
    subject = "your report" if counterpart.kind == "reporter" else "the report you forwarded to us"
    cve = f", {facts.cve_id}" if facts.cve_id else ""
    paragraphs = [
        _head(config, facts),
        f"Hello {name}, we are writing about {subject} (our reference #{facts.tracker}{cve}). It has not moved "
        f"for {decision.days_stalled} days; {_clock(decision, with_author=False)}. We are sorry for the delay "
        "and have asked the wider project for help.",
        "If you have ideas that could help, such as a smaller reproduction, a suggested fix or context we may "
        "be missing, please reply on this thread.",
        signature(config),
    ]
    return "\n\n".join(paragraphs) + "\n"


def _outward_draft(config: ProjectConfig, facts: StallFacts, counterpart: Counterpart) -> EscalationDraft:
    key = "forwarders.<name>.contact" if counterpart.kind == "forwarder" else "the root message's From: address"
    to = _address(counterpart.address, key)
    body = _outward_phase1(config, facts, counterpart)
    forbidden = forbidden_urls(config, TrackerFacts(tlp=facts.tlp, tracker_url=facts.tracker_url))
    forbidden += [facts.tracker_url, tracker_base_url(config)]
    problems = check_outbound(body, forbidden)
    if problems:
        raise Refused(f"The escalation draft for #{facts.tracker} breaks the writing rules: {'; '.join(problems)}.")
    thread = counterpart.thread
    chain = thread_chain(thread.messages) if thread is not None and thread.messages else ()
    subject = reply_subject(thread.root_subject if thread is not None else facts.title)
    draft = _mail(config, facts, counterpart.kind, to=to, subject=subject, body=body)
    return EscalationDraft(
        draft.audience, draft.to, draft.cc, draft.subject, draft.body, chain[-1] if chain else None, chain
    )


def phase1_drafts(
    facts: StallFacts, *, config: ProjectConfig, counterpart: Counterpart | None
) -> tuple[EscalationDraft, ...]:
    """Governance, foundation security (when set) and reporter-or-forwarder drafts; an unset audience is skipped.

    `counterpart` is None when §9.1 gives the tracker no reporter route (imported, unverified relay, reporter on
    the roster); the caller writes the rollup line saying so.
    """
    _check(facts)
    drafts: list[EscalationDraft] = []
    subject = f"Stalled security report {_ref(facts)}: {facts.decision.days_stalled} days without progress"
    body = _private_phase1(config, facts)
    if config.governance.private_governance_list:
        to = _address(config.governance.private_governance_list, "governance.private_governance_list")
        drafts.append(_mail(config, facts, "governance", to=to, subject=subject, body=body))
    if config.security_inbox.foundation_security_address:
        to = _address(config.security_inbox.foundation_security_address, "security_inbox.foundation_security_address")
        drafts.append(_mail(config, facts, "foundation-security", to=to, subject=subject, body=body))
    if counterpart is not None:
        drafts.append(_outward_draft(config, facts, counterpart))
    return tuple(drafts)


def skipped_audiences(config: ProjectConfig) -> list[str]:
    """One note per phase-1 audience left out because its key is unset, for the rollup."""
    notes: list[str] = []
    if not config.governance.private_governance_list:
        notes.append("No governance escalation draft: governance.private_governance_list is not set.")
    if not config.security_inbox.foundation_security_address:
        notes.append("No foundation-security escalation draft: security_inbox.foundation_security_address is not set.")
    return notes


# ---------------------------------------------------------------- phase 2


def tagging_candidates(
    committers: Iterable[str], roster: Iterable[str], participants: Iterable[str] = ()
) -> tuple[TagCandidate, ...]:
    """§8.9: committers to the affected files in the last 365 days who are on the roster, plus thread participants."""
    members = {handle.casefold(): handle for handle in roster}
    out: list[TagCandidate] = []
    seen: set[str] = set()
    for login in committers:
        handle = members.get(login.strip().lstrip("@").casefold())
        if handle is not None and handle.casefold() not in seen:
            seen.add(handle.casefold())
            out.append(TagCandidate(handle, "committed to the affected files in the last 365 days"))
    for person in participants:
        name = header_value(person).lstrip("@")
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(TagCandidate(name, "took part in the report thread"))
    return tuple(out)


def _options_table() -> str:
    rows = ["| Option | Does | Closes | Does not close | Risk |", "|---|---|---|---|---|"]
    rows += [f"| {letter} | {BLANK} | {BLANK} | {BLANK} | {BLANK} |" for letter in "ABC"]
    return "\n".join(rows)


def phase2_body(
    facts: StallFacts, *, config: ProjectConfig, phase1_date: date | None, candidates: Sequence[TagCandidate]
) -> str:
    """The §8.9 skeleton: facts filled in, every analysis part left as a `[TO BE WRITTEN]` blank."""
    _check(facts)
    decision = facts.decision
    since = f" on {phase1_date.isoformat()}" if phase1_date is not None else ""
    people = [f"- {_who(c.handle)} ({c.why})" for c in candidates] or [f"- {BLANK} (no candidates found)"]
    links = [facts.tracker_url, *(link for link in facts.links if link != facts.tracker_url)]
    sections = [
        _head(config, facts),
        f"# Escalation (phase 2): {_ref(facts)} {header_value(facts.title)}",
        "## Disclaimer\n"
        "steward pre-filled the facts in this skeleton from the tracker. "
        f"{BLANK}: say whether any of the analysis below was tool-assisted and how it was checked; "
        "delete this section when none was.",
        "## Tagging method\n"
        "Candidates are the roster members who committed to the affected files in the last 365 days, plus the "
        f"participants of the report thread. {BLANK}: add or remove people and say why.",
        "## TL;DR\n"
        f"- Stalled for {decision.days_stalled} days; {_clock(decision, with_author=True)}.\n"
        f"- Phase-1 escalation drafts were written{since}; no substantive reply since.\n"
        f"- {BLANK}: the problem and what blocks it, in two sentences.",
        f"## Why the obvious fix is not enough\n{BLANK}",
        "## Options\n" + _options_table(),
        "## Open questions (3-5)\n" + "\n".join(f"{n}. {BLANK}" for n in range(1, 4)),
        "## People tagged\n" + "\n".join(people),
        "## Links\n" + "\n".join(links),
    ]
    return "\n\n".join(sections) + "\n"


def phase2_drafts(
    facts: StallFacts,
    *,
    config: ProjectConfig,
    phase1_date: date | None,
    candidates: Sequence[TagCandidate] = (),
) -> tuple[EscalationDraft, ...]:
    """The skeleton twice: as a tracker comment (no recipients) and as mail to `<private-list>`."""
    body = phase2_body(facts, config=config, phase1_date=phase1_date, candidates=candidates)
    subject = f"Escalation (phase 2): stalled security report {_ref(facts)}"
    comment = EscalationDraft("tracker", (), (), header_value(subject), body)
    to = _address(config.lists.private, "lists.private")
    return (comment, _mail(config, facts, "private-list", to=to, subject=subject, body=body))


__all__ = [
    "BLANK",
    "PRIVATE_AUDIENCES",
    "Audience",
    "Counterpart",
    "EscalationDraft",
    "StallFacts",
    "TagCandidate",
    "ThreadFacts",
    "phase1_drafts",
    "phase2_body",
    "phase2_drafts",
    "skipped_audiences",
    "tagging_candidates",
]
