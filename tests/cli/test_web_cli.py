"""`steward serve` (loopback only unless --allow-remote) and `steward dashboard --out` (a private 0600 file)."""

from __future__ import annotations

import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import steward.cli.web_commands  # noqa: F401 - registers serve and dashboard on the shared app
from steward.demo.build import build_demo

Run = Callable[..., Any]
IDENTITY = "alex"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("webcli") / "demo", identity=IDENTITY)


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    root = Path(shutil.copytree(template, tmp_path / "demo"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: the tests check what would be served, never bind a port."""
    calls: list[dict[str, Any]] = []

    def fake_run(api: Any, **kwargs: Any) -> None:
        calls.append({"api": api, **kwargs})

    monkeypatch.setattr(uvicorn, "run", fake_run)
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.org"])
def test_serve_refuses_a_non_loopback_host_without_starting(
    run: Run, demo: Path, started: list[dict[str, Any]], host: str
) -> None:
    result = run("serve", "--host", host)
    assert result.code == 3
    assert "not a loopback address" in result.err and "embargoed" in result.err and "no login" in result.err
    assert "--allow-remote" in result.err
    assert started == []


def test_serve_defaults_to_loopback_port_8000(run: Run, demo: Path, started: list[dict[str, Any]]) -> None:
    result = run("serve")
    assert result.code == 0, result.err
    assert [(c["host"], c["port"]) for c in started] == [("127.0.0.1", 8000)]
    assert "http://127.0.0.1:8000/" in result.out


@pytest.mark.parametrize("host", ["::1", "localhost", "127.0.0.2"])
def test_serve_accepts_other_loopback_names(run: Run, demo: Path, started: list[dict[str, Any]], host: str) -> None:
    assert run("serve", "--host", host, "--port", "8123").code == 0
    assert [(c["host"], c["port"]) for c in started] == [(host, 8123)]


def test_allow_remote_binds_the_named_host(run: Run, demo: Path, started: list[dict[str, Any]]) -> None:
    result = run("serve", "--host", "0.0.0.0", "--allow-remote")
    assert result.code == 0, result.err
    assert [c["host"] for c in started] == ["0.0.0.0"]


def test_serve_outside_a_project_is_a_config_error(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[dict[str, Any]]
) -> None:
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert run("serve").code == 2
    assert started == []


def _state_counts(html: str) -> dict[str, int]:
    rows = re.findall(r'<span class="state state-[a-z-]+">([a-z-]+)</span></td><td class="num">(\d+)</td>', html)
    return {name: int(n) for name, n in rows}


def test_dashboard_writes_a_private_self_contained_file(run: Run, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "dash.html"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o644)
    result = run("dashboard", "--out", str(out))
    assert result.code == 0, result.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    html = out.read_text(encoding="utf-8")
    data = run("list", "--json").json()
    assert isinstance(data, dict)
    listed = data["trackers"]
    expected: dict[str, int] = {}
    for item in listed:
        expected[item["state"]] = expected.get(item["state"], 0) + 1
    counts = _state_counts(html)
    assert {k: v for k, v in counts.items() if v} == expected
    assert f"{len(listed)} trackers, {sum(1 for t in listed if t['open'])} open." in html
    unclaimed = [t["number"] for t in listed if t["unclaimed"]]
    assert unclaimed and all(f'<td class="num">#{n}</td>' in html for n in unclaimed)
    assert "Time to acknowledge" in html and 'id="acks"' in html
    assert not re.search(r"https?://|//[a-z]", html, re.I)
    assert "<link" not in html and "<script" not in html and "src=" not in html


def test_dashboard_reports_time_to_ack_from_the_roster_reply(run: Run, demo: Path, tmp_path: Path) -> None:
    """Demo #25: received 2026-11-23 06:45, a roster member answered on the thread a day later."""
    out = tmp_path / "dash.html"
    assert run("dashboard", "--out", str(out)).code == 0
    acks = out.read_text(encoding="utf-8").split('id="acks"', 1)[1]
    row = re.search(r'<td class="num">#25</td>.*?</tr>', acks, re.S)
    assert row is not None
    assert "1d 0h" in row.group(0)


def test_dashboard_into_a_missing_folder_is_a_usage_error(run: Run, demo: Path, tmp_path: Path) -> None:
    result = run("dashboard", "--out", str(tmp_path / "nowhere" / "dash.html"))
    assert result.code == 2
    assert "does not exist" in result.err
