"""The git adapter against real repositories built in tmp_path (fictional authors, fixed dates)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from steward.codehost.git_local import GitCodeHost
from steward.codehost.interface import CodeHostError


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {
            **os.environ,
            "HOME": str(path.parent),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Fictional Dev",
            "GIT_AUTHOR_EMAIL": "dev@example.org",
            "GIT_COMMITTER_NAME": "Fictional Dev",
            "GIT_COMMITTER_EMAIL": "dev@example.org",
        }
        self.day = 0
        path.mkdir()
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", *args], cwd=cwd or self.path, env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str]) -> str:
        for name, content in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        self.git("add", "--all")
        self.day += 1
        stamp = f"2099-01-{self.day:02d}T12:00:00+00:00"
        self.env["GIT_AUTHOR_DATE"] = self.env["GIT_COMMITTER_DATE"] = stamp
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "widget")


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    shas = {"base": repo.commit("Scanned state", {"src/auth.py": "v1\n", "README.md": "hi\n"})}
    shas["fix"] = repo.commit("Fix quoting in auth\n\nLonger body.", {"src/auth.py": "v2\n"})
    shas["docs"] = repo.commit("Docs: tweak readme", {"README.md": "hello\n"})
    shas["again"] = repo.commit("Tighten auth – checks", {"src/auth.py": "v3\n", "src/util.py": "u\n"})
    return shas


def test_commits_after_base_touching_a_path_newest_first(repo: Repo, history: dict[str, str]) -> None:
    commits = GitCodeHost(repo.path).commits_since(history["base"], ["src/auth.py"])
    assert [c.sha for c in commits] == [history["again"], history["fix"]]
    assert commits[0].summary == "Tighten auth – checks"
    assert commits[1].summary == "Fix quoting in auth"
    assert commits[0].files == ("src/auth.py",)
    assert commits[0].committed_at == datetime(2099, 1, 4, 12, tzinfo=UTC)
    assert commits[0].url == ""


def test_directory_paths_short_shas_and_tags_work(repo: Repo, history: dict[str, str]) -> None:
    repo.git("tag", "scanned", history["base"])
    host = GitCodeHost(repo.path)
    by_dir = host.commits_since(history["base"][:10], ["src"])
    assert [c.files for c in by_dir] == [("src/auth.py", "src/util.py"), ("src/auth.py",)]
    assert [c.sha for c in host.commits_since("scanned", ["README.md"])] == [history["docs"]]


def test_no_paths_means_every_commit_and_limit_keeps_the_newest(repo: Repo, history: dict[str, str]) -> None:
    host = GitCodeHost(repo.path)
    assert [c.sha for c in host.commits_since(history["base"], [])] == [history[k] for k in ("again", "docs", "fix")]
    assert [c.sha for c in host.commits_since(history["base"], [], limit=1)] == [history["again"]]
    assert host.commits_since(history["again"], []) == []


def test_paths_are_literal_not_globs(repo: Repo, history: dict[str, str]) -> None:
    host = GitCodeHost(repo.path)
    assert host.commits_since(history["base"], ["src/*.py"]) == []
    assert host.commits_since(history["base"], [":(glob)src/*.py"]) == []


def test_only_the_default_branch_counts(repo: Repo, history: dict[str, str]) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    side = repo.commit("Side work on auth", {"src/auth.py": "side\n"})
    assert side in [c.sha for c in GitCodeHost(repo.path).commits_since(history["base"], ["src"])]
    on_main = GitCodeHost(repo.path, "main").commits_since(history["base"], ["src"])
    assert side not in [c.sha for c in on_main]
    assert len(on_main) == 2


def test_a_clone_follows_origin_head(repo: Repo, history: dict[str, str], tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    repo.git("clone", "--quiet", str(repo.path), str(clone))
    repo.git("checkout", "--quiet", "-b", "local-only", cwd=clone)
    (clone / "src" / "auth.py").write_text("local\n", encoding="utf-8")
    repo.git("commit", "--quiet", "--all", "-m", "Local change", cwd=clone)
    host = GitCodeHost(clone)
    assert host.branch() == "origin/main"
    assert [c.sha for c in host.commits_since(history["base"], ["src/auth.py"])] == [history["again"], history["fix"]]


@pytest.mark.parametrize("base", ["--output=/tmp/x", "a..b", "HEAD@{1}", "x y", "-"])
def test_a_hostile_base_never_reaches_git(repo: Repo, history: dict[str, str], base: str) -> None:
    with pytest.raises(CodeHostError, match="neither a hex commit sha nor a ref name"):
        GitCodeHost(repo.path).commits_since(base, [])


def test_an_unknown_base_or_branch_says_which(repo: Repo, history: dict[str, str]) -> None:
    with pytest.raises(CodeHostError, match=r"'f{40}' is not a commit"):
        GitCodeHost(repo.path).commits_since("f" * 40, [])
    with pytest.raises(CodeHostError, match="'trunk' is not a commit"):
        GitCodeHost(repo.path, "trunk").commits_since(history["base"], [])


def test_a_directory_that_is_not_a_clone_is_a_code_host_error(tmp_path: Path) -> None:
    with pytest.raises(CodeHostError, match="is not a commit in"):
        GitCodeHost(tmp_path).commits_since("a" * 40, [])


def test_pull_requests_are_refused_not_reported_empty(repo: Repo) -> None:
    host = GitCodeHost(repo.path)
    with pytest.raises(CodeHostError, match="cannot read pull requests"):
        host.get_pr(1)
    with pytest.raises(CodeHostError, match="cannot read pull requests"):
        host.search_prs(["auth"], since=date(2099, 1, 1))
