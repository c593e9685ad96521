"""`steward import scan`: §5.4–5.6 per finding, "fixed since the scan commit" and the suggested bucket (§5.16).

Everything is fictional: the project `quill-wort`, upstream `invalid/quill-wort`, example.org addresses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from triage_fixtures import Run, app_for, make_tracker, set_state, snapshot, write

import steward.cli.import_files_commands as commands
from steward.codehost.interface import CodeHostError
from steward.domain.roles import Field
from steward.services import import_files as files
from steward.services import scan_checks as checks_mod

SHA = "0123456789abcdef0123456789abcdef01234567"
TITLE = "Path traversal in the export handler"
MESSAGE = "The /api/export endpoint joins the name parameter to the data dir: path traversal."
MATCHING = "Path traversal in src/quill_wort/export.py through /api/export lets anyone read files."


def sarif(
    *,
    title: str = TITLE,
    message: str = MESSAGE,
    help_text: str = "Resolve the path and check it stays inside the data directory.",
    uri: str = "src/quill_wort/export.py",
    commit: str | None = SHA,
    results: int = 1,
) -> str:
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "ExampleScan",
                "rules": [
                    {
                        "id": "py/path-injection",
                        "shortDescription": {"text": title},
                        "help": {"text": help_text},
                        "properties": {"tags": ["external/cwe/cwe-022"], "security-severity": "7.5"},
                    }
                ],
            }
        },
        "results": [
            {
                "ruleId": "py/path-injection",
                "ruleIndex": 0,
                "message": {"text": message},
                "fingerprints": {"primary": f"f{n}"},
                "locations": [
                    {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 40 + n}}}
                ],
            }
            for n in range(results)
        ],
    }
    if commit is not None:
        run["versionControlProvenance"] = [{"repositoryUri": "https://example.org/quill-wort", "revisionId": commit}]
    return json.dumps({"version": "2.1.0", "runs": [run]})


@dataclass(frozen=True)
class FakeCommit:
    sha: str
    summary: str
    url: str
    committed_at: datetime = datetime(2031, 3, 5, tzinfo=UTC)
    files: tuple[str, ...] = ()


@dataclass
class FakeHost:
    """Records every `commits_since` call; answers `commits`, or raises `error`."""

    commits: list[FakeCommit] = field(default_factory=list)
    error: CodeHostError | None = None
    calls: list[tuple[str, tuple[str, ...], int]] = field(default_factory=list)

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> list[FakeCommit]:
        self.calls.append((base, tuple(paths), limit))
        if self.error is not None:
            raise self.error
        return list(self.commits)


FIX = FakeCommit("89abcdef" + "0" * 32, "Check export paths stay inside the data dir", "https://example.org/c/89abcdef")


def propose(root: Path, text: str, host: FakeHost | None = None) -> files.FileProposal:
    path = write(root, "scan.sarif", text)
    app = app_for(root)
    try:
        return files.propose_scan(app, path, host)
    finally:
        app.store.close()


def checks_of(proposal: files.FileProposal, number: int = 1) -> checks_mod.ScanChecks:
    checks = proposal.items[number - 1].checks
    assert checks is not None
    return checks


def add_rejection(root: Path, summary: str, days_ago: int, canned: str = "negative-assessment") -> None:
    app = app_for(root)
    try:
        with app.store.transaction(app.slug, actor="alex", command="test") as tx:
            tx.add_rejection(
                date=(app.now() - timedelta(days=days_ago)).date(),
                reporter="kim@mail.example.net",
                canned=canned,
                thread="<rejected-1@mail.example.net>",
                message_id="<rejected-1@mail.example.net>",
                summary=summary,
            )
    finally:
        app.store.close()


# ---------------------------------------------------------------------------------------------- §5.4


def test_strong_duplicate_is_shown_and_suggested_but_never_applied(project: Path, run: Run) -> None:
    make_tracker(project, TITLE, MATCHING)
    path = write(project, "scan.sarif", sarif())
    shown = run("import", "scan", str(path))
    assert shown.code == 0, shown.err
    assert "— undecided (suggested: duplicate)" in shown.out
    assert "   duplicate: #1 semantic STRONG (component, bug-class, entry-point)" in shown.out
    assert "   duplicate: #1 code-pointer MEDIUM (src/quill_wort/export.py)" in shown.out
    assert "suggested bucket: duplicate (STRONG semantic match with #1); not applied without N:bucket" in shown.out

    data = json.loads(run("import", "scan", str(path), "--json").out)
    finding = data["findings"][0]
    assert finding["suggested_bucket"] == "duplicate"
    assert {"tracker": 1, "signal": "semantic", "strength": "STRONG"}.items() <= finding["duplicates"][0].items()
    assert finding["bucket"] is None

    before = snapshot(project)
    applied = run("import", "scan", str(path), "--apply", "all")
    assert applied.code == 0, applied.err
    assert snapshot(project) == before, "a suggestion is never applied, `all` included"
    assert not (project / ".steward" / "scan-reports").exists()


def test_medium_duplicate_alone_suggests_nothing(project: Path) -> None:
    make_tracker(project, "Slow rendering of large exports", "Rendering src/quill_wort/export.py output is slow.")
    checks = checks_of(propose(project, sarif()))
    assert [(d.tracker, d.signal, d.strength.value) for d in checks.duplicates] == [(1, "code-pointer", "MEDIUM")]
    assert checks.suggested is None
    assert "suggested bucket: none" in checks_mod.check_lines(checks)


def test_no_tracker_states_no_duplicate(project: Path) -> None:
    checks = checks_of(propose(project, sarif()))
    assert checks.duplicates == ()
    assert checks_mod.check_lines(checks)[0] == "duplicates: none"


def test_an_imported_finding_is_not_its_own_duplicate(project: Path, run: Run) -> None:
    path = write(project, "scan.sarif", sarif())
    assert run("import", "scan", str(path), "--apply", "1:bucket import-as-tracker").code == 0
    data = json.loads(run("import", "scan", str(path), "--json").out)
    assert data["findings"][0]["existing_tracker"] == 1
    assert data["findings"][0]["duplicates"] == []
    other = write(project, "other.sarif", sarif(results=2))
    again = json.loads(run("import", "scan", str(other), "--json").out)
    assert again["findings"][0]["duplicates"][0]["tracker"] == 1, "another scan's finding still matches it"


# ---------------------------------------------------------------------------------------------- §5.6


def test_finding_naming_a_fix_pr_suggests_already_fixed(project: Path, run: Run) -> None:
    text = sarif(help_text="Fixed upstream by invalid/quill-wort#77, merged last week.")
    path = write(project, "scan.sarif", text)
    shown = run("import", "scan", str(path))
    assert shown.code == 0, shown.err
    assert "fix already public: upstream PR #77" in shown.out
    assert "— undecided (suggested: already-fixed)" in shown.out
    finding = json.loads(run("import", "scan", str(path), "--json").out)["findings"][0]
    assert finding["fix_already_public"] == [77]
    assert (finding["suggested_bucket"], finding["suggested_reason"]) == ("already-fixed", "names upstream PR #77")


def test_fix_pr_held_by_a_tracker_is_a_strong_duplicate(project: Path) -> None:
    make_tracker(
        project,
        "Template loader follows symlinks",
        fields={Field.PR_WITH_FIX: "https://github.com/invalid/quill-wort/pull/77"},
    )
    checks = checks_of(propose(project, sarif(help_text="See invalid/quill-wort#77.")))
    assert checks.public_fixes == ()
    assert (checks.duplicates[0].signal, checks.duplicates[0].strength.value) == ("upstream-pr", "STRONG")
    assert checks.suggested == "duplicate"


def test_no_fix_pr_is_stated(project: Path) -> None:
    lines = checks_mod.check_lines(checks_of(propose(project, sarif())))
    assert "fix already public: no linked upstream PR outside the trackers" in lines


# ---------------------------------------------------------------------------------------------- since the scan commit


def test_without_code_host_the_check_is_stated_not_done(project: Path, run: Run) -> None:
    path = write(project, "scan.sarif", sarif())
    shown = run("import", "scan", str(path))
    assert "since the scan commit: not checked: no code host configured" in shown.out
    finding = json.loads(run("import", "scan", str(path), "--json").out)["findings"][0]
    assert finding["fixed_since_scan_commit"] == {
        "checked": False,
        "statement": "not checked: no code host configured",
        "commits": [],
    }


def test_scan_without_commit_is_not_checked_even_with_a_host(project: Path) -> None:
    host = FakeHost([FIX])
    checks = checks_of(propose(project, sarif(commit=None), host))
    assert checks.fixed_since.statement == "not checked: the scan names no commit"
    assert host.calls == []
    assert checks.suggested is None


def test_commits_since_the_scan_commit_suggest_already_fixed(project: Path) -> None:
    host = FakeHost([FIX])
    proposal = propose(project, sarif(results=2), host)
    checks = checks_of(proposal)
    assert checks.fixed_since.checked
    assert checks.fixed_since.statement == (
        "possibly fixed since the scan commit: 89abcde Check export paths stay inside the data dir"
    )
    assert (checks.suggested, checks.suggested_reason) == (
        "already-fixed",
        "1 commit(s) touch its files since the scan commit",
    )
    assert host.calls == [(SHA, ("src/quill_wort/export.py",), checks_mod.COMMIT_LIMIT)], "one call per path set"
    assert checks_of(proposal, 2).fixed_since == checks.fixed_since
    rendered = files.proposal_json(proposal)["findings"][0]["fixed_since_scan_commit"]
    assert rendered["commits"] == [{"sha": FIX.sha, "summary": FIX.summary, "url": FIX.url}]


def test_no_commit_since_is_stated_and_suggests_nothing(project: Path) -> None:
    checks = checks_of(propose(project, sarif(), FakeHost([])))
    assert checks.fixed_since == checks_mod.FixedSince(
        True, "no commit touching the finding's files since the scan commit 0123456"
    )
    assert checks.suggested is None


def test_code_host_failure_is_stated_and_not_retried(project: Path) -> None:
    host = FakeHost(error=CodeHostError("reading commits hit GitHub's rate limit; retry later."))
    proposal = propose(project, sarif(), host)
    checks = checks_of(proposal)
    assert not checks.fixed_since.checked
    assert checks.fixed_since.statement.startswith("not checked: the code host did not answer (reading commits")
    two = propose(project, sarif(results=3), host)
    assert len(host.calls) == 2, "one failed call per proposal, then no more"
    assert all(not item.checks.fixed_since.checked for item in two.items if item.checks)


def test_cli_check_commits_uses_the_code_host(project: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    host = FakeHost([FIX])
    monkeypatch.setattr(commands, "scan_code_host", lambda _app, _clone: host)
    path = write(project, "scan.sarif", sarif())
    plain = run("import", "scan", str(path))
    assert "not checked: no code host configured" in plain.out and host.calls == [], "opt-in only"
    shown = run("import", "scan", str(path), "--check-commits")
    assert shown.code == 0, shown.err
    assert "possibly fixed since the scan commit: 89abcde Check export paths stay inside the data dir" in shown.out
    assert "— undecided (suggested: already-fixed)" in shown.out


# ---------------------------------------------------------------------------------------------- §5.5


def test_ledger_precedent_is_listed(project: Path, run: Run) -> None:
    add_rejection(project, "Path traversal claim in the export handler; by design", days_ago=3)
    path = write(project, "scan.sarif", sarif())
    shown = run("import", "scan", str(path))
    day = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    assert f"rejections ledger: {day} negative-assessment: Path traversal claim" in shown.out
    finding = json.loads(run("import", "scan", str(path), "--json").out)["findings"][0]
    ledger = finding["prior_rejections"]["ledger"]
    assert [(e["canned"], e["date"]) for e in ledger] == [("negative-assessment", day)]
    assert "kim@mail.example.net" not in shown.out, "the ledger's reporter stays out of the review"


def test_old_or_unrelated_ledger_records_are_not_precedents(project: Path) -> None:
    add_rejection(project, "Path traversal claim in the export handler; by design", days_ago=400)
    add_rejection(project, "Beg bounty about a missing header", days_ago=2, canned="beg-bounty")
    checks = checks_of(propose(project, sarif()))
    assert checks.ledger == ()
    assert checks.rejection_statement == "no prior rejection in the last 180 days"


def test_closed_invalid_tracker_is_a_reject_class_precedent(project: Path) -> None:
    number, _ = make_tracker(project, "Export handler path traversal via symlinks", "Closed: by design.")
    set_state(project, number, labels=["security issue", "invalid"], closed=True)
    checks = checks_of(propose(project, sarif()))
    assert checks.precedents == (number,)
    assert checks.rejection_statement == f"reject-class precedent: #{number}"


# ---------------------------------------------------------------------------------------------- text and JSON


def test_json_carries_the_facts_the_text_shows(project: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    make_tracker(project, TITLE, MATCHING)
    add_rejection(project, "Path traversal claim in the export handler; by design", days_ago=1)
    monkeypatch.setattr(commands, "scan_code_host", lambda _app, _clone: FakeHost([FIX]))
    path = write(project, "scan.sarif", sarif(help_text="See invalid/quill-wort#77."))
    text = run("import", "scan", str(path), "--check-commits").out
    finding = json.loads(run("import", "scan", str(path), "--check-commits", "--json").out)["findings"][0]
    for dup in finding["duplicates"]:
        assert f"duplicate: #{dup['tracker']} {dup['signal']} {dup['strength']}" in text
    assert f"prior rejections: {finding['prior_rejections']['statement']}" in text
    assert "fix already public: upstream PR " + ", ".join(f"#{n}" for n in finding["fix_already_public"]) in text
    assert f"since the scan commit: {finding['fixed_since_scan_commit']['statement']}" in text
    assert f"suggested bucket: {finding['suggested_bucket']} ({finding['suggested_reason']})" in text
    assert finding["suggested_bucket"] == "duplicate", "a STRONG duplicate outranks a public fix"


def test_inbound_text_stays_escaped(project: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    evil = FakeCommit("fedcba98" + "0" * 32, "Fix \x1b[31mred\x1b[0m \u202eexport\x07 check", "https://example.org/c/1")
    monkeypatch.setattr(commands, "scan_code_host", lambda _app, _clone: FakeHost([evil]))
    add_rejection(project, "Path traversal \x1b]0;title\x07 in the export handler", days_ago=1)
    path = write(project, "scan.sarif", sarif(help_text="Fix \x1b[2J it \u202e now."))
    shown = run("import", "scan", str(path), "--check-commits")
    assert shown.code == 0, shown.err
    assert "possibly fixed since the scan commit: fedcba9 Fix red export check" in shown.out
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in shown.out


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Jo Example", "-c", "user.email=jo@example.org", "-c", "commit.gpgsign=false"]
    done = subprocess.run([*command, *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, path: str, text: str, message: str) -> str:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    git(repo, "add", path)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_cli_clone_lists_commits_touching_the_files(project: Path, run: Run, tmp_path: Path) -> None:
    repo = tmp_path / "upstream"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    scanned = commit(repo, "src/quill_wort/export.py", "v1\n", "Add the export handler")
    fixed = commit(repo, "src/quill_wort/export.py", "v2\n", "Check export paths stay inside the data dir")
    commit(repo, "docs/readme.txt", "docs\n", "Unrelated documentation change")
    path = write(project, "scan.sarif", sarif(commit=scanned))
    shown = run("import", "scan", str(path), "--clone", str(repo))
    assert shown.code == 0, shown.err
    assert f"possibly fixed since the scan commit: {fixed[:7]} Check export paths stay inside" in shown.out
    assert "Unrelated documentation" not in shown.out
    missing = run("import", "scan", str(path), "--clone", str(tmp_path / "nowhere"))
    assert missing.code == 2 and "--clone" in missing.err
