"""Stall escalation drafts (§8.9): recipients per audience, the tracker URL only in private drafts, the skeleton."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sample_project import sample_config

from steward.comms.drafts import DEMO_LINE, ThreadFacts, ThreadMessage
from steward.comms.escalation import (
    BLANK,
    PRIVATE_AUDIENCES,
    Counterpart,
    EscalationDraft,
    StallFacts,
    TagCandidate,
    phase1_drafts,
    phase2_body,
    phase2_drafts,
    skipped_audiences,
    tagging_candidates,
)
from steward.config.model import ProjectConfig
from steward.domain.stall import StallDecision
from steward.errors import Refused, UsageError

TRACKER_URL = "https://github.com/example/widget-security/issues/12"
GOVERNANCE = "governance-private@widget.example.org"
FOUNDATION = "security@foundation.example.net"
SECURITY_LIST = "security@widget.example.org"
DECISION = StallDecision(1, 34, (date(2099, 1, 10), "alice"), "stalled", True)
FACTS = StallFacts(
    tracker=12,
    title="XSS in the widget template tag",
    tracker_url=TRACKER_URL,
    tlp="TLP:AMBER+STRICT",
    decision=DECISION,
    cve_id="CVE-2099-10001",
    links=("https://lists.example.org/thread/abc",),
)
THREAD = ThreadFacts(
    root_subject="Fwd: XSS in the widget",
    root_from='"Alex Reporter" <alex@example.net>',
    messages=(
        ThreadMessage("<root@example.net>", datetime(2099, 1, 1, tzinfo=UTC)),
        ThreadMessage("<reply@example.org>", datetime(2099, 1, 2, tzinfo=UTC)),
    ),
)
REPORTER = Counterpart("reporter", '"Alex Reporter" <alex@example.net>', "Alex Reporter", THREAD)
FORWARDER = Counterpart("forwarder", "relay-team@example.net", "Relay Team")


DEFAULTS: dict[str, Any] = {
    "governance": {"private_governance_list": GOVERNANCE},
    "security_inbox": {"foundation_security_address": FOUNDATION},
    "tracker": {"platform": "github", "repo": "example/widget-security"},
}


def make_config(**sections: Any) -> ProjectConfig:
    """The sample config with DEFAULTS; a section given here replaces that DEFAULTS block."""
    return ProjectConfig.model_validate(sample_config(**{**DEFAULTS, **sections}))


CONFIG = make_config()


def by_audience(drafts: tuple[EscalationDraft, ...]) -> dict[str, EscalationDraft]:
    return {d.audience: d for d in drafts}


def test_phase1_has_one_draft_per_audience_with_the_right_recipients() -> None:
    drafts = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=REPORTER))
    assert set(drafts) == {"governance", "foundation-security", "reporter"}
    assert drafts["governance"].to == (GOVERNANCE,)
    assert drafts["foundation-security"].to == (FOUNDATION,)
    assert drafts["reporter"].to == ("alex@example.net",)
    for draft in drafts.values():
        assert draft.cc == (SECURITY_LIST,)


def test_forwarder_route_addresses_the_forwarder() -> None:
    drafts = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=FORWARDER))
    assert drafts["forwarder"].to == ("relay-team@example.net",)
    assert "the report you forwarded" in drafts["forwarder"].body
    assert "reporter" not in drafts


def test_without_a_reporter_route_only_private_drafts_are_made() -> None:
    drafts = phase1_drafts(FACTS, config=CONFIG, counterpart=None)
    assert {d.audience for d in drafts} == {"governance", "foundation-security"}


def test_a_missing_foundation_address_drops_that_draft() -> None:
    config = make_config(security_inbox={"address": SECURITY_LIST})
    drafts = phase1_drafts(FACTS, config=config, counterpart=REPORTER)
    assert "foundation-security" not in {d.audience for d in drafts}
    assert skipped_audiences(config) == [
        "No foundation-security escalation draft: security_inbox.foundation_security_address is not set."
    ]


def test_a_missing_governance_list_drops_that_draft() -> None:
    config = make_config(governance={"escalation_contact": "escalation@widget.example.org"})
    drafts = phase1_drafts(FACTS, config=config, counterpart=None)
    assert [d.audience for d in drafts] == ["foundation-security"]
    assert skipped_audiences(config)[0].startswith("No governance escalation draft")
    assert skipped_audiences(CONFIG) == []


def test_the_tracker_url_is_only_in_private_drafts() -> None:
    for counterpart in (REPORTER, FORWARDER):
        for draft in phase1_drafts(FACTS, config=CONFIG, counterpart=counterpart):
            if draft.audience in PRIVATE_AUDIENCES:
                assert TRACKER_URL in draft.body
            else:
                assert "github.com/example/widget-security" not in draft.body
                assert "https://" not in draft.body


def test_reporter_draft_never_holds_the_tracker_url_even_with_reporter_access() -> None:
    config = make_config(tracker={"platform": "github", "repo": "example/widget-security", "reporter_has_access": True})
    reporter = by_audience(phase1_drafts(FACTS, config=config, counterpart=REPORTER))["reporter"]
    assert TRACKER_URL not in reporter.body


def test_reporter_draft_avoids_security_framing_and_team_handles() -> None:
    reporter = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=REPORTER))["reporter"]
    assert "vulnerab" not in reporter.body.casefold()
    assert "@alice" not in reporter.body
    assert "#12" in reporter.body and "CVE-2099-10001" in reporter.body
    assert "34 days" in reporter.body and "2099-01-10" in reporter.body


def test_private_drafts_state_the_facts() -> None:
    governance = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=None))["governance"]
    body = governance.body
    assert body.startswith("TLP:AMBER+STRICT\n\n")
    for fact in ("#12 (CVE-2099-10001)", "34 days", "2099-01-10 by @alice", "ideas", FACTS.links[0]):
        assert fact in body
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    assert 3 <= len(paragraphs[1:-1]) <= 4  # the TLP line and the signature aside
    assert governance.subject == "Stalled security report #12 (CVE-2099-10001): 34 days without progress"


def test_without_a_cve_or_last_comment_the_wording_adapts() -> None:
    facts = StallFacts(12, "Title", TRACKER_URL, "TLP:AMBER", StallDecision(1, 40, None, "r", True))
    drafts = by_audience(phase1_drafts(facts, config=CONFIG, counterpart=REPORTER))
    assert "CVE-" not in drafts["governance"].body
    assert "no substantive comment since it was opened" in drafts["governance"].body
    assert drafts["reporter"].body.startswith("TLP:AMBER\n")


def test_reporter_draft_is_threaded_on_the_inbound_thread() -> None:
    reporter = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=REPORTER))["reporter"]
    assert reporter.subject == "Re: XSS in the widget"
    assert reporter.in_reply_to == "<reply@example.org>"
    assert reporter.references == ("<root@example.net>", "<reply@example.org>")
    forwarder = by_audience(phase1_drafts(FACTS, config=CONFIG, counterpart=FORWARDER))["forwarder"]
    assert forwarder.in_reply_to is None
    assert forwarder.subject == "Re: XSS in the widget template tag"


def test_demo_projects_carry_the_demo_line_first() -> None:
    config = make_config(project_kind="demo")
    for draft in phase1_drafts(FACTS, config=config, counterpart=REPORTER):
        assert draft.body.startswith(f"{DEMO_LINE}\nTLP:AMBER+STRICT\n")


def test_placeholder_addresses_are_refused_naming_the_key() -> None:
    config = make_config(governance={"private_governance_list": "governance@widget.invalid"})
    with pytest.raises(Refused, match=r"governance\.private_governance_list"):
        phase1_drafts(FACTS, config=config, counterpart=None)


def test_a_public_list_never_receives_an_amber_draft() -> None:
    config = make_config(archive_system={"announcement_lists": [GOVERNANCE]})
    with pytest.raises(Refused, match="public list"):
        phase1_drafts(FACTS, config=config, counterpart=None)


@pytest.mark.parametrize(
    ("changes", "match"),
    [({"tlp": "AMBER"}, "TLP label"), ({"cve_id": "CVE-99-1"}, "not a CVE id")],
)
def test_bad_facts_are_usage_errors(changes: dict[str, str], match: str) -> None:
    facts = StallFacts(**{**FACTS.__dict__, **changes})
    with pytest.raises(UsageError, match=match):
        phase1_drafts(facts, config=CONFIG, counterpart=None)


# ---------------------------------------------------------------- phase 2

CANDIDATES = (
    TagCandidate("bob", "committed to the affected files in the last 365 days"),
    TagCandidate("Alex Reporter", "took part in the report thread"),
)


def test_phase2_goes_to_the_tracker_and_the_private_list() -> None:
    comment, mail = phase2_drafts(FACTS, config=CONFIG, phase1_date=date(2099, 2, 12), candidates=CANDIDATES)
    assert (comment.audience, comment.to, comment.cc) == ("tracker", (), ())
    assert (mail.audience, mail.to, mail.cc) == ("private-list", ("private@widget.example.org",), (SECURITY_LIST,))
    assert comment.body == mail.body


def test_phase2_skeleton_has_every_section_in_order() -> None:
    body = phase2_body(FACTS, config=CONFIG, phase1_date=date(2099, 2, 12), candidates=CANDIDATES)
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Disclaimer",
        "## Tagging method",
        "## TL;DR",
        "## Why the obvious fix is not enough",
        "## Options",
        "## Open questions (3-5)",
        "## People tagged",
        "## Links",
    ]
    assert body.startswith("TLP:AMBER+STRICT\n\n")
    assert "| Option | Does | Closes | Does not close | Risk |" in body
    for letter in "ABC":
        assert f"| {letter} | {BLANK} | {BLANK} | {BLANK} | {BLANK} |" in body
    assert re.search(r"## Open questions \(3-5\)\n1\. .+\n2\. .+\n3\. .+", body)


def test_phase2_prefills_facts_and_leaves_analysis_blank() -> None:
    body = phase2_body(FACTS, config=CONFIG, phase1_date=date(2099, 2, 12), candidates=CANDIDATES)
    for fact in ("34 days", "2099-01-10 by @alice", "written on 2099-02-12", TRACKER_URL, FACTS.links[0]):
        assert fact in body
    assert "- @bob (committed to the affected files in the last 365 days)" in body
    assert "- Alex Reporter (took part in the report thread)" in body
    why = body.split("## Why the obvious fix is not enough\n", 1)[1].split("\n\n", 1)[0]
    assert why == BLANK


def test_phase2_without_candidates_says_so() -> None:
    body = phase2_body(FACTS, config=CONFIG, phase1_date=None, candidates=())
    assert f"- {BLANK} (no candidates found)" in body
    assert "were written; no substantive reply" in body


def test_tagging_candidates_intersect_committers_with_the_roster() -> None:
    found = tagging_candidates(
        ["Bob", "mallory", "@carol", "bob"], roster=["alice", "bob", "carol"], participants=["alice", "Bob", "Dana Doe"]
    )
    assert [c.handle for c in found] == ["bob", "carol", "alice", "Dana Doe"]
    assert found[0].why.startswith("committed") and found[2].why.startswith("took part")


@given(st.text(max_size=80))
def test_reporter_draft_never_leaks_the_tracker_url_whatever_the_title(title: str) -> None:
    facts = StallFacts(**{**FACTS.__dict__, "title": title})
    reporter = by_audience(phase1_drafts(facts, config=CONFIG, counterpart=REPORTER))["reporter"]
    assert TRACKER_URL not in reporter.body
    assert "\n" not in reporter.subject
