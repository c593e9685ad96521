from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.titles import MAX_PASSES, normalise_title
from steward.patterns import PatternSet, sample_placeholders

PATTERNS = PatternSet(sample_placeholders())


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Re: Fwd: [SECURITY] XSS in the login form", "XSS in the login form"),
        ("  Re:   [SECURITY]   stored   xss in the admin page  ", "Stored xss in the admin page"),
        ("Security Report: path traversal in uploads", "Path traversal in uploads"),
        ("Example Widget 2.7.1: SSRF via webhook URL", "SSRF via webhook URL"),
        ("Widget 2.x - token leak in debug logs", "Token leak in debug logs"),
        ("RCE via template injection in Example Widget.", "RCE via template injection"),
        ("XSS in the login form (Example Widget 2.7)", "XSS in the login form"),
        ("XSS in the login form (GHSA-2c2h-4x8r-9w5q)", "XSS in the login form"),
        ("XSS in the login form [GHSL-2024-001]", "XSS in the login form"),
        ("XSS in the login form (split from #12)", "XSS in the login form"),
        ("XSS in the login form (follow-up to CVE-2024-12345).", "XSS in the login form"),
        ("XSS in the login form (login form follow-up)", "XSS in the login form"),
        ("XSS in the login form (GHSA-2c2h-4x8r-9w5q) [GHSL-2024-001] ...", "XSS in the login form"),
        ("Example Widgetctl leaks tokens to logs", "Example Widgetctl leaks tokens to logs"),
    ],
)
def test_cascade(title: str, expected: str) -> None:
    result = normalise_title(title, PATTERNS)
    assert result.title == expected
    assert not result.over_strip
    assert result.original == title


def test_stripped_tokens_exclude_reply_prefixes() -> None:
    result = normalise_title("Re: [SECURITY] XSS in the login form (GHSA-2c2h-4x8r-9w5q)", PATTERNS)
    assert result.stripped == ("[SECURITY]", "(GHSA-2c2h-4x8r-9w5q)")


def test_subject_prefix_strip_is_case_insensitive() -> None:
    result = normalise_title("[widget-sec] re: SQL injection in search", PATTERNS, ["[WIDGET-SEC] "])
    assert result.title == "SQL injection in search"
    assert result.stripped == ("[WIDGET-SEC]",)


def test_leading_removals_repeat_until_stable() -> None:
    assert normalise_title("[SECURITY] Re: [Important] Widget: open redirect on logout", PATTERNS).title == (
        "Open redirect on logout"
    )


def test_over_strip_keeps_original() -> None:
    result = normalise_title("[SECURITY] Example Widget: XSS", PATTERNS)
    assert result.over_strip
    assert result.title == "[SECURITY] Example Widget: XSS"
    assert "fewer than 3 words" in result.warnings[0]
    assert result.stripped == ()


def test_without_placeholders_product_items_are_skipped() -> None:
    result = normalise_title("Example Widget: XSS in the login form", PatternSet())
    assert result.title == "Example Widget: XSS in the login form"


def test_pass_limit_constant() -> None:
    assert MAX_PASSES == 10


TITLE_ALPHABET = st.sampled_from(
    ["Re:", "Fwd:", "[SECURITY]", "(Important)", "Security Issue -", "Example Widget", "Widget:", "2.7.1", "in",
     "(GHSA-2c2h-4x8r-9w5q)", "[HUNTR-x1]", "(split from #3)", "(CVE-2024-12345 follow-up)", "(a follow-up)",
     "xss", "login", "form", ".", " ", "  ", "\t", "é", "e\u0301", "ß", "ﬁ", "\u2019", "|", "—", ":"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(TITLE_ALPHABET, max_size=12).map(" ".join))
def test_result_is_a_fixpoint_for_title_like_text(text: str) -> None:
    first = normalise_title(text, PATTERNS)
    again = normalise_title(first.title, PATTERNS)
    assert again.title == first.title


@given(st.text())
def test_fixpoint_and_never_crashes_on_any_text(text: str) -> None:
    first = normalise_title(text, PATTERNS, ["[x] "])
    assert normalise_title(first.title, PATTERNS, ["[x] "]).title == first.title
