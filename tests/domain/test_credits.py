"""Credit lines (spec §2.4) and the kind classifier (§5.9)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.credits import (
    Credit,
    classify_kind,
    credit_kind,
    export_role,
    parse_credits,
    render_credits,
    skipped_note,
    split_kind_tag,
)
from steward.domain.roles import Field
from steward.patterns import PatternSet, fixed, raw_defaults

PATTERNS = fixed()


def test_lines_bullets_backticks_and_duplicates() -> None:
    value = "- Jane Doe\n* `Alex Roe of Example Corp`\n\n  jane doe  \n+ Sam Poe, Kim Loe"
    assert parse_credits(value) == [Credit("Jane Doe"), Credit("Alex Roe of Example Corp"), Credit("Sam Poe, Kim Loe")]


def test_kind_tag_is_parsed_removed_and_written_back() -> None:
    credits = parse_credits("Acme Scanner Team [kind: tool]\nJane Doe [KIND:  Human]  ")
    assert credits == [Credit("Acme Scanner Team", "tool"), Credit("Jane Doe", "human")]
    assert render_credits(credits) == "Acme Scanner Team [kind: tool]\nJane Doe [kind: human]"


def test_a_tag_in_the_middle_is_part_of_the_name() -> None:
    assert parse_credits("Jane [kind: tool] Doe") == [Credit("Jane [kind: tool] Doe")]


def test_split_kind_tag_keeps_non_ascii_names() -> None:
    assert split_kind_tag("Zoë O\u2019Neil [kind: human]") == ("Zoë O\u2019Neil", "human")


def test_anonymous_and_na_export_nothing() -> None:
    credits = parse_credits("Anonymous\nN/A — found by the team during review\nJane Doe")
    assert [c.exports for c in credits] == [False, False, True]


@pytest.mark.parametrize("value", ["_No response_", "*No response*", "", " \n "])
def test_unset_value_has_no_credits(value: str) -> None:
    assert parse_credits(value) == []


@pytest.mark.parametrize("name", ["Claude Monet", "Talbot", "Li Wei-Ai", "Jane Doe", "Renovate Team"])
def test_names_that_contain_tool_words_stay_human(name: str) -> None:
    assert classify_kind(name, PATTERNS) == "human"


@pytest.mark.parametrize("value", ["dependabot[bot]", "some-app[bot]", "Claude", "@renovate", "acme-bot", "@xbow.ai"])
def test_tools(value: str) -> None:
    assert classify_kind(value, PATTERNS) == "tool"


def test_tool_words_count_only_for_a_single_token() -> None:
    assert classify_kind("acme-bot", PATTERNS) == "tool"
    assert classify_kind("Jane acme-bot", PATTERNS) == "human"


def test_author_login_on_the_bot_list_makes_a_tool() -> None:
    assert classify_kind("Upgrade helper", PATTERNS, author_login="dependabot[bot]") == "tool"
    assert classify_kind("Upgrade helper", PATTERNS, author_login="janedoe") == "human"


def test_explicit_tag_wins_over_every_rule() -> None:
    assert classify_kind("dependabot[bot] [kind: human]", PATTERNS) == "human"
    assert classify_kind("Jane Doe [kind: service]", PATTERNS) == "service"
    assert credit_kind(Credit("dependabot", "human"), PATTERNS) == "human"
    assert credit_kind(Credit("dependabot"), PATTERNS) == "tool"


def test_service_patterns() -> None:
    assert classify_kind("Example Corp Security Team", PATTERNS) == "service"
    assert classify_kind("Acme PSIRT", PATTERNS) == "service"


def test_project_overrides_are_used() -> None:
    patterns = PatternSet(overrides={"credits.bot_names": ["widget-helper"]})
    assert classify_kind("widget-helper", patterns) == "tool"
    assert classify_kind("dependabot", patterns) == "human"


def _examples() -> list[tuple[str, str, str]]:
    """Every credits.* classifier example of defaults.yml with the kind §5.9 gives it."""
    hit_kind = {"credits.bot_names": "tool", "credits.bot_patterns": "tool", "credits.service_patterns": "service"}
    cases: list[tuple[str, str, str]] = []
    entries: dict[str, Any] = raw_defaults()["entries"]
    for name, kind in hit_kind.items():
        entry = entries[name]
        holders = list(entry["items"].values()) if "items" in entry else [entry]
        for spec in holders:
            cases += [(name, text, kind) for text in spec.get("matches") or []]
            cases += [(name, text, "human") for text in spec.get("rejects") or []]
    return cases


@pytest.mark.parametrize(("entry", "text", "kind"), _examples())
def test_every_classifier_example_in_defaults(entry: str, text: str, kind: str) -> None:
    assert classify_kind(text, PATTERNS) == kind


def test_export_roles() -> None:
    assert export_role("human", Field.REPORTER_CREDIT) == "finder"
    assert export_role("tool", Field.REPORTER_CREDIT) == "tool"
    assert export_role("service", Field.REPORTER_CREDIT) == "finder"
    assert export_role("human", Field.REMEDIATION_DEVELOPER) == "remediation developer"
    assert export_role("service", Field.REMEDIATION_DEVELOPER) == "remediation developer"
    assert export_role("tool", Field.REMEDIATION_DEVELOPER) is None
    assert skipped_note(Credit("renovate")) == "skipped credit: renovate (bot)"
    with pytest.raises(ValueError, match="not a credit field"):
        export_role("human", Field.CWE)


# ---------------------------------------------------------------- properties

_name_chars = st.sampled_from([*"abcXYZ éø.'-,@[]()_019:", " "])
names = (
    st.text(_name_chars, min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda n: bool(n) and split_kind_tag(n) == (n, None) and not n.startswith(("-", "*", "+")))
)
credits_lists = st.lists(
    st.builds(Credit, names, st.none() | st.sampled_from(["human", "tool", "service"])),
    max_size=6,
    unique_by=lambda c: c.name.casefold(),
)


@given(credits_lists)
@settings(max_examples=200)
def test_parse_of_render_is_the_identity(credits: list[Credit]) -> None:
    text = render_credits(credits)
    assert parse_credits(text) == credits
    assert render_credits(parse_credits(text)) == text


@st.composite
def decorated(draw: st.DrawFn) -> tuple[str, str]:
    """(name, the name as a human might write the line: bullet, backticks, kind tag, stray spaces)."""
    name = draw(names)
    bullet = draw(st.sampled_from(["", "- ", "* ", "+ "]))
    tick = draw(st.sampled_from(["", "`"]))
    tag = draw(st.sampled_from(["", " [kind: tool]", "[KIND:human]  "]))
    pad = draw(st.sampled_from(["", " ", "\t"]))
    return name, f"{pad}{bullet}{tick}{name}{tick}{tag}{pad}"


@given(st.lists(decorated() | st.just(("", "  ")), max_size=8))
@settings(max_examples=300)
def test_parsing_never_loses_a_credit_line(lines: list[tuple[str, str]]) -> None:
    credits = parse_credits("\n".join(text for _, text in lines))
    expected: list[str] = []
    for name, _ in lines:
        if name and name.casefold() not in [e.casefold() for e in expected]:
            expected.append(name)
    assert [c.name for c in credits] == expected


@given(st.text(max_size=120))
def test_parse_never_crashes(text: str) -> None:
    for credit in parse_credits(text):
        assert credit.name and "\n" not in credit.name
