"""The audit chain as pure functions: digests, hashing and verification (spec G3)."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from steward.store.audit import (
    GENESIS_HASH,
    AuditFields,
    AuditRecord,
    canonical_json,
    digest,
    event_hash,
    format_at,
    next_fields,
    seal,
    verify_chain,
)

T0 = datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC)

values = st.one_of(
    st.none(),
    st.text(),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=20), st.integers(), st.booleans()), max_size=4),
)
appends = st.fixed_dictionaries(
    {
        "actor": st.text(min_size=1, max_size=20),
        "command": st.text(min_size=1, max_size=20),
        "tracker": st.one_of(st.none(), st.integers(min_value=1, max_value=10_000)),
        "item_key": st.text(max_size=60),
        "before": values,
        "after": values,
        "step": st.integers(min_value=0, max_value=10**9),
    }
)
FIELD_NAMES = [f.name for f in dataclasses.fields(AuditFields)] + ["hash"]


def build(items: list[dict[str, object]], project: str = "demo") -> list[AuditRecord]:
    records: list[AuditRecord] = []
    at = T0
    for item in items:
        at += timedelta(microseconds=int(item["step"]))  # type: ignore[call-overload]
        fields = next_fields(
            records[-1] if records else None,
            project=project,
            at=at,
            actor=str(item["actor"]),
            command=str(item["command"]),
            tracker=item["tracker"],  # type: ignore[arg-type]
            item_key=str(item["item_key"]),
            before=item["before"],
            after=item["after"],
        )
        records.append(seal(fields))
    return records


def flip_hex(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def mutate(record: AuditRecord, name: str, n: int) -> AuditRecord:
    """The record with one field changed to a different value (seq moves past the end: ids are unique)."""
    f = record.fields
    if name == "hash":
        return AuditRecord(f, flip_hex(record.hash))
    old = getattr(f, name)
    new: object
    if name == "seq":
        new = n + 1
    elif name == "at":
        new = old + timedelta(microseconds=1)
    elif name == "tracker":
        new = 1 if old is None else old + 1
    elif name in ("before_digest", "after_digest", "prev_hash"):
        new = flip_hex(old)
    else:
        new = old + "x"
    changed: dict[str, Any] = {name: new}
    return AuditRecord(dataclasses.replace(f, **changed), record.hash)


def test_digest_of_text_is_plain_sha256() -> None:
    assert digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert digest(b"abc") == digest("abc")


def test_digest_of_mapping_ignores_key_order_and_differs_from_none_and_empty() -> None:
    assert digest({"a": 1, "b": [1, 2]}) == digest({"b": [1, 2], "a": 1})
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    assert len({digest(None), digest(""), digest({})}) == 3


def test_format_at_treats_naive_as_utc_and_normalises_offsets() -> None:
    aware = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert format_at(aware.replace(tzinfo=None)) == format_at(aware) == "2026-01-01T12:00:00.000000Z"
    shifted = aware.astimezone(__import__("datetime").timezone(timedelta(hours=5)))
    assert format_at(shifted) == format_at(aware)


def test_first_event_links_to_genesis_and_next_to_its_predecessor() -> None:
    chain = build(
        [{"actor": "a", "command": "c", "tracker": None, "item_key": "k", "before": None, "after": "x", "step": 1}] * 2
    )
    assert chain[0].fields.prev_hash == GENESIS_HASH == "0" * 64
    assert chain[0].fields.seq == 1
    assert chain[1].fields.prev_hash == chain[0].hash
    assert chain[1].fields.seq == 2
    assert chain[0].hash != chain[1].hash


def test_empty_chain_is_ok() -> None:
    report = verify_chain([])
    assert report.ok
    assert report.checked == 0


def test_deleted_middle_event_is_named_as_a_gap() -> None:
    chain = build(
        [{"actor": "a", "command": "c", "tracker": 1, "item_key": "k", "before": "", "after": "", "step": 1}] * 4
    )
    report = verify_chain(chain[:1] + chain[2:])
    assert not report.ok
    assert report.first_broken == 2
    assert report.reason is not None
    assert report.reason.startswith("gap")


def test_truncated_first_event_is_a_gap_at_one() -> None:
    chain = build(
        [{"actor": "a", "command": "c", "tracker": 1, "item_key": "k", "before": "", "after": "", "step": 1}] * 3
    )
    report = verify_chain(chain[1:])
    assert (report.ok, report.first_broken) == (False, 1)


@given(st.lists(appends, min_size=1, max_size=12))
def test_any_append_sequence_verifies(items: list[dict[str, object]]) -> None:
    chain = build(items)
    report = verify_chain(chain)
    assert report.ok, report.reason
    assert report.checked == len(items)
    assert all(r.hash == event_hash(r.fields) for r in chain)


@given(st.lists(appends, min_size=1, max_size=10), st.data())
def test_mutating_any_field_of_any_event_is_detected_at_that_seq(
    items: list[dict[str, object]], data: st.DataObject
) -> None:
    chain = build(items)
    index = data.draw(st.integers(min_value=0, max_value=len(chain) - 1), label="index")
    name = data.draw(st.sampled_from(FIELD_NAMES), label="field")
    tampered = list(chain)
    tampered[index] = mutate(chain[index], name, len(chain))
    tampered.sort(key=lambda r: r.fields.seq)  # the store reads events in seq order
    report = verify_chain(tampered)
    assert not report.ok
    assert report.first_broken == index + 1
    assert report.reason


@given(appends, st.sampled_from(FIELD_NAMES[:-1]))
def test_event_hash_covers_every_field(item: dict[str, object], name: str) -> None:
    record = build([item])[0]
    assert event_hash(mutate(record, name, 1).fields) != record.hash
