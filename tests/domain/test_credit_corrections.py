"""The credit-correction edits, comment codec and merge of spec §8.11 (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.credit_corrections import (
    CORRECTION_MARKER,
    CommentView,
    CreditEditError,
    Op,
    apply_edit,
    effective_credits,
    parse_correction,
    parse_line,
    render_correction,
)
from steward.domain.credits import Credit, parse_credits, render_credits

TEAM = ["alex", "robin-demo"]
names = (
    st.text(
        alphabet=st.characters(categories=("L", "N", "Zs"), exclude_characters="\u2028\u2029\x85"),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and s.casefold() not in {"_no response_", "*no response*"})
)
credit_lists = st.lists(names, max_size=5, unique_by=str.casefold).map(lambda ns: [Credit(n) for n in ns])


def comment(credits: list[Credit], author: str = "alex", cve: str | None = "CVE-2099-10006") -> CommentView:
    return CommentView(author, render_correction(credits, cve_id=cve, change="--add X"))


def test_parse_line_keeps_kind_tag_and_strips_bullets() -> None:
    assert parse_line("- `Jo Doe` [kind: tool]") == Credit("Jo Doe", "tool")
    assert parse_line("N/A — internal finding") == Credit("N/A — internal finding")


@pytest.mark.parametrize("bad", ["", "  ", "_No response_", "a\nb", "[kind: human]", "Jo [kind: robot]", "x" * 400])
def test_parse_line_refuses(bad: str) -> None:
    with pytest.raises(CreditEditError):
        parse_line(bad)


def test_edits() -> None:
    start = [Credit("Kai Notreal")]
    assert apply_edit(start, Op.ADD, "Quinn") == [Credit("Kai Notreal"), Credit("Quinn")]
    assert apply_edit(start, Op.ADD, "kai notreal") == start
    assert apply_edit(start, Op.ADD, "Kai Notreal [kind: human]") == [Credit("Kai Notreal", "human")]
    assert apply_edit(start, Op.SET, "anonymous") == [Credit("anonymous")]
    assert apply_edit([*start, Credit("Quinn")], Op.REMOVE, "QUINN") == start
    with pytest.raises(CreditEditError, match="not among"):
        apply_edit(start, Op.REMOVE, "Nobody")
    with pytest.raises(CreditEditError, match="leave no credit"):
        apply_edit(start, Op.REMOVE, "Kai Notreal")


def test_newest_trusted_correction_wins() -> None:
    body = "Kai Notreal"
    first = comment([Credit("A")])
    second = comment([Credit("B"), Credit("C", "service")])
    assert effective_credits(body, [], TEAM) == [Credit("Kai Notreal")]
    assert effective_credits(body, [first, second], TEAM) == [Credit("B"), Credit("C", "service")]
    assert effective_credits(body, [second, first], TEAM) == [Credit("A")]


def test_untrusted_or_unmarked_comments_do_not_count() -> None:
    forged = comment([Credit("Mallory")], author="mallory")
    quoted = CommentView("alex", "> " + render_correction([Credit("Q")], cve_id=None, change="x"))
    assert effective_credits("Kai", [forged, quoted], TEAM) == [Credit("Kai")]


def test_marker_only_comment_without_fence_is_ignored() -> None:
    assert parse_correction(f"<!-- steward: {CORRECTION_MARKER} v1 -->\nno fence") is None
    assert parse_correction("hello") is None


@given(credit_lists, st.one_of(st.none(), st.just("CVE-2099-10001")))
def test_render_parse_round_trip(credits: list[Credit], cve: str | None) -> None:
    text = render_correction(credits, cve_id=cve, change="--set Y")
    assert parse_correction(text) == credits
    assert effective_credits("Old Name", [CommentView("alex", text)], TEAM) == credits


@given(credit_lists, names)
def test_add_is_idempotent_and_remove_undoes_it(credits: list[Credit], name: str) -> None:
    once = apply_edit(credits, Op.ADD, name)
    assert apply_edit(once, Op.ADD, name) == once
    if all(c.name.casefold() != name.casefold() for c in credits) and credits:
        assert apply_edit(once, Op.REMOVE, name) == credits


@given(credit_lists)
def test_correction_agrees_with_the_field_reader(credits: list[Credit]) -> None:
    assert parse_credits(render_credits(credits)) == credits


@given(st.text(max_size=300), st.text(max_size=300))
def test_never_crashes_on_arbitrary_comments(body: str, value: str) -> None:
    parse_correction(body)
    parse_correction(f"<!-- steward: {CORRECTION_MARKER} v1 -->\n{body}")
    result = effective_credits(value, [CommentView("alex", f"<!-- steward: {CORRECTION_MARKER} v1 -->\n{body}")], TEAM)
    assert isinstance(result, list)


@given(st.text(max_size=100))
def test_parse_line_never_crashes(text: str) -> None:
    try:
        credit = parse_line(text)
    except CreditEditError:
        return
    assert credit.name
    assert "\n" not in credit.name
