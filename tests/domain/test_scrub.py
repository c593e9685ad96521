"""The §10.2 public-surface scrub: every pattern id, its defaults.yml examples, offsets into the text as given.

All names, hosts and ids are fictional (example.org / example.net / .invalid).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.scrub import PATTERN_IDS, ScrubHit, scrub
from steward.errors import ConfigError
from steward.patterns import PatternSet, raw_defaults, sample_placeholders

PATTERNS = PatternSet(sample_placeholders())
ENTRY_IDS = {
    "ids.cve_scrub": "CVE_ID",
    "ids.ghsa_scrub": "GHSA_ID",
    "scrub.tracker": "TRACKER",
    "intake.bug_classes": "CLASS",
    "scrub.framing_phrases": "FRAMING",
    "scrub.branch": "BRANCH",
    "scrub.foreign_phrases": "FOREIGN",
    "scrub.severity_word": "INTERNAL",
}


def ids(hits: list[ScrubHit]) -> list[str]:
    return [h.pattern_id for h in hits]


def _example_text(example: Any) -> str:
    return example["text"] if isinstance(example, dict) else str(example)


def _examples(kind: str) -> list[tuple[str, str]]:
    entries = raw_defaults()["entries"]
    return [(name, _example_text(e)) for name in ENTRY_IDS for e in entries[name][kind]]


@pytest.mark.parametrize(("entry", "text"), _examples("matches"))
def test_every_defaults_match_example_hits_its_pattern_id(entry: str, text: str) -> None:
    hits = scrub(text, PATTERNS, surface="branch")
    assert ENTRY_IDS[entry] in ids(hits)


@pytest.mark.parametrize(("entry", "text"), _examples("rejects"))
def test_every_defaults_reject_example_misses_its_pattern_id(entry: str, text: str) -> None:
    hits = scrub(text, PATTERNS, surface="branch")
    assert ENTRY_IDS[entry] not in ids(hits)


def test_hit_names_pattern_offset_and_text() -> None:
    text = "Bump parser; fixes CVE-2024-12345."
    assert scrub(text, PATTERNS, surface="text") == [ScrubHit("CVE_ID", 19, "CVE-2024-12345")]


def test_clean_commit_message_has_no_hits() -> None:
    assert scrub("Fix typo in the lexer docs\n\nAlso reflow a paragraph.", PATTERNS, surface="text") == []


def test_branch_pattern_only_on_branch_names() -> None:
    assert "BRANCH" not in ids(scrub("harden-insecure-redirect", PATTERNS, surface="text"))
    assert "BRANCH" in ids(scrub("harden-insecure-redirect", PATTERNS, surface="branch"))


def test_class_hit_for_every_bug_class_phrase() -> None:
    groups = raw_defaults()["entries"]["intake.bug_classes"]["groups"]
    for phrases in groups.values():
        for phrase in phrases:
            assert "CLASS" in ids(scrub(f"Handle {phrase} in the parser", PATTERNS, surface="text")), phrase


def test_reporter_values_case_and_whitespace_insensitive() -> None:
    hits = scrub("Thanks to jane   EXAMPLE for the report", PATTERNS, surface="text", reporter_values=["Jane Example"])
    assert hits == [ScrubHit("REPORTER", 10, "jane   EXAMPLE")]


def test_reporter_values_shorter_than_four_characters_are_ignored() -> None:
    assert scrub("Thanks to Bo and Ann", PATTERNS, surface="text", reporter_values=["Bo", "Ann", "  "]) == []
    assert ids(scrub("Thanks to Anna", PATTERNS, surface="text", reporter_values=["Anna"])) == ["REPORTER"]


def test_reporter_value_is_a_whole_word() -> None:
    assert scrub("Update the joanne module", PATTERNS, surface="text", reporter_values=["joan"]) == []


def test_reporter_apostrophe_is_folded() -> None:
    hits = scrub("Reported by Dara O\u2019Example", PATTERNS, surface="text", reporter_values=["Dara O'Example"])
    assert hits == [ScrubHit("REPORTER", 12, "Dara O\u2019Example")]


def test_internal_cna_host_and_private_urls() -> None:
    text = "See https://cna.example.org/record/1 and https://lists.example.org/thread/a?security@widget.example.org ok"
    hits = scrub(
        text,
        PATTERNS,
        surface="text",
        cna_host="cna.example.org",
        private_url_patterns=[r"^https://lists\.example\.org/thread/[^?#\s]+\?(?:security|private)@"],
    )
    assert [(h.pattern_id, h.text) for h in hits] == [
        ("INTERNAL", "cna.example.org"),
        ("INTERNAL", "https://lists.example.org/thread/a?security@widget.example.org"),
    ]


def test_cna_host_is_not_matched_inside_a_longer_host() -> None:
    assert scrub("mirror at notcna.example.org.invalid", PATTERNS, surface="text", cna_host="cna.example.org") == []


def test_foreign_names_and_extra_patterns() -> None:
    hits = scrub(
        "Port the fix from Gadgetlib; ticket INT-4411",
        PATTERNS,
        surface="text",
        foreign_names=["Gadgetlib"],
        extra_patterns=[r"\bINT-[0-9]+\b"],
    )
    assert [(h.pattern_id, h.text) for h in hits] == [("FOREIGN", "Gadgetlib"), ("EXTRA", "INT-4411")]


def test_invalid_extra_pattern_names_the_config_key() -> None:
    with pytest.raises(ConfigError, match=r"confidentiality\.extra_scrub_patterns"):
        scrub("text", PATTERNS, surface="text", extra_patterns=["("])


def test_allow_lifts_only_that_pattern() -> None:
    text = "Fix XSS, CVE-2024-12345"
    assert ids(scrub(text, PATTERNS, surface="text")) == ["CLASS", "CVE_ID"]
    assert ids(scrub(text, PATTERNS, surface="text", allow={"CVE_ID"})) == ["CLASS"]


def test_offsets_index_the_text_as_given_even_when_not_nfc() -> None:
    text = "cafe\u0301 cafe\u0301 CVE-2024-12345 e\u0301mbargo\u0301"
    hits = scrub(text, PATTERNS, surface="text", extra_patterns=["caf\u00e9"])
    assert [(h.pattern_id, h.text) for h in hits] == [
        ("EXTRA", "cafe\u0301"),
        ("EXTRA", "cafe\u0301"),
        ("CVE_ID", "CVE-2024-12345"),
    ]
    assert all(text[h.offset : h.offset + len(h.text)] == h.text for h in hits)
    assert hits[1].offset == 6


def test_hits_are_sorted_by_offset() -> None:
    hits = scrub("vulnerability in XSS handling for CVE-2024-12345", PATTERNS, surface="text")
    assert [h.offset for h in hits] == sorted(h.offset for h in hits)


# ---------------------------------------------------------------- properties

WORDS = st.sampled_from(
    ["CVE-2024-12345", "GHSA-abcd-efgh", "xss", "advisory", "Jane Example", "cna.example.org", "e\u0301", "\u2019"]
)
TEXT = st.lists(st.one_of(st.text(max_size=20), WORDS), max_size=12).map(" ".join)
VALUES = st.lists(st.one_of(st.text(max_size=12), st.just("Jane Example")), max_size=4)


@settings(max_examples=150, deadline=None)
@given(text=TEXT, values=VALUES, surface=st.sampled_from(["text", "branch"]))
def test_scrub_never_crashes_and_hits_are_slices(text: str, values: list[str], surface: str) -> None:
    hits = scrub(
        text,
        PATTERNS,
        surface="branch" if surface == "branch" else "text",
        reporter_values=values,
        cna_host="cna.example.org",
        foreign_names=values,
    )
    for hit in hits:
        assert hit.pattern_id in PATTERN_IDS
        assert hit.text
        assert text[hit.offset : hit.offset + len(hit.text)] == hit.text


@settings(max_examples=150, deadline=None)
@given(text=TEXT, allowed=st.sampled_from(PATTERN_IDS))
def test_allowing_an_id_removes_exactly_its_hits(text: str, allowed: str) -> None:
    kwargs: dict[str, Any] = {"surface": "branch", "reporter_values": ["Jane Example"], "cna_host": "cna.example.org"}
    every = scrub(text, PATTERNS, **kwargs)
    lifted = scrub(text, PATTERNS, allow=frozenset({allowed}), **kwargs)
    assert lifted == [h for h in every if h.pattern_id != allowed]


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    for hit in scrub(text, PATTERNS, surface="branch", reporter_values=[text[:8]], extra_patterns=[r"\d{3}"]):
        assert text[hit.offset : hit.offset + len(hit.text)] == hit.text
