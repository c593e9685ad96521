"""§8.8 archive trigger end to end on a copy of the fictional demo, with a real local mbox archive.

Tracker #6 is at `fix released` with CVE-2099-10004. An announcement naming it on the announcement list proposes
the Step-14 close-out with the permalink as advisory URL and the archived summary (step 2); an `mbox-dir` archive
has no permalink, so it only notes the `--advisory-url` command; mail elsewhere or too old triggers nothing.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from demo_copy import build_template, isolated_copy, open_demo, tracker

import steward.cli.sync_commands as sync_cli
from steward.app import App
from steward.archive.interface import ArchiveEntry
from steward.archive.mbox_dir import MboxDirArchive
from steward.cli.main import main
from steward.domain.fields import field_value, parse_fields
from steward.domain.roles import Field
from steward.services.sync_run import SyncRequest, propose, sync

CVE = "CVE-2099-10004"
ANNOUNCE = "announce@quillwort.example.org"
PERMALINK = "https://lists.example.org/thread/quillwort-cve-2099-10004"
SUMMARY = "Quillwort before 2.6.4 leaks cached templates between tenants\nwhen the shared cache is enabled."


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_template(tmp_path_factory.mktemp("archive") / "demo")
    app = open_demo(root)
    try:
        sync(app, SyncRequest(all=True, apply="all"))
    finally:
        app.store.close()
    return root


def configure(root: Path, archive: Path, kind: str = "mbox-dir") -> None:
    """Point the copy's `archive_system` at the local archive and name the announcement list."""
    path = root / ".steward" / "project.yml"
    text = path.read_text()
    new = f"  kind: {kind}\n  path: {archive}\n  announcement_lists: [{ANNOUNCE}]\n  advisory_hosts"
    path.write_text(text.replace("  kind: none\n  advisory_hosts", new))


