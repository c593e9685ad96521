"""The `github` CodeHost adapter through githubkit: `pulls.get`, `pulls.list_files`, `users.get_by_username`.

Read-only by construction: this module calls no githubkit method that writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from githubkit import GitHub
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed

from steward.codehost.interface import CodeHostError, Milestone, PullRequest

MAX_FILES = 3000
"""GitHub lists at most 3000 changed files per PR."""
PAGE = 100


@contextmanager
def _errors(what: str) -> Iterator[None]:
    try:
        yield
    except RateLimitExceeded as exc:
        raise CodeHostError(
            f"{what} hit GitHub's rate limit; retry after {exc.retry_after} or set GITHUB_TOKEN."
        ) from exc
    except RequestFailed as exc:
        status = exc.response.status_code
        if status == 404:
            raise CodeHostError(f"{what}: GitHub answered 404; check the PR number and tracker.upstream_repo.") from exc
        raise CodeHostError(f"{what} failed with HTTP {status}; retry later.") from exc
    except RequestError as exc:
        raise CodeHostError(f"{what} could not reach GitHub ({type(exc).__name__}); check the network.") from exc


class GitHubCodeHost:
    """PRs of one repository; `github` is a githubkit client (token optional for public repositories)."""

    def __init__(self, github: GitHub[Any], repo: str) -> None:
        self.github = github
        self.owner, _, self.name = repo.partition("/")
        self.repo = repo

    def get_pr(self, number: int) -> PullRequest:
        what = f"reading {self.repo}#{number}"
        with _errors(what):
            pr = self.github.rest.pulls.get(self.owner, self.name, number).parsed_data
            files: list[str] = []
            page = 1
            while len(files) < MAX_FILES:
                response = self.github.rest.pulls.list_files(self.owner, self.name, number, per_page=PAGE, page=page)
                batch: list[Any] = list(response.parsed_data)  # githubkit's list type confuses mypy
                files.extend(str(entry.filename) for entry in batch)
                if len(batch) < PAGE:
                    break
                page += 1
            login = pr.user.login
            name: str | None = None
            if login:
                user = self.github.rest.users.get_by_username(login).parsed_data
                name = user.name or None
        milestone = None
        if pr.milestone is not None:
            due = pr.milestone.due_on
            milestone = Milestone(pr.milestone.title, due.date() if due else None, str(pr.milestone.state))
        return PullRequest(
            number=pr.number,
            title=pr.title,
            body=pr.body or "",
            state="open" if pr.state == "open" else "closed",
            merged=bool(pr.merged),
            merged_at=pr.merged_at,
            author_login=login,
            author_name=name,
            files=tuple(files),
            milestone=milestone,
            base=pr.base.ref,
        )
