from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from steward.archive.hyperkitty import HyperKittyArchive
from steward.archive.interface import MailArchive
from steward.archive.mbox_dir import MboxDirArchive
from steward.archive.none import NoArchive
from steward.archive.ponymail import PonyMailArchive
from steward.archive.registry import archive_for
from steward.config.model import ArchiveSystem
from steward.errors import ConfigError, Refused


def test_none_lists_nothing(tmp_path: Path) -> None:
    archive = archive_for(ArchiveSystem(), root=tmp_path)
    assert isinstance(archive, NoArchive) and isinstance(archive, MailArchive)
    assert list(archive.list_recent("l@example.org", datetime(2026, 1, 1, tzinfo=UTC))) == []
    assert archive.permalink("<a@example.org>") is None
    assert archive.fetch_raw("<a@example.org>") is None


def test_mbox_dir_path_is_relative_to_the_root(tmp_path: Path) -> None:
    (tmp_path / "archive").mkdir()
    archive = archive_for(ArchiveSystem(kind="mbox-dir", path="archive"), root=tmp_path)
    assert isinstance(archive, MboxDirArchive) and archive.path == tmp_path / "archive"


@pytest.mark.parametrize("path", [None, "missing"])
def test_mbox_dir_needs_an_existing_path(tmp_path: Path, path: str | None) -> None:
    with pytest.raises(ConfigError, match=r"archive_system\.path") as caught:
        archive_for(ArchiveSystem(kind="mbox-dir", path=path), root=tmp_path)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("kind", ["ponymail", "hyperkitty"])
def test_http_kinds_need_a_base_url(tmp_path: Path, kind: str) -> None:
    with pytest.raises(ConfigError, match=r"archive_system\.base_url"):
        archive_for(ArchiveSystem(kind=kind), root=tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["discourse", "google-groups", "github-discussions"])
def test_planned_kinds_are_refused(tmp_path: Path, kind: str) -> None:
    with pytest.raises(Refused, match=r"archive_system\.kind") as caught:
        archive_for(ArchiveSystem(kind=kind), root=tmp_path)  # type: ignore[arg-type]
    assert caught.value.exit_code == 3


def test_session_secret_is_resolved_and_sent(tmp_path: Path) -> None:
    cookies: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        cookies.append(request.headers.get("cookie", ""))
        return httpx.Response(404)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    config = ArchiveSystem(kind="ponymail", base_url="https://lists.example.org", session="env:PM_SESSION")
    archive = archive_for(config, root=tmp_path, env={"PM_SESSION": "tok"}, client=client)
    assert isinstance(archive, PonyMailArchive)
    assert archive.permalink("<a@example.org>") is None
    assert cookies == ["ponymail=tok"]


def test_hyperkitty_knows_the_announcement_lists(tmp_path: Path) -> None:
    config = ArchiveSystem(
        kind="hyperkitty",
        base_url="https://lists.example.org/hyperkitty",
        announcement_lists=["announce@widget.example.org"],
    )
    archive = archive_for(config, root=tmp_path, lists=["security@widget.example.org"])
    assert isinstance(archive, HyperKittyArchive)
    assert archive.known_lists == ["security@widget.example.org", "announce@widget.example.org"]
