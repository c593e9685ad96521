"""S11 (assignee), S12 (milestone) and the §8.10 disclosure flags (S21) on pure facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sync_rule_support import BASE, NOW, Maker, comment, message, pr
from team_ctx import team_ctx

from steward.domain.rollup import RollupEntry, append_entry
from steward.store import MilestoneRow
from steward.sync.rules.s11_assignee import s11_assignee
from steward.sync.rules.s12_milestone import s12_milestone
from steward.sync.rules.s21_disclosure import DISCLOSURE_OVERDUE, s21_grace, s21_overdue

CTX = team_ctx(release_process={"release_managers": [{"handle": "@sam-rm", "match": "2\\.1\\..*"}]})
make = Maker(CTX)
TRIAGE = ["security issue", "TLP:AMBER+STRICT", "needs triage"]


def _imported_by(user: str) -> list[str]:
    entry = RollupEntry(date(2031, 5, 1), user, "Import (report, Jo)", "Imported.", ("x",), "triage",
                        "No reporter notification: no reporter-facing event.", "0" * 16)  # fmt: skip
    return append_entry([], entry)


def _row(facts, **changes):  # type: ignore[no-untyped-def]
    return replace(facts, row=replace(facts.row, **changes))


# ---------------------------------------------------------------- S11


@pytest.mark.parametrize(
    ("kw", "want"),
    [
        ({"labels": TRIAGE, "rollup_bodies": _imported_by("alex")}, "alex"),  # the importer triages
        ({"pr": pr()}, "kit-example"),  # PR author on the roster
        ({"pr": pr(login="outsider"), "comments": [comment("alex", "I'll take this one")]}, "alex"),  # volunteer
        ({"labels": [*BASE, "fix released"], "milestone": "2.1.0"}, "sam-rm"),  # RM from fix released
    ],
)
def test_s11_assigns_the_owner(kw: dict[str, object], want: str) -> None:
    item = s11_assignee(_row(make(**kw), assignee=None), CTX)
    assert item is not None and item.change.assignee == want and not item.cve_affecting


def test_s11_pr_author_beats_a_volunteer() -> None:
    facts = make(pr=pr(), comments=[comment("alex", "I'll take this")])
    item = s11_assignee(_row(facts, assignee=None), CTX)
    assert item is not None and item.change.assignee == "kit-example"


@pytest.mark.parametrize(
    ("kw", "assignee"),
    [
        ({"pr": pr()}, "alex"),  # a human-set assignee is never overridden
        ({"labels": TRIAGE, "rollup_bodies": _imported_by("not-on-roster")}, None),
        ({"labels": [*BASE, "pr merged"], "pr": pr(login="outsider")}, None),  # nobody to name
        ({"labels": [*BASE, "fix released"], "milestone": "3.0.0"}, None),  # no RM configured for 3.0.0
        ({"labels": [*BASE, "invalid"], "closed": "not planned"}, None),
    ],
)
def test_s11_none(kw: dict[str, object], assignee: str | None) -> None:
    assert s11_assignee(_row(make(**kw), assignee=assignee), CTX) is None


# ---------------------------------------------------------------- S12

MERGED = [*BASE, "pr merged"]


@pytest.mark.parametrize(
    ("milestone", "row", "extra"),
    [
        (None, None, {}),  # missing
        ("next", None, {}),  # not a version
        ("2.0.9", None, {"release_process": {"stale_milestones": ["2.0.9"]}}),  # stale
        ("2.0.9", MilestoneRow("2.0.9", None, "closed"), {}),  # closed before the fix shipped
    ],
)
def test_s12_retargets_to_the_prs_milestone(
    milestone: str | None, row: MilestoneRow | None, extra: dict[str, object]
) -> None:
    ctx = team_ctx(**extra)
    facts = Maker(ctx)(labels=MERGED, milestone=milestone, pr=pr(state="closed", merged=True), milestone_row=row)
    item = s12_milestone(facts, ctx)
    assert item is not None and item.change.milestone == "2.1.0" and item.change.draft == "release-scheduled"


def test_s12_train_scheme_takes_the_next_wave() -> None:
    scopes = {"enabled": True, "labels": {"widget": {"milestone_scheme": "train", "train_prefix": "Widget"}}}
    trains = {"trains": [{"dates": ["2031-04-01", "2031-05-20", "2031-06-30"]}]}
    ctx = team_ctx(scope_detection=scopes, release_process=trains)
    merged = pr(state="closed", merged=True)
    merged = replace(merged, merged_at=datetime(2031, 5, 2, tzinfo=UTC))
    item = s12_milestone(Maker(ctx)(labels=MERGED, milestone="2.1.0", pr=merged), ctx)
    assert item is not None and item.change.milestone == "Widget 2031-05-20"
    assert item.change.milestone_due == date(2031, 5, 20)
    assert s12_milestone(Maker(ctx)(labels=MERGED, milestone="Widget 2031-05-20", pr=merged), ctx) is None


@pytest.mark.parametrize(
    "kw",
    [
        {"labels": MERGED, "milestone": "2.1.0", "pr": pr(state="closed", merged=True)},  # already right
        {"labels": MERGED, "milestone": None, "pr": None},  # nothing to take it from
        {"labels": [*BASE, "pr created"], "milestone": None, "pr": pr(state="closed", merged=True)},  # S2's job
        {"labels": [*BASE], "milestone": None, "pr": pr()},  # no fix under way
    ],
)
def test_s12_none(kw: dict[str, object]) -> None:
    assert s12_milestone(make(**kw), CTX) is None


# ---------------------------------------------------------------- S21

ROOT = "<r1@mail.example.net>"


def _aged(days: int, labels: list[str], **kw: object):  # type: ignore[no-untyped-def]
    thread = [message(ROOT, ROOT, "Jo", "jo@mail.example.net", NOW - timedelta(days=days))]
    return make(labels=labels, messages=thread, **kw)


def test_s21_overdue_once_per_crossing() -> None:
    facts = _aged(91, [*BASE, "pr created"])
    item = s21_overdue(facts, CTX)
    assert item is not None and item.key.endswith("overdue:2031-05-06")
    entry = RollupEntry(date(2031, 5, 6), "alex", "Sync (S21)", "1 sync item(s) applied.", (item.summary,),
                        "unchanged", "No reporter notification: no reporter-facing event.", "0" * 16)  # fmt: skip
    later = replace(CTX, now=NOW + timedelta(days=1))  # a day later, the same crossing is recorded
    assert s21_overdue(_aged(91, [*BASE, "pr created"], rollup_bodies=append_entry([], entry)), later) is None
    assert s21_overdue(_aged(91, [*BASE, "pr created"]), later) is not None


@pytest.mark.parametrize(("days", "labels"), [(90, [*BASE]), (200, [*BASE, "announced", "announced - emails sent"])])
def test_s21_not_overdue(days: int, labels: list[str]) -> None:
    assert s21_overdue(_aged(days, labels), CTX) is None


def test_s21_grace_posts_then_holds() -> None:
    facts = _aged(105, MERGED)
    item = s21_grace(facts, CTX)
    assert item is not None and item.change.comments[0].name == DISCLOSURE_OVERDUE
    body = item.change.comments[0].body
    assert body.startswith("<!-- steward: disclosure-overdue v1 -->\n")
    later = replace(CTX, now=NOW + timedelta(days=1))
    assert s21_grace(_aged(105, MERGED, comments=[comment("alex", body)]), later) is None  # same text next day
    stale = comment("alex", "<!-- steward: disclosure-overdue v1 -->\nold text")
    again = s21_grace(_aged(105, MERGED, comments=[stale]), later)
    assert again is not None and "update" in again.summary


@pytest.mark.parametrize(("days", "labels"), [(104, MERGED), (120, [*BASE, "pr created"])])
def test_s21_grace_not_expired(days: int, labels: list[str]) -> None:
    assert s21_grace(_aged(days, labels), CTX) is None
