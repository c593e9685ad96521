"""Security-thread lines (spec §2.4) and the primary thread (§9.3)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.threads import (
    Ambiguous,
    LegacyThread,
    Sentinel,
    ThreadRef,
    Unparsed,
    parse_thread_line,
    parse_threads,
    primary_thread,
    render_thread,
    render_threads,
    sentinel_md,
    sentinel_pr,
    sentinel_scan,
    to_ref,
)

URL = "https://lists.example.org/thread/abc"
CANONICAL = f"{URL} · Root Message-ID: `<CAF1x@mail.example.org>` (via huntr)"


def test_canonical_line_with_relay() -> None:
    ref = parse_thread_line(CANONICAL)
    assert ref == ThreadRef(URL, "<CAF1x@mail.example.org>", "huntr")
    assert render_thread(ref) == CANONICAL


def test_canonical_line_without_permalink() -> None:
    line = "Root Message-ID: `<x.1@example.net>`"
    assert parse_thread_line(line) == ThreadRef(None, "<x.1@example.net>")
    assert render_thread(ThreadRef(None, "<x.1@example.net>")) == line


def test_other_bracketed_note_is_kept_verbatim() -> None:
    line = "Root Message-ID: `<x.1@example.net>` (ASF-relayed)"
    ref = parse_thread_line(line)
    assert ref == ThreadRef(None, "<x.1@example.net>", None, "ASF-relayed")
    assert render_thread(ref) == line


def test_sentinels_are_built_and_read() -> None:
    pr = sentinel_pr("example/widget", 1234, "security@example.org")
    md = sentinel_md("findings.md", "security@example.org")
    scan = sentinel_scan("codeql", "security@example.org")
    assert pr.text == "N/A — opened from public PR example/widget#1234; no security@example.org thread"
    assert md.text == "N/A — imported from markdown file findings.md; no security@example.org thread"
    assert scan.text == "N/A — imported from scan codeql; no security@example.org thread"
    assert parse_threads(render_threads([pr, md, scan])) == [pr, md, scan]
    assert [s.kind for s in (pr, md, scan)] == ["pr", "md", "scan"]


def test_legacy_bare_permalink() -> None:
    line = parse_thread_line(URL)
    assert line == LegacyThread(URL, URL, None)
    assert to_ref(line) is None
    assert render_thread(line) == URL


def test_legacy_private_thread_becomes_canonical() -> None:
    text = "No public archive URL — tracked privately on thread <abc@mail.example.org>"
    line = parse_thread_line(text)
    assert line == LegacyThread(text, None, "<abc@mail.example.org>")
    assert render_thread(line) == "Root Message-ID: `<abc@mail.example.org>`"
    bare = parse_thread_line("No public archive URL — tracked privately on thread `abc@mail.example.org`")
    assert isinstance(bare, LegacyThread) and bare.message_id == "<abc@mail.example.org>"


def test_unrecognised_lines_are_kept() -> None:
    assert parse_threads("see the mail from Tuesday\nN/A — nothing") == [
        Unparsed("see the mail from Tuesday"),
        Unparsed("N/A — nothing"),
    ]


@pytest.mark.parametrize("value", ["_No response_", "", "*no response*"])
def test_unset_value_has_no_lines(value: str) -> None:
    assert parse_threads(value) == []


def test_primary_is_the_unannotated_line() -> None:
    relayed = "Root Message-ID: `<a@example.net>` (via huntr)"
    direct = "Root Message-ID: `<b@example.net>`"
    assert primary_thread(parse_threads(f"{relayed}\n{direct}")) == ThreadRef(None, "<b@example.net>")


def test_primary_is_the_oldest_when_all_are_relayed() -> None:
    lines = parse_threads("Root Message-ID: `<a@example.net>` (via huntr)\nhttps://x.example/t/1 (ASF-relayed)\n")
    assert primary_thread(lines) == ThreadRef(None, "<a@example.net>", "huntr")


def test_a_dated_note_is_not_a_relay() -> None:
    lines = parse_threads("Root Message-ID: `<a@example.net>` (via huntr)\nhttps://x.example/t/1 (2024-05-01)")
    assert primary_thread(lines) == LegacyThread("https://x.example/t/1 (2024-05-01)", "https://x.example/t/1", None)


def test_two_unannotated_lines_are_ambiguous() -> None:
    lines = parse_threads("Root Message-ID: `<a@example.net>`\nhttps://x.example/t/2")
    result = primary_thread(lines)
    assert isinstance(result, Ambiguous)
    assert len(result.candidates) == 2


def test_no_thread_for_sentinels_only() -> None:
    assert primary_thread([sentinel_pr("example/widget", 1, "security@example.org")]) is None
    assert primary_thread([]) is None


# ---------------------------------------------------------------- properties

_atom = st.text(st.sampled_from(list("abcXYZ019._-+")), min_size=1, max_size=12)
message_ids = st.builds(lambda a, b: f"<{a}@{b}.example.org>", _atom, _atom)
urls = st.none() | st.builds(lambda path: f"https://lists.example.org/thread/{path}", _atom)
relays = st.none() | _atom
refs = st.builds(ThreadRef, urls, message_ids, relays)
sentinels = st.one_of(
    st.builds(sentinel_pr, _atom, st.integers(1, 99999), _atom),
    st.builds(sentinel_md, _atom, _atom),
    st.builds(sentinel_scan, _atom, _atom),
)


@given(st.lists(refs | sentinels, max_size=5))
@settings(max_examples=200)
def test_parse_of_render_is_the_identity(lines: list[ThreadRef | Sentinel]) -> None:
    text = render_threads(lines)
    assert parse_threads(text) == lines
    assert render_threads(parse_threads(text)) == text


@given(st.text(max_size=120))
def test_parse_never_crashes_and_keeps_every_line(text: str) -> None:
    lines = parse_threads(text)
    for line in lines:
        rendered = render_thread(line)
        assert rendered
        again = parse_thread_line(rendered)
        assert render_thread(again) == rendered
