"""S20 and the §8.8 cve.org PUBLISHED path end to end on a copy of the fictional demo, through `sync(..., apply="all")`.

S20: an open PR names tracker #13 (a direct reporter, Ada, whose receipt was never drafted) ⇒ S1 drafts
`fix-pr-opened` and the credit question is folded into that very draft in the sink, once.
§8.8: closed tracker #8 gets a stored direct thread; cve.org (a MockTransport) says PUBLISHED ⇒ one
`cve-published` draft, recorded in the rollup, and cve.org is never asked again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from demo_copy import build_template, comments, draft_messages, isolated_copy, open_demo, tracker

from steward.app import App
from steward.codehost.interface import PullRequest
from steward.comms.drafts import CREDIT_QUESTION
from steward.cveorg.client import CveOrgClient
from steward.services.sync_run import SyncRequest, propose, sync
from steward.sync.apply import context_of
from steward.sync.network_facts import published_line, tracker_url
from steward.sync.rules.s20_credit_question import FOLDED

PR_URL = "https://github.com/quillwort/quillwort/pull/512"
ROOT_8 = "<win-traversal@mail.example.net>"
REPORTER_8 = "kai-notreal@mail.example.net"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_template(tmp_path_factory.mktemp("e2e") / "demo", with_inbox=True)
    app = open_demo(root)
    try:  # converge once, as the CLI tests do, so each test sees only what it changes
        sync(app, SyncRequest(all=True, apply="all"))
    finally:
        app.store.close()
    return root


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    root = isolated_copy(template, tmp_path, monkeypatch)
    app = open_demo(root)
    yield app
    app.store.close()


class MentioningHost:
    """The read-only CodeHost port: one open PR whose body names the tracker's URL."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get_pr(self, number: int) -> PullRequest:
        return self._pr()

    def search_prs(self, terms: Sequence[str], *, since: Any, limit: int = 30) -> list[PullRequest]:
        return [self._pr()]

    def _pr(self) -> PullRequest:
        return PullRequest(512, "Tighten the attribute filter", f"Fixes {self.url}", "open", False, None,
                           "robin-demo", "Robin Example", ("src/filter.py",), None, "main", PR_URL)  # fmt: skip


def rules_of(app: App, number: int, **kw: Any) -> list[str]:
    data = propose(app, SyncRequest(ids=(str(number),)), **kw).as_json()
    return [i["rule"] for i in data["non_cve_affecting"] + data["cve_affecting"] if i["tracker"] == number]


def to(app: App, addr: str) -> list[Any]:
    return [d for d in draft_messages(app.loaded.root) if addr in str(d["To"])]


def test_s20_folds_the_credit_question_into_the_real_reporter_draft(demo: App) -> None:
    host = MentioningHost(tracker_url(13, context_of(demo)))
    assert "receipt-of-confirmation" not in {d.template for d in _drafts(demo, 13)}
    assert sorted(rules_of(demo, 13, code_host=host)) == ["S1", "S20"]
    before = len(to(demo, "ada@mail.example.net"))
    result = sync(demo, SyncRequest(ids=("13",), apply="all"), code_host=host)
    [done] = result.applied
    assert done.draft_key is not None and any(FOLDED in n for n in done.notes)
    drafts = to(demo, "ada@mail.example.net")
    assert len(drafts) == before + 1
    [new] = [d for d in drafts if d["X-Steward-Key"] == done.draft_key]
    body = " ".join(new.get_content().split())
    assert " ".join(CREDIT_QUESTION.split()) in body and PR_URL in body
    assert "fix-pr-opened" in {d.template for d in _drafts(demo, 13)}
    assert rules_of(demo, 13, code_host=host) == ["S4"]  # PR recorded, question asked; only its author is new
    assert any(FOLDED in c.body for c in comments(demo, 13))


def _drafts(app: App, number: int) -> list[Any]:
    with app.store.read(app.slug) as reader:
        return reader.list_drafts(tracker=number)


class CveOrg:
    """cve.org over a MockTransport: PUBLISHED for every id asked about; counts the requests."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.client = CveOrgClient(client=httpx.Client(transport=httpx.MockTransport(self.answer)))

    def answer(self, request: httpx.Request) -> httpx.Response:
        cve = request.url.path.rsplit("/", 1)[-1]
        self.asked.append(cve)
        return httpx.Response(200, content=json.dumps({"cveMetadata": {"cveId": cve, "state": "PUBLISHED"}}))


def give_tracker_8_a_direct_thread(app: App) -> None:
    """The demo's #8 names its thread root but stores no routing facts; record the (fictional) root message."""
    with app.store.transaction(app.slug, actor="test", command="test") as tx:
        tx.record_message(ROOT_8, root_message_id=ROOT_8, subject="Path traversal on Windows", from_name="Kai Notreal",
                          from_addr=REPORTER_8, sent_at=datetime(2026, 1, 5, tzinfo=UTC))  # fmt: skip
        tx.add_thread_ref(8, ROOT_8)


def test_cve_org_published_drafts_cve_published_once_and_never_asks_again(demo: App) -> None:
    give_tracker_8_a_direct_thread(demo)
    row = tracker(demo, 8)
    assert not row.is_open and row.close_reason == "completed" and row.cve_id == "CVE-2099-10006"
    cve_org = CveOrg()
    assert rules_of(demo, 8, cve_org=cve_org.client) == ["S21"]
    result = sync(demo, SyncRequest(all=True, apply="all"), cve_org=cve_org.client)
    assert [a.tracker for a in result.applied] == [8]
    assert cve_org.asked.count("CVE-2099-10006") == 2  # the dry run above, then this run
    [draft] = to(demo, REPORTER_8)
    assert "CVE-2099-10006" in draft.get_content()
    assert [d.template for d in _drafts(demo, 8)] == ["cve-published"]
    assert any(published_line("CVE-2099-10006") in c.body for c in comments(demo, 8))
    asked = len(cve_org.asked)
    again = sync(demo, SyncRequest(all=True, apply="all"), cve_org=cve_org.client)
    assert again.applied == () and again.proposal.empty
    assert len(cve_org.asked) == asked  # recorded ⇒ not queried again
    assert len(to(demo, REPORTER_8)) == 1


def test_a_failed_pre_push_gate_blocks_the_push_and_says_what_to_fix(demo: App) -> None:
    """#6's summary gains the private tracker URL: the block is regenerated, but nothing reaches the CNA tool."""
    row = tracker(demo, 6)
    leak = f" Details: {tracker_url(6, context_of(demo))}"
    marker = "Upgrade to quillwort"
    assert marker in row.body
    with demo.store.transaction(demo.slug, actor="test", command="test") as tx:
        tx.update_tracker(6, body=row.body.replace(marker, leak.strip() + ". " + marker, 1))
    with demo.store.read(demo.slug) as reader:
        pushed = reader.get_record_state("CVE-2099-10004")
    assert pushed is not None
    assert rules_of(demo, 6) == ["S17"]
    [done] = sync(demo, SyncRequest(ids=("6",), apply="all")).applied
    [note] = [n for n in done.notes if "not pushed" in n]
    assert "scrub (§10.2) TRACKER in public-summary" in note and "remove it" in note
    with demo.store.read(demo.slug) as reader:
        after = reader.get_record_state("CVE-2099-10004")
    assert after is not None and (after.state, after.record) == (pushed.state, pushed.record)
    assert any("not pushed" in c.body for c in comments(demo, 6))
