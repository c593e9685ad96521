"""§5.6 through `import mail --check-prs`, with the code host replaced by an in-process fake (fictional PRs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import test_import_mail as base  # type: ignore[import-not-found]  # a sibling test module, on sys.path via pytest
import test_import_threads_and_bundles as mail  # type: ignore[import-not-found]

import steward.cli.import_commands as commands
from steward.codehost.interface import CodeHostError, Commit, PullRequest

Run = base.Run
template = base.template
demo = base.demo
GHSA = "GHSA-2c3f-4g5h-6j7m"
MID = "<ghsa-report@mail.example.net>"


class FakeHost:
    def __init__(self, prs: Sequence[PullRequest] = (), fail: bool = False) -> None:
        self.prs = list(prs)
        self.fail = fail
        self.queries: list[list[str]] = []

    def get_pr(self, number: int) -> PullRequest:
        raise CodeHostError("not used")

    def search_prs(self, terms: Sequence[str], *, since: date, limit: int = 30) -> list[PullRequest]:
        self.queries.append(list(terms))
        if self.fail:
            raise CodeHostError("reading PRs hit GitHub's rate limit; retry later or set GITHUB_TOKEN.")
        return self.prs

    def commits_since(self, base: str, paths: Sequence[str], *, limit: int = 100) -> list[Commit]:
        return []


def _report(root: Path) -> None:
    mail._drop(
        root,
        "1800000020.ghsa.example",
        mail._mail(
            MID,
            "Loader path handling escapes the template root",
            "Oli Fictional <oli@mail.example.net>",
            f"This is {GHSA}: quillwort/loaders.py joins paths without normalising them.\n"
            "Steps to reproduce: load ../../etc/hosts.",
        ),
    )


def _pr(number: int, title: str) -> PullRequest:
    now = datetime.now(UTC)
    return PullRequest(
        number=number,
        title=title,
        body="",
        state="closed",
        merged=True,
        merged_at=now - timedelta(days=5),
        author_login="outside-contributor",
        author_name=None,
        files=(),
        milestone=None,
        base="main",
        created_at=now - timedelta(days=9),
        url=f"https://github.com/quillwort/quillwort/pull/{number}",
    )


def _item(data: dict[str, object]) -> dict[str, object]:
    return next(c for c in data["candidates"] if c["message_id"] == MID)  # type: ignore[attr-defined, index]


def test_without_the_flag_the_prs_are_said_not_searched(demo: Path, run: Run) -> None:
    _report(demo)
    item = _item(base.proposal(run))
    assert item["class"] == "report"
    assert item["public_fix"] == [
        "fix-already-public: upstream PRs not searched (add --check-prs to search the code host)"
    ]


def test_a_pr_naming_the_reports_ghsa_id_makes_it_fix_already_public(
    demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _report(demo)
    host = FakeHost([_pr(4242, f"Normalise loader paths ({GHSA})")])
    monkeypatch.setattr(commands, "mail_code_host", lambda _app: host)
    item = _item(base.proposal(run, "--check-prs"))
    assert item["class"] == "fix-already-public" and item["action"] == "reject"
    assert item["drafts"] == ["additional-information-requested"]
    assert any(line.startswith("public fix STRONG: PR #4242") for line in item["public_fix"])  # type: ignore[attr-defined]
    assert any(GHSA in q for q in host.queries[-1])


def test_an_unrelated_pr_leaves_the_report_alone(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    _report(demo)
    monkeypatch.setattr(commands, "mail_code_host", lambda _app: FakeHost([_pr(7, "Docs: fix a typo")]))
    item = _item(base.proposal(run, "--check-prs"))
    assert item["class"] == "report" and item["action"] == "create"
    assert item["public_fix"] == ["fix-already-public: no matching PR among 1 found"]


def test_a_failing_code_host_is_a_note_and_the_import_goes_on(
    demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    _report(demo)
    host = FakeHost(fail=True)
    monkeypatch.setattr(commands, "mail_code_host", lambda _app: host)
    data = base.proposal(run, "--check-prs")
    assert _item(data)["class"] == "report"
    assert len(host.queries) == 1  # the first failure stops further searches
    assert any(note.startswith("code host not searched") for note in data["notes"])  # type: ignore[attr-defined]
