"""`steward sync` on the fictional demo: a converged demo proposes nothing; break one thing, sync proposes exactly
that, `--apply all` fixes it, the re-run proposes nothing and the audit chain verifies."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import steward.cli.sync_commands as sync_cli
from steward.app import open_app
from steward.codehost.interface import CodeHostError, Milestone, PullRequest
from steward.demo.build import build_demo
from steward.services.sync_run import SyncRequest, sync

Run = Callable[..., Any]
IDENTITY = "alex"
ADVISORY = "https://lists.example.org/thread/quillwort-advisory-6"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_demo(tmp_path_factory.mktemp("sync") / "demo", identity=IDENTITY)
    app = open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})
    try:  # the demo's stored blocks predate some field edits; converge once so every test starts clean
        sync(app, SyncRequest(all=True, apply="all"))
    finally:
        app.store.close()
    return root


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("XDG_CONFIG_HOME", "STEWARD_CONFIG", "STEWARD_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    root = tmp_path / "demo"
    shutil.copytree(template, root)
    monkeypatch.chdir(root)
    return root


def proposal(run: Run, *args: str) -> dict[str, Any]:
    result = run("sync", "--json", *args)
    assert result.code == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def items(data: dict[str, Any]) -> list[tuple[int, str]]:
    p = data["proposal"]
    return [(i["tracker"], i["rule"]) for i in p["non_cve_affecting"] + p["cve_affecting"]]


def edit(root: Path, number: int, **changes: Any) -> None:
    app = open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})
    try:
        with app.store.transaction(app.slug, actor="test", command="test") as tx:
            tx.update_tracker(number, **changes)
    finally:
        app.store.close()


def tracker(root: Path, number: int) -> Any:
    app = open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})
    try:
        with app.store.read(app.slug) as reader:
            return reader.get_tracker(number), reader.list_comments(number)
    finally:
        app.store.close()


def converge(run: Run, *args: str) -> None:
    """Apply, then the re-run proposes nothing and the audit chain still verifies."""
    applied = run("sync", *args, "--apply", "all")
    assert applied.code == 0, applied.err
    assert items(proposal(run, "--all", "--no-preflight")) == []
    verify = run("audit", "verify")
    assert verify.code == 0, verify.out + verify.err


def test_converged_demo_proposes_nothing(demo: Path, run: Run) -> None:
    data = proposal(run, "--all")
    assert items(data) == []
    assert "Nothing to sync." in run("sync", "--all").out
    assert items(proposal(run, "--all", "--no-preflight")) == []  # every rule on every tracker agrees


def test_preflight_watches_a_quiet_merged_tracker(demo: Path, run: Run) -> None:
    """§8.13: #5 is `pr merged` and steward spoke last, so `--all` runs only release detection on it; a board
    drift there waits for `--no-preflight`, a named run, or a human comment."""
    edit(demo, 5, board_column="Assessed")
    data = proposal(run, "--all")
    assert items(data) == []
    assert items(proposal(run, "--all", "--no-preflight")) == [(5, "S13")]
    assert items(proposal(run, "5")) == [(5, "S13")]


def test_wrong_board_column(demo: Path, run: Run) -> None:
    edit(demo, 5, board_column="Assessed")
    before, _ = tracker(demo, 5)
    assert items(proposal(run, "--all", "--no-preflight")) == [(5, "S13")]
    assert tracker(demo, 5)[0] == before  # the dry run wrote nothing
    converge(run, "--all", "--no-preflight")
    assert tracker(demo, 5)[0].board_column == "PR merged"


def test_title_with_a_prefix(demo: Path, run: Run) -> None:
    row, _ = tracker(demo, 4)
    edit(demo, 4, title=f"[SECURITY] {row.title}")
    assert items(proposal(run, "4")) == [(4, "S7")]
    converge(run, "4")
    fixed, comments = tracker(demo, 4)
    assert fixed.title == row.title
    assert "### Related references" in fixed.body and "[SECURITY]" in fixed.body
    assert "Sync (S7)" in comments[-1].body or any("Sync (S7)" in c.body for c in comments)


def test_stale_json_block(demo: Path, run: Run) -> None:
    row, _ = tracker(demo, 6)
    stale = row.body.replace("| CVE id | CVE-2099-10004 |", "| CVE id | CVE-2099-10004 (old) |")
    assert stale != row.body
    edit(demo, 6, body=stale)
    assert items(proposal(run, "--open")) == [(6, "S17")]
    converge(run, "--open")
    assert tracker(demo, 6)[0].body == row.body


def test_selection_picks_one_item_and_skip(demo: Path, run: Run) -> None:
    edit(demo, 5, board_column="Assessed")
    edit(demo, 7, board_column="Assessed")
    assert items(proposal(run, "--all", "--no-preflight")) == [(5, "S13"), (7, "S13")]
    assert run("sync", "--all", "--no-preflight", "--apply", "1;2:skip").code == 0
    assert items(proposal(run, "--all", "--no-preflight")) == [(7, "S13")]


def test_bad_selection_and_no_match(demo: Path, run: Run) -> None:
    edit(demo, 5, board_column="Assessed")
    assert run("sync", "--all", "--no-preflight", "--apply", "1:edit title=x").code == 2
    assert items(proposal(run, "--all", "--no-preflight")) == [(5, "S13")]  # nothing applied
    assert items(proposal(run, "--label", "no-such-label")) == []
    assert run("sync", "--all", "--open").code == 2


class FakeCodeHost:
    """The read-only CodeHost port: PR #404 merged by a fictional author."""

    def get_pr(self, number: int) -> PullRequest:
        if number != 404:
            raise CodeHostError(f"no PR {number} on quillwort/quillwort")
        merged = datetime(2031, 5, 1, tzinfo=UTC)
        return PullRequest(404, "Fix the cache key", "", "closed", True, merged, "kit-example", "Kit Example",
                           ("src/cache.py",), Milestone("2.7.0"), "main")  # fmt: skip

    def search_prs(self, terms: Any, *, since: Any, limit: int = 30) -> list[PullRequest]:
        return []


