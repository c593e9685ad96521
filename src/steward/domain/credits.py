"""Credit lines (spec §2.4) and the one credit-kind classifier (§5.9).

Intake, sync, dedupe and the CVE generator must agree on whether a credit is a
person, a tool or an organisation, so the rule lives here once. Word-in-name
heuristics are deliberately narrow: a human named after a tool stays human.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from steward.domain.fields import is_unset
from steward.domain.roles import Field
from steward.patterns import PatternSet, fixed, norm

Kind = Literal["human", "tool", "service"]
KINDS: tuple[Kind, ...] = ("human", "tool", "service")

_BULLET = re.compile(r"[-*+](?:[ \t]+|(?=`))")
_NO_CREDIT_PREFIX = "N/A — "
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Credit:
    """One credit line: `name` without the kind tag; `exports` is False for `anonymous` and `N/A — …`."""

    name: str
    kind_override: Kind | None = None

    @property
    def exports(self) -> bool:
        return self.name.casefold() != ANONYMOUS and not self.name.startswith(_NO_CREDIT_PREFIX)


def _as_kind(text: str) -> Kind:
    folded = text.casefold()
    for kind in KINDS:
        if kind == folded:
            return kind
    raise ValueError(f"unknown credit kind {text!r}")


def split_kind_tag(text: str) -> tuple[str, Kind | None]:
    """(name, override) for a value that may end in `fields.kind_tag`."""
    value = text.strip()
    found = fixed()["fields.kind_tag"].hit(value)
    if found is None:
        return value, None
    # The tag is ASCII, so its length is the same before and after NFC normalisation.
    tag_length = len(norm(value)) - found.start()
    return value[: len(value) - tag_length].strip(), _as_kind(found.group("kind"))


def clean_line(raw: str) -> str:
    """A credit line without bullet and backticks."""
    text = raw.strip()
    bullet = _BULLET.match(text)
    if bullet:
        text = text[bullet.end() :]
    return text.replace("`", "").strip()


def parse_credits(value: str | None) -> list[Credit]:
    """One credit per line (newlines only), de-duplicated case-insensitively, first spelling kept."""
    if value is None or is_unset(value):
        return []
    credits: list[Credit] = []
    seen: set[str] = set()
    for raw in re.split(r"\r\n|\r|\n", value):
        name, override = split_kind_tag(clean_line(raw))
        key = name.casefold()
        if not name or key in seen:
            continue
        seen.add(key)
        credits.append(Credit(name, override))
    return credits


def render_credit(credit: Credit) -> str:
    return f"{credit.name} [kind: {credit.kind_override}]" if credit.kind_override else credit.name


def render_credits(credits: Sequence[Credit]) -> str:
    """One line per credit, the override tag written back; empty for none (the writer stores `_No response_`)."""
    return "\n".join(render_credit(credit) for credit in credits)


def classify_kind(value: str, patterns: PatternSet, author_login: str | None = None) -> Kind:
    """§5.9 steps 1–4: explicit tag, then tool, then service, else human."""
    name, override = split_kind_tag(value)
    if override is not None:
        return override
    bot_names = patterns["credits.bot_names"]
    if name.casefold().endswith("[bot]") or bot_names.equals(name):
        return "tool"
    if author_login and bot_names.equals(author_login):
        return "tool"
    token = name.removeprefix("@")
    if token and not any(ch.isspace() for ch in token) and patterns["credits.bot_patterns"].hit(token):
        return "tool"
    if patterns["credits.service_patterns"].hit(name):
        return "service"
    return "human"


def credit_kind(credit: Credit, patterns: PatternSet, author_login: str | None = None) -> Kind:
    return credit.kind_override or classify_kind(credit.name, patterns, author_login)


def export_role(kind: Kind, field: Field) -> str | None:
    """The CVE 5.x `credits[].type`; None means the credit is dropped (tool-kind remediation developer)."""
    if field is Field.REPORTER_CREDIT:
        return "tool" if kind == "tool" else "finder"
    if field is Field.REMEDIATION_DEVELOPER:
        return None if kind == "tool" else "remediation developer"
    raise ValueError(f"{field} is not a credit field; use reporter-credit or remediation-developer")


def skipped_note(credit: Credit) -> str:
    """The rollup note for a dropped tool-kind remediation developer."""
    return f"skipped credit: {credit.name} (bot)"
