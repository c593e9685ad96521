"""`steward triage` and `steward comment` end to end: proposals, quorum, §6.3 hard stops; refusals write nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from triage_fixtures import (
    SCOPE,
    Run,
    as_user,
    comments,
    configure,
    make_tracker,
    propose,
    put_record,
    react,
    rollup,
    set_body,
    set_state,
    snapshot,
    tracker,
    write,
)

from steward.cli.triage_commands import Confirmation, confirmation
from steward.domain.roles import Field
from steward.errors import UsageError

TITLE = "Template loader follows symlinks outside the search path"
BASE = ["needs triage", "security issue", "TLP:AMBER+STRICT"]


@pytest.fixture
def tp(project: Path) -> Path:
    configure(project)
    return project


def decide(run: Run, number: int, *flags: str) -> Any:
    return run("triage", str(number), *flags)


# ---------------------------------------------------------------- proposal and concurrence


def test_propose_posts_the_marker_comment_and_prints_it(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = make_tracker(tp, TITLE)
    note = write(tmp_path, "note.md", "Symlink escape in the loader.\nCode location: quill/loader.py\n")
    before = snapshot(tp)
    result = run("triage", str(n), "--propose", "VALID", "--note", str(note))
    assert result.code == 0, result.err
    assert "**Proposed disposition: VALID.**" in result.out
    posted = [c for c in comments(tp, n) if c.body.startswith("<!-- steward: triage-proposal v1 -->")]
    assert len(posted) == 1
    assert "`quill/loader.py`" in posted[0].body
    assert "@alex" not in posted[0].body  # never the invoker
    after = snapshot(tp)
    assert after.audit == before.audit + 1
    assert rollup(tp, n) == rollup_before(before, n)  # the comment is its own record (G3)


def rollup_before(snap: Any, n: int) -> str:
    return "\n".join(body for _, body in snap.comments if body.startswith("<!-- steward: status-rollup"))


def test_propose_unknown_class_is_exit_2(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = make_tracker(tp, TITLE)
    note = write(tmp_path, "note.md", "x")
    before = snapshot(tp)
    result = run("triage", str(n), "--propose", "MAYBE", "--note", str(note))
    assert result.code == 2
    assert "not a triage class" in result.err
    assert snapshot(tp) == before


def test_exactly_one_mode(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    assert run("triage", str(n)).code == 2
    assert run("triage", str(n), "--invalid", "--wontfix").code == 2


def test_concur_adds_one_reaction_and_is_idempotent(
    tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, _ = make_tracker(tp, TITLE)
    propose(run, tmp_path, n, "VALID")
    as_user(monkeypatch, "robin")
    first = run("triage", str(n), "--concur")
    assert first.code == 0, first.err
    assert "added" in first.out
    before = snapshot(tp)
    again = run("triage", str(n), "--concur")
    assert again.code == 0
    assert snapshot(tp) == before


def test_concur_without_proposal_is_refused(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    before = snapshot(tp)
    result = run("triage", str(n), "--concur")
    assert result.code == 3
    assert "--propose" in result.err
    assert snapshot(tp) == before


def test_non_roster_user_is_refused(tp: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    n, _ = make_tracker(tp, TITLE)
    as_user(monkeypatch, "mallory")
    before = snapshot(tp)
    assert run("triage", str(n), "--invalid", "--apply", "all").code == 3
    assert snapshot(tp) == before


# ---------------------------------------------------------------- quorum


def test_without_apply_the_decision_is_only_proposed(
    tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, _ = make_tracker(tp, TITLE)
    propose(run, tmp_path, n, "VALID")
    as_user(monkeypatch, "robin")
    before = snapshot(tp)
    result = decide(run, n, "--valid", "--scope", SCOPE)
    assert result.code == 0, result.err
    assert "nothing applied" in result.out
    assert snapshot(tp) == before


def test_deciders_own_thumbs_up_never_counts(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = make_tracker(tp, TITLE)
    proposal = propose(run, tmp_path, n, "VALID")
    react(tp, proposal, "alex")  # the decider's own 👍, as a code host would report it
    before = snapshot(tp)
    result = decide(run, n, "--valid", "--scope", SCOPE, "--apply", "all")
    assert result.code == 3
    assert "1 of 2" in result.err
    assert snapshot(tp) == before


def test_non_roster_thumbs_up_never_counts(tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n, _ = make_tracker(tp, TITLE)
    proposal = propose(run, tmp_path, n, "INVALID")
    react(tp, proposal, "mallory")
    before = snapshot(tp)
    assert decide(run, n, "--invalid", "--reason", "Not reachable.", "--apply", "all").code == 3
    assert snapshot(tp) == before
    as_user(monkeypatch, "robin")
    assert run("triage", str(n), "--concur").code == 0
    as_user(monkeypatch, "alex")
    done = decide(run, n, "--invalid", "--reason", "Not reachable.", "--apply", "all")
    assert done.code == 0, done.err
    assert tracker(tp, n).state == "closed"


def test_roster_concurrence_by_comment_counts(
    tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, _ = make_tracker(tp, TITLE)
    propose(run, tmp_path, n, "VALID")
    as_user(monkeypatch, "sasha")
    body = write(tmp_path, "c.md", "> Proposed disposition: VALID\nLGTM, I agree.\n")
    posted = run("comment", str(n), "--body-file", str(body))
    assert posted.code == 0, posted.err
    as_user(monkeypatch, "alex")
    result = decide(run, n, "--valid", "--scope", SCOPE, "--apply", "all", "--json")
    assert result.code == 0, result.err
    assert result.json()["concurring"] == ["alex", "sasha"]


def test_quorum_of_three_needs_a_third_member(
    project: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, quorum=3)
    n, _ = make_tracker(project, TITLE)
    as_user(monkeypatch, "robin")
    proposal = propose(run, tmp_path, n, "VALID")
    as_user(monkeypatch, "alex")
    assert run("triage", str(n), "--concur").code == 0  # the decider's 👍 is stored but never counted
    before = snapshot(project)
    assert decide(run, n, "--valid", "--scope", SCOPE, "--apply", "all").code == 3
    assert snapshot(project) == before
    react(project, proposal, "sasha")
    assert decide(run, n, "--valid", "--scope", SCOPE, "--apply", "all").code == 0


def test_proposal_class_must_map_to_the_flag(
    tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, _ = make_tracker(tp, TITLE)
    proposal = propose(run, tmp_path, n, "INVALID")
    react(tp, proposal, "robin")
    before = snapshot(tp)
    result = decide(run, n, "--valid", "--scope", SCOPE, "--apply", "all")
    assert result.code == 3
    assert "INVALID" in result.err
    assert snapshot(tp) == before


def test_force_without_reason_is_exit_2(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    before = snapshot(tp)
    result = decide(run, n, "--invalid", "--force", "--apply", "all")
    assert result.code == 2
    assert "--reason" in result.err
    assert snapshot(tp) == before


def test_force_with_reason_bypasses_quorum_and_is_recorded(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    result = decide(run, n, "--valid", "--scope", SCOPE, "--force", "--reason", "Vote on the list.", "--apply", "all")
    assert result.code == 0, result.err
    text = rollup(tp, n)
    assert "Triage (VALID)" in text
    assert "quorum bypassed with --force: Vote on the list." in text


def test_valid_applies_labels_board_and_rollup(
    tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n, _ = make_tracker(tp, TITLE)
    propose(run, tmp_path, n, "VALID")
    as_user(monkeypatch, "robin")
    result = decide(run, n, "--valid", "--scope", SCOPE, "--apply", "1")
    assert result.code == 0, result.err
    row = tracker(tp, n)
    assert SCOPE in row.labels
    assert "needs triage" not in row.labels
    assert row.board_column == "Assessed"
    assert "Triage (VALID)" in rollup(tp, n)
    assert "Reporter notification drafted: " in rollup(tp, n)


def test_apply_none_cancels(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    before = snapshot(tp)
    result = decide(run, n, "--valid", "--scope", SCOPE, "--force", "--reason", "r", "--apply", "none")
    assert result.code == 0
    assert snapshot(tp) == before


def test_bad_selector_is_exit_2(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    before = snapshot(tp)
    assert decide(run, n, "--invalid", "--force", "--reason", "r", "--apply", "1:explode").code == 2
    assert snapshot(tp) == before


# ---------------------------------------------------------------- §6.3 hard stops

CVE = "CVE-2031-0042"
RELEASED = [SCOPE, "fix released", "security issue", "TLP:AMBER+STRICT"]
ANNOUNCED = [SCOPE, "announced", "announced - emails sent", "security issue", "TLP:AMBER+STRICT"]

HARD_STOPS: list[tuple[str, str | None, list[str] | None, bool, int, str]] = [
    # (case, record state, labels, has CVE, exit code, message fragment)
    ("none", None, None, False, 0, ""),
    ("retracted", "retracted", None, True, 0, ""),
    ("allocated", "allocated", None, True, 3, "retract first"),
    ("review-ready", "review-ready", None, True, 3, "retract first"),
    ("publish-ready", "publish-ready", None, True, 3, "escalate to esc@example.org"),
    ("public", "public", None, True, 3, "escalate to esc@example.org"),
    ("unknown", None, None, True, 3, "could not be read"),
    ("fix-released", None, RELEASED, False, 3, "has shipped"),
    ("announced", None, ANNOUNCED, False, 3, "has shipped"),
]


@pytest.mark.parametrize("row", HARD_STOPS, ids=[r[0] for r in HARD_STOPS])
def test_hard_stop_table(
    tp: Path, run: Run, tmp_path: Path, row: tuple[str, str | None, list[str] | None, bool, int, str]
) -> None:
    case, state, labels, has_cve, code, fragment = row
    n, thread = make_tracker(tp, TITLE)
    if has_cve:
        assert thread is not None
        set_body(
            tp,
            n,
            {
                Field.ISSUE_DESCRIPTION: "The loader follows symlinks.",
                Field.SECURITY_THREAD: f"Root Message-ID: `{thread.root}`",
                Field.CVE_TOOL_LINK: CVE,
            },
        )
        set_state(tp, n, cve_id=CVE)
    if state is not None:
        put_record(tp, CVE, state)
    if labels is not None:
        set_state(tp, n, labels=labels)
    proposal = propose(run, tmp_path, n, "INVALID")
    react(tp, proposal, "robin")
    before = snapshot(tp)
    result = decide(run, n, "--invalid", "--reason", "Symlinks are trusted input here.", "--apply", "all")
    assert result.code == code, (case, result.err)
    if code:
        assert fragment in result.err, case
        assert len(result.err.strip().splitlines()) == 1
        assert snapshot(tp) == before, case
    else:
        row = tracker(tp, n)
        assert row.state == "closed"
        assert row.close_reason == "not planned"
        assert "invalid" in row.labels


def test_hard_stop_already_closed_is_a_noop(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    set_state(tp, n, labels=["invalid", "security issue", "TLP:AMBER+STRICT"], closed=True)
    before = snapshot(tp)
    result = decide(run, n, "--not-cve-worthy", "--force", "--reason", "r", "--apply", "all")
    assert result.code == 0, result.err
    assert "already closed" in result.out
    assert snapshot(tp) == before


def test_closing_sequence(tp: Path, run: Run, tmp_path: Path) -> None:
    n, _ = make_tracker(tp, TITLE)
    proposal = propose(run, tmp_path, n, "DEFENSE-IN-DEPTH")
    react(tp, proposal, "sasha")
    result = decide(run, n, "--wontfix", "--reason", "Hardening only.", "--apply", "all")
    assert result.code == 0, result.err
    found = comments(tp, n)
    closing = [c for c in found if c.body.startswith("<!-- steward: triage-closing disposition=wontfix v1 -->")]
    assert len(closing) == 1
    assert f"#comment-{proposal}" in closing[0].body
    row = tracker(tp, n)
    assert row.labels == ("security issue", "TLP:AMBER+STRICT", "wontfix")
    assert row.close_reason == "not planned"
    text = rollup(tp, n)
    assert "Closed as wontfix" in text
    assert "**Next:** none — terminal disposition." in text
    assert "(archived)" in text
    assert text.index("Closed as wontfix") > 0


# ---------------------------------------------------------------- reopen, need-info, comment


def test_reopen_needs_reason_then_reopens(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    set_state(tp, n, labels=["invalid", "security issue", "TLP:AMBER+STRICT"], closed=True)
    before = snapshot(tp)
    assert decide(run, n, "--reopen", "--apply", "all").code == 2
    assert snapshot(tp) == before
    result = decide(run, n, "--reopen", "--reason", "New reproducer.", "--apply", "all")
    assert result.code == 0, result.err
    row = tracker(tp, n)
    assert row.state == "open"
    assert "needs triage" in row.labels
    assert "invalid" not in row.labels
    assert "Reopened" in rollup(tp, n)


def test_reopen_of_an_open_tracker_is_refused(tp: Path, run: Run) -> None:
    n, _ = make_tracker(tp, TITLE)
    before = snapshot(tp)
    assert decide(run, n, "--reopen", "--reason", "x", "--apply", "all").code == 3
    assert snapshot(tp) == before


def test_comment_by_non_member_is_refused(tp: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n, _ = make_tracker(tp, TITLE)
    body = write(tmp_path, "c.md", "agree")
    as_user(monkeypatch, "mallory")
    before = snapshot(tp)
    assert run("comment", str(n), "--body-file", str(body)).code == 3
    assert snapshot(tp) == before
    assert run("comment", str(n), "--body-file", str(tmp_path / "missing.md")).code == 2


# ---------------------------------------------------------------- evidence


def test_evidence_is_read_only_and_ranks_precedents(tp: Path, run: Run) -> None:
    old, _ = make_tracker(tp, "Template loader follows symlinks outside the root", key="old")
    set_state(tp, old, labels=["invalid", "security issue", "TLP:AMBER+STRICT"], closed=True)
    other, _ = make_tracker(tp, "Unrelated crash in the date formatter", "Date formatting crashes.", key="o")
    set_state(tp, other, labels=["not CVE worthy", "security issue", "TLP:AMBER+STRICT"], closed=True)
    n, _ = make_tracker(tp, TITLE, key="new")
    before = snapshot(tp)
    result = run("triage", str(n), "--evidence", "--json")
    assert result.code == 0, result.err
    pack = result.json()
    assert pack["precedents"][0]["tracker"] == old
    assert pack["precedents"][0]["kind"] == "negative"
    assert pack["security_model_quotes"][0]["source"].startswith("https://quill-wort.example.org/security-model#")
    text = run("triage", str(n), "--evidence")
    assert text.code == 0
    assert "== Precedents" in text.out
    assert snapshot(tp) == before


# ---------------------------------------------------------------- split

SPLIT_SCOPES = """
scope_detection:
  enabled: true
  labels:
    core:
      packageName: quill-wort
    cli:
      packageName: quill-wort-cli
