"""§8.8 step 2: the public summary as the archived advisory states it.

The advisory is what the world read, so once it is archived its summary wins over the tracker's draft. The text
lies between the first line matching `archive_system.summary_extract.start` and the next line matching `.end`;
both marker lines are left out (the start line is the advisory's title, the end line its next section). Without
an end line nothing is extracted: a summary that runs to the end of the mail would carry its signature and
footer into the CVE record. Blank runs collapse to one blank line, trailing spaces go, the whole is trimmed.
"""

from __future__ import annotations

from steward.domain.fields import BodyFormatError, check_value
from steward.patterns import Entry

START = "archive_system.summary_extract.start"
END = "archive_system.summary_extract.end"


def tidy(lines: list[str]) -> str:
    """Trailing spaces stripped, blank runs collapsed to one blank line, the whole trimmed."""
    out: list[str] = []
    for line in (raw.rstrip() for raw in lines):
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out).strip()


def extract_summary(text: str, start: Entry, end: Entry) -> str | None:
    """The text between the markers, tidied; None when a marker is missing or nothing lies between them."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    begin = next((i for i, line in enumerate(lines) if start.hit(line)), None)
    if begin is None:
        return None
    stop = next((i for i in range(begin + 1, len(lines)) if end.hit(lines[i])), None)
    if stop is None:
        return None
    return tidy(lines[begin + 1 : stop]) or None


def storable(summary: str, heading: str) -> bool:
    """Whether the summary can go into the body field as it is (no `### ` heading or block marker inside)."""
    try:
        check_value(summary, heading)
    except BodyFormatError:
        return False
    return True
