"""Triage classes and the quorum rule (spec §6.1)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.markers import render_marker
from steward.errors import UsageError
from steward.patterns import fixed
from steward.triage.quorum import (
    CLASS_DECISIONS,
    CLASSES,
    Comment,
    Decision,
    concurs,
    needed_count,
    newest_proposal,
    proposal_class,
    quorum,
    unquoted,
)

T0 = datetime(2024, 5, 1, 12, 0)
ROSTER = ("alice", "bob", "carol")


def proposal(
    cls: str = "VALID", author: str = "alice", at: int = 0, reactions: tuple[tuple[str, str], ...] = ()
) -> Comment:
    body = f"{render_marker('triage-proposal')}\n**Triage proposal**\n\nSummary.\n\n**Proposed disposition: {cls}.**\n"
    return Comment(f"p{at}", author, body, T0 + timedelta(minutes=at), reactions)


def comment(author: str, body: str, at: int) -> Comment:
    return Comment(f"c{at}", author, body, T0 + timedelta(minutes=at))


def test_class_map_covers_every_class() -> None:
    assert set(CLASS_DECISIONS) == set(CLASSES)
    assert CLASS_DECISIONS["DEFENSE-IN-DEPTH"] == (Decision.WONTFIX,)
    assert CLASS_DECISIONS["INFO-ONLY"] == (Decision.NOT_CVE_WORTHY,)
    assert set(CLASS_DECISIONS["FIX-ALREADY-PUBLIC"]) == {Decision.INVALID, Decision.VALID}


@pytest.mark.parametrize(
    ("triagers", "setting", "expected"), [(0, 2, 1), (1, 2, 1), (2, 2, 2), (5, 2, 2), (5, 3, 3), (2, 3, 2)]
)
def test_needed_count(triagers: int, setting: int, expected: int) -> None:
    assert needed_count(triagers, setting) == expected


def test_newest_proposal_needs_marker_roster_author_and_class() -> None:
    old = proposal("INVALID", at=0)
    new = proposal("VALID", author="bob", at=5)
    outsider = proposal("INFO-ONLY", author="mallory", at=9)
    no_marker = comment("carol", "**Proposed disposition: INVALID.**", 10)
    bad_class = Comment(
        "x",
        "carol",
        f"{render_marker('triage-proposal')}\n**Proposed disposition: MAYBE.**",
        T0 + timedelta(minutes=11),
    )
    found = newest_proposal([old, new, outsider, no_marker, bad_class], ROSTER)
    assert found is not None
    assert (found.comment.id, found.cls) == ("p5", "VALID")


def test_quoted_marker_is_not_a_proposal() -> None:
    quoted = comment("bob", "> " + proposal().body, 3)
    assert newest_proposal([quoted], ROSTER) is None


Case = tuple[str, Decision, str, list[Comment], int, bool, tuple[str, ...]]


CASES: list[Case] = [
    # acceptance 1: a one-triager project decides alone on its own proposal
    ("one-triager", Decision.VALID, "alice", [proposal()], 1, True, ("alice",)),
    # acceptance 2: the decider's own 👍 and a non-roster 👍 never count
    (
        "own-thumbs-and-outsider",
        Decision.VALID,
        "bob",
        [proposal(author="bob", reactions=(("bob", "+1"), ("mallory", "+1")))],
        3,
        False,
        ("bob",),
    ),
    # acceptance 3: a roster 👍 by someone else completes quorum with the decider
    (
        "roster-thumbs",
        Decision.VALID,
        "bob",
        [proposal(author="bob", reactions=(("carol", "+1"),))],
        3,
        True,
        ("bob", "carol"),
    ),
    ("author-concurs-by-proposing", Decision.INVALID, "bob", [proposal("INVALID")], 3, True, ("bob", "alice")),
    ("class-mismatch", Decision.VALID, "bob", [proposal("INVALID", reactions=(("carol", "+1"),))], 3, False, ()),
    ("no-proposal", Decision.VALID, "bob", [comment("carol", "LGTM", 1)], 3, False, ()),
    (
        "later-comment-concurs",
        Decision.WONTFIX,
        "bob",
        [proposal("DEFENSE-IN-DEPTH", author="bob"), comment("carol", "LGTM, agree with the assessment", 2)],
        3,
        True,
        ("bob", "carol"),
    ),
    (
        "earlier-comment-does-not-count",
        Decision.VALID,
        "bob",
        [comment("carol", "agree", -1), proposal(author="bob")],
        3,
        False,
        ("bob",),
    ),
    (
        "quoted-agreement-does-not-count",
        Decision.VALID,
        "bob",
        [proposal(author="bob"), comment("carol", "> I agree\nNeeds more thought.", 2)],
        3,
        False,
        ("bob",),
    ),
    (
        "dissent-cancels-phrase",
        Decision.VALID,
        "bob",
        [proposal(author="bob"), comment("carol", "+1 on the summary but I disagree on validity", 2)],
        3,
        False,
        ("bob",),
    ),
    (
        "non-roster-comment",
        Decision.VALID,
        "bob",
        [proposal(author="bob"), comment("mallory", "agree", 2)],
        3,
        False,
        ("bob",),
    ),
    (
        "older-proposal-concurrence-is-not-spent",
        Decision.VALID,
        "bob",
        [proposal("VALID", author="bob", reactions=(("carol", "+1"),)), proposal("INVALID", author="bob", at=4)],
        3,
        False,
        (),
    ),
    ("fix-already-public-valid", Decision.VALID, "bob", [proposal("FIX-ALREADY-PUBLIC")], 3, True, ("bob", "alice")),
    ("need-info-needs-only-roster", Decision.NEED_INFO, "bob", [], 3, True, ("bob",)),
    ("reopen-by-outsider", Decision.REOPEN, "mallory", [], 3, False, ()),
    ("outsider-decider", Decision.VALID, "mallory", [proposal(reactions=(("bob", "+1"),))], 2, False, ("alice", "bob")),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_quorum_table(case: Case) -> None:
    _, decision, decider, comments, triagers, met, concurring = case
    result = quorum(decision, decider, comments, ROSTER, triager_count=triagers, triage_quorum=2)
    assert result.met is met, result.reasons
    assert result.concurring == concurring
    if not met:
        assert result.reasons


def test_quorum_three_needs_two_others() -> None:
    comments = [proposal(author="bob", reactions=(("carol", "+1"),))]
    assert not quorum("valid", "bob", comments, ROSTER, triager_count=3, triage_quorum=3).met
    comments.append(comment("alice", ":+1:", 3))
    assert quorum("valid", "bob", comments, ROSTER, triager_count=3, triage_quorum=3).met


def test_handles_compare_without_at_and_case() -> None:
    comments = [proposal(author="Bob", reactions=(("@Carol", "+1"),))]
    result = quorum("valid", "@bob", comments, ["@Bob", "carol"], triager_count=2)
    assert result.met
    assert result.concurring == ("Bob", "carol")


def test_force_needs_reason() -> None:
    with pytest.raises(UsageError, match="--force needs --reason TEXT"):
        quorum("valid", "bob", [], ROSTER, triager_count=3, force=True, reason="  ")


def test_force_with_reason_is_met_and_recorded() -> None:
    result = quorum("valid", "bob", [], ROSTER, triager_count=3, force=True, reason="voted on the list")
    assert result.met and result.forced
    assert "voted on the list" in result.reasons[-1]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("LGTM", True),
        ("I agree.", True),
        (":+1:", True),
        ("I don't agree", False),
        ("agreement pending", False),
        ("> agree\n-1 from me", False),
        ("> I disagree\nagree", True),
    ],
)
def test_concurs(body: str, expected: bool) -> None:
    assert concurs(body, fixed()) is expected


def test_unquoted_drops_indented_quotes() -> None:
    assert unquoted("keep\n   > quoted\n> also\nkeep too") == "keep\nkeep too"


@given(st.text(max_size=200))
def test_parsers_never_crash(text: str) -> None:
    cls = proposal_class(text)
    assert cls is None or cls in CLASSES
    found = newest_proposal([Comment(1, "alice", text, T0)], ROSTER)
    assert found is None or found.cls in CLASSES
