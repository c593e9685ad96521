"""S1, S15, S20 and the S21 stall and cve.org rules on pure facts (cve.org through an httpx MockTransport)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sync_rule_support import BASE, NOW, PR_URL, comment, message
from team_ctx import team_ctx

from steward.cveorg.client import CveOrgClient
from steward.domain.roles import Field
from steward.domain.rollup import RollupEntry, notification_no_event
from steward.domain.stall import ESCALATION_ACTION
from steward.sync.context import SyncContext
from steward.sync.facts import PrFacts, TrackerFacts
from steward.sync.items import Change, SyncItem
from steward.sync.network_facts import cve_org_facts, mentions, published_line
from steward.sync.rules.s01_pr_opened import s1_pr_opened
from steward.sync.rules.s15_scopes import s15_notes
from steward.sync.rules.s20_credit_question import folded_line, s20_credit_question
from steward.sync.rules.s21_cve_org import cve_org_notes, s21_cve_published
from steward.sync.rules.s21_stall import s21_stall, stall_notes

Make = Callable[..., TrackerFacts]
CVE = "CVE-2031-1234"
ROOT = "<r1@example.net>"
THREAD = "Root Message-ID: `<r1@example.net>`"
ROOT = "<r1@example.net>"


def entry(action: str, days_ago: int, items: tuple[str, ...] = ()) -> str:
    from steward.domain.rollup import append_entry

    e = RollupEntry(
        (NOW - timedelta(days=days_ago)).date(), "alex", action, "h", items, "n", notification_no_event(), "0" * 16
    )
    return append_entry([], e)[0]


def old(make: Make, ctx: SyncContext, days: int, **kw: object) -> TrackerFacts:
    facts = make(**kw)
    from dataclasses import replace

    return replace(facts, row=replace(facts.row, created_at=NOW - timedelta(days=days)))


# ---------------------------------------------------------------- S21 stall


@pytest.fixture
def gov() -> SyncContext:
    return team_ctx(governance={"private_governance_list": "board@example.org"})


def test_stall_phase1_drafts_after_30_quiet_days(make: Make, gov: SyncContext) -> None:
    facts = old(make, gov, 40, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    from steward.sync.facts import build_facts

    facts = build_facts(facts.row, gov)
    item = s21_stall(facts, gov)
    assert item is not None and item.rule == "Step 4 escalation"
    plan = item.change.escalation
    assert plan is not None and plan.phase == 1
    assert [d.audience for d in plan.drafts] == ["governance"]
    assert "board@example.org" in plan.drafts[0].to


def test_stall_none_when_recent_or_with_a_pr_or_escalated(make: Make, gov: SyncContext) -> None:
    from steward.sync.facts import build_facts

    quiet = old(make, gov, 10, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    assert s21_stall(build_facts(quiet.row, gov), gov) is None
    with_pr = old(make, gov, 40, labels=[*BASE])
    assert s21_stall(build_facts(with_pr.row, gov), gov) is None
    stalled = old(make, gov, 40, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    done = build_facts(stalled.row, gov, rollup_bodies=[entry(ESCALATION_ACTION, 2)])
    assert s21_stall(done, gov) is None


def test_stall_phase2_after_seven_more_days(make: Make, gov: SyncContext) -> None:
    from steward.sync.facts import build_facts

    stalled = old(make, gov, 60, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    facts = build_facts(stalled.row, gov, rollup_bodies=[entry(ESCALATION_ACTION, 8)])
    item = s21_stall(facts, gov)
    assert item is not None and item.change.escalation is not None
    assert item.change.escalation.phase == 2
    assert [d.audience for d in item.change.escalation.drafts] == ["tracker", "private-list"]


def test_stall_roster_reply_restarts_the_clock(make: Make, gov: SyncContext) -> None:
    from steward.sync.facts import build_facts

    stalled = old(make, gov, 60, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    facts = build_facts(stalled.row, gov, comments=[comment("alex", "Looking at it now.", 25)])
    assert s21_stall(facts, gov) is None


def test_stall_refusal_is_a_note_not_an_item(make: Make) -> None:
    bad = team_ctx(governance={"private_governance_list": "board@example.invalid"})
    from steward.sync.facts import build_facts

    stalled = old(make, bad, 40, labels=["security issue", "TLP:AMBER+STRICT", "needs triage"], fields={})
    facts = build_facts(stalled.row, bad)
    assert s21_stall(facts, bad) is None
    assert any("not built" in n for n in stall_notes(facts, bad))


# ---------------------------------------------------------------- §8.8 cve.org


def client(state: str | None, status: int = 200) -> CveOrgClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if status == 404:
            return httpx.Response(404, json={"error": "CVE_RECORD_DNE"})
        if status != 200:
            return httpx.Response(status)
        return httpx.Response(200, json={"cveMetadata": {"cveId": CVE, "state": state}})

    return CveOrgClient(client=httpx.Client(transport=httpx.MockTransport(handler)))


def closed(make: Make, ctx: SyncContext, answer: CveOrgClient | None, rollup: list[str] | None = None) -> TrackerFacts:
    from steward.sync.facts import build_facts

    facts = make(labels=["security issue", "TLP:CLEAR", "widget", "cve allocated", "announced"], closed="completed",
                 cve_id=CVE, rollup_bodies=rollup or [])  # fmt: skip
    checked = cve_org_facts(facts.row, CVE, facts.rollup, ctx, answer)
    return build_facts(facts.row, ctx, rollup_bodies=rollup or [], cve_org=checked)


def test_published_drafts_cve_published_once(make: Make, ctx: SyncContext) -> None:
    item = s21_cve_published(closed(make, ctx, client("PUBLISHED")), ctx)
    assert item is not None and item.change.draft == "cve-published"
    assert published_line(CVE) in item.change.notes
    recorded = closed(make, ctx, client("PUBLISHED"), [entry("Sync (S21)", 0, (published_line(CVE),))])
    assert recorded.cve_org is None  # a recorded publication is not asked again
    assert s21_cve_published(recorded, ctx) is None


@pytest.mark.parametrize(
    ("answer", "want"),
    [("REJECTED", "blocker"), (None, "no public record"), ("ERR", "asks again")],
)
def test_cve_org_notes(make: Make, ctx: SyncContext, answer: str | None, want: str) -> None:
    fake = client(None, 404) if answer is None else client(None, 500) if answer == "ERR" else client(answer)
    facts = closed(make, ctx, fake)
    assert s21_cve_published(facts, ctx) is None
    assert any(want in n for n in cve_org_notes(facts, ctx))


def test_no_client_no_check(make: Make, ctx: SyncContext) -> None:
    facts = closed(make, ctx, None)
    assert facts.cve_org is None and cve_org_notes(facts, ctx) == []


# ---------------------------------------------------------------- S1


def test_s1_links_an_open_pr_that_names_the_tracker(make: Make, ctx: SyncContext) -> None:
    from steward.sync.facts import build_facts

    base = make(labels=[*BASE], fields={Field.PR_WITH_FIX: "_No response_"})
    found = PrFacts(PR_URL, 77, "open", False, "kit-example", None, None)
    facts = build_facts(base.row, ctx, mentioning_prs=[found])
    item = s1_pr_opened(facts, ctx)
    assert item is not None and item.cve_affecting and item.change.draft == "fix-pr-opened"
    assert item.change.fields == ((Field.PR_WITH_FIX, PR_URL),) and "pr created" in item.change.add_labels
    assert s1_pr_opened(make(labels=[*BASE, "pr created"]), ctx) is None  # already linked


def test_mentions_needs_a_digit_boundary() -> None:
    assert mentions("Fixes example/tracker#4.", ["example/tracker#4"])
    assert not mentions("Fixes example/tracker#42", ["example/tracker#4"])


# ---------------------------------------------------------------- S15


def test_s15_blocker_for_two_scope_labels(make: Make) -> None:
    labels = {"widget": {"packageName": "widget"}, "gadget": {"packageName": "gadget"}}
    two = team_ctx(scope_detection={"enabled": True, "labels": labels})
    notes = s15_notes(make(labels=[*BASE, "gadget"]), two)
    assert len(notes) == 1 and "--split widget,gadget" in notes[0]
    assert s15_notes(make(labels=[*BASE]), two) == []


# ---------------------------------------------------------------- S20


def direct(make: Make, ctx: SyncContext, **kw: object) -> TrackerFacts:
    from steward.sync.facts import build_facts

    base = make(labels=[*BASE], fields={Field.SECURITY_THREAD: THREAD})
    return build_facts(base.row, ctx, messages=[message(ROOT, ROOT, "Pat Reporter", "pat@example.net")], **kw)


DRAFTING = SyncItem(4, "S2", "4:S2:x", "merged", False, Change(draft="fix-pr-merged"))


def test_s20_folds_the_question_into_this_runs_draft(make: Make, ctx: SyncContext) -> None:
    facts = direct(make, ctx)
    item = s20_credit_question(facts, ctx, [DRAFTING])
    assert item is not None and item.change.ask_credit
    assert s20_credit_question(facts, ctx, []) is None  # no reporter draft this run: wait


def test_s20_none_once_asked(make: Make, ctx: SyncContext) -> None:
    asked = direct(make, ctx, draft_templates=frozenset({"receipt-of-confirmation"}))
    assert s20_credit_question(asked, ctx, [DRAFTING]) is None
    folded = direct(make, ctx, rollup_bodies=[entry("Sync (S2)", 1, (folded_line("a" * 32),))])
    assert s20_credit_question(folded, ctx, [DRAFTING]) is None
