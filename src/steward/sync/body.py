"""Body edits sync needs beyond `set_field`: appending to the optional `### Related references` section (§5.12)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from steward.domain.fields import parse_fields
from steward.domain.roles import Field

RELATED = "Related references"


def append_related(body: str, tokens: Sequence[str], headings: Mapping[Field, str]) -> str:
    """Add `- token` lines not yet present; a new section goes before the CVE JSON block (§2.7), else at the end."""
    parsed = parse_fields(body, headings)
    section = next((s for s in parsed.sections if s.field is None and s.heading.strip() == RELATED), None)
    existing = section.value if section is not None else ""
    have = {line.strip().removeprefix("- ").strip().strip("`").casefold() for line in existing.splitlines()}
    new = [t for t in dict.fromkeys(tokens) if t.strip() and t.strip().casefold() not in have]
    if not new:
        return body
    lines = "\n".join(f"- {t.strip()}" for t in new)
    if section is not None:
        value = f"{existing}\n{lines}" if existing else lines
        tail = "\n" if section.end < len(body) else ""
        return body[: section.value_start] + "\n" + value + "\n" + tail + body[section.end :]
    at = parsed.cve_json_start if parsed.cve_json_start is not None else len(body)
    before = body[:at].rstrip("\n")
    after = body[at:]
    return f"{before}\n\n### {RELATED}\n\n{lines}\n" + (f"\n{after}" if after else "")
