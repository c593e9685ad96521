"""Spec §5.6 "fix already public": each rule, the downgrade, and the PR search terms."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.codehost.interface import PullRequest
from steward.intake.public_fix import PublicFix, public_fix_findings, search_terms
from steward.patterns import PatternSet, sample_placeholders

PATTERNS = PatternSet(sample_placeholders())
REPORT_DATE = datetime(2099, 6, 1, tzinfo=UTC)
SECURITY = "security@example.org"
ROSTER = frozenset({"team-member"})
GHSA = "GHSA-2c3f-4g5h-6j7m"
REPORT = f"SQL injection in src/widget/api/auth.py when the name is quoted. Advisory {GHSA}."

OUTSIDER = PullRequest(
    number=0,
    title="",
    body="",
    state="open",
    merged=False,
    merged_at=None,
    author_login="outside-dev",
    author_name=None,
    files=(),
    milestone=None,
    base="",
    created_at=REPORT_DATE - timedelta(days=3),
)


def pr(number: int, **changes: object) -> PullRequest:
    url = f"https://github.com/example/widget/pull/{number}"
    return replace(OUTSIDER, number=number, url=url, **changes)  # type: ignore[arg-type]


def findings(
    prs: list[PullRequest], linked: tuple[int, ...] = (), text: str = REPORT, ghsa: tuple[str, ...] = (GHSA,)
) -> list[PublicFix]:
    return public_fix_findings(
        text,
        PATTERNS,
        reporter_pr_numbers=linked,
        prs=prs,
        report_date=REPORT_DATE,
        roster_logins=ROSTER,
        security_address=SECURITY,
        ghsa_ids=ghsa,
    )


def merged(days_before: int) -> dict[str, object]:
    return {"state": "closed", "merged": True, "merged_at": REPORT_DATE - timedelta(days=days_before)}


POINTER_AND_CLASS = {"title": "Quote names", "body": "Fixes a SQLi.", "files": ("src/widget/api/auth.py",)}

# ------------------------------------------------------------------------------------------------ rules

RULES: list[tuple[str, PullRequest, tuple[int, ...], str | None]] = [
    ("reporter link", pr(12, title="Unrelated"), (12,), "STRONG"),
    ("names the GHSA id", pr(13, body=f"Addresses {GHSA.lower()}."), (), "STRONG"),
    ("other GHSA id", pr(14, body="Addresses GHSA-wxyz-9876-pqrs."), (), None),
    ("pointer in files + class, open", pr(15, **POINTER_AND_CLASS), (), "MEDIUM"),
    ("pointer in body + class", pr(16, body="sql injection in widget/api/auth.py"), (), "MEDIUM"),
    ("pointer, other class", pr(17, body="XSS in widget/api/auth.py"), (), None),
    ("class, no pointer", pr(18, body="sql injection in widget/db/query.py"), (), None),
    ("pointer as a longer word", pr(19, body="sql injection in widget/api/auth.pyc"), (), None),
    ("merged 100 days before", pr(20, **POINTER_AND_CLASS, **merged(100)), (), "MEDIUM"),
    ("merged 200 days before", pr(21, **POINTER_AND_CLASS, **merged(200)), (), None),
    ("merged after the report", pr(22, **POINTER_AND_CLASS, **merged(-5)), (), "MEDIUM"),
    ("closed unmerged", pr(23, **POINTER_AND_CLASS, state="closed"), (), None),
    ("old closed PR the reporter links", pr(24, **merged(900)), (24,), "STRONG"),
]


@pytest.mark.parametrize(("case", "found", "linked", "strength"), RULES, ids=[r[0] for r in RULES])
def test_each_rule(case: str, found: PullRequest, linked: tuple[int, ...], strength: str | None) -> None:
    result = findings([found], linked)
    assert [(f.pr, f.strength, f.downgraded) for f in result] == ([(found.number, strength, False)] if strength else [])
    if strength:
        assert result[0].url == found.url


def test_a_linked_pr_that_was_not_read_is_strong_and_says_it_was_not_checked() -> None:
    (fix,) = findings([], linked=(77,))
    assert (fix.pr, fix.url, fix.strength, fix.downgraded) == (77, "", "STRONG", False)
    assert "not checked for a downgrade" in fix.reason


def test_class_method_pointer_matches_without_parentheses() -> None:
    text = "An SQL injection in Connection.get_uri() lets anyone read the table."
    (fix,) = findings([pr(30, body="Escape input in Connection.get_uri to stop sqli")], text=text, ghsa=())
    assert fix.strength == "MEDIUM"
    assert "Connection.get_uri()" in fix.reason and "sql-injection" in fix.reason


def test_one_finding_per_pr_with_every_reason_strongest_first() -> None:
    both = pr(40, body=f"{GHSA}: sql injection in widget/api/auth.py")
    medium = pr(15, **POINTER_AND_CLASS)
    result = findings([medium, both], linked=(40,))
    assert [(f.pr, f.strength) for f in result] == [(40, "STRONG"), (15, "MEDIUM")]
    assert result[0].reason == (
        f"the reporter links it; it names {GHSA}; it shares code pointer widget/api/auth.py and bug class sql-injection"
    )


# ------------------------------------------------------------------------------------------------ downgrade

ROSTER_AFTER = {"author_login": "Team-Member", "created_at": REPORT_DATE + timedelta(hours=2)}
ROSTER_BEFORE = {"author_login": "team-member", "created_at": REPORT_DATE - timedelta(days=1)}
ROSTER_UNDATED = {"author_login": "team-member", "created_at": None}
Expected = tuple[str, bool, str]
DOWNGRADES: list[tuple[str, PullRequest, tuple[int, ...], Expected]] = [
    ("roster author after the report", pr(50, **ROSTER_AFTER), (50,), ("MEDIUM", True, "on the roster")),
    ("roster author before the report", pr(51, **ROSTER_BEFORE), (51,), ("STRONG", False, "")),
    ("roster author, no creation date", pr(52, **ROSTER_UNDATED), (52,), ("STRONG", False, "")),
    ("outsider after the report", pr(53, created_at=REPORT_DATE + timedelta(days=1)), (53,), ("STRONG", False, "")),
    ("mentions the security address", pr(54, body=f"To {SECURITY.upper()}"), (54,), ("MEDIUM", True, "address")),
    ("medium drops to weak", pr(55, **POINTER_AND_CLASS, **ROSTER_AFTER), (), ("WEAK", True, "on the roster")),
    ("ghsa and address", pr(56, body=f"{GHSA}, thanks {SECURITY}"), (), ("MEDIUM", True, "address")),
]


@pytest.mark.parametrize(("case", "found", "linked", "expected"), DOWNGRADES, ids=[d[0] for d in DOWNGRADES])
def test_downgrade_when_the_pr_answers_the_report(
    case: str, found: PullRequest, linked: tuple[int, ...], expected: Expected
) -> None:
    strength, downgraded, why = expected
    (fix,) = findings([found], linked)
    assert (fix.strength, fix.downgraded) == (strength, downgraded)
    assert ("downgraded:" in fix.reason) is downgraded
    assert why in fix.reason


def test_naive_dates_are_read_as_utc() -> None:
    naive = pr(60, author_login="team-member", created_at=datetime(2099, 6, 2))
    result = public_fix_findings(
        REPORT,
        PATTERNS,
        reporter_pr_numbers=[60],
        prs=[naive],
        report_date=datetime(2099, 6, 1),
        roster_logins=ROSTER,
        security_address="",
        ghsa_ids=[],
    )
    assert [(f.strength, f.downgraded) for f in result] == [("MEDIUM", True)]


# ------------------------------------------------------------------------------------------------ search terms


def test_search_terms_are_pointers_then_bug_class_phrases() -> None:
    text = "SQL injection and XSS in src/widget/api/auth.py via Connection.get_uri(); also CSRF and SSRF."
    assert search_terms(text, PATTERNS) == ["widget api auth.py", "Connection.get_uri", "sql injection", "xss"]


def test_search_terms_drop_shell_and_search_syntax() -> None:
    text = 'sqli in widget/api/auth.py;rm -rf / "x" OR repo:evil/other $(curl example.invalid)'
    terms = search_terms(text, PATTERNS)
    assert terms == ["widget api auth.py", "sqli"]


def test_search_terms_are_empty_without_pointer_or_class() -> None:
    assert search_terms("Something feels wrong somewhere.", PATTERNS) == []


FRAGMENTS = st.sampled_from(
    [
        "src/widget/api/auth.py",
        "Connection.get_uri()",
        "sql injection",
        "XSS",
        GHSA,
        SECURITY,
        "#12",
        "example/widget#7",
        "widget/a$b/c.py",
        "\u00a0",
        "\x00",
        "'\";|&`",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=30), FRAGMENTS), max_size=8).map(" ".join)
MOMENT = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC))
PRS = st.builds(
    PullRequest,
    number=st.integers(min_value=1, max_value=50),
    title=TEXT,
    body=TEXT,
    state=st.sampled_from(["open", "closed"]),
    merged=st.booleans(),
    merged_at=st.none() | MOMENT,
    author_login=st.sampled_from(["", "team-member", "outside-dev"]),
    author_name=st.none(),
    files=st.lists(st.one_of(st.text(max_size=20), FRAGMENTS), max_size=3).map(tuple),
    milestone=st.none(),
    base=st.just(""),
    created_at=st.none() | MOMENT | st.datetimes(),
    url=st.text(max_size=10),
)


@settings(max_examples=150)
@given(
    TEXT,
    st.lists(PRS, max_size=4),
    st.lists(st.integers(min_value=1, max_value=60), max_size=3),
    MOMENT | st.datetimes(),
)
def test_public_fix_findings_never_crashes(
    text: str, prs: list[PullRequest], linked: list[int], when: datetime
) -> None:
    result = public_fix_findings(
        text,
        PATTERNS,
        reporter_pr_numbers=linked,
        prs=prs,
        report_date=when,
        roster_logins=ROSTER,
        security_address=SECURITY,
        ghsa_ids=[GHSA, "not-an-id"],
    )
    assert len({f.pr for f in result}) == len(result)
    assert set(linked) <= {f.pr for f in result}
    assert all(f.strength in {"STRONG", "MEDIUM", "WEAK"} for f in result)


STRIP_SPACES_TOO = PatternSet(sample_placeholders(), {"intake.search_term_strip": r"[^A-Za-z0-9]"})


@settings(max_examples=150)
@given(TEXT, st.sampled_from([PATTERNS, STRIP_SPACES_TOO]))
def test_search_terms_never_keep_a_stripped_character(text: str, patterns: PatternSet) -> None:
    terms = search_terms(text, patterns)
    strip = patterns["intake.search_term_strip"]
    assert all(term and strip.hit(term) is None for term in terms)
    assert len(terms) == len(set(terms)) <= 5
