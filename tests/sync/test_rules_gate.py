"""§8.4 stage 1 (the fill-fields comment) and the §8.5 hand-off on pure facts."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sync_rule_support import BASE, Maker, comment, pr
from team_ctx import team_ctx

from steward.domain.release_detection import ReleaseCheck
from steward.domain.roles import Field
from steward.sync.rules.g84_fill_fields import COMPLETE, FILL_FIELDS, g84_fill_fields, stage1_gaps
from steward.sync.rules.g85_handoff import HANDOFF, g85_handoff, handoff_notes

CTX = team_ctx(release_process={"release_managers": [{"handle": "sam-rm"}]})
make = Maker(CTX)
MERGED = [*BASE, "pr merged"]
SUMMARY = (
    "Example Widget before 2.1.0 lets an authenticated user read files outside the template root; an attacker "
    "with upload rights can chain it. Upgrade to example-widget 2.1.0 or later."
)
COMPLETE_FIELDS = {
    Field.CWE: "CWE-22: Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')",
    Field.AFFECTED_VERSIONS: "`< 2.1.0`",
    Field.SEVERITY: "high",
    Field.REPORTER_CREDIT: "Jo Reporter",
    Field.PUBLIC_SUMMARY: SUMMARY,
    Field.CVE_TOOL_LINK: "CVE-2031-1234",
}
SHIPPED = ReleaseCheck(True, ("example-widget 2.1.0 published — https://pypi.example.org/2.1.0",), ())


def _ready(**kw: object):  # type: ignore[no-untyped-def]
    facts = make(labels=MERGED, milestone="2.1.0", fields=COMPLETE_FIELDS, cve_id="CVE-2031-1234", **kw)
    return replace(facts, row=replace(facts.row, assignee="kit-example"))


def test_complete_fields_have_no_stage1_gaps() -> None:
    assert stage1_gaps(_ready(), CTX) == ()


def test_fill_fields_posts_one_bullet_per_gap() -> None:
    facts = replace(
        make(labels=MERGED, milestone="2.1.0"), row=replace(make().row, labels=tuple(MERGED), assignee="kit-example")
    )
    item = g84_fill_fields(facts, CTX)
    assert item is not None and not item.cve_affecting
    wanted = item.change.comments[0]
    assert wanted.name == FILL_FIELDS and wanted.body.startswith(f"<!-- steward: {FILL_FIELDS} v1 -->\n@kit-example")
    bullets = [line for line in wanted.body.splitlines() if line.startswith("- ")]
    assert "- **CWE** — currently empty; write `CWE-NNN: <Title>` from the CWE catalogue." in bullets
    assert len(bullets) == len(stage1_gaps(facts, CTX))
    assert not item.change.add_labels and item.change.assignee is None  # no label, assignee or hand-off change


def test_fill_fields_also_runs_at_t9() -> None:
    facts = make(pr=pr(state="closed", merged=True))  # still `pr created`: S2 swaps it this run
    assert g84_fill_fields(facts, CTX) is not None


def test_fill_fields_none_when_identical_passing_or_not_merged() -> None:
    facts = make(labels=MERGED)
    body = g84_fill_fields(facts, CTX).change.comments[0].body  # type: ignore[union-attr]
    assert g84_fill_fields(make(labels=MERGED, comments=[comment("alex", body)]), CTX) is None
    untrusted = g84_fill_fields(make(labels=MERGED, comments=[comment("outsider", body)]), CTX)
    assert untrusted is not None and "post" in untrusted.summary  # a copied marker by an outsider does not count
    assert g84_fill_fields(_ready(), CTX) is None
    assert g84_fill_fields(make(labels=[*BASE, "pr created"], pr=pr()), CTX) is None


def test_handoff_swaps_assigns_the_rm_and_comments() -> None:
    old = comment("alex", f"<!-- steward: {FILL_FIELDS} v1 -->\n@kit-example — gaps")
    item = g85_handoff(_ready(release=SHIPPED, comments=[old]), CTX)
    assert item is not None and item.change.transition == "T11"
    assert item.change.add_labels == {"fix released"} and item.change.remove_labels == {"pr merged"}
    assert item.change.assignee == "sam-rm"
    names = [(c.name, c.only_update) for c in item.change.comments]
    assert names == [(HANDOFF, False), (FILL_FIELDS, True)]
    handoff = item.change.comments[0].body
    assert handoff.startswith(f"<!-- steward: {HANDOFF} v1 -->\n@sam-rm") and handoff.count("- [ ]") == 3
    assert COMPLETE in item.change.comments[1].body
    assert SHIPPED.evidence[0] in item.change.notes


def test_handoff_removes_rc_voting() -> None:
    facts = _ready(release=SHIPPED)
    facts = replace(facts, life=replace(facts.life, labels=facts.life.labels | {"rc voting"}))
    item = g85_handoff(facts, CTX)
    assert item is not None and "rc voting" in item.change.remove_labels


@pytest.mark.parametrize(
    ("ctx", "release", "note"),
    [
        (CTX, None, "waiting for the release: release not checked"),
        (CTX, ReleaseCheck(False, (), ("example-widget 2.1.0: not published",)), "waiting for the release"),
        (team_ctx(), SHIPPED, "no release manager"),  # never guessed
        (team_ctx(release_process={"release_managers": [{"handle": "nobody-here"}]}), SHIPPED, "not on the roster"),
        (team_ctx(cve_authority={"tool": "vulnogram"}, release_process={"release_managers": [{"handle": "sam-rm"}]}),
         SHIPPED, "stage 2"),
    ],
)  # fmt: skip
def test_handoff_waits_with_a_note(ctx: object, release: ReleaseCheck | None, note: str) -> None:
    facts = Maker(ctx)(
        labels=MERGED, milestone="2.1.0", fields=COMPLETE_FIELDS, cve_id="CVE-2031-1234", release=release
    )  # type: ignore[arg-type]
    assert g85_handoff(facts, ctx) is None  # type: ignore[arg-type]
    assert any(note in n for n in handoff_notes(facts, ctx)), handoff_notes(facts, ctx)  # type: ignore[arg-type]


def test_handoff_none_with_gaps() -> None:
    facts = make(labels=MERGED, milestone="2.1.0", release=SHIPPED)
    assert g85_handoff(facts, CTX) is None and handoff_notes(facts, CTX) == []
