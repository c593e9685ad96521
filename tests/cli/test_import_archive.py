"""§5.1 pairing and §5.5/§5.10 archive use through `import mail`, on a real `mbox-dir` archive (fictional mail)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import test_import_mail as base  # type: ignore[import-not-found]  # a sibling test module, on sys.path via pytest
import test_import_threads_and_bundles as mail  # type: ignore[import-not-found]

from steward.archive.interface import ArchiveEntry, ArchiveError
from steward.archive.none import NoArchive
from steward.demo.inbox import ROSTER_MAIL
from steward.services.archive_intake import ArchiveLink
from steward.services.import_mail import gather
from steward.services.import_window import choose_window, source_for

Run = base.Run
template = base.template
demo = base.demo

R01 = "<quillwort-demo-r01@mail.example.net>"


def _archive(root: Path, *messages: object) -> None:
    folder = root / "archive" / "security"
    folder.mkdir(parents=True)
    box = mailbox.mbox(str(folder / "2099-01.mbox"))
    for message in messages:
        box.add(message)  # type: ignore[arg-type]
    box.close()
    config = root / ".steward" / "project.yml"
    text = config.read_text(encoding="utf-8")
    assert "archive_system:\n  kind: none\n" in text
    config.write_text(
        text.replace("archive_system:\n  kind: none\n", "archive_system:\n  kind: mbox-dir\n  path: archive\n"),
        encoding="utf-8",
    )


def _inbox_copy_of_r01(root: Path) -> bytes:
    for path in (root / ".steward" / "inbox" / "new").iterdir():
        raw = path.read_bytes()
        if R01.encode() in raw.split(b"\n\n", 1)[0] and b"In-Reply-To" not in raw.split(b"\n\n", 1)[0]:
            return raw
    raise AssertionError("the demo inbox lost r01")


def test_archive_only_thread_is_a_candidate_and_a_shared_one_counts_once(demo: Path, run: Run) -> None:
    only = mail._mail(
        "<archive-only@mail.example.net>",
        "Loader cache poisoning through crafted template names",
        "Ines Fictional <ines@mail.example.net>",
        "A crafted name in quillwort/loaders.py poisons the cache.\nSteps to reproduce: load ../x twice.",
    )
    _archive(demo, mailbox.mboxMessage(_inbox_copy_of_r01(demo)), only)
    data = base.proposal(run)
    mids = [c["message_id"] for c in data["candidates"]]
    assert mids.count(R01) == 1
    assert "<archive-only@mail.example.net>" in mids
    assert any("found only in the archive" in note for note in data["notes"])
    number = base.numbered(data, "r01")
    result = run("import", "mail", "--apply", f"{number},{mids.index('<archive-only@mail.example.net>') + 1}")
    assert result.code == 0, result.err
    assert "<archive-only@mail.example.net>" not in {c["message_id"] for c in base.proposal(run)["candidates"]}


def test_archived_team_rejection_reply_is_a_precedent(demo: Path, run: Run) -> None:
    reply = mail._mail(
        "<old-reply@quillwort.example.org>",
        "Re: Bytecode cache permissions",
        f"Robin Example <{ROSTER_MAIL}>",
        "Thanks, but this is not a security issue: the cache folder is private by design.",
        reply_to="<old-root@mail.example.net>",
    )
    reply.replace_header("To", "someone@mail.example.net")
    _archive(demo, reply)
    data = base.proposal(run)
    item = next(c for c in data["candidates"] if c["title"].startswith("Bytecode cache files"))
    assert any(p.startswith("team rejection reply") and "in archive" in p for p in item["precedents"]), item


class _DownArchive(NoArchive):
    """An archive whose server is down: every call fails as the HTTP adapters fail."""

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        raise ArchiveError("the archive at https://archive.example.org answered HTTP 503; retry later.")

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        raise ArchiveError("the archive at https://archive.example.org answered HTTP 503; retry later.")


def test_a_failing_archive_is_a_note_and_the_import_goes_on(demo: Path) -> None:
    app = base.app_for(demo)
    try:
        label, source = source_for(app, None)
        found = gather(app, source, label, choose_window(app), archive=ArchiveLink(app, _DownArchive()))
    finally:
        app.store.close()
    assert found.items, "the mail source alone still gives the proposal"
    assert found.notes == (
        "archive not read (pairing): the archive at https://archive.example.org answered HTTP 503; retry later.",
    )
