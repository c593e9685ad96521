"""`steward drafts [list | show ID]` over the fictional demo: the store's drafts joined with the Maildir folder.

The demo project and its drafts are fictional (example.org / example.net addresses, invented names).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import steward.cli.drafts_commands  # noqa: F401 - registers `drafts` on the shared app
from steward.app import App, open_app
from steward.comms.drafts import Draft
from steward.comms.sink import MaildirDraftSink
from steward.demo.build import build_demo

Run = Callable[..., Any]
IDENTITY = "alex"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("drafts-demo") / "demo", identity=IDENTITY)


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(template, root)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    monkeypatch.setenv("STEWARD_IDENTITY", IDENTITY)
    monkeypatch.chdir(root)
    return root


def app_of(root: Path) -> App:
    return open_app(root / ".steward" / "project.yml", env={"STEWARD_IDENTITY": IDENTITY})


def sink_of(root: Path) -> MaildirDraftSink:
    return MaildirDraftSink(root / ".steward" / "drafts")


def listed(run: Run) -> list[dict[str, Any]]:
    result = run("drafts", "--json")
    assert result.code == 0, result.err
    drafts: list[dict[str, Any]] = result.json()["drafts"]
    return drafts


def by_key(run: Run) -> dict[str, dict[str, Any]]:
    return {d["key"]: d for d in listed(run)}


def _draft(key: str, *, body: str = "Hello,\n\nA short note.\n", threaded: bool = True) -> Draft:
    return Draft(
        key=key,
        to=("reporter@mail.example.net",),
        cc=("security@quillwort.example.org",),
        subject="Re: a report",
        in_reply_to="<root@mail.example.net>" if threaded else None,
        references=("<root@mail.example.net>",) if threaded else (),
        body=body,
    )


def _record(root: Path, key: str, *, state: str, sink_id: str | None = None, tracker: int | None = 13) -> None:
    application = app_of(root)
    with application.store.transaction(application.slug, actor=IDENTITY, command="test") as tx:
        tx.put_draft(key, template="cve-allocated", tracker=tracker, sink_id=sink_id, state=state)


def test_list_joins_store_and_sink(demo: Path, run: Run) -> None:
    drafts = listed(run)
    assert drafts, "the demo writes reporter drafts"
    stored = {d.key for d in sink_of(demo).list()}
    for draft in drafts:
        assert draft["state"] == "written"
        assert draft["key"] in stored
        assert draft["to"].endswith("@mail.example.net")
        assert draft["subject"].startswith("Re: ")
        assert isinstance(draft["tracker"], int)
        assert draft["template"]


def test_plain_list_shows_key_template_tracker_and_state(demo: Path, run: Run) -> None:
    first = listed(run)[0]
    result = run("drafts", "list")
    assert result.code == 0
    line = next(line for line in result.out.splitlines() if line.startswith(first["key"][:12]))
    assert f"#{first['tracker']}" in line
    assert first["template"] in line
    assert "written" in line
    assert first["to"] in line


def test_written_draft_gone_from_the_folder_is_sent_or_discarded(demo: Path, run: Run) -> None:
    first = listed(run)[0]
    assert sink_of(demo).discard(first["key"])
    assert by_key(run)[first["key"]]["state"] == "sent or discarded"


def test_pending_draft(demo: Path, run: Run) -> None:
    key = "a" * 32
    _record(demo, key, state="pending")
    assert by_key(run)[key]["state"] == "pending"


def test_unthreaded_draft_needs_rethreading(demo: Path, run: Run) -> None:
    key = "b" * 32
    sink_id = sink_of(demo).put(_draft(key, threaded=False))
    _record(demo, key, state="written", sink_id=sink_id)
    assert by_key(run)[key]["state"] == "needs re-threading"


def test_draft_only_in_the_folder_is_listed_as_such(demo: Path, run: Run) -> None:
    key = "c" * 32
    sink_of(demo).put(_draft(key))
    found = by_key(run)[key]
    assert found["state"] == "not in the store"
    assert found["tracker"] is None


def test_show_prints_headers_and_body_by_prefix(demo: Path, run: Run) -> None:
    key = "d" * 32
    sink_id = sink_of(demo).put(_draft(key, body="Hello,\n\nEvil \x1b[2J\x1b]0;title\x07text here.\n"))
    _record(demo, key, state="written", sink_id=sink_id)
    result = run("drafts", "show", "dddddd")
    assert result.code == 0, result.err
    assert f"draft {key}  tracker #13  template cve-allocated  state written" in result.out
    assert "To: reporter@mail.example.net" in result.out
    assert "In-Reply-To: <root@mail.example.net>" in result.out
    assert f"X-Steward-Key: {key}" in result.out
    assert "text here." in result.out
    assert "\x1b" not in result.out
    assert "\x07" not in result.out


def test_show_json(demo: Path, run: Run) -> None:
    first = listed(run)[0]
    result = run("drafts", "show", first["key"], "--json")
    assert result.code == 0
    doc = result.json()
    assert doc["key"] == first["key"]
    assert doc["headers"]["X-Steward-Key"] == first["key"]
    assert doc["body"]


def test_show_of_a_gone_draft_says_so(demo: Path, run: Run) -> None:
    first = listed(run)[0]
    sink_of(demo).discard(first["key"])
    result = run("drafts", "show", first["key"])
    assert result.code == 0
    assert "state sent or discarded" in result.out
    assert "does not hold this draft" in result.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("drafts", "show", "ffffffff"), "no draft with key"),
        (("drafts", "show", "ab"), "too short"),
        (("drafts", "show"), "needs the draft's ID"),
        (("drafts", "remove"), "not a subcommand"),
        (("drafts", "list", "abcd"), "takes no ID"),
    ],
)
def test_usage_errors(demo: Path, run: Run, argv: tuple[str, ...], message: str) -> None:
    result = run(*argv)
    assert result.code == 2
    assert message in result.err


def test_ambiguous_prefix_is_a_usage_error(demo: Path, run: Run) -> None:
    _record(demo, "e" * 31 + "0", state="pending")
    _record(demo, "e" * 31 + "1", state="pending")
    result = run("drafts", "show", "eeee")
    assert result.code == 2
    assert "matches 2 drafts" in result.err
