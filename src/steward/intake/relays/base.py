"""The forwarder-adapter contract of spec §5.8.

An adapter is data (its name, its defaults.yml key, its question mode) plus the project's compiled patterns
and `forwarders.<name>` block. Detection looks at exactly two things, the parsed `From:` addr-spec and the
first 400 characters of the body: a display name or any other header is text the sender chose, so it can
never make a message look relayed. Whether the relay is *trusted* is a separate question (`trust.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from steward.config.model import Forwarder
from steward.domain.credits import Kind, classify_kind
from steward.intake.message import ParsedMessage
from steward.patterns import PatternSet

PREAMBLE_CHARS = 400

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FORWARD_SEPARATOR = re.compile(r"^[ \t]*-{2,}[ \t]*(?:Forwarded|Original)[ \t]+Message[ \t]*-{2,}[ \t]*$", re.I)
_FORWARD_HEADER = re.compile(r"^[ \t]*(?:From|To|Cc|Date|Sent|Subject|Reply-To)[ \t]*:", re.I)


@dataclass(frozen=True)
class AdapterSpec:
    """What a platform module declares: `name` as written in config and thread lines, `key` as in defaults.yml."""

    name: str
    key: str
    question_mode: bool
    shipped: bool


@dataclass(frozen=True)
class Credit:
    """A relay-extracted (or directly attributed) credit: `raw` is the whole text the pattern matched."""

    name: str
    kind: Kind
    raw: str


class RelayAdapter:
    """One enabled forwarder adapter, bound to a project's patterns and `forwarders.<name>` block."""

    def __init__(self, spec: AdapterSpec, patterns: PatternSet, block: Forwarder | None = None) -> None:
        self.spec = spec
        self.patterns = patterns
        self.block = block or Forwarder()

    @property
    def name(self) -> str:
        return self.spec.name

    def _entry(self, suffix: str) -> str:
        return f"forwarders.{self.spec.key}.{suffix}"

    def detect(self, message: ParsedMessage) -> str | None:
        """The adapter name when the addr-spec fullmatches `sender_pattern` and the preamble opens the body."""
        if not message.from_addr or self.patterns[self._entry("sender_pattern")].hit(message.from_addr) is None:
            return None
        if self.patterns[self._entry("preamble_match")].hit(message.body_text[:PREAMBLE_CHARS]) is None:
            return None
        return self.spec.name

    def extract_credit(self, body: str) -> Credit | None:
        """The first non-blank `credit` capture of `credit_patterns`, tried in order; kind per §5.9."""
        for _, pattern in self.patterns[self._entry("credit_patterns")].patterns:
            for found in pattern.finditer(body):
                name = (found.groupdict().get("credit") or "").strip()
                if name:
                    return Credit(name, classify_kind(name, self.patterns), found.group(0))
        return None

    @property
    def contact(self) -> tuple[str, ...]:
        """`forwarders.<name>.contact` (one address or a fallback list); empty until the project sets it."""
        return tuple(self.block.contacts())

    @property
    def via_forwarder_question_mode(self) -> bool:
        configured = self.block.via_forwarder_question_mode
        return self.spec.question_mode if configured is None else configured

    @property
    def trusted_arc_sealers(self) -> tuple[str, ...]:
        return tuple(self.block.trusted_arc_sealers)

    def inner_body(self, body: str) -> str:
        """The forwarded report: the text after the preamble's paragraph, without forward headers or quoting.

        Falls back to the whole body when nothing follows the preamble, so a one-paragraph relay is still
        classified on its text.
        """
        found = self.patterns[self._entry("preamble_match")].hit(body[:PREAMBLE_CHARS])
        if found is None:
            return body
        rest_at = _BLANK_LINE.search(body, found.end())
        if rest_at is None:
            return body
        inner = _strip_forward_headers(body[rest_at.end() :])
        return inner if inner.strip() else body

    def reporter_addressing_block(
        self,
        forwarder_first_name: str,
        reporter_first_name: str,
        links: Sequence[tuple[str, str]],
        inner_body: str,
        *,
        sender: str | None = None,
    ) -> str:
        """The relay draft body: `Hi <forwarder>,`, links one per line, the `---`-fenced reporter block, `Thanks,`.

        `inner_body` is the text for the reporter (a rendered template); a greeting line it opens with is
        replaced by `Hello <reporter>,`, so the reporter is greeted exactly once.
        """
        lines = [f"Hi {forwarder_first_name},", ""]
        if links:
            lines += [f"{label}: {url}" for label, url in links]
            lines.append("")
        lines += ["---", f"Hello {reporter_first_name},", "", _without_greeting(inner_body).strip(), "---", ""]
        lines.append("Thanks,")
        if sender:
            lines.append(sender)
        return "\n".join(lines) + "\n"


_GREETING = re.compile(r"\A[ \t]*(?:Hello|Hi|Dear)\b[^\n]*,[ \t]*(?:\n|\Z)", re.I)


def _without_greeting(text: str) -> str:
    return _GREETING.sub("", text.lstrip("\n"), count=1)


def _strip_forward_headers(text: str) -> str:
    lines = text.split("\n")
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index < len(lines) and _FORWARD_SEPARATOR.match(lines[index]):
        index += 1
        while index < len(lines) and _FORWARD_HEADER.match(lines[index]):
            index += 1
    body = lines[index:]
    quoted = [line for line in body if line.strip()]
    if quoted and all(line.lstrip().startswith(">") for line in quoted):
        body = [_unquote(line) for line in body]
    return "\n".join(body).strip("\n")


def _unquote(line: str) -> str:
    stripped = line.lstrip()
    if not stripped.startswith(">"):
        return line
    stripped = stripped[1:]
    return stripped[1:] if stripped.startswith(" ") else stripped
