"""`steward fix claim` and `steward fix link [--private]` on the fictional demo project (spec Steps 7, 9, 10, T8)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from demo_copy import IDENTITY, build_template, comments, draft_messages, isolated_copy, open_demo, tracker, tree_bytes

import steward.cli.fix_commands  # noqa: F401 - registers `fix` on the shared app
from steward.app import App
from steward.domain.fields import field_value, set_field
from steward.domain.roles import Field
from steward.services.fix_commands import PRIVATE_MARKER, VALIDATION_CHECKLIST, private_pr_recorded

Run = Callable[..., Any]
UPSTREAM = "https://github.com/quillwort/quillwort/pull"
GHSA_FORK = "https://github.com/quillwort/quillwort-ghsa-2345-6789-cfgh/pull/7"
CVE_ALLOCATED = 3  # demo: cve-allocated, unclaimed
ASSESSED = 2
PR_CREATED = 4
NEEDS_TRIAGE = 1
CLOSED_INVALID = 9
FIX_RELEASED = 6
REPORTER = "ola@mail.example.net"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template") / "demo")


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_copy(template, tmp_path, monkeypatch)


@pytest.fixture
def app(demo: Path) -> Iterator[App]:
    opened = open_demo(demo)
    yield opened
    opened.store.close()


drafts = draft_messages


def audit_count(app: App) -> int:
    with app.store.read(app.slug) as reader:
        return len(reader.list_audit())


def rollup_text(app: App, number: int) -> str:
    return str(next(c.body for c in comments(app, number) if c.body.startswith("<!-- steward: status-rollup")))


def field(app: App, number: int, role: Field) -> str | None:
    return field_value(tracker(app, number).body, role, app.headings)


def add_thread_facts(app: App, number: int, root: str) -> None:
    """Routing facts for the demo thread, so the reporter draft has somewhere to go."""
    with app.store.transaction(app.slug, actor=IDENTITY, command="test") as tx:
        tx.record_message(
            root,
            root_message_id=root,
            subject="Security report: macros",
            from_name="Ola Invented",
            from_addr=REPORTER,
            sent_at=datetime(2026, 11, 1, tzinfo=UTC),
        )


def refused_unchanged(run: Run, root: Path, code: int, *argv: str) -> str:
    before = tree_bytes(root)
    result = run(*argv)
    assert result.code == code, (result.out, result.err)
    assert tree_bytes(root) == before
    assert result.err.count("\n") == 1  # one sentence, no traceback
    return str(result.err)


# ---------------------------------------------------------------------------------------------- claim


def test_claim_sets_owner_rollup_audit(demo: Path, run: Run, app: App) -> None:
    before = audit_count(app)
    result = run("fix", "claim", str(CVE_ALLOCATED))
    assert result.code == 0, result.err
    assert "claimed by @alex" in result.out
    row = tracker(app, CVE_ALLOCATED)
    assert row.assignee == IDENTITY
    assert field(app, CVE_ALLOCATED, Field.REMEDIATION_DEVELOPER) == IDENTITY
    assert "@alex · Fix claimed (@alex)" in rollup_text(app, CVE_ALLOCATED)
    assert audit_count(app) == before + 1
    listed = run("list", "--json").json()
    assert not next(t for t in listed["trackers"] if t["number"] == CVE_ALLOCATED)["unclaimed"]


def test_claim_twice_is_a_noop(demo: Path, run: Run) -> None:
    assert run("fix", "claim", str(CVE_ALLOCATED)).code == 0
    before = tree_bytes(demo)
    again = run("fix", "claim", str(CVE_ALLOCATED))
    assert again.code == 0
    assert "already claimed by you" in again.out
    assert tree_bytes(demo) == before


def test_claim_moves_the_assignee_to_the_claimant(
    demo: Path, run: Run, app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "robin-demo")
    assert run("fix", "claim", str(CVE_ALLOCATED)).code == 0
    assert tracker(app, CVE_ALLOCATED).assignee == "robin-demo"
    assert field(app, CVE_ALLOCATED, Field.REMEDIATION_DEVELOPER) == "Robin Example (fictional)"


def test_claim_of_someone_elses_claim_is_refused(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "robin-demo")
    assert run("fix", "claim", str(CVE_ALLOCATED)).code == 0
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    err = refused_unchanged(run, demo, 3, "fix", "claim", str(CVE_ALLOCATED))
    assert "claimed by @robin-demo" in err


@pytest.mark.parametrize(
    ("number", "phrase"),
    [(NEEDS_TRIAGE, "not yet valid"), (CLOSED_INVALID, "is closed"), (FIX_RELEASED, "release manager owns it")],
)
def test_claim_refusals_write_nothing(demo: Path, run: Run, number: int, phrase: str) -> None:
    assert phrase in refused_unchanged(run, demo, 3, "fix", "claim", str(number))


def test_claim_by_a_non_member_is_refused(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "stranger")
    assert "not on the roster" in refused_unchanged(run, demo, 3, "fix", "claim", str(CVE_ALLOCATED))


# ---------------------------------------------------------------------------------------------- link


def test_link_applies_t8(demo: Path, run: Run, app: App) -> None:
    before = audit_count(app)
    result = run("fix", "link", str(CVE_ALLOCATED), f"{UPSTREAM}/410/files")
    assert result.code == 0, result.err
    row = tracker(app, CVE_ALLOCATED)
    assert field(app, CVE_ALLOCATED, Field.PR_WITH_FIX) == f"{UPSTREAM}/410"
    assert "pr created" in row.labels
    assert row.board_column == "PR created"
    assert row.milestone is None  # `< NEXT VERSION`: not resolvable, left alone
    rollup = rollup_text(app, CVE_ALLOCATED)
    assert "Fix PR (quillwort/quillwort#410)" in rollup
    assert "- labels +pr created (T8)" in rollup
    assert f"{UPSTREAM}/410" in row.body.split("cve-json-begin")[1]  # the block follows the field (§2.7)
    assert audit_count(app) == before + 2
    assert run("show", str(CVE_ALLOCATED), "--json").json()["state"] == "pr-created"


def test_link_same_pr_again_is_a_noop(demo: Path, run: Run) -> None:
    assert run("fix", "link", str(CVE_ALLOCATED), f"{UPSTREAM}/410").code == 0
    before = tree_bytes(demo)
    again = run("fix", "link", str(CVE_ALLOCATED), f"{UPSTREAM}/410")
    assert again.code == 0
    assert "nothing to do" in again.out
    assert tree_bytes(demo) == before


def test_link_drafts_fix_pr_opened(demo: Path, run: Run, app: App) -> None:
    add_thread_facts(app, CVE_ALLOCATED, "<macro-autoescape@mail.example.net>")
    existing = {m["X-Steward-Key"] for m in drafts(demo)}
    result = run("fix", "link", str(CVE_ALLOCATED), f"{UPSTREAM}/410")
    assert result.code == 0, result.err
    written = [m for m in drafts(demo) if m["X-Steward-Key"] not in existing]
    assert len(written) == 1
    message = written[0]
    assert message["To"] == REPORTER
    assert message["In-Reply-To"] == "<macro-autoescape@mail.example.net>"
    body = message.get_body(("plain",))
    assert body is not None
    assert f"{UPSTREAM}/410" in body.get_content()
    assert f"Reporter notification drafted: {message['X-Steward-Key']}." in rollup_text(app, CVE_ALLOCATED)


def test_link_sets_resolvable_milestone_and_missing_assignee(demo: Path, run: Run, app: App) -> None:
    with app.store.transaction(app.slug, actor=IDENTITY, command="test") as tx:
        row = tx.get_tracker(ASSESSED)
        body = set_field(row.body, Field.AFFECTED_VERSIONS, "`< 2.7.1`", app.headings)
        tx.update_tracker(ASSESSED, body=body, assignee=None)
        tx.upsert_milestone("2.7.1")
    result = run("fix", "link", str(ASSESSED), f"{UPSTREAM}/420")
    assert result.code == 0, result.err
    row = tracker(app, ASSESSED)
    assert row.milestone == "2.7.1"
    assert row.assignee == IDENTITY
    assert "pr created" in row.labels


def test_link_another_pr_on_a_pr_created_tracker(demo: Path, run: Run, app: App) -> None:
    labels = tracker(app, PR_CREATED).labels
    existing = len(drafts(demo))
    result = run("fix", "link", str(PR_CREATED), f"{UPSTREAM}/430")
    assert result.code == 0, result.err
    value = field(app, PR_CREATED, Field.PR_WITH_FIX) or ""
    assert value.splitlines() == [f"{UPSTREAM}/404", f"{UPSTREAM}/430"]
    assert tracker(app, PR_CREATED).labels == labels
    assert len(drafts(demo)) == existing


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/other/widget/pull/3",
        "https://github.com/quillwort/quillwort/issues/3",
        "quillwort/quillwort#3",
        "https://code.example.org/quillwort/quillwort/pull/3",
        GHSA_FORK,
    ],
)
def test_link_rejects_other_urls(demo: Path, run: Run, url: str) -> None:
    err = refused_unchanged(run, demo, 2, "fix", "link", str(CVE_ALLOCATED), url)
    assert "quillwort/quillwort" in err


@pytest.mark.parametrize(
    ("number", "phrase"), [(NEEDS_TRIAGE, "validity decision"), (CLOSED_INVALID, "closed"), (FIX_RELEASED, "T8")]
)
def test_link_refusals_write_nothing(demo: Path, run: Run, number: int, phrase: str) -> None:
    assert phrase in refused_unchanged(run, demo, 3, "fix", "link", str(number), f"{UPSTREAM}/440")


# ---------------------------------------------------------------------------------------------- --private


def test_private_records_checklist_only(demo: Path, run: Run, app: App) -> None:
    row = tracker(app, ASSESSED)
    existing = len(drafts(demo))
    result = run("fix", "link", str(ASSESSED), GHSA_FORK, "--private")
    assert result.code == 0, result.err
    after = tracker(app, ASSESSED)
    assert after.labels == row.labels
    assert after.body == row.body
    posted = [c for c in comments(app, ASSESSED) if c.body.startswith(f"<!-- steward: {PRIVATE_MARKER} v1 -->")]
    assert len(posted) == 1
    for item in VALIDATION_CHECKLIST:
        assert f"- [ ] {item}" in posted[0].body
    assert GHSA_FORK in posted[0].body
    assert "Fix PR (private, quillwort/quillwort-ghsa-2345-6789-cfgh#7)" in rollup_text(app, ASSESSED)
    assert private_pr_recorded(comments(app, ASSESSED), [IDENTITY])
    assert len(drafts(demo)) == existing
    before = tree_bytes(demo)
    assert run("fix", "link", str(ASSESSED), GHSA_FORK, "--private").code == 0
    assert tree_bytes(demo) == before


def test_private_rejects_public_upstream_pr(demo: Path, run: Run) -> None:
    err = refused_unchanged(run, demo, 2, "fix", "link", str(ASSESSED), f"{UPSTREAM}/5", "--private")
    assert "GHSA temporary private fork" in err


def test_private_marker_from_a_stranger_does_not_count(app: App) -> None:
    from steward.store import CommentRow

    now = datetime(2026, 1, 1, tzinfo=UTC)
    forged = CommentRow(1, 1, "mallory", f"<!-- steward: {PRIVATE_MARKER} v1 -->\n{GHSA_FORK}", now, now)
    assert not private_pr_recorded([forged], [IDENTITY])
