"""§8.8 step 2: the summary between the `archive_system.summary_extract` start and end lines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from steward.patterns import PatternSet
from steward.sync.summary_extract import END, START, extract_summary, storable, tidy

PATTERNS = PatternSet()
S, E = PATTERNS[START], PATTERNS[END]

ADVISORY = """Severity: high

CVE-2099-10004: Fictional Widget template cache leak

  Fictional Widget before 2.6.4 leaks cached templates{TRAILING}


between tenants when the shared cache is enabled.

Affected versions: < 2.6.4
Credit: Kai Example
""".replace("{TRAILING}", "   ")


def test_text_between_the_start_and_end_lines_trimmed_and_collapsed() -> None:
    assert extract_summary(ADVISORY, S, E) == (
        "Fictional Widget before 2.6.4 leaks cached templates\n\nbetween tenants when the shared cache is enabled."
    )


def test_crlf_mail_text_extracts_the_same() -> None:
    assert extract_summary(ADVISORY.replace("\n", "\r\n"), S, E) == extract_summary(ADVISORY, S, E)


def test_no_start_line_no_summary() -> None:
    assert extract_summary("See CVE-2099-10004: below\nAffected versions: all\n", S, E) is None


def test_no_end_line_after_the_start_no_summary() -> None:
    """Running to the end of the mail would carry the signature into the record."""
    assert extract_summary("Affected versions: x\nCVE-2099-10004: t\nbody text\n-- \nsig\n", S, E) is None


def test_nothing_between_the_lines_is_no_summary() -> None:
    assert extract_summary("CVE-2099-10004: t\n\n   \nAffected versions: x\n", S, E) is None


def test_a_project_override_of_the_markers_is_used() -> None:
    custom = PatternSet(overrides={START: "^Description:", END: "^Mitigation:"})
    text = "Description:\nThe summary.\nMitigation:\nUpgrade."
    assert extract_summary(text, custom[START], custom[END]) == "The summary."


def test_a_heading_inside_the_summary_is_not_storable() -> None:
    assert storable("plain text", "Short public summary for publish")
    assert not storable("text\n### Injected heading\nmore", "Short public summary for publish")


lines = st.lists(st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n")), max_size=12)


@given(st.text())
def test_never_crashes_and_output_is_tidy(text: str) -> None:
    found = extract_summary(text, S, E)
    if found is not None:
        assert found == found.strip() and found
        assert "\n\n\n" not in found
        assert all(line == line.rstrip() for line in found.split("\n"))


@given(lines)
def test_tidy_is_idempotent(body: list[str]) -> None:
    once = tidy(body)
    assert tidy(once.split("\n")) == once


@given(lines)
def test_a_tidied_summary_round_trips_through_an_advisory(body: list[str]) -> None:
    summary = tidy([line for line in body if not S.hit(line) and not E.hit(line)])
    text = f"Intro\nCVE-2099-1234: Title\n{summary}\nAffected versions: < 1.0\nCredit: x\n"
    assert extract_summary(text, S, E) == (summary or None)
