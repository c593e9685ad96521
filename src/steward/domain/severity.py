"""The Severity and CWE fields (spec §2.4, §11.4): what the team wrote, validated, not scored.

Line 1 of Severity is the team's rating on the project's own scale; CVSS vectors
are optional extra lines. Scoring needs the `cvss` library and lives elsewhere;
this module only says which lines are what, so export and sync agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from steward.domain.fields import is_unset
from steward.domain.roles import SEVERITY_UNSET, Field
from steward.ids import cvss_vectors, cwe_ids
from steward.patterns import fixed

_BULLET = re.compile(r"[-*+][ \t]+")
_BARE_CWE = re.compile(r"CWE-(?P<id>[0-9]{1,5})", re.ASCII)


@dataclass(frozen=True)
class SeverityField:
    """`rating` is the scale's own spelling, None when unset; `vectors` are (version, vector) pairs."""

    rating: str | None
    vectors: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _vector_line(raw: str) -> tuple[str, str] | None:
    text = raw.strip()
    bullet = _BULLET.match(text)
    if bullet:
        text = text[bullet.end() :]
    text = text.strip("`").strip()
    found = cvss_vectors(text)
    if len(found) == 1 and found[0][1] == text:
        return found[0]
    return None


def parse_severity(value: str | None, scale: Sequence[str]) -> SeverityField:
    """Line 1 a scale value or `Unknown` (case-insensitive); later lines CVSS vectors; anything else an error."""
    if value is None or is_unset(value, Field.SEVERITY):
        return SeverityField(None)
    lines = [(n, raw.strip()) for n, raw in enumerate(re.split(r"\r\n|\r|\n", value.strip()), 1)]
    allowed = ", ".join(scale)
    rating: str | None = None
    errors: list[str] = []
    vectors: list[tuple[str, str]] = []
    first = lines[0][1]
    by_fold = {item.casefold(): item for item in scale}
    if first.casefold() in by_fold:
        rating = by_fold[first.casefold()]
    elif first.casefold() != SEVERITY_UNSET.casefold():
        errors.append(f"Severity line 1 ({first!r}) is not a severity; write one of {allowed} or {SEVERITY_UNSET}.")
    for number, text in lines[1:]:
        if not text:
            continue
        vector = _vector_line(text)
        if vector is None:
            errors.append(
                f"Severity line {number} ({text!r}) is not a CVSS:3.1/ or CVSS:4.0/ vector; "
                "remove it or write one vector per line."
            )
        elif vector not in vectors:
            vectors.append(vector)
    return SeverityField(rating, vectors, errors)


def render_severity(rating: str | None, vectors: Sequence[tuple[str, str]] = ()) -> str:
    return "\n".join([rating or SEVERITY_UNSET, *(vector for _, vector in vectors)])


@dataclass(frozen=True)
class CweField:
    """`long_form` is `CWE-NNN: <Title>`; `raw` is the stripped value ("" when unset)."""

    id: int | None
    title: str | None
    long_form: bool
    raw: str = ""


def parse_cwe(value: str | None) -> CweField:
    """Long form, bare `CWE-79` (short form), or free text naming exactly one CWE id (id only)."""
    if value is None or is_unset(value):
        return CweField(None, None, False)
    text = value.strip()
    long_form = fixed()["fields.cwe_long"].hit(text)
    if long_form is not None:
        return CweField(int(long_form.group("id")), long_form.group("title").strip(), True, text)
    bare = _BARE_CWE.fullmatch(text)
    if bare is not None:
        return CweField(int(bare.group("id")), None, False, text)
    found = cwe_ids(text)
    return CweField(found[0] if len(found) == 1 else None, None, False, text)


def render_cwe(cwe_id: int, title: str | None = None) -> str:
    """`CWE-NNN: <Title>`, or the bare id when the catalogue has no title."""
    if title is None or not title.strip():
        return f"CWE-{cwe_id}"
    clean = " ".join(title.split())
    return f"CWE-{cwe_id}: {clean}"
