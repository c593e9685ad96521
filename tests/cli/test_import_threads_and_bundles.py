"""`import mail --thread` on an imported thread (§5.1) and the consolidated receipt for one sender (§5.13).

Builds on the fictional demo project and inbox of test_import_mail; the extra mail here is fictional too
(example.net addresses, invented names).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import test_import_mail as base  # type: ignore[import-not-found]  # a sibling test module, on sys.path via pytest

Run = base.Run
app_for, draft_messages, numbered, proposal, store_counts = (
    base.app_for,
    base.draft_messages,
    base.numbered,
    base.proposal,
    base.store_counts,
)
template = base.template  # the module-scoped demo project fixture
demo = base.demo  # a fresh copy of it, with the bundled inbox, per test

R03 = "<quillwort-demo-r03@mail.example.net>"


def _drop(root: Path, name: str, message: EmailMessage) -> None:
    path = root / ".steward" / "inbox" / "new" / name
    path.write_bytes(bytes(message))


def _mail(mid: str, subject: str, sender: str, body: str, *, reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "security@quillwort.example.org"
    message["Subject"] = subject
    message["Message-ID"] = mid
    message["Date"] = format_datetime(datetime.now(UTC) - timedelta(hours=1))
    if reply_to:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    message.set_content(body)
    return message


# ---------------------------------------------------------------------------------------------- --thread


def test_thread_on_an_imported_thread_links_only_the_new_messages(demo: Path, run: Run) -> None:
    data = proposal(run)
    assert run("import", "mail", "--apply", str(numbered(data, "r03"))).code == 0
    unchanged = proposal(run, "--thread", R03)
    assert unchanged["candidates"] == []
    assert "nothing new since" in unchanged["skipped"][0]["reason"]

    reply = _mail(
        "<quillwort-demo-r03-late@mail.example.net>",
        "Re: follow-up",
        "Mira Testwell <mira@mail.example.net>",
        "One more detail: the reproduction also works with a symlinked template folder.",
        reply_to="<quillwort-demo-r03c@mail.example.net>",
    )
    _drop(demo, "1800000000.late-reply.example", reply)
    linked = proposal(run, "--thread", R03)
    [item] = linked["candidates"]
    assert item["action"] == "link" and item["message_id"] == R03
    tracker = item["target_tracker"]
    assert "1 new message(s)" in " ".join(item["reasons"])
    counts = store_counts(demo)

    result = run("import", "mail", "--thread", R03, "--apply", "1", "--json")
    assert result.code == 0, result.err
    assert store_counts(demo)[0] == counts[0]  # no tracker created
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            bodies = [c.body for c in reader.list_comments(tracker)]
            recorded = [m.message_id for m in reader.thread_messages(R03)]
            body = reader.get_tracker(tracker).body
    finally:
        app.store.close()
    assert sum("symlinked template folder" in b for b in bodies) == 1
    assert "<quillwort-demo-r03-late@mail.example.net>" in recorded
    assert body.count(R03) == 1  # the thread line is not added a second time

    again = run("import", "mail", "--thread", R03, "--apply", "all", "--json")
    assert again.code == 0, again.err
    assert again.json()["result"]["applied"] == []  # type: ignore[index]
    assert proposal(run, "--thread", R03)["candidates"] == []


# ---------------------------------------------------------------------------------------------- bundling


def _two_reports(root: Path) -> None:
    sender = "Noor Fictional <noor@mail.example.net>"
    _drop(
        root,
        "1800000001.noor-1.example",
        _mail(
            "<noor-one@mail.example.net>",
            "Template cache key collision lets one tenant read another's render",
            sender,
            "The cache key in quillwort/cache.py ignores the tenant id, so two tenants share renders.\n"
            "Steps to reproduce: render the same template name from two tenants.",
        ),
    )
    _drop(
        root,
        "1800000002.noor-2.example",
        _mail(
            "<noor-two@mail.example.net>",
            "Unbounded recursion in macro expansion crashes the worker process",
            sender,
            "A macro that calls itself in quillwort/macros.py recurses until the worker dies.\n"
            "Steps to reproduce: define a self-calling macro and render it.",
        ),
    )


def test_two_reports_from_one_sender_get_one_consolidated_receipt(demo: Path, run: Run) -> None:
    _two_reports(demo)
    data = proposal(run)
    mine = [
        c
        for c in data["candidates"]
        if c["message_id"] in ("<noor-one@mail.example.net>", "<noor-two@mail.example.net>")
    ]
    assert [c["action"] for c in mine] == ["create", "create"]
    chosen = ",".join(str(c["number"]) for c in mine)
    result = run("import", "mail", "--apply", chosen, "--json")
    assert result.code == 0, result.err
    applied = result.json()["result"]["applied"]  # type: ignore[index]
    assert len(applied) == 2
    drafted = [a for a in applied if a["draft"]]
    assert len(drafted) == 1
    receipts = [d for d in draft_messages(demo) if d["To"] == "noor@mail.example.net"]
    assert len(receipts) == 1
    text = receipts[0].get_content()
    assert "Template cache key collision" in text and "Unbounded recursion in macro expansion" in text
    assert text.count("How would you like to be credited") == 1
    assert receipts[0]["In-Reply-To"] == "<noor-one@mail.example.net>"  # the earliest thread
    other = next(a for a in applied if not a["draft"])
    app = app_for(demo)
    try:
        with app.store.read(app.slug) as reader:
            notes = " ".join(c.body for c in reader.list_comments(other["tracker"]))
    finally:
        app.store.close()
    assert f"Reporter notification drafted: {drafted[0]['draft']}." in notes
    assert "bundled into the consolidated receipt" in notes


def test_reports_from_different_senders_keep_their_own_receipts(demo: Path, run: Run) -> None:
    data = proposal(run)
    chosen = [numbered(data, "r01"), numbered(data, "r03")]
    result = run("import", "mail", "--apply", ",".join(map(str, chosen)), "--json")
    assert result.code == 0, result.err
    assert all(a["draft"] for a in result.json()["result"]["applied"])  # type: ignore[index]
