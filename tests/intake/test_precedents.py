"""§5.5 prior rejections: tracker precedent, ledger records and team rejection replies, each with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from mail_builders import ROSTER, parsed_message

from steward.intake.precedents import LedgerEntry, RejectionReply, precedent_lines, rejection_reply
from steward.intake.signals import KnownTracker
from steward.patterns import fixed

PATTERNS = fixed()
NOW = datetime(2099, 6, 1, tzinfo=UTC)


def _lines(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "keywords": ["template", "loader", "symlinks"],
        "sender": "pat@reporter.example.net",
        "trackers": [],
        "ledger": [],
        "replies": [],
    }
    args.update(kw)
    return precedent_lines(
        args["keywords"],  # type: ignore[arg-type]
        args["sender"],  # type: ignore[arg-type]
        args["trackers"],  # type: ignore[arg-type]
        args["ledger"],  # type: ignore[arg-type]
        args["replies"],  # type: ignore[arg-type]
        now=NOW,
        days=180,
        patterns=PATTERNS,
    )


def test_nothing_found_is_said() -> None:
    assert _lines() == ["no prior rejection in the last 180 days"]


def test_closed_invalid_tracker_with_shared_keywords_is_a_precedent() -> None:
    closed = KnownTracker(7, "Template loader follows symlinks", state="closed", close_reason="invalid")
    still_open = KnownTracker(8, "Template loader follows symlinks", state="open")
    assert _lines(trackers=[closed, still_open]) == ["reject-class precedent: #7"]


def test_ledger_record_of_the_same_reporter_inside_the_window() -> None:
    entry = LedgerEntry(date(2099, 5, 1), "PAT@reporter.example.net", "media-request", "<t@x>", "rejected")
    old = replace(entry, day=date(2098, 1, 1))
    lines = _lines(ledger=[entry, old])
    assert lines == ["prior rejection in the ledger on 2099-05-01 (media-request; same reporter)"]


def test_ledger_record_with_shared_keywords_from_another_reporter() -> None:
    entry = LedgerEntry(date(2099, 5, 1), "x@else.example.net", "beg-bounty", "<t@x>", "Template loader symlinks")
    assert _lines(ledger=[entry])[0].endswith("(beg-bounty; shared keywords: loader, symlinks, template)")


def test_one_shared_keyword_is_not_enough() -> None:
    entry = LedgerEntry(date(2099, 5, 1), "x@else.example.net", "beg-bounty", "<t@x>", "Template engine")
    assert _lines(ledger=[entry]) == ["no prior rejection in the last 180 days"]


def test_team_reply_to_the_same_reporter_and_the_own_thread_is_ignored() -> None:
    reply = RejectionReply("<r@x>", NOW - timedelta(days=10), ("pat@reporter.example.net",), (), "mail")
    assert _lines(replies=[reply]) == ["team rejection reply on 2099-05-22 in mail (same reporter)"]
    own = precedent_lines(
        ["a"], "pat@reporter.example.net", [], [], [reply], now=NOW, days=180, patterns=PATTERNS, own_ids=["<r@x>"]
    )
    assert own == ["no prior rejection in the last 180 days"]
    stale = replace(reply, sent_at=NOW - timedelta(days=181))
    assert _lines(replies=[stale]) == ["no prior rejection in the last 180 days"]


def test_rejection_reply_needs_roster_sender_a_parent_and_a_rejection_opening() -> None:
    body = "Thanks, but this is not a security issue in Widget: the loader works as documented."
    message = replace(
        parsed_message(body, subject="Re: Template loader symlinks", from_addr=ROSTER[0]),
        in_reply_to="<root@reporter.example.net>",
        to=("Pat@Reporter.example.net",),
    )
    found = rejection_reply(message, ROSTER, PATTERNS, [], where="mail")
    assert found is not None
    assert found.recipients == ("pat@reporter.example.net",)
    assert {"template", "loader", "symlinks"} <= set(found.keywords)
    assert (
        rejection_reply(replace(message, from_addr="pat@reporter.example.net"), ROSTER, PATTERNS, [], where="m") is None
    )
    assert rejection_reply(replace(message, in_reply_to=None), ROSTER, PATTERNS, [], where="mail") is None
    accepted = replace(message, body_text="We confirmed the issue and will fix it.")
    assert rejection_reply(accepted, ROSTER, PATTERNS, [], where="mail") is None


@given(st.lists(st.text(max_size=30), max_size=6), st.text(max_size=60), st.text(max_size=200))
def test_precedent_lines_never_crash_and_never_come_back_empty(words: list[str], sender: str, summary: str) -> None:
    entry = LedgerEntry(date(2099, 5, 1), sender, "media-request", "<t@x>", summary)
    reply = RejectionReply(
        "<r@x>", None, (sender.casefold(),), tuple(words), "archive", "https://archive.example.org/x"
    )
    lines = precedent_lines(words, sender, [], [entry], [reply], now=NOW, days=180, patterns=PATTERNS)
    assert lines
