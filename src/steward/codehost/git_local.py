"""The `git` CodeHost adapter: default-branch commits of a local clone, read with `git log`.

A clone has no pull requests, so `get_pr` and `search_prs` raise rather than answer "none": an empty
PR search would read as "no public fix" (spec §5.6) when nothing was searched. git runs with an argument
list (never a shell), literal pathspecs and a timeout; `base` is validated before it reaches git.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from steward.codehost.interface import CodeHostError, Commit, PullRequest, check_base

TIMEOUT_SECONDS = 60
_RECORD = "\x1e"
_FIELD = "\x1f"
_NO_PRS = (
    "the git adapter cannot read pull requests; configure the github code host (tracker.upstream_repo) "
    "to check upstream PRs."
)


class GitCodeHost:
    """A local clone at `repo_path`; `default_branch` None means `origin/HEAD` when the clone has it, else HEAD."""

    def __init__(self, repo_path: Path, default_branch: str | None = None) -> None:
        self.repo_path = repo_path
        self.default_branch = check_base(default_branch) if default_branch else None

    def get_pr(self, number: int) -> PullRequest:
        raise CodeHostError(f"cannot read PR #{number}: {_NO_PRS}")

    def search_prs(self, terms: Sequence[str], *, since: date, limit: int = 30) -> list[PullRequest]:
        raise CodeHostError(f"cannot search PRs: {_NO_PRS}")

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> list[Commit]:
        """`git log base..branch -- paths`, newest first; `files` are the changed files under `paths`
        (every changed file when `paths` is empty; merges list none, as `git log` shows them)."""
        check_base(base)
        if limit <= 0:
            return []
        start = self._verify(base)
        branch = self._verify(self.branch())
        out = self._git(
            "log",
            "--no-color",
            f"--max-count={limit}",
            f"--format={_RECORD}%H{_FIELD}%cI{_FIELD}%s",
            "--name-only",
            f"{start}..{branch}",
            "--",
            *(path for path in paths if path),
        )
        return [commit for chunk in out.split(_RECORD) if (commit := _parse(chunk)) is not None]

    def branch(self) -> str:
        """The configured default branch, else the clone's `origin/HEAD` target, else HEAD."""
        if self.default_branch:
            return self.default_branch
        try:
            remote = self._git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").strip()
        except CodeHostError:
            return "HEAD"
        return remote or "HEAD"

    def _verify(self, ref: str) -> str:
        try:
            return self._git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").strip()
        except CodeHostError as exc:
            raise CodeHostError(
                f"{ref[:80]!r} is not a commit in {self.repo_path}; fetch the clone or check the scan commit."
            ) from exc

    def _git(self, *args: str) -> str:
        command = ["git", "--literal-pathspecs", "-c", "core.quotePath=false", "-c", "core.fsmonitor=false", *args]
        try:
            done = subprocess.run(
                command,
                cwd=self.repo_path,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError as exc:
            raise CodeHostError(
                f"cannot run git in {self.repo_path} ({exc.strerror}); install git or check the clone path."
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise CodeHostError(
                f"git {args[0]} in {self.repo_path} took over {TIMEOUT_SECONDS}s; retry or use the github adapter."
            ) from exc
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
            raise CodeHostError(f"git {args[0]} failed in {self.repo_path}: {reason}; check the clone.")
        return done.stdout


def _parse(chunk: str) -> Commit | None:
    lines = chunk.strip("\n").split("\n")
    fields = lines[0].split(_FIELD)
    if len(fields) != 3:
        return None
    sha, when, summary = fields
    files = tuple(line for line in lines[1:] if line)
    return Commit(sha=sha, summary=summary, url="", committed_at=datetime.fromisoformat(when), files=files)
