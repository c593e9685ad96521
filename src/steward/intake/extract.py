"""Field extraction at import (spec §5.10): what a new tracker's body holds before any human edits it.

Only facts the reporter cannot get wrong in a harmful way are copied: CWE and severity are the team's call
(`_No response_`, `Unknown`) and stay in the description if the reporter gave them. Credit from an
unverified relay is held, because an attacker who can fake the relay's mail could otherwise choose the
credited name and the reply route.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from steward.config.model import ProjectConfig
from steward.domain.credits import ANONYMOUS, Kind, classify_kind
from steward.domain.roles import NO_RESPONSE, SEVERITY_UNSET, Field
from steward.domain.threads import ThreadRef, render_thread
from steward.domain.titles import normalise_title
from steward.domain.versions import parse_affected, render_affected
from steward.intake.message import ParsedMessage
from steward.intake.pii import Code, PiiEntry, redact
from steward.intake.relays.base import Credit, RelayAdapter
from steward.intake.sanitise import sanitise_body
from steward.patterns import PatternSet, norm

CREDIT_UNKNOWN = "credit unknown — confirm before drafting"
FALLBACK_TITLE_CHARS = 80
_BULLET_OR_TICK = re.compile(r"^[ \t]*(?:[-*+][ \t]+|`)")

CreditSource = Literal["attribution", "display-name", "relay", "opt-out", "none", "held"]


@dataclass(frozen=True)
class TitleChoice:
    title: str
    original: str
    related_references: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class CreditChoice:
    """`value` is what the field gets; `held` the relay credit that `N:trust-relay` would apply."""

    value: str
    kind: Kind | None
    source: CreditSource
    raw: str | None = None
    held: Credit | None = None
    note: str | None = None


@dataclass(frozen=True)
class VersionsChoice:
    value: str
    raw: str | None
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ExtractedFields:
    title: TitleChoice
    description: str
    affected_versions: VersionsChoice
    security_thread: str
    credit: CreditChoice
    cwe: str
    severity: str
    tlp: str
    pii: tuple[PiiEntry, ...]
    injection_flagged: bool
    notes: tuple[str, ...]

    def as_fields(self) -> dict[str, str]:
        """Field role → value written at import (§2.1 column 'Written at import')."""
        return {
            Field.ISSUE_DESCRIPTION.value: self.description,
            Field.PUBLIC_SUMMARY.value: NO_RESPONSE,
            Field.AFFECTED_VERSIONS.value: self.affected_versions.value,
            Field.SECURITY_THREAD.value: self.security_thread,
            Field.PUBLIC_ADVISORY_URL.value: NO_RESPONSE,
            Field.REPORTER_CREDIT.value: self.credit.value,
            Field.PR_WITH_FIX.value: NO_RESPONSE,
            Field.REMEDIATION_DEVELOPER.value: NO_RESPONSE,
            Field.CWE.value: self.cwe,
            Field.SEVERITY.value: self.severity,
            Field.CVE_TOOL_LINK.value: NO_RESPONSE,
        }


def choose_title(
    subject: str,
    body: str,
    patterns: PatternSet,
    prefixes: Sequence[str] = (),
    operator_title: str | None = None,
) -> TitleChoice:
    """§5.10 title: the operator's title, else the subject, through §5.12; fallbacks say why in `warnings`."""
    if operator_title and operator_title.strip():
        result = normalise_title(operator_title.strip(), patterns, prefixes)
        return TitleChoice(result.title, operator_title, result.stripped, result.warnings)
    if subject.strip():
        result = normalise_title(subject, patterns, prefixes)
        return TitleChoice(result.title, subject, result.stripped, result.warnings)
    first = next((line.strip() for line in body.split("\n") if line.strip()), "")
    fallback = norm(re.sub(r"\s+", " ", first))[:FALLBACK_TITLE_CHARS].strip() or "Untitled report"
    warning = "the message has no subject; the title is its first line; supply `<Component>: <short description>`."
    return TitleChoice(fallback, subject, (), (warning,))


def _version_text(body: str, prefix: str | None) -> str | None:
    if not prefix:
        return None
    lines = norm(body).split("\n")
    wanted = norm(prefix).casefold()
    picked: list[str] = []
    for index, line in enumerate(lines):
        at = line.casefold().find(wanted)
        if at < 0:
            continue
        rest = line[at + len(wanted) :].strip()
        if rest:
            picked.append(rest)
        for following in lines[index + 1 :]:
            if not _BULLET_OR_TICK.match(following):
                break
            picked.append(following.strip())
    return "\n".join(picked) if picked else None


