"""The triage-proposal comment and its @-mentions (spec §6.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.markers import comment_marker
from steward.domain.roles import Role
from steward.errors import UsageError
from steward.triage.proposal import (
    ProposalText,
    RosterMember,
    ScopeReviewers,
    choose_mentions,
    matching_scope,
    render_proposal,
)
from steward.triage.quorum import CLASSES, proposal_class

ROSTER = (
    RosterMember("alice", (Role.TRIAGER,)),
    RosterMember("bob", (Role.MAINTAINER,)),
    RosterMember("carol", (Role.TRIAGER, Role.RELEASE_MANAGER)),
    RosterMember("dave", (Role.REMEDIATION_DEVELOPER,)),
    RosterMember("erin", (Role.TRIAGER,)),
)
SCOPES = (
    ScopeReviewers("core", r"src/core/", ("dave", "bob")),
    ScopeReviewers("web", r"src/web/", ("erin",)),
)


def test_render_order_and_marker() -> None:
    text = ProposalText(
        cls="VALID",
        summary="Path traversal in the archive extractor.",
        code_locations=("src/core/extract.py:42",),
        security_model_quote="Archive contents are untrusted input.",
        security_model_source="https://widget.example.org/security-model#archives",
        severity_guess="high",
        fix_shape="normalise member names before joining them to the target directory",
    )
    body = render_proposal(text, ("bob", "@carol"))
    lines = body.splitlines()
    assert lines[0] == "<!-- steward: triage-proposal v1 -->"
    assert lines[1] == "**Triage proposal**"
    order = [
        "Path traversal in the archive extractor.",
        "Code location: `src/core/extract.py:42`",
        "> Archive contents are untrusted input.",
        "> — https://widget.example.org/security-model#archives",
        "**Proposed disposition: VALID.**",
        "Severity guess (a guess, not the team's rating): high",
        "Fix shape: normalise member names",
        "cc @bob @carol",
    ]
    positions = [body.index(part) for part in order]
    assert positions == sorted(positions)
    assert proposal_class(body) == "VALID"
    marker = comment_marker(body, "alice", ["alice"])
    assert marker is not None and marker.name == "triage-proposal"


def test_render_without_optional_parts() -> None:
    body = render_proposal(ProposalText(cls="INFO-ONLY", summary="Banner shows the version."))
    assert "Code location: not identified yet" in body
    assert "Security model: no passage found" in body
    assert "Severity guess (a guess, not the team's rating): none yet" in body
    assert "cc " not in body


@pytest.mark.parametrize(
    ("text", "mentions", "match"),
    [
        (ProposalText(cls="MAYBE", summary="x"), (), "not a triage class"),
        (ProposalText(cls="VALID", summary=" "), (), "needs a summary"),
        (ProposalText(cls="VALID", summary="x"), ("a", "b", "c", "d"), "at most 3"),
    ],
)
def test_render_refuses(text: ProposalText, mentions: tuple[str, ...], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        render_proposal(text, mentions)


@given(st.sampled_from(CLASSES), st.text(min_size=1, max_size=80).filter(str.strip))
def test_class_round_trips(cls: str, summary: str) -> None:
    assert proposal_class(render_proposal(ProposalText(cls=cls, summary=summary))) == cls


def test_matching_scope_needs_exactly_one() -> None:
    assert matching_scope(["src/core/a.py"], SCOPES) == SCOPES[0]
    assert matching_scope(["src/core/a.py", "src/web/b.py"], SCOPES) is None
    assert matching_scope(["docs/x.md"], SCOPES) is None


MENTION_CASES = [
    # PR authors in the roster first (newest first), outsiders skipped
    ("pr-authors-first", ["mallory", "dave", "bob"], ["docs/x"], "zed", ("dave", "bob", "alice")),
    # then the matching scope's reviewers, then triagers in roster order
    ("scope-reviewers", [], ["src/core/a.py"], "zed", ("dave", "bob", "alice")),
    ("triagers-only", [], [], "zed", ("alice", "carol", "erin")),
    # never the invoker; de-duplicated across tiers
    ("not-invoker", ["alice"], ["src/web/x.py"], "alice", ("erin", "carol")),
    ("dedupe", ["erin"], ["src/web/x.py"], "bob", ("erin", "alice", "carol")),
]


@pytest.mark.parametrize(
    ("name", "authors", "pointers", "invoker", "expected"), MENTION_CASES, ids=[c[0] for c in MENTION_CASES]
)
def test_choose_mentions(
    name: str, authors: list[str], pointers: list[str], invoker: str, expected: tuple[str, ...]
) -> None:
    got = choose_mentions(pr_authors=authors, code_pointers=pointers, scopes=SCOPES, roster=ROSTER, invoker=invoker)
    assert got == expected


def test_never_the_whole_roster() -> None:
    roster = (RosterMember("alice", (Role.TRIAGER,)), RosterMember("bob", (Role.TRIAGER,)))
    got = choose_mentions(pr_authors=[], code_pointers=[], scopes=(), roster=roster, invoker="zed")
    assert got == ("alice",)


def test_invoker_case_insensitive() -> None:
    got = choose_mentions(pr_authors=[], code_pointers=[], scopes=(), roster=ROSTER, invoker="@Alice")
    assert "alice" not in got
