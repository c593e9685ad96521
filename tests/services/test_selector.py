"""The §5.13 selector grammar: parse∘render is the identity, arbitrary text never crashes, unknown is exit 2."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.errors import UsageError
from steward.services import selector as sel

numbers = st.integers(min_value=1, max_value=10_000)


@st.composite
def spans(draw: st.DrawFn) -> sel.Span:
    start = draw(numbers)
    return sel.Span(start, start + draw(st.integers(min_value=0, max_value=50)))


span_lists = st.lists(spans(), min_size=1, max_size=4).map(tuple)
slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
fields = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True)
values = st.text(min_size=1, max_size=40).map(str.strip).filter(bool)
urls = st.from_regex(r"https?://[a-z0-9.]{1,12}/[a-zA-Z0-9/_;\\.-]{0,20}", fullmatch=True)

actions: st.SearchStrategy[sel.Action] = st.one_of(
    st.just(sel.ActAll()),
    span_lists.map(sel.ActPick),
    st.just(sel.ActSkip()),
    st.builds(sel.Edit, fields, values),
    slugs.map(sel.Canned),
    st.just(sel.Silent()),
    st.just(sel.TrustRelay()),
    slugs.map(sel.RejectWithCanned),
    st.lists(urls, min_size=1, max_size=3).map(lambda u: sel.RejectWithPublicFix(tuple(u))),
    numbers.map(sel.MergeInto),
    numbers.map(sel.LinkTo),
    st.sampled_from(sel.BUCKETS).map(sel.Bucket),
    st.just(sel.ForceSync()),
)
directives: st.SearchStrategy[sel.Directive] = st.one_of(
    st.sampled_from([sel.Everything("all"), sel.Everything("go"), sel.Nothing("none"), sel.Nothing("cancel")]),
    span_lists.map(sel.Pick),
    span_lists.map(sel.Skip),
    st.builds(sel.ItemAction, numbers, actions),
)
selections = st.lists(directives, min_size=1, max_size=6).map(tuple)


@given(selections)
def test_parse_of_render_is_identity(selection: sel.Selection) -> None:
    assert sel.parse_selection(sel.render_selection(selection)) == selection


@given(selections)
def test_render_is_a_fixpoint_through_parse(selection: sel.Selection) -> None:
    text = sel.render_selection(selection)
    assert sel.render_selection(sel.parse_selection(text)) == text


@given(st.text(max_size=80))
def test_arbitrary_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        parsed = sel.parse_selection(text)
    except UsageError as exc:
        assert exc.exit_code == 2
    else:
        assert sel.parse_selection(sel.render_selection(parsed)) == parsed


@given(values)
def test_escape_round_trips(value: str) -> None:
    assert sel.unescape(sel.escape(value)) == value


def test_examples_from_the_grammar() -> None:
    assert sel.parse_selection("all") == (sel.Everything("all"),)
    assert sel.parse_selection("go;cancel") == (sel.Everything("go"), sel.Nothing("cancel"))
    assert sel.parse_selection("1,3-5") == (sel.Pick((sel.Span(1, 1), sel.Span(3, 5))),)
    assert sel.parse_selection("skip 2") == (sel.Skip((sel.Span(2, 2),)),)
    assert sel.parse_selection(r"2:edit title=A\;B") == (sel.ItemAction(2, sel.Edit("title", "A;B")),)
    assert sel.parse_selection("3:merge #12; 4:link #7") == (
        sel.ItemAction(3, sel.MergeInto(12)),
        sel.ItemAction(4, sel.LinkTo(7)),
    )
    assert sel.parse_selection("5:reject-with-public-fix https://example.org/pull/1,https://example.org/pull/2") == (
        sel.ItemAction(5, sel.RejectWithPublicFix(("https://example.org/pull/1", "https://example.org/pull/2"))),
    )
    assert sel.parse_selection("6:1,2;7:bucket pr-worth;8:force-sync;9:trust-relay;1:silent") == (
        sel.ItemAction(6, sel.ActPick((sel.Span(1, 1), sel.Span(2, 2)))),
        sel.ItemAction(7, sel.Bucket("pr-worth")),
        sel.ItemAction(8, sel.ForceSync()),
        sel.ItemAction(9, sel.TrustRelay()),
        sel.ItemAction(1, sel.Silent()),
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "everything",
        "1:frobnicate",
        "1:merge 12",
        "3-1",
        "0",
        "skip",
        "1:bucket nowhere",
        "1:edit =x",
        "1:edit title=",
        "1:reject-with-public-fix ftp://example.org/x",
        "1;;2",
        "1:canned Not_A_Slug",
    ],
)
def test_unknown_or_malformed_directive_is_exit_2(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        sel.parse_selection(text)
    assert caught.value.exit_code == 2


def test_all_means_the_default_items_only_and_skip_wins() -> None:
    resolved = sel.resolve(sel.parse_selection("all;skip 2"), 5, [1, 2, 4])
    assert resolved.chosen == (1, 4)
    explicit = sel.resolve(sel.parse_selection("3;5:reject-with-canned beg-bounty"), 5, [1])
    assert explicit.chosen == (3, 5)
    assert explicit.actions[5] == (sel.RejectWithCanned("beg-bounty"),)


def test_none_cancels_everything() -> None:
    assert sel.resolve(sel.parse_selection("all;none"), 3, [1, 2, 3]).chosen == ()
    assert sel.resolve(sel.parse_selection("1:skip;1"), 3, []).chosen == ()


def test_a_number_outside_the_proposal_is_exit_2() -> None:
    with pytest.raises(UsageError) as caught:
        sel.resolve(sel.parse_selection("4"), 3, [])
    assert caught.value.exit_code == 2
