"""Terminal-safe rendering of inbound text, spec §5.11 step 6.

A subject or body can carry escape sequences that recolour the terminal, move the cursor, retitle the window or
overwrite a line with `\\r`; bidi overrides reorder what the operator reads. All of that is removed before the
text reaches Rich, which then prints it with markup and highlighting off (`steward.cli.output.plain`).
"""

from __future__ import annotations

import re

from steward.patterns import fixed

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlinks), terminated by BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]"  # two-character and nF escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def safe_terminal(text: str, *, max_chars: int | None = None) -> str:
    """Text with escape sequences, C0/C1 controls (newline and tab kept) and bidi controls removed.

    `max_chars` cuts the result and marks the cut with `…`.
    """
    clean = _ANSI.sub("", text)
    for _, pattern in fixed()["render.strip_controls"].patterns:
        clean = pattern.sub("", clean)
    for _, pattern in fixed()["sanitise.strip_chars"].patterns:
        clean = pattern.sub("", clean)
    clean = _SURROGATES.sub("\ufffd", _CONTROLS.sub("", clean))
    if max_chars is not None and len(clean) > max_chars:
        clean = clean[: max(0, max_chars - 1)] + "…" if max_chars > 0 else ""
    return clean
