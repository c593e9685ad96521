"""`steward cve allocate|push|publish|retract` on the demo CNA tool and with the gate and blockers of §7.1."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from steward.app import open_app

Run = Callable[..., Any]


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    assert run("demo", "--dir", "demo").code == 0
    monkeypatch.chdir(tmp_path / "demo")
    return tmp_path / "demo"


def record_state(root: Path, cve: str) -> str | None:
    app = open_app(root / ".steward" / "project.yml")
    try:
        with app.store.read(app.slug) as reader:
            row = reader.get_record_state(cve)
            return row.state if row else None
    finally:
        app.store.close()


def audit_head(root: Path) -> str:
    app = open_app(root / ".steward" / "project.yml")
    try:
        with app.store.read(app.slug) as reader:
            return reader.audit_head()
    finally:
        app.store.close()


def test_demo_walk_published_the_closed_record(demo: Path) -> None:
    assert record_state(demo, "CVE-2099-10006") == "public"
    # fix released with every field set: the demo's closing `sync --all` pushed it at its readiness state
    assert record_state(demo, "CVE-2099-10004") == "review-ready"


def test_allocate_wires_field_label_block_and_rollup(demo: Path, run: Run) -> None:
    assessed = next(t for t in run("list", "--json").json()["trackers"] if t["state"] == "assessed")
    n = str(assessed["number"])
    result = run("cve", "allocate", n)
    assert result.code == 0, result.err
    shown = run("show", n, "--json").json()
    cve = shown["cve_id"]
    assert cve and cve.startswith("CVE-2099-")
    assert shown["state"] == "cve-allocated"
    assert shown["fields"]["cve-tool-link"] == cve
    assert f"<!-- steward: cve-json-begin cve={cve} v1 -->" in shown["body"]
    assert f"CVE allocated ({cve})" in shown["comments"][0]["body"]
    assert run("audit", "verify").code == 0
    before = audit_head(demo)
    again = run("cve", "allocate", n)
    assert again.code == 3
    assert audit_head(demo) == before


@pytest.mark.parametrize("state", ["needs-triage", "closed-invalid", "closed-duplicate"])
def test_allocation_blockers_write_nothing(demo: Path, run: Run, state: str) -> None:
    tracker = next(t for t in run("list", "--json").json()["trackers"] if t["state"] == state)
    before = audit_head(demo)
    result = run("cve", "allocate", str(tracker["number"]))
    assert result.code == 3
    assert "T7" in result.err or "§7.1" in result.err
    assert audit_head(demo) == before


def test_gate_failure_prints_the_relay_message(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    path = demo / ".steward" / "project.yml"
    path.write_text(
        path.read_text().replace("  triage_quorum: 2\n", "  triage_quorum: 2\n  cve_allocation_gate: pmc-member\n")
    )
    monkeypatch.setenv("STEWARD_IDENTITY", "robin-demo")
    assessed = next(t for t in run("list", "--json").json()["trackers"] if t["state"] == "assessed")
    result = run("cve", "allocate", str(assessed["number"]))
    assert result.code == 3
    assert "please allocate a CVE" in result.err
    assert "@alex" in result.err


def test_wiring_an_external_id_refuses_demo_ids_elsewhere(project: Path, run: Run) -> None:
    assert run("new", "--title", "Loader follows symlinks outside the path", "--field", "severity=high").code == 0
    result = run("cve", "allocate", "1", "--cve-id", "CVE-2099-10001")
    assert result.code == 3
    assert "demo" in result.err
    bad = run("cve", "allocate", "1", "--cve-id", "cve-2026-1")
    assert bad.code == 2


def test_none_tool_allocates_nothing(project: Path, run: Run) -> None:
    assert run("new", "--title", "Loader follows symlinks outside the path", "--field", "severity=high").code == 0
    # a fresh independent project uses cve_authority.tool: none; the tracker first needs a scope (T4)
    from steward.app import open_app as _open

    app = _open(project / ".steward" / "project.yml")
    scope = sorted(app.labels.scopes)[0]
    with app.store.transaction(app.slug, actor="alex", command="test") as tx:
        tx.update_tracker(1, labels=["security issue", "TLP:AMBER+STRICT", scope])
    app.store.close()
    result = run("cve", "allocate", "1")
    assert result.code == 3
    assert "allocates no CVEs" in result.err


def test_push_publish_retract_guards(demo: Path, run: Run) -> None:
    fix_released = next(t for t in run("list", "--json").json()["trackers"] if t["state"] == "fix-released")
    n = str(fix_released["number"])
    pushed = run("cve", "push", n)
    assert pushed.code == 0, pushed.err
    assert record_state(demo, fix_released["cve_id"]) == "review-ready"
    refused = run("cve", "publish", n)  # no vendor-advisory reference yet
    assert refused.code == 3
    assert record_state(demo, fix_released["cve_id"]) == "review-ready"
    assert run("cve", "retract", n).code == 2  # --reason is required
    done = run("cve", "retract", n, "--reason", "merged into another record")
    assert done.code == 0, done.err
    assert record_state(demo, fix_released["cve_id"]) == "retracted"
    assert run("cve", "push", n).code == 3, "retracted is terminal"
    public = next(t for t in run("list", "--json").json()["trackers"] if t["state"] == "closed-announced")
    assert run("cve", "retract", str(public["number"]), "--reason", "x").code == 3


def test_email_request_path_drafts_the_request(project: Path, run: Run) -> None:
    path = project / ".steward" / "project.yml"
    text = path.read_text()
    text = text.replace("security@quill-wort.invalid", "security@quill-wort.example.org")
    text = text.replace(
        "  tool: none\n",
        "  tool: none\n  allocation_path: email-request\n  request_address: cna@foundation.example.org\n",
    )
    path.write_text(text)
    assert (
        run("new", "--title", "Loader follows symlinks outside the search path", "--field", "severity=high").code == 0
    )
    app = open_app(path)
    scope = sorted(app.labels.scopes)[0]
    with app.store.transaction(app.slug, actor="alex", command="test") as tx:
        tx.update_tracker(1, labels=["security issue", "TLP:AMBER+STRICT", scope])
    app.store.close()
    result = run("cve", "allocate", "1")
    assert result.code == 0, result.err
    drafts = list((project / ".steward" / "drafts" / ".Drafts" / "cur").iterdir())
    assert len(drafts) == 1
    message = email.message_from_bytes(drafts[0].read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "CVE request for Quill Wort: Loader follows symlinks outside the search path"
    assert message["To"] == "cna@foundation.example.org"
    assert message["Cc"] == "security@quill-wort.example.org"
    assert run("cve", "allocate", "1").code == 0
    assert len(list((project / ".steward" / "drafts" / ".Drafts" / "cur").iterdir())) == 1, "no second draft"
    wired = run("cve", "allocate", "1", "--cve-id", "CVE-2026-12345")
    assert wired.code == 0, wired.err
    assert run("show", "1", "--json").json()["cve_id"] == "CVE-2026-12345"