"""


def test_split_proposes_then_creates(project: Path, run: Run) -> None:
    configure(project, extra=SPLIT_SCOPES)
    n, _ = make_tracker(project, TITLE)
    set_state(project, n, labels=["core", "security issue", "TLP:AMBER+STRICT"])
    before = snapshot(project)
    proposal = run("triage", str(n), "--split", "core,cli")
    assert proposal.code == 0, proposal.err
    assert snapshot(project) == before
    done = run("triage", str(n), "--split", "core,cli", "--apply", "all", "--json")
    assert done.code == 0, done.err
    created = done.json()["created"]
    assert len(created) == 1
    new = tracker(project, created[0])
    assert "cli" in new.labels
    assert new.body.startswith("### The issue description\n\nSplit from [quill-wort/security#1](")
    assert "Split (cli)" in rollup(project, created[0])
    assert "Split (cli)" in rollup(project, n)


# ---------------------------------------------------------------- what --apply means for the one-item proposal


@pytest.mark.parametrize(
    ("text", "applies", "silent", "canned"),
    [
        ("all", True, False, None),
        ("go", True, False, None),
        ("1", True, False, None),
        ("2", False, False, None),
        ("skip 1", False, False, None),
        ("all;cancel", False, False, None),
        ("1:silent", True, True, None),
        ("1:canned beg-bounty", True, False, "beg-bounty"),
        ("1:skip", False, False, None),
    ],
)
def test_confirmation_of_item_one(text: str, applies: bool, silent: bool, canned: str | None) -> None:
    chosen = confirmation(text, 1, edit_fields=("explanation",))
    assert (chosen.apply, chosen.silent, chosen.canned) == (applies, silent, canned)


def test_edit_value_keeps_escaped_semicolons() -> None:
    chosen = confirmation(r"1:edit explanation=a\; b;1", 1, edit_fields=("explanation",))
    assert chosen.apply
    assert chosen.edit("explanation") == "a; b"


def test_without_apply_nothing_is_confirmed() -> None:
    assert confirmation(None, 1, edit_fields=("explanation",)) == Confirmation(False)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1:edit title=x", "this command takes explanation=<text>"),
        ("1:merge #4", "does not apply to this command"),
        ("1:frobnicate", "not a selector directive"),
    ],
)
def test_selections_this_command_cannot_use_are_exit_2(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        confirmation(text, 1, edit_fields=("explanation",))
    assert caught.value.exit_code == 2
    assert fragment in str(caught.value)
