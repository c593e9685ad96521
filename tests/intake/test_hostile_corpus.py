"""Every hostile message parses to a model or an unparsable verdict, and its sanitised text keeps §5.11's promises."""

from __future__ import annotations

import pytest
from hostile_corpus import Case, cases, guarantee_violations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.intake.display import safe_terminal
from steward.intake.message import ParsedMessage, Unparsable, parse_message
from steward.intake.sanitise import sanitise_body
from steward.patterns import PatternSet

PATTERNS = PatternSet()
CASES = cases()


def test_corpus_is_large_and_uniquely_named() -> None:
    names = [case.name for case in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case_yields_the_expected_verdict(case: Case) -> None:
    result = parse_message(case.raw, limits=case.limits)
    if case.expect == "unparsable":
        assert isinstance(result, Unparsable), result
        assert result.reason.strip()
        assert result.raw_size == len(case.raw)
    else:
        assert isinstance(result, ParsedMessage), result
        assert result.from_addr
        assert result.date is not None and result.date.utcoffset() is not None
        assert len(result.body_text) <= case.limits.body_chars


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "parsed"], ids=lambda c: c.name)
def test_sanitised_text_keeps_the_guarantees(case: Case) -> None:
    result = parse_message(case.raw, limits=case.limits)
    assert isinstance(result, ParsedMessage)
    for text in (result.body_text, result.subject):
        sanitised = sanitise_body(text, PATTERNS)
        assert guarantee_violations(sanitised.text) == []
        assert sanitise_body(sanitised.text, PATTERNS).text == sanitised.text


@pytest.mark.parametrize("case", [c for c in CASES if c.expect == "parsed"], ids=lambda c: c.name)
def test_header_values_carry_no_line_breaks_or_controls(case: Case) -> None:
    result = parse_message(case.raw, limits=case.limits)
    assert isinstance(result, ParsedMessage)
    for value in (result.subject, result.from_name or "", result.from_addr, *result.to, *result.cc):
        assert not any(ch in value for ch in "\r\n\x00\u202e\u2066\u2069")
        assert len(value) <= case.limits.header_chars
    assert safe_terminal(result.subject) == result.subject.replace("\x1b", "")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parse_never_raises_on_arbitrary_bytes(raw: bytes) -> None:
    result = parse_message(raw)
    assert isinstance(result, ParsedMessage | Unparsable)
    if isinstance(result, Unparsable):
        assert result.reason


_HEADER_LINE = st.tuples(
    st.sampled_from(
        ["From", "Date", "Subject", "Message-ID", "Content-Type", "Content-Transfer-Encoding", "To", "X-A"]
    ),
    st.binary(max_size=80),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_HEADER_LINE, max_size=8), st.binary(max_size=500))
def test_parse_never_raises_on_message_shaped_bytes(headers: list[tuple[str, bytes]], body: bytes) -> None:
    raw = b"".join(name.encode() + b": " + value + b"\r\n" for name, value in headers) + b"\r\n" + body
    raw = b"From: a@example.org\r\nDate: Tue, 01 Oct 2024 10:00:00 +0000\r\n" + raw
    result = parse_message(raw)
    assert isinstance(result, ParsedMessage | Unparsable)
    if isinstance(result, ParsedMessage):
        assert guarantee_violations(sanitise_body(result.body_text, PATTERNS).text) == []