@pytest.fixture
def root(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = isolated_copy(template, tmp_path, monkeypatch)
    (tmp_path / "archive" / "announce").mkdir(parents=True)
    (tmp_path / "archive" / "dev").mkdir(parents=True)
    configure(copy, tmp_path / "archive")
    return copy


@pytest.fixture
def demo(root: Path) -> Iterator[App]:
    app = open_demo(root)
    yield app
    app.store.close()


def archive_dir(app: App) -> Path:
    return Path(str(app.config.archive_system.path))


def advisory(cve: str, sent: datetime, message_id: str = "<adv-6@quillwort.example.org>") -> str:
    return (
        f"From security@quillwort.example.org {sent.strftime('%a %b %d %H:%M:%S %Y')}\n"
        f"From: Quillwort Security <security@quillwort.example.org>\n"
        f"To: {ANNOUNCE}\n"
        f"Subject: [ANNOUNCE] {cve}: Quillwort template cache leak\n"
        f"Date: {format_datetime(sent)}\n"
        f"Message-ID: {message_id}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Severity: moderate\n\n"
        f"{cve}: Quillwort template cache leak\n\n"
        "Quillwort before 2.6.4 leaks cached templates between tenants   \n"
        "when the shared cache is enabled.\n\n\n"
        "Affected versions: < 2.6.4\n\n"
        "Credit: Kai Example (fictional)\n\n"
    )


def archive_mail(app: App, folder: str, text: str) -> None:
    with (archive_dir(app) / folder / "2099.mbox").open("a") as handle:
        handle.write(text)


class LinkedArchive(MboxDirArchive):
    """The local archive with a public URL for every message, as ponymail and hyperkitty give."""

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        found = super().find_announcement(cve_id, lists, since)
        return dataclasses.replace(found, permalink=PERMALINK) if found is not None else None


def closeouts(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in data["cve_affecting"] if i["rule"] == "close-out"]


def notes(data: dict[str, Any], number: int) -> list[str]:
    return [n for t in data["trackers"] if t["tracker"] == number for n in t["notes"]]


def test_a_permalinked_announcement_closes_out_with_the_archived_summary(demo: App) -> None:
    archive_mail(demo, "announce", advisory(CVE, demo.now() - timedelta(days=2)))
    archive = LinkedArchive(archive_dir(demo))
    data = propose(demo, SyncRequest(ids=("6",)), archive=archive).as_json()
    [item] = closeouts(data)
    assert item["change"]["fields"] == {"public-advisory-url": PERMALINK, "public-summary": SUMMARY}
    result = sync(demo, SyncRequest(ids=("6",), apply="all"), archive=archive)
    [done] = result.closeouts
    assert "2 public summary set from the archived announcement" in done.steps
    body = parse_fields(tracker(demo, 6).body, demo.headings)
    assert field_value(body, Field.PUBLIC_ADVISORY_URL) == PERMALINK
    assert field_value(body, Field.PUBLIC_SUMMARY) == SUMMARY
    again = propose(demo, SyncRequest(ids=("6",)), archive=archive).as_json()
    assert done.stopped == "cve_authority.publication_propagation is manual"  # the demo publishes by hand
    [resume] = closeouts(again)  # `announced`: the trigger keeps offering the resume, the summary now agrees
    assert resume["key"] == item["key"]
    assert resume["change"]["fields"] == {"public-advisory-url": PERMALINK}
    assert "resuming at the publication step" in resume["summary"]


def test_all_with_preflight_promotes_the_archive_watch(demo: App) -> None:
    """#6 is quiet (`archive-watch`): its one rule runs, and the archived announcement fires it."""
    archive_mail(demo, "announce", advisory(CVE, demo.now() - timedelta(days=1)))
    data = propose(demo, SyncRequest(all=True, preflight=True), archive=LinkedArchive(archive_dir(demo))).as_json()
    assert [(i["tracker"], i["rule"]) for i in data["non_cve_affecting"] + data["cve_affecting"]] == [(6, "close-out")]


def test_a_local_archive_without_urls_notes_the_advisory_url_command(demo: App) -> None:
    archive_mail(demo, "announce", advisory(CVE, demo.now() - timedelta(days=2)))
    data = propose(demo, SyncRequest(ids=("6",)), archive=MboxDirArchive(archive_dir(demo))).as_json()
    assert closeouts(data) == []
    assert any("steward sync 6 --advisory-url URL" in n for n in notes(data, 6))


def test_the_operator_url_with_a_local_archive_still_extracts_the_summary(demo: App) -> None:
    archive_mail(demo, "announce", advisory(CVE, demo.now() - timedelta(days=2)))
    archive = MboxDirArchive(archive_dir(demo))
    req = SyncRequest(ids=("6",), advisory_url=PERMALINK)
    [item] = closeouts(propose(demo, req, archive=archive).as_json())
    assert item["change"]["fields"]["public-summary"] == SUMMARY
    assert not any("--advisory-url" in n for n in notes(propose(demo, req, archive=archive).as_json(), 6))


@pytest.mark.parametrize(
    "place",
    [
        lambda app: archive_mail(app, "dev", advisory(CVE, app.now() - timedelta(days=1))),
        lambda app: archive_mail(app, "announce", advisory(CVE, app.now() - timedelta(days=45))),
        lambda app: archive_mail(app, "announce", advisory("CVE-2099-100041", app.now() - timedelta(days=1))),
        lambda app: None,  # sent but not archived: the archive holds nothing
    ],
    ids=["other-list", "older-than-lookback", "longer-cve-id", "unarchived"],
)
def test_no_archived_announcement_triggers_nothing(demo: App, place: Callable[[App], None]) -> None:
    place(demo)
    data = propose(demo, SyncRequest(ids=("6",)), archive=LinkedArchive(archive_dir(demo))).as_json()
    assert closeouts(data) == []
    assert not any("archive" in n for n in notes(data, 6))


def test_an_announcement_without_summary_markers_closes_out_without_step_two(demo: App) -> None:
    text = advisory(CVE, demo.now() - timedelta(days=2)).replace("Affected versions:", "Versions:")
    archive_mail(demo, "announce", text)
    data = propose(demo, SyncRequest(ids=("6",)), archive=LinkedArchive(archive_dir(demo))).as_json()
    [item] = closeouts(data)
    assert item["change"]["fields"] == {"public-advisory-url": PERMALINK}
    assert any("no summary between" in n for n in notes(data, 6))


def test_cli_builds_the_configured_mbox_archive(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = open_demo(root)
    try:
        archive_mail(app, "announce", advisory(CVE, app.now() - timedelta(days=2)))
        built = sync_cli.sync_archive(app)
    finally:
        app.store.close()
    assert isinstance(built, MboxDirArchive)
    capsys.readouterr()
    assert main(["sync", "6", "--json"]) == 0
    assert any("--advisory-url" in n for n in notes(json.loads(capsys.readouterr().out)["proposal"], 6))
