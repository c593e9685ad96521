"""`steward import pr` against respx-served GitHub REST payloads, each validated by githubkit's own models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from githubkit_schemas.latest.models import DiffEntry, PublicUser
from githubkit_schemas.latest.models import PullRequest as PullRequestModel
from triage_fixtures import Run, rollup, snapshot, tracker

import steward.cli.import_files_commands  # noqa: F401  (registers md, scan and pr on `steward import`)
from steward.domain.fields import parse_fields
from steward.domain.roles import Field

API = "https://api.github.com"
OWNER, REPO = "example-org", "widget"
UPSTREAM = f"{OWNER}/{REPO}"
WHEN = "2031-05-06T07:08:09Z"

SCOPES = """
scope_detection:
  enabled: true
  labels:
    core:
      path_prefix: "src/widget/"
      packageName: widget
    ui:
      path_prefix: "ui/"
      packageName: widget-ui
"""


def configure(root: Path) -> None:
    path = root / ".steward" / "project.yml"
    text = path.read_text(encoding="utf-8").replace("invalid/quill-wort", UPSTREAM)
    path.write_text(text + SCOPES, encoding="utf-8")


def user(login: str, **extra: Any) -> dict[str, Any]:
    base = f"{API}/users/{login}"
    data: dict[str, Any] = {
        "login": login,
        "id": 1001,
        "node_id": "U_kgDOfake",
        "avatar_url": "https://avatars.example.org/u/1001",
        "gravatar_id": "",
        "url": base,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": "User",
        "site_admin": False,
    }
    data.update(extra)
    return data


def public_user(login: str, name: str | None) -> dict[str, Any]:
    data = user(
        login,
        name=name,
        company=None,
        blog="",
        location=None,
        email=None,
        hireable=None,
        bio=None,
        public_repos=1,
        public_gists=0,
        followers=0,
        following=0,
        created_at=WHEN,
        updated_at=WHEN,
    )
    PublicUser.model_validate(data)
    return data


REPO_URLS = [
    "archive",
    "blobs",
    "branches",
    "collaborators",
    "comments",
    "commits",
    "compare",
    "contents",
    "contributors",
    "deployments",
    "downloads",
    "events",
    "forks",
    "git_commits",
    "git_refs",
    "git_tags",
    "issue_comment",
    "issue_events",
    "issues",
    "keys",
    "labels",
    "languages",
    "merges",
    "milestones",
    "notifications",
    "pulls",
    "releases",
    "stargazers",
    "statuses",
    "subscribers",
    "subscription",
    "tags",
    "teams",
    "trees",
    "hooks",
    "assignees",
]


def repository() -> dict[str, Any]:
    base = f"{API}/repos/{UPSTREAM}"
    data: dict[str, Any] = {f"{name}_url": f"{base}/{name}" for name in REPO_URLS}
    data.update(
        id=2002,
        node_id="R_kgDOfake",
        name=REPO,
        full_name=UPSTREAM,
        license=None,
        forks=0,
        owner=user(OWNER, type="Organization"),
        private=False,
        html_url=f"https://github.com/{UPSTREAM}",
        description=None,
        fork=False,
        url=base,
        git_url=f"git://github.com/{UPSTREAM}.git",
        ssh_url=f"git@github.com:{UPSTREAM}.git",
        clone_url=f"https://github.com/{UPSTREAM}.git",
        svn_url=f"https://github.com/{UPSTREAM}",
        mirror_url=None,
        homepage=None,
        language=None,
        forks_count=0,
        stargazers_count=0,
        watchers_count=0,
        size=1,
        default_branch="main",
        open_issues_count=0,
        has_pages=False,
        disabled=False,
        pushed_at=WHEN,
        created_at=WHEN,
        updated_at=WHEN,
        open_issues=0,
        watchers=0,
    )
    return data


def milestone(title: str) -> dict[str, Any]:
    base = f"{API}/repos/{UPSTREAM}/milestones/3"
    return {
        "url": base,
        "html_url": f"https://github.com/{UPSTREAM}/milestone/3",
        "labels_url": f"{base}/labels",
        "id": 3003,
        "node_id": "MI_kgDOfake",
        "number": 3,
        "title": title,
        "description": None,
        "creator": user("rm-example"),
        "open_issues": 1,
        "closed_issues": 0,
        "state": "open",
        "created_at": WHEN,
        "updated_at": WHEN,
        "closed_at": None,
        "due_on": "2031-06-01T07:00:00Z",
    }


def pull(
    number: int,
    title: str,
    *,
    merged: bool = True,
    state: str = "closed",
    milestone_title: str | None = "2.4.1",
    author: str = "jdev",
    body: str | None = "Validate the redirect target.",
) -> dict[str, Any]:
    base = f"{API}/repos/{UPSTREAM}/pulls/{number}"
    ref = {"label": f"{OWNER}:main", "ref": "main", "repo": repository(), "sha": "0" * 40, "user": user(OWNER)}
    link = {"href": base}
    data = {
        "url": base,
        "id": 4000 + number,
        "node_id": "PR_kwDOfake",
        "html_url": f"https://github.com/{UPSTREAM}/pull/{number}",
        "diff_url": f"https://github.com/{UPSTREAM}/pull/{number}.diff",
        "patch_url": f"https://github.com/{UPSTREAM}/pull/{number}.patch",
        "issue_url": f"{API}/repos/{UPSTREAM}/issues/{number}",
        "commits_url": f"{base}/commits",
        "review_comments_url": f"{base}/comments",
        "review_comment_url": f"{API}/repos/{UPSTREAM}/pulls/comments{{/number}}",
        "comments_url": f"{API}/repos/{UPSTREAM}/issues/{number}/comments",
        "statuses_url": f"{API}/repos/{UPSTREAM}/statuses/{'0' * 40}",
        "number": number,
        "state": state,
        "locked": False,
        "title": title,
        "user": user(author),
        "body": body,
        "labels": [],
        "milestone": milestone(milestone_title) if milestone_title else None,
        "created_at": WHEN,
        "updated_at": WHEN,
        "closed_at": WHEN if state == "closed" else None,
        "merged_at": WHEN if merged else None,
        "merge_commit_sha": None,
        "head": {**ref, "label": f"{author}:fix", "ref": "fix"},
        "base": ref,
        "_links": dict.fromkeys(
            ("comments", "commits", "statuses", "html", "issue", "review_comments", "review_comment", "self"), link
        ),
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "merged": merged,
        "mergeable": None,
        "mergeable_state": "unknown",
        "merged_by": user("rm-example") if merged else None,
        "comments": 0,
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": 1,
        "additions": 3,
        "deletions": 1,
        "changed_files": 2,
    }
    parsed = PullRequestModel.model_validate(data)
    assert parsed.number == number and parsed.merged is merged
    return data


def diff_entry(filename: str) -> dict[str, Any]:
    data = {
        "sha": "1" * 40,
        "filename": filename,
        "status": "modified",
        "additions": 3,
        "deletions": 1,
        "changes": 4,
        "blob_url": f"https://github.com/{UPSTREAM}/blob/main/{filename}",
        "raw_url": f"https://github.com/{UPSTREAM}/raw/main/{filename}",
        "contents_url": f"{API}/repos/{UPSTREAM}/contents/{filename}",
    }
    DiffEntry.model_validate(data)
    return data


TITLE = "fix(auth): Validate the redirect target after login (#12)"
FILES = ["src/widget/auth.py", "tests/test_auth.py"]


@pytest.fixture
def github() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield router


def serve(router: respx.MockRouter, number: int, pr: dict[str, Any], files: list[str], name: str | None) -> None:
    base = f"{API}/repos/{UPSTREAM}/pulls/{number}"
    router.get(base).mock(return_value=httpx.Response(200, json=pr))
    router.get(f"{base}/files").mock(return_value=httpx.Response(200, json=[diff_entry(f) for f in files]))
    login = pr["user"]["login"]
    router.get(f"{API}/users/{login}").mock(return_value=httpx.Response(200, json=public_user(login, name)))


def only_reads(router: respx.MockRouter) -> None:
    assert router.calls, "the PR was read"
    assert {call.request.method for call in router.calls} == {"GET"}, "steward never writes to the code host"


def test_dry_run_proposes_and_writes_nothing(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(github, 12, pull(12, TITLE), FILES, "Jo Developer")
    before = snapshot(project)
    result = run("import", "pr", f"https://github.com/{UPSTREAM}/pull/12", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["scope"] == "core" and data["milestone"] == "2.4.1" and data["state"] == "merged"
    assert data["title"] == "Validate the redirect target after login"
    assert data["labels"] == ["core", "pr merged", "security issue", "TLP:AMBER+STRICT"]
    assert data["board"] == "PR merged"
    assert snapshot(project) == before
    only_reads(github)


def test_apply_creates_the_tracker(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(
        github, 12, pull(12, TITLE, body="Fix. <!-- steward: status-rollup v1 -->\n### Injected"), FILES, "Jo Developer"
    )
    result = run("import", "pr", f"{UPSTREAM}#12", "--apply", "all")
    assert result.code == 0, result.err
    row = tracker(project, 1)
    assert row.title == "Validate the redirect target after login"
    assert set(row.labels) == {"core", "pr merged", "security issue", "TLP:AMBER+STRICT"}
    assert "needs triage" not in row.labels
    assert row.board_column == "PR merged" and row.milestone == "2.4.1" and row.scope == "core"
    values = parse_fields(row.body).values
    assert values[Field.ISSUE_DESCRIPTION].startswith(f"> **Imported from public PR {UPSTREAM}#12**")
    assert "<!--" not in values[Field.ISSUE_DESCRIPTION] and "\n### " not in values[Field.ISSUE_DESCRIPTION]
    assert values[Field.SECURITY_THREAD].startswith(f"N/A — opened from public PR {UPSTREAM}#12; no ")
    assert values[Field.PR_WITH_FIX] == f"https://github.com/{UPSTREAM}/pull/12"
    assert values[Field.REMEDIATION_DEVELOPER] == "Jo Developer"
    assert values[Field.REPORTER_CREDIT] == "N/A — no finder credit (imported from public PR)"
    assert values[Field.SEVERITY] == "Unknown"
    text = rollup(project, 1)
    assert f"Import from PR (core, {UPSTREAM}#12)" in text
    assert "No reporter notification: no reporter on this path (import-from-pr)." in text
    only_reads(github)


def test_open_pr_without_author_name_uses_login(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(
        github,
        14,
        pull(14, "Reject symlinks in the upload directory handler", merged=False, state="open"),
        ["src/widget/upload.py"],
        None,
    )
    assert run("import", "pr", "14", "--apply", "1").code == 0
    row = tracker(project, 1)
    assert "pr created" in row.labels and row.board_column == "PR created"
    assert parse_fields(row.body).values[Field.REMEDIATION_DEVELOPER] == "jdev"


def test_bot_author_is_skipped(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(
        github,
        15,
        pull(15, "Bump the vulnerable parser dependency to 3.2.1", author="dependabot[bot]"),
        ["src/widget/requirements.txt"],
        None,
    )
    assert run("import", "pr", "15", "--apply", "all").code == 0
    assert parse_fields(tracker(project, 1).body).values[Field.REMEDIATION_DEVELOPER] == "_No response_"
    assert "skipped credit: dependabot[bot] (bot)" in rollup(project, 1)


def test_other_repository_is_refused_without_a_request(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    result = run("import", "pr", "https://github.com/someone-else/widget/pull/12", "--apply", "all")
    assert result.code == 2
    assert "someone-else/widget" in result.err and UPSTREAM in result.err
    assert not github.calls


def test_duplicate_guard_and_force(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(github, 12, pull(12, TITLE), FILES, "Jo Developer")
    assert run("import", "pr", "12", "--apply", "all").code == 0
    before = snapshot(project)
    again = run("import", "pr", "12", "--apply", "all")
    assert again.code == 3
    assert "#1" in again.err and "--force" in again.err
    assert snapshot(project) == before
    forced = run("import", "pr", "12", "--apply", "all", "--force")
    assert forced.code == 0, forced.err
    assert len(snapshot(project).trackers) == 2
    only_reads(github)


def test_two_scopes_is_a_blocker(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(
        github,
        16,
        pull(16, "Escape user names in the profile page and API"),
        ["src/widget/api.py", "ui/profile.js", "tests/test_api.py"],
        "Jo Developer",
    )
    before = snapshot(project)
    result = run("import", "pr", "16", "--apply", "all")
    assert result.code == 3
    assert "core" in result.err and "ui" in result.err
    assert snapshot(project) == before
    only_reads(github)


def test_test_paths_do_not_count_for_scope(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(
        github,
        17,
        pull(17, "Escape user names in the profile page templates"),
        ["ui/profile.js", "src/widget/tests/test_profile.py"],
        "Jo Developer",
    )
    result = run("import", "pr", "17", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["scope"] == "ui"


def test_no_milestone_is_a_blocker(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(github, 18, pull(18, "Validate the redirect target after login", milestone_title=None), FILES, None)
    result = run("import", "pr", "18", "--apply", "all")
    assert result.code == 3 and "milestone" in result.err
    assert not snapshot(project).trackers


def test_short_title_needs_a_longer_one(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(github, 19, pull(19, "fix: check redirect (#19)"), FILES, None)
    shown = run("import", "pr", "19")
    assert shown.code == 0 and "under 25 characters" in shown.out
    refused = run("import", "pr", "19", "--apply", "all")
    assert refused.code == 3 and not snapshot(project).trackers
    edited = run("import", "pr", "19", "--apply", "1:edit title=Login: validate the redirect target host")
    assert edited.code == 0, edited.err
    assert tracker(project, 1).title == "Login: validate the redirect target host"


def test_closed_unmerged_needs_explicit_confirmation(project: Path, run: Run, github: respx.MockRouter) -> None:
    configure(project)
    serve(github, 20, pull(20, "Validate the redirect target after login", merged=False), FILES, None)
    assert run("import", "pr", "20", "--apply", "all").code == 0
    assert not snapshot(project).trackers, "all does not confirm a closed unmerged PR"
    assert run("import", "pr", "20", "--apply", "1").code == 0
    assert "pr created" in tracker(project, 1).labels
