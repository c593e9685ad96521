"""The embedded CVE JSON block of spec §2.7: render it, and splice it into a tracker body.

The block is derived data, never read back as input, so it can be replaced
wholesale. Its text comes partly from inbound reports (title, credits), so every
table cell is escaped: no cell can open an HTML comment, forge a marker or break
the table, and the JSON sits in a four-backtick fence that no JSON line can close.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from steward.domain.markers import render_marker
from steward.patterns import fixed
from steward.records.cve_json import GeneratedRecord

BEGIN = "cve-json-begin"
END = "cve-json-end"
FENCE = "````"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


def begin_marker(cve_id: str) -> str:
    return render_marker(BEGIN, cve=cve_id)


def end_marker(cve_id: str) -> str:
    return render_marker(END, cve=cve_id)


def cell(text: str) -> str:
    """One Markdown table cell: control characters dropped, HTML and pipes escaped, one line."""
    clean = fixed()["render.strip_controls"].patterns[0][1].sub(" ", text) if text else ""
    clean = fixed()["sanitise.strip_chars"].patterns[0][1].sub("", clean)
    clean = " ".join(clean.split())
    clean = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
    return clean or "—"


def _credits(cna: dict[str, Any]) -> str:
    credits = cna.get("credits", [])
    if not credits:
        return "none"
    return "; ".join(f"{c.get('type', 'finder')}: {c.get('value', '')}" for c in credits)


def _packages(cna: dict[str, Any]) -> str:
    names = [str(a.get("packageName") or a.get("product") or "?") for a in cna.get("affected", [])]
    return ", ".join(names) if names else "none"


def render_block(generated: GeneratedRecord) -> str:
    """The whole block, begin marker to end marker, ending with a newline."""
    record = generated.record
    cve_id = record.get("cveMetadata", {}).get("cveId")
    if not isinstance(cve_id, str) or fixed()["ids.cve"].hit(cve_id) is None:
        raise ValueError("The CVE JSON block needs a valid CVE id in the record; allocate one first.")
    cna: dict[str, Any] = record.get("containers", {}).get("cna", {})
    gaps = generated.gaps
    gap_cell = "none" if not gaps else f"{len(gaps)}: " + "<br>".join(cell(g) for g in gaps)
    rows = [
        ("CVE id", cell(cve_id)),
        ("Title", cell(str(cna.get("title", "")))),
        ("Record state", cell(generated.state)),
        ("Affected packages", cell(_packages(cna))),
        ("Credits", cell(_credits(cna))),
        ("References", cell(str(len(cna.get("references", []))))),
        ("Size", cell(f"{len(generated.json_text.encode('utf-8')):,} bytes")),
        ("Schema gaps", gap_cell),
    ]
    table = "\n".join(["| Field | Value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)])
    return (
        f"{begin_marker(cve_id)}\n"
        f"#### CVE JSON — {cve_id}\n\n"
        f"{table}\n\n"
        "<details><summary>CVE JSON record (derived; never edited by hand)</summary>\n\n"
        f"{FENCE}json\n{generated.json_text}{FENCE}\n\n"
        "</details>\n"
        f"{end_marker(cve_id)}\n"
    )


def _lines(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end including the break, content) for every line."""
    pos = 0
    while pos < len(text):
        found = _LINE.match(text, pos)
        assert found is not None
        yield pos, found.end(), found.group(0).rstrip("\r\n")
        pos = found.end()


def _marker_name(content: str) -> str | None:
    found = fixed()["markers.steward"].hit(content)
    if found is None or found.end() != len(content.rstrip()):
        return None
    return found.group("name")


def _is_legacy(content: str) -> bool:
    found = fixed()["markers.legacy_cve_json"].hit(content)
    return found is not None and found.start() == 0 and found.end() == len(content.rstrip())


def _outside_fences(body: str) -> Iterator[tuple[int, int, str]]:
    """Lines that are not inside a fenced code block (a quoted block in a description is text)."""
    fence_open = fixed()["codec.fence_open"]
    fence: tuple[str, int] | None = None
    for start, end, content in _lines(body):
        if fence is not None:
            if re.fullmatch(r" {0,3}" + re.escape(fence[0]) + "{" + str(fence[1]) + r",} *", content):
                fence = None
            continue
        opened = fence_open.hit(content)
        if opened is not None and _marker_name(content) is None:
            mark = opened.group("fence")
            fence = (mark[0], len(mark))
            continue
        yield start, end, content


def find_block(body: str) -> tuple[int, int] | None:
    """(start, end) of the block to replace: a steward pair, else a legacy pair, else None.

    A begin marker without its end (a truncated block), or a legacy marker without a second legacy
    line, runs to the end of the body: both generators always appended the block last.
    """
    lines = list(_outside_fences(body))
    for index, (start, _, content) in enumerate(lines):
        if _marker_name(content) == BEGIN:
            for _, end, later in lines[index + 1 :]:
                if _marker_name(later) == END:
                    return start, end
            return start, len(body)
    for index, (start, _, content) in enumerate(lines):
        if _is_legacy(content):
            for _, end, later in lines[index + 1 :]:
                if _is_legacy(later):
                    return start, end
            return start, len(body)
    return None


def splice_block(body: str, block: str) -> str:
    """Replace the steward pair, else a legacy pair, else append at the end; the same string when unchanged."""
    text = block if block.endswith("\n") else block + "\n"
    found = find_block(body)
    if found is not None:
        start, end = found
        new = body[:start] + text + body[end:]
    else:
        stripped = body.rstrip("\r\n")
        new = (stripped + "\n\n" if stripped else "") + text
    return body if new == body else new
