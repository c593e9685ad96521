"""§8.10 `distributor_notify_pending`: one pre-announcement draft per tracker, proposed once, never announced ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sync_rule_support import NOW, Maker, make_ctx, message

from steward.domain.roles import Field
from steward.domain.rollup import RollupEntry
from steward.sync.distributor_draft import BLANK, DO_NOT_SEND, TEMPLATE, distributor_draft
from steward.sync.facts import TrackerFacts
from steward.sync.network_facts import tracker_url
from steward.sync.rules.s21_distributor import (
    distributor_notes,
    distributor_recorded,
    rollup_line,
    s21_distributor_notify,
)

DISTROS = "distros@lists.example.net"
CTX = make_ctx(disclosure={"pre_announce_distributors": True, "distributor_list": [DISTROS]})
make = Maker(CTX)
ROOT = "<report-4@mail.example.net>"
LANDED = ["security issue", "TLP:AMBER+STRICT", "widget", "cve allocated", "pr merged"]


def merged(*, labels: list[str] | None = None, days_ago: int = 10, maker: Maker = make, **kw: object) -> TrackerFacts:
    root = message(ROOT, ROOT, "Kai Example", "kai@mail.example.net", NOW - timedelta(days=days_ago))
    fields = {Field.AFFECTED_VERSIONS: "widget < 2.1.0", Field.SEVERITY: "moderate"}
    return maker(labels=labels or LANDED, fields=fields, messages=[root], cve_id="CVE-2099-0401", **kw)


def test_a_landed_fix_proposes_one_draft_to_the_distributor_list_for_received_plus_window_plus_grace() -> None:
    item = s21_distributor_notify(merged(days_ago=10), CTX)
    assert item is not None and not item.cve_affecting and item.rule == "S21"
    deadline = (NOW - timedelta(days=10)).date() + timedelta(days=90 + 14)
    assert item.key == f"4:S21:distributor:{deadline.isoformat()}"
    draft = item.change.distributor
    assert draft is not None and draft.to == (DISTROS,) and draft.deadline == deadline
    assert draft.body.startswith(DO_NOT_SEND + "\n")
    assert "TLP:AMBER+STRICT" in draft.body and "CVE-2099-0401" in draft.body and deadline.isoformat() in draft.body
    assert "widget < 2.1.0" in draft.body and BLANK in draft.body
    assert tracker_url(4, CTX) not in draft.body  # the distributor list is outside the team


def test_fix_released_counts_as_landed_too() -> None:
    labels = [*LANDED[:-1], "fix released"]
    assert s21_distributor_notify(merged(labels=labels), CTX) is not None


def test_nothing_before_the_fix_lands_after_announced_or_when_closed() -> None:
    assert s21_distributor_notify(merged(labels=[*LANDED[:-1], "pr created"]), CTX) is None
    assert s21_distributor_notify(merged(labels=[*LANDED, "announced"]), CTX) is None
    assert s21_distributor_notify(merged(closed="completed"), CTX) is None


def test_nothing_unless_the_project_pre_announces() -> None:
    off = Maker(make_ctx(disclosure={"distributor_list": [DISTROS]}))
    assert s21_distributor_notify(merged(maker=off), off.ctx) is None


def test_written_once_whether_the_store_or_the_rollup_records_it() -> None:
    facts = merged()
    item = s21_distributor_notify(facts, CTX)
    assert item is not None and item.change.distributor is not None
    assert s21_distributor_notify(replace(facts, draft_templates=frozenset({TEMPLATE})), CTX) is None
    line = rollup_line("a" * 32, item.change.distributor)
    entry = RollupEntry(NOW.date(), "alex", "Sync (S21)", "1 applied.", (line,), "unchanged", "", "0" * 16)
    recorded = replace(facts, rollup=(entry,))
    assert distributor_recorded(recorded) and s21_distributor_notify(recorded, CTX) is None


def test_an_empty_distributor_list_is_a_note_not_a_draft() -> None:
    bare = Maker(make_ctx(disclosure={"pre_announce_distributors": True}))
    facts = merged(maker=bare)
    assert s21_distributor_notify(facts, bare.ctx) is None
    [note] = distributor_notes(facts, bare.ctx)
    assert "disclosure.distributor_list" in note
    assert distributor_notes(merged(), CTX) == []


@given(
    package=st.text(min_size=1, max_size=30),
    cve=st.none() | st.just("CVE-2099-12345"),
    affected=st.none() | st.text(max_size=60),
    severity=st.none() | st.text(max_size=20),
    days=st.integers(0, 3000),
)
def test_every_draft_starts_unsendable_and_names_its_deadline(
    package: str, cve: str | None, affected: str | None, severity: str | None, days: int
) -> None:
    deadline = date(2030, 1, 1) + timedelta(days=days)
    draft = distributor_draft([DISTROS], package, deadline, "TLP:AMBER", cve, affected, severity)
    assert draft.body.startswith(DO_NOT_SEND)
    assert deadline.isoformat() in draft.subject and deadline.isoformat() in draft.body
    assert draft.deadline == deadline
