"""The githubkit adapter against recorded-shape HTTP fixtures served through httpx.MockTransport.

Every fixture is first parsed with githubkit's own response model, so a fixture that drifts from the
published schema fails here rather than silently testing nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from githubkit import GitHub
from githubkit_schemas.latest import models
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from steward.codehost.github import MAX_SEARCH_TERMS, GitHubCodeHost, search_query, search_term
from steward.codehost.interface import CodeHostError

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "a" * 40
C1, C2, C3 = "b" * 40, "c" * 40, "d" * 40
AUTH = "widget/api/auth.py"
DOCS = "docs/index.md"
SINCE = date(2099, 1, 1)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("search_issues.json", models.SearchIssuesGetResponse200),
        ("compare.json", models.CommitComparison),
        ("commits_auth.json", list[models.Commit]),
        ("commits_docs.json", list[models.Commit]),
    ],
)
def test_fixtures_match_githubkit_published_models(name: str, model: Any) -> None:
    TypeAdapter(model).validate_python(fixture(name))


Handler = Callable[[httpx.Request], httpx.Response]


def host(handler: Handler, default_branch: str | None = None) -> tuple[GitHubCodeHost, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    client = GitHub(transport=httpx.MockTransport(record), http_cache=False, auto_retry=False)
    return GitHubCodeHost(client, "example/widget", default_branch), seen


def routes(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/search/issues":
        return httpx.Response(200, json=fixture("search_issues.json"))
    if path.startswith("/repos/example/widget/compare/"):
        return httpx.Response(200, json=fixture("compare.json"))
    if path == "/repos/example/widget/commits":
        wanted = request.url.params.get("path")
        name = {AUTH: "commits_auth.json", DOCS: "commits_docs.json"}.get(wanted or "")
        return httpx.Response(200, json=fixture(name) if name else [])
    return httpx.Response(404, json={"message": "Not Found"})


# ---------------------------------------------------------------------------------------------- search query


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("widget/api/auth.py", '"widget/api/auth.py"'),
        ("Connection.get_uri()", '"Connection.get_uri"'),
        ("sql injection", '"sql injection"'),
        ('x" OR repo:evil/other', '"x OR repo:evil/other"'),
        ("$(rm -rf ~)", '"rm -rf"'),
        ("  \t ", ""),
        ("---", ""),
    ],
)
def test_search_term_keeps_only_the_safe_alphabet_and_quotes(term: str, expected: str) -> None:
    assert search_term(term) == expected


def test_search_query_ors_quoted_terms_after_the_qualifiers() -> None:
    assert search_query("example/widget", ["a/b.py", "sqli", "a/b.py"], SINCE) == (
        'repo:example/widget is:pr updated:>=2099-01-01 "a/b.py" OR "sqli"'
    )


def test_search_query_caps_terms_and_is_empty_without_terms() -> None:
    query = search_query("example/widget", [f"t{i}" for i in range(10)], SINCE)
    assert query.count(" OR ") == MAX_SEARCH_TERMS - 1
    assert search_query("example/widget", ["", "$$$"], SINCE) == ""
    long = search_query("example/widget", ["x" * 200, "y" * 200], SINCE)
    assert "y" not in long.split("updated:")[1]


@given(st.lists(st.text(max_size=40), max_size=8))
def test_search_query_has_one_qualifier_set_whatever_the_terms(terms: list[str]) -> None:
    query = search_query("example/widget", terms, SINCE)
    if query:
        rest = query.removeprefix("repo:example/widget is:pr updated:>=2099-01-01 ")
        phrases = rest.split(" OR ")
        assert all(p.startswith('"') and p.endswith('"') and '"' not in p[1:-1] for p in phrases)


# ---------------------------------------------------------------------------------------------- search_prs


def test_search_prs_passes_the_query_as_a_parameter_and_keeps_open_or_recently_merged() -> None:
    code_host, seen = host(routes)
    prs = code_host.search_prs(["widget/api/auth.py", "sql injection"], since=date(2099, 1, 1))
    assert [pr.number for pr in prs] == [41, 40]
    assert seen[0].url.params["q"] == (
        'repo:example/widget is:pr updated:>=2099-01-01 "widget/api/auth.py" OR "sql injection"'
    )
    assert seen[0].url.params["sort"] == "updated"
    open_pr, merged = prs
    assert open_pr.state == "open" and not open_pr.merged and open_pr.author_login == "fictional-dev"
    assert open_pr.url == "https://github.com/example/widget/pull/41"
    assert open_pr.created_at == datetime(2099, 5, 20, 10, tzinfo=UTC)
    assert open_pr.files == () and open_pr.base == ""
    assert merged.merged and merged.merged_at == datetime(2099, 4, 3, 10, tzinfo=UTC)


def test_search_prs_honours_the_limit_and_sends_nothing_without_terms() -> None:
    code_host, seen = host(routes)
    assert [pr.number for pr in code_host.search_prs(["auth"], since=SINCE, limit=1)] == [41]
    assert code_host.search_prs(["$$"], since=SINCE) == []
    assert len(seen) == 1


def test_search_prs_turns_http_errors_into_one_sentence() -> None:
    code_host, _ = host(lambda _: httpx.Response(500, json={"message": "boom"}))
    with pytest.raises(CodeHostError, match="HTTP 500"):
        code_host.search_prs(["auth"], since=SINCE)


# ---------------------------------------------------------------------------------------------- commits_since


def test_commits_since_keeps_commits_after_base_touching_a_path_newest_first() -> None:
    code_host, seen = host(routes)
    commits = code_host.commits_since(BASE, [AUTH])
    assert [c.sha for c in commits] == [C3, C1]
    assert commits[0].summary == "Tighten auth checks"
    assert commits[1].summary == "Fix quoting in auth"
    assert commits[0].files == (AUTH,)
    assert commits[0].url == f"https://github.com/example/widget/commit/{C3}"
    assert commits[0].committed_at == datetime(2099, 4, 1, tzinfo=UTC)
    assert seen[0].url.path == f"/repos/example/widget/compare/{BASE}...HEAD"
    listing = seen[1].url.params
    assert listing["path"] == AUTH and listing["sha"] == "HEAD"
    assert datetime.fromisoformat(listing["since"]) == datetime(2099, 2, 1, tzinfo=UTC)  # the oldest ahead commit


def test_commits_since_merges_paths_and_uses_the_configured_branch() -> None:
    code_host, seen = host(routes, default_branch="main")
    commits = code_host.commits_since(BASE, [AUTH, DOCS, AUTH], limit=2)
    assert [(c.sha, c.files) for c in commits] == [(C3, (AUTH,)), (C2, (DOCS,))]
    assert seen[0].url.path.endswith(f"{BASE}...main")
    assert len(seen) == 3


def test_commits_since_without_paths_is_every_commit_after_base() -> None:
    code_host, _ = host(routes)
    assert [c.sha for c in code_host.commits_since(BASE, [])] == [C3, C2, C1]


@pytest.mark.parametrize("base", ["--output=x", "a..b", "main@{1}", "x y", "", "refs/heads/x.lock"])
def test_commits_since_refuses_a_base_that_is_not_a_sha_or_ref_before_any_request(base: str) -> None:
    code_host, seen = host(routes)
    with pytest.raises(CodeHostError, match="neither a hex commit sha nor a ref name"):
        code_host.commits_since(base, [AUTH])
    assert seen == []


def test_commits_since_reports_an_unknown_base() -> None:
    code_host, _ = host(lambda _: httpx.Response(404, json={"message": "Not Found"}))
    with pytest.raises(CodeHostError, match="404"):
        code_host.commits_since(BASE, [AUTH])
