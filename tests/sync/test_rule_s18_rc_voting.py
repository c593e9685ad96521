"""S18 / §8.7: an open `[VOTE]` thread for the fix version proposes `rc voting`; a `[RESULT]` sender is an RM note."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from sync_rule_support import NOW, Maker, make_ctx

from steward.archive.interface import ArchiveEntry
from steward.archive.none import NoArchive
from steward.domain.roles import Field
from steward.errors import OperationFailed
from steward.sync.facts import TrackerFacts, with_votes
from steward.sync.rules.s18_rc_voting import rm_notes, s18_rc_voting
from steward.sync.vote_facts import RESULT, VOTE, open_vote, result_sender

VOTES = "dev@widget.example.org"
ROSTER = {"members": [{"handle": "sam", "emails": ["sam@widget.example.org"], "roles": ["release-manager"]}]}
GATED = make_ctx(release_process={"release_vote_gating": True, "release_vote_list": VOTES}, roster=ROSTER)
MERGED = ["security issue", "TLP:AMBER+STRICT", "widget", "cve allocated", "pr merged"]


def entry(mid: str, subject: str, *, sender: str = "sam@widget.example.org", reply_to: str | None = None,
          days_ago: int = 2) -> ArchiveEntry:  # fmt: skip
    refs = (reply_to,) if reply_to else ()
    return ArchiveEntry(mid, subject, sender, NOW - timedelta(days=days_ago), reply_to, refs, None, VOTES)


VOTE_MAIL = entry("<v@x>", "[VOTE] Release Example Widget 2.1.0 from 2.1.0rc1")
RESULT_MAIL = entry("<r@x>", "[RESULT][VOTE] Release Example Widget 2.1.0", reply_to="<v@x>")


class FakeArchive(NoArchive):
    def __init__(self, entries: list[ArchiveEntry], fail: bool = False) -> None:
        self.entries, self.fail, self.asked = entries, fail, []  # type: ignore[var-annotated]

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        self.asked.append((list_address, since))
        if self.fail:
            raise OperationFailed("archive down")
        return iter(self.entries)


def facts(labels: list[str] | None = None, ctx: object = GATED, **kw: object) -> TrackerFacts:
    maker = Maker(ctx)  # type: ignore[arg-type]
    return maker(labels=labels or MERGED, fields={Field.AFFECTED_VERSIONS: "example-widget < 2.1.0"}, **kw)


def test_an_open_vote_for_the_fix_version_proposes_rc_voting_once() -> None:
    archive = FakeArchive([VOTE_MAIL])
    found = with_votes(facts(), GATED, archive)
    item = s18_rc_voting(found, GATED)
    assert item is not None and item.rule == "S18" and not item.cve_affecting
    assert item.change.add_labels == {"rc voting"} and item.key == "4:S18:rc-voting:2.1.0"
    assert archive.asked[0] == (VOTES, NOW - timedelta(days=21))
    labelled = with_votes(facts([*MERGED, "rc voting"]), GATED, archive)
    assert s18_rc_voting(labelled, GATED) is None


def test_a_result_reply_another_version_or_no_gating_proposes_nothing() -> None:
    assert s18_rc_voting(with_votes(facts(), GATED, FakeArchive([VOTE_MAIL, RESULT_MAIL])), GATED) is None
    other = entry("<o@x>", "[VOTE] Release Example Widget 2.2.0")
    assert s18_rc_voting(with_votes(facts(), GATED, FakeArchive([other])), GATED) is None
    plain = make_ctx(roster=ROSTER)
    assert s18_rc_voting(with_votes(facts(ctx=plain), plain, FakeArchive([VOTE_MAIL])), plain) is None


def test_no_archive_read_before_the_fix_lands() -> None:
    archive = FakeArchive([VOTE_MAIL])
    found = with_votes(facts([*MERGED[:-1], "pr created"]), GATED, archive)
    assert found.votes is None and archive.asked == []


def test_a_failed_archive_read_is_a_note() -> None:
    found = with_votes(facts(), GATED, FakeArchive([], fail=True))
    assert found.votes is None and any("S18" in n for n in found.notes)


def test_a_result_sender_is_proposed_for_config_never_assigned() -> None:
    found = with_votes(facts(), GATED, FakeArchive([VOTE_MAIL, RESULT_MAIL]))
    [note] = rm_notes(found, GATED)
    assert "@sam" in note and "release_process.release_managers" in note
    assert s18_rc_voting(found, GATED) is None


def test_a_configured_rm_skips_the_vote_thread_lookup() -> None:
    named = make_ctx(release_process={"release_managers": [{"handle": "@sam"}]}, roster=ROSTER)
    found = with_votes(facts(ctx=named), named, FakeArchive([RESULT_MAIL]))
    assert rm_notes(found, named) == []


def test_the_pure_matchers_pair_votes_and_results_by_version() -> None:
    vote, result = GATED.patterns[VOTE], GATED.patterns[RESULT]
    assert open_vote([VOTE_MAIL], ["v2.1.0"], vote, result) == (VOTE_MAIL, "2.1.0")
    unthreaded = entry("<r2@x>", "[RESULT][VOTE] Release Example Widget 2.1.0")
    assert open_vote([VOTE_MAIL, unthreaded], ["2.1.0"], vote, result) is None
    assert result_sender([VOTE_MAIL, RESULT_MAIL], ["2.1.0"], result) == ("sam@widget.example.org", "2.1.0")
    assert result_sender([VOTE_MAIL], ["2.1.0"], result) is None


@given(st.lists(st.text(max_size=80), max_size=6), st.lists(st.text(max_size=10), max_size=3))
def test_the_matchers_never_crash_on_arbitrary_subjects(subjects: list[str], versions: list[str]) -> None:
    vote, result = GATED.patterns[VOTE], GATED.patterns[RESULT]
    entries = [entry(f"<{i}@x>", s) for i, s in enumerate(subjects)]
    found = open_vote(entries, versions, vote, result)
    assert found is None or found[0] in entries
    sender = result_sender(entries, versions, result)
    assert sender is None or sender[1] in {v.removeprefix("v").removeprefix("V") for v in versions}
