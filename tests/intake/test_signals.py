"""Selection, exact dedupe, the already-responded drop and fuzzy duplicate signals (§5.1-§5.6)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mail_builders import ROSTER, config_data, parsed_message
from rapidfuzz import fuzz

from steward.config.model import ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.intake.message import ParsedMessage
from steward.intake.signals import (
    CandidateText,
    KnownTracker,
    Strength,
    already_responded,
    code_pointers,
    duplicate_signals,
    entry_points,
    exact_dedupe,
    is_already_handled,
    is_excluded_sender,
    prior_rejections,
    public_fix_prs,
    strip_local_part,
    strip_search_term,
    subject_keywords,
)

BASE = config_data(product={"code_pointer_token": "widget"})
CONFIG = ProjectConfig.model_validate(BASE)
PATTERNS = patterns_for(CONFIG)
NOW = datetime(2099, 6, 1, tzinfo=UTC)
REPORTER = "jane@reporter.example.net"


msg = partial(parsed_message, from_addr=REPORTER, date=NOW, mid="<m@reporter.example.net>")


# ---------------------------------------------------------------------------------------------- §5.1, §5.2


def test_exact_dedupe_against_thread_refs_and_ledger() -> None:
    assert is_already_handled("<a@x.example.net>", {"<a@x.example.net>"}, set())
    assert is_already_handled("a@x.example.net", set(), {"<a@x.example.net>"})
    assert not is_already_handled("<b@x.example.net>", {"<a@x.example.net>"}, {"<c@x.example.net>"})
    assert not is_already_handled(None, {"<a@x.example.net>"}, set())
    survivors, skipped = exact_dedupe(["<a@x>", "<b@x>", None, "<c@x>"], {"<a@x>"}, {"c@x"})
    assert (survivors, skipped) == ([1, 2], 2)


def _excluded(message: ParsedMessage, *, relay: bool = False, foundation: str | None = None) -> bool:
    return is_excluded_sender(
        message,
        CONFIG.security_inbox.exclude_senders,
        relay_detected=relay,
        foundation_security=foundation,
        patterns=PATTERNS,
        tracker_notification_sender="notifications@github.com",
    )


def test_excluded_senders() -> None:
    assert _excluded(msg("x", from_addr="noreply@github.com"))
    assert not _excluded(msg("x", from_addr="noreply@github.com"), relay=True)
    assert not _excluded(msg("x", from_addr=REPORTER))
    assert not _excluded(msg("x", from_addr="noreply@github.com"), foundation="noreply@github.com")
    ghsa = "See https://github.com/example/widget/security/advisories/GHSA-2c2h-4x8r-9w5q"
    assert not _excluded(msg(ghsa, from_addr="notifications@github.com"))
    assert _excluded(msg("A comment was added to issue 3", from_addr="notifications@github.com"))


# ---------------------------------------------------------------------------------------------- §5.3

ROOT = msg("XSS in widget", date=NOW - timedelta(days=30))
REJECT = msg("Thanks, but this is not a security issue in Widget.", from_addr=ROSTER[0], date=NOW - timedelta(days=20))


def test_silent_reporter_for_seven_days_drops() -> None:
    assert already_responded([ROOT, REJECT], ROSTER, PATTERNS, NOW)
    assert not already_responded([ROOT, REJECT], ROSTER, PATTERNS, REJECT.date + timedelta(days=6))  # type: ignore[operator]


def test_acknowledged_drops_and_pushback_keeps() -> None:
    ack = msg("Thanks, understood.", date=NOW - timedelta(days=19))
    assert already_responded([ROOT, REJECT, ack], ROSTER, PATTERNS, NOW)
    push = msg(
        "I disagree, here is a new PoC showing script execution in the dashboard." * 2, date=NOW - timedelta(days=19)
    )
    assert not already_responded([ROOT, REJECT, push], ROSTER, PATTERNS, NOW)
    second = msg("This is still out of scope for us.", from_addr=ROSTER[0], date=NOW - timedelta(days=18))
    assert already_responded([ROOT, REJECT, push, second], ROSTER, PATTERNS, NOW)
    again = msg("I strongly disagree and will publish the details next week unless you fix it." * 2, date=NOW)
    assert not already_responded([ROOT, REJECT, push, second, again], ROSTER, PATTERNS, NOW)


def test_only_roster_rejections_count() -> None:
    outsider = msg("This is not a security issue.", from_addr="bob@else.example.net", date=NOW - timedelta(days=20))
    assert not already_responded([ROOT, outsider], ROSTER, PATTERNS, NOW)
    accept = msg("We confirmed the issue and will fix it.", from_addr=ROSTER[0], date=NOW - timedelta(days=20))
    assert not already_responded([ROOT, accept], ROSTER, PATTERNS, NOW)
    assert not already_responded([ROOT], ROSTER, PATTERNS, NOW)


def test_template_opening_counts_as_rejection() -> None:
    reply = msg(
        "Hello, this looks like raw output from an automated scanner, which we do not triage.",
        from_addr=ROSTER[0],
        date=NOW - timedelta(days=20),
    )
    assert not already_responded([ROOT, reply], ROSTER, PATTERNS, NOW)
    opening = ["this looks like raw output from an   automated scanner"]
    assert already_responded([ROOT, reply], ROSTER, PATTERNS, NOW, rejection_openings=opening)


# ---------------------------------------------------------------------------------------------- §5.4 helpers


def test_search_term_stripping() -> None:
    assert strip_search_term("widget;rm -rf $(x)", PATTERNS) == "widgetrm -rf x"
    assert strip_local_part("Jane Doe'x", PATTERNS) == "janedoex"


@given(st.text(max_size=200))
def test_search_terms_keep_only_safe_characters(text: str) -> None:
    once = strip_search_term(text, PATTERNS)
    assert re.fullmatch(r"[A-Za-z0-9._ -]*", once)
    assert strip_search_term(once, PATTERNS) == once


def test_subject_keywords_use_the_cascade() -> None:
    assert subject_keywords("Re: [SECURITY] Stored XSS in the dashboard widget", PATTERNS) == [
        "stored",
        "xss",
        "dashboard",
        "widget",
    ]


def test_code_pointers_most_specific_first() -> None:
    text = "In Connection.get_uri() of src/widget/api/auth.py and api/auth.py and models/user.py and db/query.py"
    assert code_pointers(text, PATTERNS) == ["widget/api/auth.py", "models/user.py", "db/query.py"]
    assert code_pointers("Connection.get_uri() only", PATTERNS) == ["Connection.get_uri()"]


def test_entry_points() -> None:
    found = entry_points("POST /api/v1/connections with `auth.backend` set; run widget serve", PATTERNS, ["widget"])
    assert {"path:/api/v1/connections", "key:auth.backend", "cli:widget serve"} <= found


# ---------------------------------------------------------------------------------------------- §5.4 scoring


def cand(body: str, subject: str = "Report about the widget", local: str | None = "jane") -> CandidateText:
    return CandidateText("<c@reporter.example.net>", subject, body, local)


def signals(body: str, trackers: list[KnownTracker], **kw: Any) -> list[tuple[int, str, Strength]]:
    report = duplicate_signals(cand(body, **kw), trackers, PATTERNS, NOW)
    return [(d.tracker, d.signal, d.strength) for d in report.duplicates]


def test_ghsa_hits_closed_trackers_and_suppresses_semantic() -> None:
    closed = KnownTracker(3, "Token leak", ghsa_ids=("GHSA-2c2h-4x8r-9w5q",), state="closed")
    twin = KnownTracker(4, "Token leak", excerpt="SQL injection in widget/api/auth.py at /api/v1/login")
    body = "Advisory GHSA-2C2H-4X8R-9W5Q: SQL injection in widget/api/auth.py at /api/v1/login"
    found = signals(body, [closed, twin])
    assert (3, "ghsa-id", Strength.STRONG) in found
    assert not [s for s in found if s[1] == "semantic"]


def test_cve_and_pr_are_strong() -> None:
    trackers = [KnownTracker(5, "A", cve_id="CVE-2099-10001"), KnownTracker(6, "B", pr_numbers=(1234,), state="closed")]
    found = signals("Related to cve-2099-10001 and https://github.com/example/widget/pull/1234", trackers)
    assert found == [(5, "cve-id", Strength.STRONG), (6, "upstream-pr", Strength.STRONG)]


def test_code_pointer_is_medium_and_keywords_weak() -> None:
    tracker = KnownTracker(7, "Stored XSS in dashboard widget", excerpt="see widget/ui/dashboard.py")
    found = signals("The bug is in widget/ui/dashboard.py", [tracker], subject="Stored XSS dashboard")
    assert (7, "code-pointer", Strength.MEDIUM) in found
    assert (7, "subject-keywords", Strength.WEAK) in found


def test_semantic_axes_two_medium_three_strong() -> None:
    two = KnownTracker(8, "Other", excerpt="Path traversal at /api/v1/files")
    body = "Reading arbitrary files is possible through a directory traversal in the /api/v1/files endpoint handler"
    assert fuzz.token_sort_ratio(body.lower(), two.excerpt.lower()) < 60
    found = signals(body, [two])
    assert (8, "semantic", Strength.MEDIUM) in found
    three = KnownTracker(9, "Other", excerpt="path traversal in widget/api/files.py via /api/v1/files")
    found = signals("Directory traversal: widget/api/files.py, endpoint /api/v1/files", [three])
    assert (9, "semantic", Strength.STRONG) in found


def test_text_axis_uses_token_sort_not_token_set() -> None:
    excerpt = "login"
    body = "login form accepts any password when the ldap backend is offline and the cache is cold"
    assert fuzz.token_set_ratio(body, excerpt) == 100
    tracker = KnownTracker(10, "Other", excerpt=excerpt)
    assert not signals(body, [tracker])


def test_same_reporter_lifts_one_axis_and_alone_is_a_note() -> None:
    one_axis = KnownTracker(11, "Other", excerpt="an xss somewhere", reporter_local_parts=("Jane",))
    found = signals("Reflected XSS in search", [one_axis])
    assert found == [(11, "semantic", Strength.MEDIUM)]
    alone = KnownTracker(12, "Other", excerpt="nothing alike", reporter_local_parts=("jane",))
    report = duplicate_signals(cand("Completely different text here"), [alone], PATTERNS, NOW)
    assert report.duplicates == () and report.notes == ("same reporter as #12",)
    old = KnownTracker(
        13,
        "Other",
        excerpt="an xss",
        state="closed",
        created_at=NOW - timedelta(days=400),
        reporter_local_parts=("jane",),
    )
    assert signals("Reflected XSS in search", [old]) == []


def test_every_tracker_is_compared() -> None:
    trackers = [KnownTracker(n, "x", excerpt="see widget/core/engine.py") for n in (20, 21, 22)]
    found = signals("widget/core/engine.py crashes", trackers)
    assert [t for t, s, _ in found if s == "code-pointer"] == [20, 21, 22]


def test_duplicates_carry_the_message_id() -> None:
    report = duplicate_signals(cand("cve-2099-10001"), [KnownTracker(5, "A", cve_id="CVE-2099-10001")], PATTERNS, NOW)
    assert report.duplicates[0].message_id == "<c@reporter.example.net>"
    assert report.strongest is not None and report.strongest.tracker == 5


@settings(max_examples=50, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_duplicate_signals_never_crash(body: str, excerpt: str) -> None:
    report = duplicate_signals(
        cand(body, subject=body[:50]), [KnownTracker(1, excerpt[:40], excerpt=excerpt)], PATTERNS, NOW
    )
    assert all(d.tracker == 1 for d in report.duplicates)


# ---------------------------------------------------------------------------------------------- §5.5, §5.6


def test_prior_rejections_statement() -> None:
    closed = KnownTracker(30, "Clickjacking on the login page", state="closed", close_reason="invalid")
    hits, text = prior_rejections(["clickjacking", "login"], [closed])
    assert hits == [30] and text == "reject-class precedent: #30"
    assert prior_rejections(["ssrf", "webhook"], [closed]) == ([], "no prior rejection in the last 180 days")


@pytest.mark.parametrize(("answered", "expected"), [(frozenset(), [1234]), (frozenset({1234}), [])])
def test_public_fix_prs(answered: frozenset[int], expected: list[int]) -> None:
    text = "Fixed in example/widget#1234 and example/widget#777"
    assert public_fix_prs(text, PATTERNS, [KnownTracker(1, "x", pr_numbers=(777,))], answered) == expected