def extract_versions(body: str, config: ProjectConfig) -> VersionsChoice:
    """§5.10 affected versions: text after `product.affected_version_extract_prefix`, in §2.4 form or unset."""
    raw = _version_text(body, config.product.affected_version_extract_prefix)
    if raw is None:
        return VersionsChoice(NO_RESPONSE, None, ())
    scheme = config.product.version_scheme
    parsed = parse_affected(raw, lambda package: scheme)
    if not parsed.ok or not parsed.lines:
        quoted = raw.replace("\n", " / ")
        return VersionsChoice(NO_RESPONSE, raw, (f"Affected versions not imported (unparsable): {quoted!r}",))
    return VersionsChoice(render_affected(parsed.lines), raw, tuple(w.message for w in parsed.warnings))


def _attribution(body: str, patterns: PatternSet) -> tuple[str, str] | None:
    for _, pattern in patterns["credits.attribution_patterns"].patterns:
        for found in pattern.finditer(norm(body)):
            name = (found.groupdict().get("credit") or "").strip()
            if name:
                return name, found.group(0)
    return None


def choose_credit(
    root: ParsedMessage,
    text: str,
    patterns: PatternSet,
    relay: RelayAdapter | None = None,
    verified_relay: bool | None = None,
) -> CreditChoice:
    """§5.9: opt-out ⇒ anonymous; relays use `extract_credit`; else attribution beats the display name."""
    if relay is not None:
        credit = relay.extract_credit(root.body_text)
        if not verified_relay:
            note = f"credit held: unverified relay ({relay.name}); confirm with N:trust-relay"
            return CreditChoice(NO_RESPONSE, None, "held", credit.raw if credit else None, credit, note)
        if patterns["credits.opt_out"].hit(text) is not None:
            return CreditChoice(ANONYMOUS, None, "opt-out")
        if credit is not None:
            return CreditChoice(credit.name, credit.kind, "relay", credit.raw)
        return CreditChoice(NO_RESPONSE, None, "none", note=CREDIT_UNKNOWN)
    if patterns["credits.opt_out"].hit(text) is not None:
        return CreditChoice(ANONYMOUS, None, "opt-out")
    attributed = _attribution(text, patterns)
    if attributed is not None:
        name, raw = attributed
        return CreditChoice(name, classify_kind(name, patterns), "attribution", raw)
    display = (root.from_name or "").strip()
    if display:
        return CreditChoice(display, classify_kind(display, patterns), "display-name", display)
    return CreditChoice(NO_RESPONSE, None, "none", note=CREDIT_UNKNOWN)


def thread_line(root: ParsedMessage, relay: RelayAdapter | None = None, permalink: str | None = None) -> str | None:
    """The §2.4 thread line; None when the root has no Message-ID to name the thread by."""
    if not root.message_id:
        return None
    return render_thread(ThreadRef(permalink, root.message_id, relay.name if relay else None))


def project_domains(config: ProjectConfig) -> list[str]:
    """Domains of `security_inbox.address` and `lists.*`: never third-party data (§10.4)."""
    addresses = [config.security_inbox.address, *config.lists.model_dump().values()]
    return sorted({a.rpartition("@")[2].lower() for a in addresses if a and "@" in a})


def extract_fields(
    root: ParsedMessage,
    text: str,
    config: ProjectConfig,
    patterns: PatternSet,
    secret: bytes,
    *,
    roster_emails: Iterable[str] = (),
    relay: RelayAdapter | None = None,
    verified_relay: bool | None = None,
    permalink: str | None = None,
    operator_title: str | None = None,
    operator_pii: Sequence[tuple[Code, str]] = (),
) -> ExtractedFields:
    """Every §5.10 field of a new tracker; `text` is the body classified (the inner body for a relay)."""
    notes: list[str] = []
    title = choose_title(root.subject, text, patterns, config.product.subject_prefix_strip, operator_title)
    sanitised = sanitise_body(text, patterns)
    notes.extend(sanitised.notes)
    own = [root.from_addr, *roster_emails]
    description, pii = redact(
        sanitised.text,
        secret,
        patterns,
        project_domains=project_domains(config),
        own_addresses=own,
        operator_values=operator_pii,
    )
    if pii:
        notes.append(f"{len(pii)} third-party personal data value(s) replaced by ids")
    versions = extract_versions(text, config)
    notes.extend(versions.notes)
    line = thread_line(root, relay, permalink)
    if line is None:
        notes.append("the root message has no Message-ID; the thread field is left unset")
    credit = choose_credit(root, text, patterns, relay, verified_relay)
    if credit.note:
        notes.append(credit.note)
    if root.encrypted:
        notes.append("received encrypted")
    return ExtractedFields(
        title=title,
        description=description.strip() or NO_RESPONSE,
        affected_versions=versions,
        security_thread=line or NO_RESPONSE,
        credit=credit,
        cwe=NO_RESPONSE,
        severity=SEVERITY_UNSET,
        tlp=config.disclosure.default_tlp,
        pii=tuple(pii),
        injection_flagged=sanitised.injection_flagged,
        notes=tuple(notes),
    )
