"""`steward scrub check` through the CLI: text files, git ranges, reporter values from the store, audited --allow.

Every name, address and host is fictional (example.org / example.net / .invalid).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import steward.cli.scrub_commands  # noqa: F401 - registers `scrub check` on the shared app
from steward.app import App, open_app

Run = Callable[..., Any]
Result = Any

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def app_of(root: Path) -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": "alex"})


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def audit_count(root: Path) -> int:
    application = app_of(root)
    with application.store.read(application.slug) as reader:
        return len(reader.list_audit())


def test_clean_text_exits_zero(project: Path, run: Run) -> None:
    result = run("scrub", "check", "--text", str(write(project / "pr.txt", "Refactor the lexer for speed.\n")))
    assert result.code == 0, result.err
    assert "no hits" in result.out


def test_hit_exits_three_naming_pattern_and_offset(project: Path, run: Run) -> None:
    body = write(project / "pr.txt", "Escape output.\n\nFixes CVE-2024-12345 (stored XSS).\n")
    result = run("scrub", "check", "--text", str(body))
    assert result.code == 3
    assert "CVE_ID at offset 22: 'CVE-2024-12345'" in result.out
    assert "CLASS at offset 45: 'XSS'" in result.out
    assert "2 hit(s), first CVE_ID at offset 22" in result.err


def test_json_lists_every_hit(project: Path, run: Run) -> None:
    body = write(project / "pr.txt", "security fix for the embargoed advisory")
    result = run("scrub", "check", "--text", str(body), "--json")
    assert result.code == 3
    doc = result.json()
    assert isinstance(doc, dict)
    assert doc["ok"] is False
    assert [(h["pattern"], h["offset"], h["text"]) for h in doc["hits"]] == [
        ("FRAMING", 0, "security fix"),
        ("FRAMING", 21, "embargoed"),
        ("FRAMING", 31, "advisory"),
    ]


def test_terminal_controls_in_hit_text_are_stripped(project: Path, run: Run) -> None:
    body = write(project / "pr.txt", "Reported by Jane\x1b[31mExample (GHSA-abcd-efgh-ijkl)")
    result = run("scrub", "check", "--text", str(body))
    assert result.code == 3
    assert "GHSA_ID" in result.out
    assert "\x1b" not in result.out


def test_exactly_one_source_is_required(project: Path, run: Run) -> None:
    assert run("scrub", "check").code == 2
    both = run("scrub", "check", "--text", "x.txt", "--git-range", "a..b")
    assert both.code == 2
    assert "exactly one of --text FILE or --git-range" in both.err


def test_missing_text_file_is_a_usage_error(project: Path, run: Run) -> None:
    result = run("scrub", "check", "--text", str(project / "absent.txt"))
    assert result.code == 2
    assert "does not exist" in result.err


def test_allow_without_reason_is_a_usage_error(project: Path, run: Run) -> None:
    body = write(project / "pr.txt", "Fixes CVE-2024-12345")
    result = run("scrub", "check", "--text", str(body), "--allow", "CVE_ID")
    assert result.code == 2
    assert "--reason" in result.err


def test_allow_of_unknown_pattern_is_a_usage_error(project: Path, run: Run) -> None:
    body = write(project / "pr.txt", "Fixes CVE-2024-12345")
    result = run("scrub", "check", "--text", str(body), "--allow", "CVE", "--reason", "public")
    assert result.code == 2
    assert "CVE_ID" in result.err


def test_allow_lifts_one_pattern_and_is_audited(project: Path, run: Run) -> None:
    body = write(project / "notes.txt", "Release notes: fixes CVE-2024-12345.")
    before = audit_count(project)
    result = run("scrub", "check", "--text", str(body), "--allow", "CVE_ID", "--reason", "advisory archived")
    assert result.code == 0, result.out + result.err
    assert "lifted CVE_ID for this run (1 hit(s))" in result.out
    application = app_of(project)
    with application.store.read(application.slug) as reader:
        events = reader.list_audit()
    assert len(events) == before + 1
    assert events[-1].command == "scrub check"
    assert events[-1].item_key == "scrub:allow:CVE_ID"
    assert events[-1].actor == "alex"


def test_allow_keeps_other_patterns(project: Path, run: Run) -> None:
    body = write(project / "notes.txt", "fixes CVE-2024-12345, a path traversal")
    result = run("scrub", "check", "--text", str(body), "--allow", "CVE_ID", "--reason", "archived")
    assert result.code == 3
    assert "CLASS at offset 24" in result.out
    assert "CVE_ID at" not in result.out


def _add_reporter(root: Path, run: Run) -> None:
    created = run("new", "--title", "Parser crash", "--field", "reporter-credit=Jane Example")
    assert created.code == 0, created.err
    application = app_of(root)
    with application.store.transaction(application.slug, actor="alex", command="test") as tx:
        tx.add_thread_ref(1, "<root@mail.example.net>")
        tx.record_message(
            "<root@mail.example.net>",
            root_message_id="<root@mail.example.net>",
            subject="report",
            from_name="Quinn Finder",
            from_addr="quinn.finder@mail.example.net",
        )
        tx.record_message(
            "<reply@mail.example.net>",
            root_message_id="<root@mail.example.net>",
            subject="Re: report",
            from_name="Alex Rostered",
            from_addr="alex.rostered@example.org",
        )


def _put_on_roster(root: Path) -> None:
    path = root / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8")
    roster = "    - handle: alex\n      name: Alex Rostered\n      emails: [alex.rostered@example.org]\n"
    assert "    - handle: alex\n" in text
    path.write_text(text.replace("    - handle: alex\n", roster, 1), encoding="utf-8")


def test_reporter_values_come_from_credits_and_thread_mail(project: Path, run: Run) -> None:
    _put_on_roster(project)
    _add_reporter(project, run)
    body = write(
        project / "pr.txt",
        "Thanks jane example and Quinn Finder <quinn.finder@mail.example.net>; reviewed by Alex Rostered.",
    )
    result = run("scrub", "check", "--text", str(body), "--json")
    assert result.code == 3
    doc = result.json()
    assert isinstance(doc, dict)
    assert [(h["pattern"], h["text"]) for h in doc["hits"]] == [
        ("REPORTER", "jane example"),
        ("REPORTER", "Quinn Finder"),
        ("REPORTER", "quinn.finder@mail.example.net"),
    ]


def test_open_tracker_number_is_a_branch_hit(project: Path, run: Run, tmp_path: Path) -> None:
    assert run("new", "--title", "Parser crash", "--field", "severity=high").code == 0
    repo = _repo(tmp_path / "repo", ["Tidy the lexer"], branch="fix-1-parser")
    result = _in(repo, run, "--git-range", "HEAD~1..HEAD", "--config", str(project / ".steward" / "project.yml"))
    assert result.code == 3
    assert "branch fix-1-parser: BRANCH at offset 4: '1'" in result.out


# ---------------------------------------------------------------- git ranges


def _git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env)
    return done.stdout.strip()


def _repo(path: Path, messages: list[str], *, branch: str = "main") -> Path:
    path.mkdir(parents=True)
    _git(path, "init", "-q", "-b", branch)
    _git(path, "commit", "-q", "--allow-empty", "-m", "Initial commit")
    for message in messages:
        _git(path, "commit", "-q", "--allow-empty", "-m", message)
    return path


def _in(repo: Path, run: Run, *args: str) -> Result:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        return run("scrub", "check", *args)
    finally:
        os.chdir(cwd)


def _config(project: Path) -> tuple[str, str]:
    return "--config", str(project / ".steward" / "project.yml")


def test_git_range_names_the_commit_of_each_hit(project: Path, run: Run, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", ["Tidy the lexer", "Guard the parser\n\nSee GHSA-abcd-efgh-ijkl."])
    bad = _git(repo, "rev-parse", "HEAD")
    result = _in(repo, run, "--git-range", "HEAD~2..HEAD", *_config(project))
    assert result.code == 3
    assert f"commit {bad[:12]}: GHSA_ID at offset 22" in result.out
    assert f"in commit {bad}" in result.err
    assert "Tidy" not in result.out


def test_clean_git_range_exits_zero(project: Path, run: Run, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", ["Tidy the lexer", "Speed up the parser"])
    result = _in(repo, run, "--git-range", "HEAD~2..HEAD", "--json", *_config(project))
    assert result.code == 0, result.out + result.err
    doc = result.json()
    assert isinstance(doc, dict)
    assert [c["surface"] for c in doc["checked"]] == ["text", "text", "branch"]


def test_branch_name_is_scrubbed_as_a_branch(project: Path, run: Run, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", ["Tidy the lexer"], branch="harden-insecure-redirect")
    result = _in(repo, run, "--git-range", "HEAD~1..HEAD", *_config(project))
    assert result.code == 3
    assert "branch harden-insecure-redirect: BRANCH at offset 9: 'secur'" in result.out


@pytest.mark.parametrize("bad", ["HEAD", "HEAD...main", "..HEAD", "--output=x..HEAD", "main..HEAD..x"])
def test_malformed_ranges_are_usage_errors(project: Path, run: Run, tmp_path: Path, bad: str) -> None:
    repo = _repo(tmp_path / "repo", ["Tidy"])
    result = _in(repo, run, "--git-range", bad, *_config(project))
    assert result.code == 2, result.err
    assert not (repo / "x").exists()


def test_unknown_revision_is_a_usage_error(project: Path, run: Run, tmp_path: Path) -> None:
    repo = _repo(tmp_path / "repo", ["Tidy"])
    result = _in(repo, run, "--git-range", "nosuchbranch..HEAD", *_config(project))
    assert result.code == 2
    assert "'nosuchbranch' is not a commit" in result.err


def test_json_hit_text_is_terminal_safe_and_length_slices_the_original(project: Path, run: Run) -> None:
    text = "see \u202eCVE-2024-12345 now"
    body = write(project / "pr.txt", text.replace("\u202e", ""))
    plain = run("scrub", "check", "--text", str(body), "--json").json()
    assert isinstance(plain, dict)
    hit = plain["hits"][0]
    original = body.read_text(encoding="utf-8")
    assert original[hit["offset"] : hit["offset"] + hit["length"]] == hit["text"] == "CVE-2024-12345"
    config = project / ".steward" / "project.yml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\nconfidentiality:\n  extra_scrub_patterns: ['Jane.Example']\n",
        encoding="utf-8",
    )
    write(project / "bidi.txt", "Reported by Jane\u202eExample")
    hostile = run("scrub", "check", "--text", str(project / "bidi.txt"), "--json")
    assert hostile.code == 3
    doc = hostile.json()
    assert isinstance(doc, dict)
    assert [(h["pattern"], h["offset"], h["length"], h["text"]) for h in doc["hits"]] == [
        ("EXTRA", 12, 12, "JaneExample")
    ]
    assert "\u202e" not in hostile.out
