"""§8.10 distributor pre-announcement end to end on a copy of the fictional demo: proposed, written once, recorded.

The demo does not pre-announce, so the copy turns `disclosure.pre_announce_distributors` on and names a fictional
distributor list. Tracker #5 is at `pr merged` and #6 at `fix released`: both get one draft; a re-run proposes none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_copy import build_template, draft_messages, isolated_copy, open_demo

from steward.app import App
from steward.comms.drafts import KEY_HEADER
from steward.services.sync_run import SyncRequest, propose, sync
from steward.sync.distributor_draft import DO_NOT_SEND, TEMPLATE

DISTROS = "distros@lists.example.net"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_template(tmp_path_factory.mktemp("distributor") / "demo")
    app = open_demo(root)
    try:
        sync(app, SyncRequest(all=True, apply="all"))
    finally:
        app.store.close()
    return root


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    root = isolated_copy(template, tmp_path, monkeypatch)
    path = root / ".steward" / "project.yml"
    path.write_text(
        path.read_text() + f"\ndisclosure:\n  pre_announce_distributors: true\n  distributor_list: [{DISTROS}]\n"
    )
    app = open_demo(root)
    yield app
    app.store.close()


def distributor_items(app: App) -> list[dict[str, object]]:
    data = propose(app, SyncRequest(all=True)).as_json()
    return [i for i in data["non_cve_affecting"] if i["change"]["distributor"] is not None]


def test_a_fresh_demo_proposes_no_distributor_draft(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = open_demo(isolated_copy(template, tmp_path, monkeypatch))
    try:
        assert distributor_items(app) == []
    finally:
        app.store.close()


def test_landed_fixes_get_one_unsendable_draft_each_written_once(demo: App) -> None:
    items = distributor_items(demo)
    assert sorted(i["tracker"] for i in items) == [5, 6]
    result = sync(demo, SyncRequest(ids=("5", "6"), apply="all"))
    assert {a.tracker for a in result.applied} == {5, 6}
    mails = [m for m in draft_messages(Path.cwd()) if m["To"] == DISTROS]
    assert len(mails) == 2
    for mail in mails:
        assert mail.get_content().startswith(DO_NOT_SEND)
        assert len(mail[KEY_HEADER]) == 32
    with demo.store.read(demo.slug) as reader:
        recorded = [d for d in reader.list_drafts() if d.template == TEMPLATE]
        rollups = [c.body for c in reader.list_comments(5) if "distributor pre-announcement draft" in c.body]
    assert sorted(d.tracker for d in recorded) == [5, 6]
    assert rollups
    assert distributor_items(demo) == []
