"""`make demo`'s project, inbox included, starts converged: the team's next `sync --all` has nothing to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from demo_copy import IDENTITY, open_demo

from steward.demo.build import build_demo
from steward.services.sync_run import SyncRequest, propose


@pytest.mark.parametrize("preflight", [True, False])
def test_the_full_demo_needs_no_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preflight: bool) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    root = build_demo(tmp_path / "demo", identity=IDENTITY, with_inbox=True)
    app = open_demo(root)
    try:
        proposal = propose(app, SyncRequest(all=True, preflight=preflight), None)
    finally:
        app.store.close()
    assert proposal.empty, proposal.as_json()
