"""The hash-chained audit log (spec G3), as pure functions over plain records.

Each event's hash covers every other field of the event, its predecessor's hash included, so changing, removing or
reordering any stored event breaks the chain at that event. Keeping digest and verification free of I/O lets the
store, `steward audit verify` and the tests share one definition of "intact".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
"""`prev_hash` of a project's first event: nothing precedes it."""


def canonical_json(value: Any) -> bytes:
    """One byte string per value: sorted keys, no whitespace, UTF-8, so equal data always hashes equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def digest(value: Any) -> str:
    """sha256 hex of text as given (str as UTF-8, bytes as is), or of the canonical JSON of anything else.

    `None` digests as JSON `null`, so "nothing before" (a creation) differs from "an empty text".
    """
    if isinstance(value, str):
        data = value.encode()
    elif isinstance(value, bytes | bytearray):
        data = bytes(value)
    else:
        data = canonical_json(value)
    return hashlib.sha256(data).hexdigest()


def format_at(at: datetime) -> str:
    """The canonical UTC timestamp text hashed for `at` (a naive time is taken as UTC, as the store keeps it)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class AuditFields:
    """Everything an event's hash covers."""

    project: str
    """Slug of the project whose chain holds the event (each project has its own chain)."""
    seq: int
    """Position in the project's chain, 1-based and without gaps."""
    at: datetime
    """When the item applied, UTC, from the injected clock."""
    actor: str
    """Roster handle of the acting user."""
    command: str
    """The steward command that applied the item."""
    tracker: int | None
    """Tracker number, or None for a project-level item."""
    item_key: str
    """The item's stable key (G4)."""
    before_digest: str
    """`digest()` of the target before the change."""
    after_digest: str
    """`digest()` of the target after the change."""
    prev_hash: str
    """Hash of the previous event, or `GENESIS_HASH`."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An event as stored: its fields plus the hash recorded for them."""

    fields: AuditFields
    hash: str


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The outcome of re-computing a chain."""

    ok: bool
    checked: int
    """Events examined (all of them when ok; up to the first broken one otherwise)."""
    first_broken: int | None = None
    """`seq` of the first event that is wrong or missing."""
    reason: str | None = None
    """Why it is broken, one sentence."""


def event_hash(fields: AuditFields) -> str:
    """sha256 hex over the canonical JSON of every field, `prev_hash` included."""
    payload = asdict(fields)
    payload["at"] = format_at(fields.at)
    return digest(payload)


def seal(fields: AuditFields) -> AuditRecord:
    """Attach the hash a new event must be stored with."""
    return AuditRecord(fields, event_hash(fields))


def next_fields(
    prev: AuditRecord | None,
    *,
    project: str,
    at: datetime,
    actor: str,
    command: str,
    tracker: int | None,
    item_key: str,
    before: Any,
    after: Any,
) -> AuditFields:
    """The fields of the event that follows `prev` (None: the chain is empty)."""
    return AuditFields(
        project=project,
        seq=1 if prev is None else prev.fields.seq + 1,
        at=at,
        actor=actor,
        command=command,
        tracker=tracker,
        item_key=item_key,
        before_digest=digest(before),
        after_digest=digest(after),
        prev_hash=GENESIS_HASH if prev is None else prev.hash,
    )


def verify_chain(records: Iterable[AuditRecord]) -> AuditReport:
    """Check one project's events, given in stored `seq` order, and name the first broken one.

    Order of checks per event: a seq other than the next expected one (a deleted or renumbered event), a
    `prev_hash` that is not the predecessor's hash, then a stored hash that does not match the fields.
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    project: str | None = None
    for record in records:
        f = record.fields
        checked += 1
        if project is None:
            project = f.project
        where = f"project {f.project}"
        if f.seq != expected_seq:
            if f.seq > expected_seq:
                missing = f"{expected_seq}" if f.seq == expected_seq + 1 else f"{expected_seq}-{f.seq - 1}"
                reason = f"gap: audit event {missing} of {where} is missing (the next stored one is {f.seq})"
                return AuditReport(False, checked, expected_seq, reason)
            reason = f"gap: audit event {f.seq} of {where} is out of order (expected {expected_seq})"
            return AuditReport(False, checked, f.seq, reason)
        if f.prev_hash != prev_hash:
            reason = f"prev link mismatch: audit event {f.seq} of {where} does not point at the hash of the one before"
            return AuditReport(False, checked, f.seq, reason)
        if event_hash(f) != record.hash:
            reason = f"hash mismatch: audit event {f.seq} of {where} was changed after it was written"
            return AuditReport(False, checked, f.seq, reason)
        expected_seq += 1
        prev_hash = record.hash
    return AuditReport(True, checked)
