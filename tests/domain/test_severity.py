"""The Severity and CWE fields (spec §2.4, §11.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.severity import CweField, SeverityField, parse_cwe, parse_severity, render_cwe, render_severity

SCALE = ["low", "medium", "high", "critical"]
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


@pytest.mark.parametrize("value", ["Unknown", "unknown", "_No response_", "", "*no response*"])
def test_unset_severity(value: str) -> None:
    assert parse_severity(value, SCALE) == SeverityField(None, [], [])


def test_rating_is_case_insensitive_and_returned_in_the_scale_spelling() -> None:
    assert parse_severity("  HIGH ", SCALE) == SeverityField("high", [], [])
    assert parse_severity("Important", ["Low", "Moderate", "Important", "Critical"]).rating == "Important"


def test_vectors_on_later_lines() -> None:
    result = parse_severity(f"critical\n{V31}\n\n- `{V40}`\n{V31}", SCALE)
    assert result.rating == "critical"
    assert result.vectors == [("3.1", V31), ("4.0", V40)]
    assert result.errors == []


def test_unknown_rating_with_a_vector_keeps_the_vector() -> None:
    result = parse_severity(f"Unknown\n{V31}", SCALE)
    assert (result.rating, result.vectors, result.errors) == (None, [("3.1", V31)], [])


def test_bad_first_line_is_an_error_naming_the_scale() -> None:
    result = parse_severity("severe", SCALE)
    assert result.rating is None
    assert result.errors == [
        "Severity line 1 ('severe') is not a severity; write one of low, medium, high, critical or Unknown."
    ]


@pytest.mark.parametrize("line", ["CVSS:2.0/AV:N/AC:L", "cvss:3.1/av:n", f"score 9.8 {V31}", "see the report"])
def test_anything_else_on_later_lines_is_an_error(line: str) -> None:
    result = parse_severity(f"high\n{line}", SCALE)
    assert result.rating == "high"
    assert result.vectors == []
    assert len(result.errors) == 1 and result.errors[0].startswith("Severity line 2 (")


def test_render_severity() -> None:
    assert render_severity(None) == "Unknown"
    assert render_severity("high", [("3.1", V31)]) == f"high\n{V31}"


def test_cwe_long_form() -> None:
    title = "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    value = f"CWE-79: {title}"
    assert parse_cwe(value) == CweField(79, title, True, value)
    assert render_cwe(79, title) == value


def test_cwe_short_form_and_free_text() -> None:
    assert parse_cwe(" CWE-79 ") == CweField(79, None, False, "CWE-79")
    assert parse_cwe("cwe-79: XSS") == CweField(79, None, False, "cwe-79: XSS")
    assert parse_cwe("CWE-79 or CWE-80").id is None
    assert parse_cwe("XSS") == CweField(None, None, False, "XSS")
    assert parse_cwe("_No response_") == CweField(None, None, False, "")
    assert render_cwe(79) == "CWE-79"
    assert render_cwe(22, "  Path\nTraversal ") == "CWE-22: Path Traversal"


@given(st.integers(0, 99999), st.none() | st.text(st.sampled_from(list("ab Z'()-.,")), min_size=1).map(str.strip))
@settings(max_examples=200)
def test_cwe_round_trip(cwe_id: int, title: str | None) -> None:
    title = title or None
    parsed = parse_cwe(render_cwe(cwe_id, title))
    assert (parsed.id, parsed.long_form) == (cwe_id, title is not None)
    assert parsed.title == (" ".join(title.split()) if title else None)


@given(st.sampled_from([None, *SCALE]), st.lists(st.sampled_from([("3.1", V31), ("4.0", V40)]), unique=True))
def test_severity_round_trip(rating: str | None, vectors: list[tuple[str, str]]) -> None:
    result = parse_severity(render_severity(rating, vectors), SCALE)
    assert (result.rating, result.vectors, result.errors) == (rating, vectors, [])


@given(st.text(max_size=120))
def test_parsers_never_crash(text: str) -> None:
    severity = parse_severity(text, SCALE)
    assert severity.rating is None or severity.rating in SCALE
    cwe = parse_cwe(text)
    assert cwe.long_form is (cwe.title is not None)
