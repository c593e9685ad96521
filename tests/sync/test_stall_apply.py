"""§8.9 end to end on a copy of the fictional demo, 45 days on: drafts in the sink, the rollup clock, no repeat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from demo_copy import IDENTITY, build_template, comments, draft_messages, isolated_copy

from steward.app import App, open_app
from steward.services.sync_run import SyncRequest, propose, sync
from steward.store.clock import utc_now

GOVERNANCE = "board-private@quillwort.example.org"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_template(tmp_path_factory.mktemp("stall") / "demo")
    config = root / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("governance:\n", f"governance:\n  private_governance_list: {GOVERNANCE}\n", 1), encoding="utf-8"
    )
    return root


@pytest.fixture
def later(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    root = isolated_copy(template, tmp_path, monkeypatch)
    moment = utc_now() + timedelta(days=45)
    app = open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY}, clock=lambda: moment)
    yield app
    app.store.close()


def test_a_stalled_tracker_gets_phase_one_drafts_once(later: App) -> None:
    request = SyncRequest(ids=("1",))
    [item] = [
        i for i in propose(later, request, None).as_json()["non_cve_affecting"] if i["rule"] == "Step 4 escalation"
    ]
    assert "governance" in item["summary"]
    sync(later, SyncRequest(ids=("1",), apply="all"))
    to_governance = [d for d in draft_messages(later.loaded.root) if GOVERNANCE in str(d["To"])]
    assert len(to_governance) == 1
    body = to_governance[0].get_content()
    assert "#1" in body and "45 days" in body
    assert any("Sync (Step 4 escalation)" in c.body for c in comments(later, 1))
    again = propose(later, request, None).as_json()
    assert not [i for i in again["non_cve_affecting"] if i["rule"] == "Step 4 escalation"]
    sync(later, SyncRequest(ids=("1",), apply="all"))
    assert len([d for d in draft_messages(later.loaded.root) if GOVERNANCE in str(d["To"])]) == 1
