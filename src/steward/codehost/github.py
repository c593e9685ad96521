"""The `github` CodeHost adapter through githubkit: pulls, PR search and default-branch commits.

Read-only by construction: this module calls no githubkit method that writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from githubkit import GitHub
from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed
from githubkit.utils import UNSET

from steward.codehost.interface import CodeHostError, Commit, Milestone, PullRequest, check_base

MAX_FILES = 3000
"""GitHub lists at most 3000 changed files per PR."""
PAGE = 100
MAX_SEARCH_TERMS = 6
"""GitHub search allows five AND/OR/NOT operators, so six OR-ed terms."""
MAX_SEARCH_CHARS = 256
"""GitHub rejects a search whose terms (qualifiers and operators aside) exceed 256 characters."""
MAX_SEARCH_PAGES = 10
"""GitHub search returns at most 1000 results."""
MAX_COMPARE_PAGES = 30
_TERM_DROP = re.compile(r"[^A-Za-z0-9_.:/ -]")


def search_term(term: str) -> str:
    """A term as a quoted search phrase: only `[A-Za-z0-9_.:/-]` and single spaces survive, so no qualifier,
    operator or quote from inbound text reaches the query; "" when nothing is left."""
    words = _TERM_DROP.sub("", term.replace("\t", " ")).split()
    phrase = " ".join(words)
    return f'"{phrase}"' if phrase.strip("-.:/ ") else ""


def search_query(repo: str, terms: Sequence[str], since: date) -> str:
    """The issue-search query for PRs of `repo` updated since `since` whose text matches any term ("" for none)."""
    quoted: list[str] = []
    used = 0
    for term in terms:
        phrase = search_term(term)
        if not phrase or phrase in quoted:
            continue
        if len(quoted) >= MAX_SEARCH_TERMS or used + len(phrase) > MAX_SEARCH_CHARS:
            break
        quoted.append(phrase)
        used += len(phrase)
    if not quoted:
        return ""
    return f"repo:{repo} is:pr updated:>={since.isoformat()} " + " OR ".join(quoted)


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
        if status == 422:
            raise CodeHostError(f"{what}: GitHub refused the request (422); check the commit sha or query.") from exc
        raise CodeHostError(f"{what} failed with HTTP {status}; retry later.") from exc
    except RequestError as exc:
        raise CodeHostError(f"{what} could not reach GitHub ({type(exc).__name__}); check the network.") from exc


def _summary(message: str) -> str:
    return message.split("\n", 1)[0].strip()


class GitHubCodeHost:
    """PRs and commits of one repository; `github` is a githubkit client (token optional for public repositories).

    `default_branch` None means the repository's HEAD, which GitHub resolves to the default branch.
    """

    def __init__(self, github: GitHub[Any], repo: str, default_branch: str | None = None) -> None:
        self.github = github
        self.owner, _, self.name = repo.partition("/")
        self.repo = repo
        self.default_branch = default_branch

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
            created_at=pr.created_at,
            url=pr.html_url,
        )

    def search_prs(self, terms: Sequence[str], *, since: date, limit: int = 30) -> list[PullRequest]:
        """Issue search, newest update first; results carry no files, base or author name (the search API
        returns none), and closed unmerged PRs or PRs merged before `since` are dropped here."""
        query = search_query(self.repo, terms, since)
        if not query or limit <= 0:
            return []
        per_page = min(limit, PAGE)
        out: list[PullRequest] = []
        with _errors(f"searching pull requests of {self.repo}"):
            for page in range(1, MAX_SEARCH_PAGES + 1):
                found = self.github.rest.search.issues_and_pull_requests(
                    q=query, sort="updated", order="desc", per_page=per_page, page=page
                ).parsed_data
                for item in found.items:
                    pr = _search_item(item, since)
                    if pr is not None and len(out) < limit:
                        out.append(pr)
                if len(out) >= limit or len(found.items) < per_page:
                    break
        return out

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> list[Commit]:
        """`compare base...HEAD` gives the commits after `base`; `list_commits(path=...)` per path says which
        touch it. `files` holds the requested paths a commit touches (a directory stays a directory), not its
        full file list, which would cost one request per commit."""
        check_base(base)
        head = check_base(self.default_branch) if self.default_branch else "HEAD"
        if limit <= 0:
            return []
        what = f"comparing {base[:12]}...{head} on {self.repo}"
        ahead: dict[str, Any] = {}
        with _errors(what):
            for page in range(1, MAX_COMPARE_PAGES + 1):
                comparison = self.github.rest.repos.compare_commits(
                    self.owner, self.name, f"{base}...{head}", per_page=PAGE, page=page
                ).parsed_data
                for commit in comparison.commits:
                    ahead[commit.sha] = commit
                if len(comparison.commits) < PAGE or len(ahead) >= comparison.total_commits:
                    break
        touched: dict[str, list[str]] = {}
        if not paths:
            touched = {sha: [] for sha in ahead}
        elif ahead:
            dates = [d for commit in ahead.values() if (d := _date(commit)) is not None]
            oldest = min(dates) if dates else None
            for path in dict.fromkeys(paths):
                with _errors(f"listing commits touching {path} on {self.repo}"):
                    for sha in self._shas_touching(path, head, oldest):
                        if sha in ahead:
                            touched.setdefault(sha, []).append(path)
        commits = [_commit(ahead[sha], tuple(files)) for sha, files in touched.items()]
        commits.sort(key=lambda c: c.committed_at, reverse=True)
        return commits[:limit]

    def _shas_touching(self, path: str, head: str, since: datetime | None) -> Iterator[str]:
        for page in range(1, MAX_COMPARE_PAGES + 1):
            response = self.github.rest.repos.list_commits(
                self.owner, self.name, sha=head, path=path, since=since or UNSET, per_page=PAGE, page=page
            )
            batch: list[Any] = list(response.parsed_data)
            yield from (str(commit.sha) for commit in batch)
            if len(batch) < PAGE:
                return


def _search_item(item: Any, since: date) -> PullRequest | None:
    info = item.pull_request
    if info is UNSET or info is None:
        return None
    merged_at = info.merged_at if info.merged_at is not UNSET else None
    if item.state != "open" and (merged_at is None or merged_at.date() < since):
        return None
    body = item.body if isinstance(item.body, str) else ""
    return PullRequest(
        number=item.number,
        title=item.title,
        body=body,
        state="open" if item.state == "open" else "closed",
        merged=merged_at is not None,
        merged_at=merged_at,
        author_login=item.user.login if item.user is not None else "",
        author_name=None,
        files=(),
        milestone=None,
        base="",
        created_at=item.created_at,
        url=item.html_url,
    )


def _date(commit: Any) -> datetime | None:
    """The earlier of author and committer date: `since` must not cut a rebased or cherry-picked commit."""
    people = (commit.commit.author, commit.commit.committer)
    found = [p.date for p in people if p is not None and isinstance(p.date, datetime)]
    return min(found) if found else None


def _commit(commit: Any, files: tuple[str, ...]) -> Commit:
    committer = commit.commit.committer
    when = committer.date if committer is not None and isinstance(committer.date, datetime) else None
    return Commit(
        sha=commit.sha,
        summary=_summary(commit.commit.message),
        url=commit.html_url,
        committed_at=when or _date(commit) or datetime.fromtimestamp(0, UTC),
        files=files,
    )
