"""safe_terminal: nothing in inbound text can drive the terminal (§5.11 step 6)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from steward.intake.display import safe_terminal


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("\x1b]0;new title\x07text", "text"),
        ("\x1b]8;;https://example.invalid\x1b\\link\x1b]8;;\x1b\\", "link"),
        ("\x9b2Jcleared", "cleared"),
        ("\x1bPdevice\x1b\\after", "after"),
        ("safe\rFAKE LINE", "safeFAKE LINE"),
        ("bell\a and backspace\b", "bell and backspace"),
        ("line one\nline two\ttab", "line one\nline two\ttab"),
        ("invoice\u202efdp.exe \u2066x\u2069 \u200e\u061c", "invoicefdp.exe x "),
        ("\x00nul\x7fdel\x85nel", "nuldelnel"),
        ("bad \ud800 surrogate", "bad \ufffd surrogate"),
    ],
)
def test_safe_terminal(raw: str, expected: str) -> None:
    assert safe_terminal(raw) == expected


def test_max_chars_marks_the_cut() -> None:
    assert safe_terminal("abcdef", max_chars=4) == "abc…"
    assert safe_terminal("abc", max_chars=4) == "abc"
    assert safe_terminal("abc", max_chars=0) == ""


@given(st.text())
def test_output_has_no_controls_but_newline_and_tab(text: str) -> None:
    out = safe_terminal(text)
    assert all(ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F) for ch in out)
    assert not any(ch in out for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
    assert safe_terminal(out) == out


def test_rich_prints_it_literally() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=200)
    console.print(safe_terminal("[bold red]not markup[/] \x1b[31mx"), markup=False, highlight=False)
    assert buffer.getvalue() == "[bold red]not markup[/] x\n"
