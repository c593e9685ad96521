"""S16 classification (pure) and the §8.1 reviewer reads against a fake archive."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sync_rule_support import NOW, Maker, make_ctx, message

from steward.archive.interface import ArchiveEntry
from steward.archive.none import NoArchive
from steward.errors import OperationFailed
from steward.sync.facts import TrackerFacts, with_reviews
from steward.sync.reviewer import MAX_FINDINGS, MAX_TEXT, ReviewFindings, classify_review
from steward.sync.reviewer_facts import MAX_FETCH, read_reviews

CVE = "CVE-2031-1234"
SECURITY = "security@widget.example.org"
ROSTER = {"members": [{"handle": "sam", "emails": ["sam@widget.example.org"]}]}
CTX = make_ctx(cve_authority={"reviewer_channel": "mailing-list"}, roster=ROSTER)
PATTERNS = CTX.patterns
REVIEWER = "rev@cna.example.net"
REPORTER = "finder@example.net"
WORDING = "Example Widget before 2.1.0 lets a remote attacker read files outside the template root."

FULL = f"""Review of {CVE}:
This looks like CWE-22 rather than CWE-79.
Affected versions should be >= 1.4.0, < 2.1.0.
Severity: high, CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N
Credit: Jane Doe of Example Labs
The references are missing the vendor-advisory tag.
Suggested wording for the description: "{WORDING}"
"""


def test_every_kind_of_finding_is_read() -> None:
    found = classify_review(FULL, PATTERNS)
    assert found.cwes == (22, 79)
    assert found.versions == ("`>= 1.4.0, < 2.1.0`",)
    assert found.severities == ("high", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")
    assert found.credits == ("Jane Doe of Example Labs",)
    assert found.vendor_advisory_missing and found.wording == (WORDING,)
    assert found.blockers == () and not found.reopen and not found.empty


def test_blockers_and_reopen_and_their_negations() -> None:
    found = classify_review(
        "This is a duplicate of CVE-2031-1. Also out of scope. Please re-open for review.", PATTERNS
    )
    assert found.blockers == ("duplicate", "out of scope") and found.reopen
    assert classify_review("This is not a duplicate; it is not out-of-scope either.", PATTERNS).blockers == ()
    assert not classify_review("We will reopen the discussion later.", PATTERNS).reopen


def test_plain_text_finds_nothing() -> None:
    found = classify_review("Thanks, looks good to me. The vendor advisory is fine.", PATTERNS)
    assert found == ReviewFindings() and found.empty
    assert classify_review('summary: "short"', PATTERNS).wording == ()  # under 10 characters is not a suggestion


def test_input_is_bounded() -> None:
    late = "x" * MAX_TEXT + " CWE-79 duplicate"
    assert classify_review(late, PATTERNS).empty
    many = " ".join(f"CWE-{n}" for n in range(1, 50))
    assert len(classify_review(many, PATTERNS).cwes) == MAX_FINDINGS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=3000))
def test_arbitrary_text_never_crashes(text: str) -> None:
    found = classify_review(text, PATTERNS)
    assert all(len(v) <= MAX_FINDINGS for v in (found.cwes, found.versions, found.severities, found.wording))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([FULL, "duplicate", "CWE-", '"', "<", ">= ", "re-open for review", "\n"]), max_size=30))
def test_fragments_of_reviews_never_crash(parts: list[str]) -> None:
    assert isinstance(classify_review("".join(parts), PATTERNS), ReviewFindings)


# ---------------------------------------------------------------- reads


def raw(sender: str, subject: str, body: str) -> bytes:
    return (
        f"From: Someone <{sender}>\r\nTo: {SECURITY}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 05 May 2031 10:00:00 +0000\r\nMessage-ID: <m@x>\r\n\r\n{body}\r\n"
    ).encode()


class FakeArchive(NoArchive):
    """Serves `mails` (message id → (sender, subject, body)) to `search` and `fetch_raw`."""

    def __init__(self, mails: dict[str, tuple[str, str, str]], fail: bool = False) -> None:
        self.mails, self.fail = mails, fail
        self.searched: list[tuple[str, str, datetime]] = []
        self.fetched: list[str] = []

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        self.searched.append((list_address, query, since))
        if self.fail:
            raise OperationFailed("archive down")
        return [
            ArchiveEntry(mid, subject, sender, NOW, None, (), None, list_address)
            for mid, (sender, subject, _) in self.mails.items()
        ]

    def fetch_raw(self, message_id: str) -> bytes | None:
        self.fetched.append(message_id)
        sender, subject, body = self.mails[message_id]
        return raw(sender, subject, body)


def tracker(ctx: object = CTX, closed: str | None = None) -> TrackerFacts:
    root = message("<root@x>", "<root@x>", "Finder", REPORTER)
    return Maker(ctx)(cve_id=CVE, messages=[root], closed=closed)  # type: ignore[arg-type]


def test_a_reviewer_mail_naming_the_cve_is_read() -> None:
    archive = FakeArchive({"<r1@x>": (REVIEWER, f"Re: {CVE}", FULL)})
    reviews, notes = read_reviews(tracker(), CTX, archive)
    assert notes == [] and reviews is not None and len(reviews) == 1
    assert reviews[0].sender == REVIEWER and reviews[0].message_id == "<r1@x>" and not reviews[0].via_tool
    assert reviews[0].findings.wording == (WORDING,)
    assert archive.searched == [(SECURITY, CVE, NOW - timedelta(days=30))]


def test_reporter_roster_and_tool_senders_are_not_reviewers() -> None:
    archive = FakeArchive(
        {
            "<a@x>": (REPORTER, f"Re: {CVE}", FULL),
            "<b@x>": ("SAM@widget.example.org", f"Re: {CVE}", FULL),
            "<c@x>": ("noreply@github.com", f"Re: {CVE}", FULL),
            "<d@x>": ("robot@cna.example.net", f"Comment added on {CVE}", "A reviewer wrote: this is a duplicate."),
            "<e@x>": ("robot@cna.example.net", f"About {CVE}", "duplicate"),
        }
    )
    reviews, _ = read_reviews(tracker(), CTX, archive)
    assert reviews is not None and [(r.message_id, r.via_tool) for r in reviews] == [("<d@x>", True)]
    assert archive.fetched == ["<d@x>"]  # excluded senders' bodies are never fetched


def test_a_longer_cve_id_or_no_finding_does_not_count() -> None:
    archive = FakeArchive(
        {
            "<a@x>": (REVIEWER, f"Re: {CVE}5", "CWE-22 please"),
            "<b@x>": (REVIEWER, f"Re: {CVE}", "Thanks, all good."),
        }
    )
    reviews, _ = read_reviews(tracker(), CTX, archive)
    assert reviews == ()


def test_fetches_are_bounded() -> None:
    mails = {f"<m{n}@x>": (REVIEWER, f"Re: {CVE}", "duplicate") for n in range(MAX_FETCH + 5)}
    archive = FakeArchive(mails)
    reviews, _ = read_reviews(tracker(), CTX, archive)
    assert len(archive.fetched) == MAX_FETCH and reviews is not None and len(reviews) == MAX_FETCH


def test_no_read_without_the_mailing_list_channel_an_archive_or_an_open_tracker() -> None:
    archive = FakeArchive({"<r1@x>": (REVIEWER, f"Re: {CVE}", FULL)})
    plain = make_ctx(roster=ROSTER)
    assert read_reviews(tracker(plain), plain, archive) == (None, [])
    assert read_reviews(tracker(), CTX, None) == (None, [])
    assert read_reviews(tracker(closed="completed"), CTX, archive) == (None, [])
    assert archive.searched == []


def test_a_failed_read_is_a_note_on_the_facts() -> None:
    found = with_reviews(tracker(), CTX, FakeArchive({}, fail=True))
    assert found.reviews is None and any("S16 not checked" in n for n in found.notes)
    untouched = tracker()
    assert with_reviews(untouched, CTX, None) is untouched
