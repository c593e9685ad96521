"""S5 (Affected versions), S8 (CWE / Severity from roster statements) and S9 (reporter credit from a reply)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sync_rule_support import BASE, Maker, comment, message
from team_ctx import team_ctx

from steward.domain.roles import Field
from steward.domain.versions import parse_affected, render_affected
from steward.sync.facts import TrackerFacts
from steward.sync.rules.s05_affected_versions import s5_affected_versions, s5_notes
from steward.sync.rules.s08_cwe_severity import s8_cwe_severity
from steward.sync.rules.s09_reporter_credit import s9_reporter_credit

CTX = team_ctx()
make: Callable[..., TrackerFacts] = Maker(CTX)
RELEASED = [*BASE, "fix released"]


def _value(item: object, role: Field) -> str:
    assert item is not None
    return dict(item.change.fields)[role]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- S5


@pytest.mark.parametrize(
    ("value", "labels", "milestone", "want"),
    [
        ("< 2.1.0", None, None, "`< 2.1.0`"),  # unwrapped
        ("- `<2.1.0`", None, None, "`< 2.1.0`"),  # bullet, loose spacing
        ("`>= 1.4.0, < 2.1.0`", None, None, "`< 2.1.0`"),  # no roster evidence for the lower bound
        ("`< NEXT VERSION`", RELEASED, "2.1.0", "`< 2.1.0`"),  # shipped: from the milestone
        ("`example-widget < next version`", RELEASED, "v2.1.0", "`example-widget < 2.1.0`"),
    ],
)
def test_s5_proposes_the_canonical_value(
    value: str, labels: list[str] | None, milestone: str | None, want: str
) -> None:
    item = s5_affected_versions(make(labels=labels, milestone=milestone, fields={Field.AFFECTED_VERSIONS: value}), CTX)
    assert item is not None and item.cve_affecting and _value(item, Field.AFFECTED_VERSIONS) == want


def test_s5_keeps_a_range_backed_by_roster_evidence() -> None:
    said = [comment("alex", "This was introduced in 1.4.0 with the new loader.")]
    facts = make(fields={Field.AFFECTED_VERSIONS: "`>= 1.4.0, < 2.1.0`"}, comments=said)
    assert s5_affected_versions(facts, CTX) is None
    reporter = [comment("someone-else", "This was introduced in 1.4.0.")]
    facts = make(fields={Field.AFFECTED_VERSIONS: "`>= 1.4.0, < 2.1.0`"}, comments=reporter)
    assert s5_affected_versions(facts, CTX) is not None  # only the roster's word counts


def test_s5_keeps_a_range_under_the_introduced_bound_convention() -> None:
    scopes = {"enabled": True, "labels": {"widget": {"versions_convention": "introduced-bound"}}}
    ctx = team_ctx(scope_detection=scopes)
    facts = Maker(ctx)(fields={Field.AFFECTED_VERSIONS: "`>= 1.4.0, < 2.1.0`"})
    assert s5_affected_versions(facts, ctx) is None


@pytest.mark.parametrize(
    ("value", "labels", "milestone"),
    [
        ("`< 2.1.0`", None, None),  # canonical already
        ("_No response_", None, None),  # empty: never guessed
        ("`< NEXT VERSION`", None, "2.1.0"),  # not shipped yet
        ("`< NEXT VERSION`", RELEASED, "Widget 2031-06-01"),  # milestone is no version
        ("around two-ish", None, None),  # unparsable: a note, not an item
    ],
)
def test_s5_none_when_right_or_unknowable(value: str, labels: list[str] | None, milestone: str | None) -> None:
    assert (
        s5_affected_versions(make(labels=labels, milestone=milestone, fields={Field.AFFECTED_VERSIONS: value}), CTX)
        is None
    )


def test_s5_lists_unparsable_lines() -> None:
    notes = s5_notes(make(fields={Field.AFFECTED_VERSIONS: "around two-ish"}), CTX)
    assert len(notes) == 1 and "line 1" in notes[0]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=60))
def test_s5_never_crashes_and_its_value_is_a_fixpoint(text: str) -> None:
    item = s5_affected_versions(make(fields={Field.AFFECTED_VERSIONS: text or "x"}), CTX)
    if item is not None:
        value = _value(item, Field.AFFECTED_VERSIONS)
        parsed = parse_affected(value)
        assert parsed.ok and render_affected(parsed.lines) == value
        again = make(fields={Field.AFFECTED_VERSIONS: value})
        assert s5_affected_versions(again, CTX) is None


# ---------------------------------------------------------------- S8

EMPTY = {Field.CWE: "_No response_", Field.SEVERITY: "Unknown"}


def test_s8_takes_a_roster_members_cwe_in_long_form() -> None:
    item = s8_cwe_severity(make(fields=EMPTY, comments=[comment("alex", "Looks like CWE-22 to me.")]), CTX)
    assert _value(item, Field.CWE).startswith("CWE-22: ") and Field.SEVERITY not in dict(item.change.fields)  # type: ignore[union-attr]


def test_s8_takes_a_severity_statement_and_vectors() -> None:
    said = [comment("kit-example", "Severity: High\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")]
    item = s8_cwe_severity(make(fields=EMPTY, comments=said), CTX)
    assert _value(item, Field.SEVERITY) == "high\nCVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


@pytest.mark.parametrize(
    "said",
    [
        [comment("reporter-jo", "It is CWE-22. Severity: critical")],  # not on the roster
        [comment("alex", "Either CWE-22 or CWE-23.")],  # two ids: ambiguous
        [comment("alex", "<!-- steward: triage-proposal v1 -->\nSeverity: high\nCWE-79")],  # steward's own
        [],
    ],
)
def test_s8_none_without_a_single_roster_statement(said: list[object]) -> None:
    assert s8_cwe_severity(make(fields=EMPTY, comments=said), CTX) is None


def test_s8_none_when_the_fields_are_set() -> None:
    facts = make(
        fields={Field.CWE: "CWE-79: XSS", Field.SEVERITY: "low"}, comments=[comment("alex", "CWE-22, Severity: high")]
    )
    assert s8_cwe_severity(facts, CTX) is None


# ---------------------------------------------------------------- S9

ROOT = "<r1@mail.example.net>"
THREAD = [message(ROOT, ROOT, "Jo Reporter", "jo@mail.example.net")]


def _follow_up(*parts: tuple[str, str], n: int = 5) -> object:
    quoted = "\n\n---\n\n".join(f"From {who} (2031-05-01):\n\n{text}" for who, text in parts)
    return comment("alex", f"**Follow-up mail at import** (thread `{ROOT}`)\n\n{quoted}", n)


@pytest.mark.parametrize(
    ("parts", "want"),
    [
        ((("Jo Reporter", "Thanks! Please credit me as Jo R. of Example Labs."),), "Jo R. of Example Labs"),
        ((("jo@mail.example.net", "Credit: J. Reporter"),), "J. Reporter"),
        ((("Jo Reporter", "Credit: Jo"), ("Jo Reporter", "Actually, I prefer to remain anonymous")), "anonymous"),
    ],
)
def test_s9_takes_the_reporters_newest_statement(parts: tuple[tuple[str, str], ...], want: str) -> None:
    facts = make(fields={Field.REPORTER_CREDIT: "Jo Reporter"}, messages=THREAD, comments=[_follow_up(*parts)])
    assert _value(s9_reporter_credit(facts, CTX), Field.REPORTER_CREDIT) == want


def test_s9_newest_comment_wins() -> None:
    older, newer = _follow_up(("Jo Reporter", "Credit: Jo A"), n=2), _follow_up(("Jo Reporter", "Credit: Jo B"), n=3)
    facts = make(messages=THREAD, comments=[older, newer])
    assert _value(s9_reporter_credit(facts, CTX), Field.REPORTER_CREDIT) == "Jo B"


@pytest.mark.parametrize(
    ("author", "who", "credit"),
    [
        ("alex", "Someone Else", "Jo Reporter"),  # a third party's statement
        ("reporter-jo", "Jo Reporter", "Jo Reporter"),  # an untrusted comment impersonating import
        ("alex", "Jo Reporter", "jo r. of example labs"),  # already set (case-insensitive)
    ],
)
def test_s9_none(author: str, who: str, credit: str) -> None:
    quoted = f"From {who} (2031-05-01):\n\nPlease credit me as Jo R. of Example Labs."
    body = f"**Follow-up mail at import** (thread `{ROOT}`)\n\n{quoted}"
    facts = make(fields={Field.REPORTER_CREDIT: credit}, messages=THREAD, comments=[comment(author, body)])
    assert s9_reporter_credit(facts, CTX) is None
