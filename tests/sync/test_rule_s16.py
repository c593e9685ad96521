"""S16: reviewer findings become one wording item (nothing written) and notes naming the reviewer."""

from __future__ import annotations

from dataclasses import replace

from sync_rule_support import Maker, make_ctx

from steward.domain.roles import Field
from steward.sync.facts import TrackerFacts
from steward.sync.reviewer import ReviewFindings
from steward.sync.reviewer_facts import Review
from steward.sync.rules import run_notes, run_rules
from steward.sync.rules.s16_reviewer import s16_notes, s16_reviewer

CVE = "CVE-2031-1234"
REVIEWER = "rev@cna.example.net"
WORDING = "Example Widget before 2.1.0 lets a remote attacker read files outside the template root."
CTX = make_ctx(
    cve_authority={"reviewer_channel": "mailing-list"},
    release_process={"release_managers": [{"handle": "@sam"}]},
)


def facts(*reviews: Review, closed: str | None = None, summary: str | None = None) -> TrackerFacts:
    fields = {Field.PUBLIC_SUMMARY: summary} if summary else None
    base = Maker(CTX)(cve_id=CVE, closed=closed, fields=fields)
    return replace(base, reviews=reviews)


def review(via_tool: bool = False, **found: object) -> Review:
    return Review(REVIEWER, "<r1@x>", f"Re: {CVE}", ReviewFindings(**found), via_tool)  # type: ignore[arg-type]


def test_wording_is_one_item_quoting_the_text_and_writing_nothing() -> None:
    item = s16_reviewer(facts(review(wording=(WORDING,))), CTX)
    assert item is not None and item.rule == "S16" and item.cve_affecting
    assert f"“{WORDING}”" in item.summary and REVIEWER in item.summary
    assert item.change.fields == () and item.change.title is None and "by hand" in item.change.notes[0]
    assert item.key.startswith("4:S16:")


def test_wording_equal_to_the_summary_or_on_a_closed_tracker_proposes_nothing() -> None:
    assert s16_reviewer(facts(review(wording=(WORDING,)), summary=WORDING), CTX) is None
    assert s16_reviewer(facts(review(wording=(WORDING,)), closed="completed"), CTX) is None
    assert s16_reviewer(facts(review(cwes=(22,))), CTX) is None


def test_the_newest_listed_wording_wins() -> None:
    newer = Review("other@cna.example.net", "<r2@x>", "Re", ReviewFindings(wording=("A newer suggested text.",)))
    item = s16_reviewer(facts(review(wording=(WORDING,)), newer), CTX)
    assert item is not None and "A newer suggested text." in item.summary and "other@cna.example.net" in item.summary


def test_each_finding_is_a_note_naming_the_reviewer() -> None:
    found = review(
        cwes=(22,),
        versions=("`< 2.1.0`",),
        severities=("high",),
        credits=("Jane Doe",),
        blockers=("duplicate", "out of scope"),
        vendor_advisory_missing=True,
        reopen=True,
    )
    notes = s16_notes(facts(found), CTX)
    assert len(notes) == 8 and all(REVIEWER in n for n in notes)
    assert [n for n in notes if n.startswith("S16 blocker")] == [
        f"S16 blocker: CNA reviewer {REVIEWER} calls {CVE} duplicate; resolve it with the CNA before anything is "
        "published",
        f"S16 blocker: CNA reviewer {REVIEWER} calls {CVE} out of scope; resolve it with the CNA before anything is "
        "published",
    ]
    assert any("re-open" in n and "tell @sam" in n for n in notes)
    assert any("CWE-22" in n and "observation" in n for n in notes)
    assert any("vendor-advisory" in n for n in notes)


def test_a_relayed_comment_says_so_and_nothing_read_means_no_notes() -> None:
    assert "relayed by the CNA tool" in s16_notes(facts(review(True, reopen=True)), CTX)[0]
    assert s16_notes(Maker(CTX)(cve_id=CVE), CTX) == []
    assert s16_notes(facts(review(reopen=True), closed="completed"), CTX) == []


def test_registered_in_the_rule_tables() -> None:
    got = facts(review(wording=(WORDING,), blockers=("duplicate",)))
    assert [i.rule for i in run_rules(got, CTX) if i.rule == "S16"] == ["S16"]
    assert any(n.startswith("S16 blocker") for n in run_notes(got, CTX))
