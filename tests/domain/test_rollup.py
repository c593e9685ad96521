from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain import rollup as r
from steward.domain.rollup import RollupEntry

ENTRY = RollupEntry(
    date=dt.date(2024, 5, 1),
    user="jane-triager",
    action="Triage (VALID)",
    headline="Accepted as valid in scope core",
    items=("Removed label needs triage", "Added label core"),
    next="steward cve allocate 12 — triager",
    notification=r.notification_drafted("d-123"),
    audit="0123456789abcdef",
)

RENDERED = """<details><summary>2024-05-01 · @jane-triager · Triage (VALID)</summary>

**Accepted as valid in scope core**
- Removed label needs triage
- Added label core
**Next:** steward cve allocate 12 — triager
Reporter notification drafted: d-123.
Audit: 0123456789abcdef

</details>"""


def test_render_entry_shape() -> None:
    assert r.render_entry(ENTRY) == RENDERED
    assert r.parse_entry(RENDERED) == ENTRY


def test_notification_forms() -> None:
    lines = [
        r.notification_drafted("d-1"),
        r.notification_draft_gone("d-1"),
        r.notification_not_relayed("fix-pr-opened"),
        r.notification_reporter_on_team(),
        r.notification_no_reporter("import-from-pr"),
        r.notification_suppressed("disclosure.reporter_acknowledgement_model", "none"),
        r.notification_no_event(),
    ]
    assert lines[1] == "Reporter draft d-1 is no longer in Drafts — sent or discarded."
    assert lines[4] == "No reporter notification: no reporter on this path (import-from-pr)."
    assert all(r.is_notification_line(line) for line in lines)
    assert not r.is_notification_line("Reporter notification drafted.")
    assert not r.is_notification_line("No reporter notification: maybe later.")


def test_validator_needs_exactly_one_notification() -> None:
    with pytest.raises(ValueError, match="seven"):
        r.validate_entry(RollupEntry(**{**ENTRY.__dict__, "notification": "Sent a mail."}))
    with pytest.raises(ValueError, match="exactly one notification"):
        r.validate_entry(RollupEntry(**{**ENTRY.__dict__, "items": (r.notification_no_event(),)}))
    with pytest.raises(ValueError, match="audit"):
        r.validate_entry(RollupEntry(**{**ENTRY.__dict__, "audit": "XYZ"}))
    with pytest.raises(ValueError, match="one non-empty line"):
        r.validate_entry(RollupEntry(**{**ENTRY.__dict__, "headline": "two\nlines"}))


def test_parse_rollup_joins_parts_in_order() -> None:
    second = RollupEntry(**{**ENTRY.__dict__, "action": "Sync (labels)"})
    part1 = f"<!-- steward: status-rollup v1 -->\n\n{RENDERED}"
    part2 = f"<!-- steward: status-rollup part=2 v1 -->\n\n{r.render_entry(second)}"
    assert r.parse_rollup([part2, part1]) == [ENTRY, second]
    with pytest.raises(ValueError, match="part 2"):
        r.parse_rollup([part1, part2, part2])
    with pytest.raises(ValueError, match="marker"):
        r.parse_rollup(["just a comment"])
    with pytest.raises(ValueError, match="part 1, entry 1"):
        r.parse_rollup(["<!-- steward: status-rollup v1 -->\n\nnot an entry"])
    assert r.parse_rollup(["<!-- steward: status-rollup v1 -->"]) == []


def test_legacy_rollup_header_is_part_one() -> None:
    assert r.parse_rollup([f"<!-- example-s status rollup v1 -->\n\n{RENDERED}"]) == [ENTRY]


def test_append_entry() -> None:
    (first,) = r.append_entry([], ENTRY)
    assert first == f"<!-- steward: status-rollup v1 -->\n\n{RENDERED}"
    bodies = r.append_entry([first], ENTRY)
    assert len(bodies) == 1
    assert bodies[0] == f"{first}{r.SEPARATOR}{RENDERED}"
    assert r.parse_rollup(bodies) == [ENTRY, ENTRY]


def test_append_starts_continuation_part() -> None:
    big = RollupEntry(**{**ENTRY.__dict__, "items": tuple("x" * 999 for _ in range(20))})
    bodies: list[str] = []
    for _ in range(3):
        bodies = r.append_entry(bodies, big)
    assert len(bodies) == 2
    assert bodies[1].startswith("<!-- steward: status-rollup part=2 v1 -->\n")
    assert all(len(b) <= r.PART_LIMIT for b in bodies)
    assert r.parse_rollup(bodies) == [big, big, big]


def test_append_refuses_an_entry_larger_than_a_part() -> None:
    huge = RollupEntry(**{**ENTRY.__dict__, "items": tuple("x" * 999 for _ in range(70))})
    with pytest.raises(ValueError, match="60000"):
        r.append_entry([], huge)


LINE = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"), min_size=1, max_size=40).filter(
    lambda s: s == s.strip()
)
USER = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,20}(\[bot\])?", fullmatch=True)
NOTIFICATION = st.one_of(
    st.builds(r.notification_drafted, st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
    st.builds(r.notification_draft_gone, st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
    st.builds(r.notification_not_relayed, LINE),
    st.just(r.notification_reporter_on_team()),
    st.builds(r.notification_no_reporter, LINE),
    st.builds(r.notification_suppressed, st.from_regex(r"[a-z_.]{1,20}", fullmatch=True), LINE),
    st.just(r.notification_no_event()),
)
ENTRIES = st.builds(
    RollupEntry,
    date=st.dates(),
    user=USER,
    action=LINE.filter(lambda s: "</summary>" not in s),
    headline=LINE,
    items=st.lists(LINE.filter(lambda s: not r.is_notification_line(s)), max_size=5).map(tuple),
    next=LINE,
    notification=NOTIFICATION,
    audit=st.from_regex(r"[0-9a-f]{16}", fullmatch=True),
)


@given(ENTRIES)
def test_parse_render_identity(entry: RollupEntry) -> None:
    assert r.parse_entry(r.render_entry(entry)) == entry


@settings(max_examples=50)
@given(st.lists(ENTRIES, min_size=1, max_size=12), st.integers(min_value=200, max_value=2000))
def test_split_keeps_parts_small_and_joins_back(entries: list[RollupEntry], pad: int) -> None:
    padded = [RollupEntry(**{**e.__dict__, "items": (*e.items, "p" * pad * 4)}) for e in entries]
    bodies: list[str] = []
    for entry in padded * 3:
        bodies = r.append_entry(bodies, entry)
    assert all(len(b) <= r.PART_LIMIT for b in bodies)
    assert r.parse_rollup(bodies) == padded * 3


@given(st.lists(st.text(), max_size=3))
def test_parse_rollup_never_crashes_otherwise(bodies: list[str]) -> None:
    with contextlib.suppress(ValueError):
        r.parse_rollup(bodies)