@pytest.fixture
def code_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sync_cli, "sync_code_host", lambda _app: FakeCodeHost())
    yield


def test_merged_pr_swaps_labels(demo: Path, run: Run, code_host: None) -> None:
    row, _ = tracker(demo, 4)
    assert "pull/404" in row.body, "the demo tracker 4 links PR 404"
    rules = [r for n, r in items(proposal(run, "4")) if n == 4]
    assert "S2" in rules and "S4" in rules
    converge(run, "4")
    after, _ = tracker(demo, 4)
    assert "pr merged" in after.labels and "pr created" not in after.labels
    assert after.milestone == "2.7.0" and after.board_column == "PR merged"
    assert "Kit Example" in after.body


def test_closeout_completes_with_publication(demo: Path, run: Run) -> None:
    config = demo / ".steward" / "project.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("  tool: demo\n", "  tool: demo\n  publication_propagation: poll\n"),
        encoding="utf-8",
    )
    data = proposal(run, "6", "--advisory-url", ADVISORY)
    assert items(data) == [(6, "close-out")]
    result = run("sync", "6", "--advisory-url", ADVISORY, "--apply", "all", "--json")
    assert result.code == 0, result.err
    done = result.json()["closeouts"][0]
    assert done["completed"], done
    row, comments = tracker(demo, 6)
    assert not row.is_open and row.close_reason == "completed" and row.board_column == "Announced"
    assert {"announced", "announced - emails sent", "TLP:CLEAR"} <= set(row.labels)
    assert "fix released" not in row.labels and ADVISORY in row.body
    assert any(c.body.startswith("<!-- steward: release-manager-wrap-up v1 -->") for c in comments)
    assert items(proposal(run, "6", "--advisory-url", ADVISORY)) == []
    assert run("audit", "verify").code == 0


def test_closeout_stops_after_step_4_when_publication_is_manual(demo: Path, run: Run) -> None:
    result = run("sync", "6", "--advisory-url", ADVISORY, "--apply", "all", "--json")
    assert result.code == 0, result.err
    done = result.json()["closeouts"][0]
    assert not done["completed"] and "manual" in done["stopped"]
    row, comments = tracker(demo, 6)
    assert row.is_open and "announced" in row.labels and row.board_column == "Announced"
    marker = "<!-- steward: release-manager-publication-ready v1 -->"
    assert sum(c.body.startswith(marker) for c in comments) == 1
    again = run("sync", "6", "--advisory-url", ADVISORY, "--apply", "all", "--json")
    assert again.code == 0
    assert sum(c.body.startswith(marker) for c in tracker(demo, 6)[1]) == 1  # PATCHed, never doubled
    assert run("audit", "verify").code == 0


def test_advisory_url_needs_one_tracker(demo: Path, run: Run) -> None:
    assert run("sync", "--all", "--advisory-url", ADVISORY).code == 2
    assert run("sync", "6", "--advisory-url", "lists.example.org/x").code == 2


SUMMARY = (
    "Quillwort before 2.7.1 lets an authenticated user stall the server with a crafted include path; an attacker "
    "with template-editing rights can do so repeatedly. Upgrade to quillwort 2.7.1 or later."
)


def test_fill_fields_then_handoff_to_the_release_manager(demo: Path, run: Run) -> None:
    fill = "<!-- steward: remediation-developer-fill-fields v1 -->"
    row, comments = tracker(demo, 5)
    assert sum(c.body.startswith(fill) for c in comments) == 1, "the demo's sync asked for the missing summary"
    heading = "### Short public summary for publish\n\n_No response_"
    assert heading in row.body
    edit(demo, 5, body=row.body.replace(heading, f"### Short public summary for publish\n\n{SUMMARY}"))
    config = demo / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8")
    assert "release_process:" not in text, "merge the release manager into the demo's release_process block"
    config.write_text(text + "\nrelease_process:\n  release_managers:\n    - handle: sasha-demo\n", encoding="utf-8")
    first = proposal(run, "5", "--released", "2.7.1")
    assert [r for _, r in items(first)] == ["S17"], first  # stage 2 waits for the pushed record
    assert run("sync", "5", "--released", "2.7.1", "--apply", "all").code == 0
    second = proposal(run, "5", "--released", "2.7.1")
    assert [r for _, r in items(second)] == ["hand-off"], second
    assert run("sync", "5", "--released", "2.7.1", "--apply", "all").code == 0
    after, comments = tracker(demo, 5)
    assert "fix released" in after.labels and "pr merged" not in after.labels
    assert after.assignee == "sasha-demo" and after.board_column == "Fix released"
    handoff = [c.body for c in comments if c.body.startswith("<!-- steward: release-manager-handoff v1 -->")]
    assert len(handoff) == 1 and "@sasha-demo" in handoff[0]
    filled = [c.body for c in comments if c.body.startswith(fill)]
    assert filled == [f"{fill}\nAll mandatory fields are complete."]  # updated in place, never doubled
    assert items(proposal(run, "--all")) == []
    assert run("audit", "verify").code == 0
