"""`steward credit ID (--set|--add|--remove) LINE` on the fictional demo project (spec §8.11, T14, Step 16)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from demo_copy import IDENTITY, build_template, comments, draft_messages, isolated_copy, open_demo, tracker, tree_bytes

import steward.cli.credit_commands
import steward.cli.sync_commands  # noqa: F401 - registers `sync`
from steward.app import App
from steward.domain.credit_corrections import CORRECTION_MARKER
from steward.domain.fields import field_value
from steward.domain.roles import Field
from steward.services.effective_fields import effective_body

Run = Callable[..., Any]
OPEN_WITH_CVE = 4  # pr-created, CVE-2099-10002, credit "Pat Sample"
CLOSED_ANNOUNCED = 8  # CVE-2099-10006, credit "Kai Notreal"
CLOSED_INVALID = 9
REPORTER = "kai@mail.example.net"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template") / "demo")


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_copy(template, tmp_path, monkeypatch)


@pytest.fixture
def app(demo: Path) -> Iterator[App]:
    opened = open_demo(demo)
    yield opened
    opened.store.close()


drafts = draft_messages


def rollup_text(app: App, number: int) -> str:
    return str(next(c.body for c in comments(app, number) if c.body.startswith("<!-- steward: status-rollup")))


def credit_field(app: App, body: str) -> str | None:
    return field_value(body, Field.REPORTER_CREDIT, app.headings)


def block_of(body: str) -> str:
    return body.split("cve-json-begin", 1)[1]


def record(app: App, cve: str) -> dict[str, Any]:
    with app.store.read(app.slug) as reader:
        found = reader.get_record_state(cve)
    assert found is not None
    return dict(found.record)


def credit_values(rec: dict[str, Any]) -> list[str]:
    return [c["value"] for c in rec["containers"]["cna"]["credits"]]


def refused_unchanged(run: Run, root: Path, code: int, *argv: str) -> str:
    before = tree_bytes(root)
    result = run(*argv)
    assert result.code == code, (result.out, result.err)
    assert tree_bytes(root) == before
    assert result.err.count("\n") == 1
    return str(result.err)


# ---------------------------------------------------------------------------------------------- open tracker


def test_open_tracker_edits_the_field_and_block(demo: Path, run: Run, app: App) -> None:
    result = run("credit", str(OPEN_WITH_CVE), "--add", "Quinn Madeup [kind: human]")
    assert result.code == 0, result.err
    body = tracker(app, OPEN_WITH_CVE).body
    assert credit_field(app, body) == "Pat Sample\nQuinn Madeup [kind: human]"
    assert "finder: Pat Sample; finder: Quinn Madeup" in block_of(body)
    assert "Credit correction (CVE-2099-10002)" in rollup_text(app, OPEN_WITH_CVE)
    assert "Quinn Madeup" in credit_values(record(app, "CVE-2099-10002"))


def test_open_set_and_remove(demo: Path, run: Run, app: App) -> None:
    assert run("credit", str(OPEN_WITH_CVE), "--set", "Quinn Madeup").code == 0
    assert credit_field(app, tracker(app, OPEN_WITH_CVE).body) == "Quinn Madeup"
    assert run("credit", str(OPEN_WITH_CVE), "--add", "Pat Sample").code == 0
    assert run("credit", str(OPEN_WITH_CVE), "--remove", "quinn madeup").code == 0
    assert credit_field(app, tracker(app, OPEN_WITH_CVE).body) == "Pat Sample"


def test_unchanged_credit_is_a_noop(demo: Path, run: Run) -> None:
    before = tree_bytes(demo)
    result = run("credit", str(OPEN_WITH_CVE), "--add", "pat sample")
    assert result.code == 0
    assert "nothing to do" in result.out
    assert tree_bytes(demo) == before


# ---------------------------------------------------------------------------------------------- closed tracker


def test_closed_tracker_gets_a_correction_comment(demo: Path, run: Run, app: App) -> None:
    row = tracker(app, CLOSED_ANNOUNCED)
    result = run("credit", str(CLOSED_ANNOUNCED), "--add", "Quinn Madeup")
    assert result.code == 0, result.err
    after = tracker(app, CLOSED_ANNOUNCED)
    assert credit_field(app, after.body) == "Kai Notreal"  # the closed body's fields stay as they were
    assert after.body.split("<!-- steward: cve-json-begin")[0] == row.body.split("<!-- steward: cve-json-begin")[0]
    assert "finder: Kai Notreal; finder: Quinn Madeup" in block_of(after.body)
    posted = [c for c in comments(app, CLOSED_ANNOUNCED) if c.body.startswith(f"<!-- steward: {CORRECTION_MARKER}")]
    assert len(posted) == 1
    assert "Kai Notreal\nQuinn Madeup" in posted[0].body
    assert credit_field(app, effective_body(app, after, comments(app, CLOSED_ANNOUNCED))) == "Kai Notreal\nQuinn Madeup"
    assert credit_values(record(app, "CVE-2099-10006"))[:2] == ["Kai Notreal", "Quinn Madeup"]
    rollup = rollup_text(app, CLOSED_ANNOUNCED)
    assert "Credit correction (CVE-2099-10006)" in rollup
    assert "record pushed" in rollup
    # a second correction builds on the effective value, not on the body
    assert run("credit", str(CLOSED_ANNOUNCED), "--remove", "Kai Notreal").code == 0
    final = effective_body(app, tracker(app, CLOSED_ANNOUNCED), comments(app, CLOSED_ANNOUNCED))
    assert credit_field(app, final) == "Quinn Madeup"


def test_a_later_push_and_cve_json_keep_the_corrected_credit(demo: Path, run: Run, app: App, tmp_path: Path) -> None:
    assert run("credit", str(CLOSED_ANNOUNCED), "--add", "Quinn Madeup").code == 0
    pushed = run("cve", "push", str(CLOSED_ANNOUNCED))
    assert pushed.code == 0, pushed.err
    assert "finder: Kai Notreal; finder: Quinn Madeup" in block_of(tracker(app, CLOSED_ANNOUNCED).body)
    assert credit_values(record(app, "CVE-2099-10006"))[:2] == ["Kai Notreal", "Quinn Madeup"]
    out = tmp_path / "record.json"
    assert run("cve", "json", str(CLOSED_ANNOUNCED), "--out", str(out)).code == 0
    assert "Quinn Madeup" in out.read_text(encoding="utf-8")


def test_sync_keeps_the_corrected_credit(demo: Path, run: Run, app: App) -> None:
    assert run("credit", str(CLOSED_ANNOUNCED), "--add", "Quinn Madeup").code == 0
    proposed = run("sync", str(CLOSED_ANNOUNCED), "--no-preflight", "--json")
    assert proposed.code == 0, proposed.err
    assert "S17" not in proposed.out  # the block already says what the effective credit says
    assert run("sync", str(CLOSED_ANNOUNCED), "--no-preflight", "--apply", "all").code == 0
    assert "finder: Kai Notreal; finder: Quinn Madeup" in block_of(tracker(app, CLOSED_ANNOUNCED).body)


def test_closed_tracker_drafts_credit_correction(demo: Path, run: Run, app: App) -> None:
    root = "<win-traversal@mail.example.net>"
    with app.store.transaction(app.slug, actor=IDENTITY, command="test") as tx:
        tx.record_message(root, root_message_id=root, subject="Windows traversal", from_name="Kai Notreal",
                          from_addr=REPORTER, sent_at=datetime(2026, 10, 1, tzinfo=UTC))  # fmt: skip
    existing = {m["X-Steward-Key"] for m in drafts(demo)}
    assert run("credit", str(CLOSED_ANNOUNCED), "--set", "Kai Notreal of Example Labs").code == 0
    written = [m for m in drafts(demo) if m["X-Steward-Key"] not in existing]
    assert len(written) == 1
    body = written[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "CVE-2099-10006" in text
    assert "Kai Notreal of Example Labs" in text
    assert written[0]["To"] == REPORTER


# ---------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "argv",
    [
        ("--set", "A", "--add", "B"),
        (),
        ("--remove", "Nobody Here"),
        ("--remove", "Pat Sample"),  # the last credit
        ("--add", "   "),
        ("--add", "Two\nLines"),
        ("--add", "Robot [kind: robot]"),
    ],
)
def test_bad_edits_exit_2_and_write_nothing(demo: Path, run: Run, argv: tuple[str, ...]) -> None:
    refused_unchanged(run, demo, 2, "credit", str(OPEN_WITH_CVE), *argv)


def test_closed_invalid_is_refused(demo: Path, run: Run) -> None:
    assert "T14" in refused_unchanged(run, demo, 3, "credit", str(CLOSED_INVALID), "--add", "Quinn Madeup")


def test_closed_needs_release_manager_or_governance(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "robin-demo")
    err = refused_unchanged(run, demo, 3, "credit", str(CLOSED_ANNOUNCED), "--add", "Quinn Madeup")
    assert "release manager or a governance member" in err


def test_non_member_is_refused(demo: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "stranger")
    refused_unchanged(run, demo, 3, "credit", str(OPEN_WITH_CVE), "--add", "Quinn Madeup")
