"""The merge guards of §7.3, as pure functions every CNA backend applies on every write.

They exist so that no tool can lower a record's state (D3), drop a reference
a human added in the tool, silently change which product a CVE is about, or
publish a record that does not point at the vendor advisory.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from steward.cna.interface import ORDER, AlreadyPublic, Diff, GuardRefused, InvalidState, Record
from steward.domain.lifecycle import RecordState
from steward.records.validate import json_path

VENDOR_ADVISORY = "vendor-advisory"
_PRODUCT_KEYS = ("vendor", "product", "packageName", "collectionURL", "repo")


def rank(state: RecordState) -> int:
    """Position in `ORDER`; `none` and `unknown` rank below `allocated`."""
    if state in ORDER:
        return ORDER.index(state)
    if state == RecordState.RETRACTED:
        raise InvalidState("The CVE record is retracted, which is terminal; allocate a new CVE instead.")
    return -1


def ensure_live(state: RecordState) -> None:
    """Refuse any operation on a retracted record."""
    rank(state)


def target_state(current: RecordState, requested: RecordState | None) -> RecordState:
    """max(current, requested): a lower request keeps the current state; only `publish()` makes a record public."""
    ensure_live(current)
    if requested == RecordState.PUBLIC and current != RecordState.PUBLIC:
        raise InvalidState("push_update never makes a record public; run the publish step instead.")
    if requested is not None and requested not in ORDER:
        raise InvalidState(
            f"push_update cannot move a record to '{requested}'; use allocated, review-ready or publish-ready."
        )
    candidates = [s for s in (current, requested) if s is not None and s in ORDER]
    if not candidates:
        return RecordState.ALLOCATED
    return max(candidates, key=ORDER.index)


def refuse_downgrade(current: RecordState, new: RecordState) -> None:
    """Raise when a write would lower the state (READY → REVIEW included)."""
    if rank(new) < rank(current):
        raise InvalidState(f"Refusing to lower the CVE record from '{current}' to '{new}'; states only move forward.")


def check_publish(current: RecordState, states: tuple[RecordState, ...] = ORDER) -> bool:
    """True when publishing must happen, False when the record is already public.

    Publication starts from `review-ready` or `publish-ready` (D3); a tool whose
    `states` has neither (the MITRE form) publishes from its last step before `public`.
    """
    ensure_live(current)
    if current == RecordState.PUBLIC:
        return False
    allowed = {RecordState.REVIEW_READY, RecordState.PUBLISH_READY}
    before_public = [s for s in states if s in ORDER and s != RecordState.PUBLIC]
    if before_public and not allowed & set(before_public):
        allowed.add(max(before_public, key=ORDER.index))
    if current not in allowed:
        raise InvalidState(
            f"The CVE record is '{current}'; publish needs review-ready or publish-ready; pass the review gate first."
        )
    return True


def check_retract(current: RecordState) -> None:
    """A public record cannot be retracted here; a retracted one is terminal."""
    ensure_live(current)
    if current == RecordState.PUBLIC:
        raise AlreadyPublic("The CVE record is already public; retracting it needs a governance escalation to the CNA.")


def cna_of(record: Mapping[str, Any]) -> dict[str, Any]:
    """The CNA container of a full record, or the record itself when it already is one."""
    containers = record.get("containers")
    if isinstance(containers, Mapping) and isinstance(containers.get("cna"), dict):
        cna: dict[str, Any] = containers["cna"]
        return cna
    return record  # type: ignore[return-value]


def has_vendor_advisory(record: Mapping[str, Any]) -> bool:
    refs = cna_of(record).get("references") or []
    return any(isinstance(r, Mapping) and VENDOR_ADVISORY in (r.get("tags") or []) for r in refs)


def require_vendor_advisory(record: Mapping[str, Any], cve_id: str) -> None:
    if not has_vendor_advisory(record):
        raise GuardRefused(
            f"Refusing to make {cve_id} public: its record has no reference tagged '{VENDOR_ADVISORY}'; "
            "add the archived advisory URL first."
        )


def union_references(current: list[Any], incoming: list[Any]) -> list[Any]:
    """Every URL once: current references first, in their order, then new ones; tags of one URL are merged."""
    out: list[Any] = []
    by_url: dict[Any, dict[str, Any]] = {}
    for ref in [*current, *incoming]:
        if not isinstance(ref, dict):
            continue
        known = by_url.get(ref.get("url"))
        if known is None:
            fresh = copy.deepcopy(ref)
            out.append(fresh)
            by_url[fresh.get("url")] = fresh
            continue
        tags = list(known.get("tags") or [])
        tags += [t for t in ref.get("tags") or [] if t not in tags]
        for key, value in ref.items():
            if key not in ("url", "tags"):
                known[key] = copy.deepcopy(value)
        if tags:
            known["tags"] = tags
    return out


def product_keys(record: Mapping[str, Any]) -> set[tuple[str, ...]]:
    """The identity of every affected product/package, ignoring versions."""
    keys: set[tuple[str, ...]] = set()
    for entry in cna_of(record).get("affected") or []:
        if isinstance(entry, Mapping):
            keys.add(tuple(str(entry.get(k) or "") for k in _PRODUCT_KEYS))
    return keys


def merge_record(current: Record | None, incoming: Record, *, allow_product_change: bool = False) -> Record:
    """The record to write: `incoming` with references unioned and the affected products unchanged."""
    merged = copy.deepcopy(incoming)
    if not current:
        return merged
    old_keys, new_keys = product_keys(current), product_keys(incoming)
    if old_keys and old_keys != new_keys and not allow_product_change:
        raise GuardRefused(
            "Refusing to change the affected products/packages of the CVE record; "
            "check the scope and rerun with --allow-product-change if the change is intended."
        )
    old_refs = cna_of(current).get("references") or []
    new_refs = cna_of(incoming).get("references") or []
    if old_refs or new_refs:
        cna_of(merged)["references"] = union_references(list(old_refs), list(new_refs))
    return merged


def with_rejection(record: Record, reason: str) -> Record:
    """The record with the retraction reason in the CNA container's `rejectedReasons`."""
    out = copy.deepcopy(record)
    cna = cna_of(out)
    cna["rejectedReasons"] = [{"lang": "en", "value": reason}]
    return out


def _leaves(value: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, Mapping) and value:
        for key, sub in value.items():
            yield from _leaves(sub, (*prefix, str(key)))
    elif isinstance(value, list) and value:
        for index, sub in enumerate(value):
            yield from _leaves(sub, (*prefix, index))
    else:
        yield prefix, value


def diff_records(
    old: Record | None, new: Record, old_state: RecordState | None = None, new_state: RecordState | None = None
) -> Diff:
    """Leaf-level JSON-path diff of two records plus the state move, if any."""
    before = dict(_leaves(old or {}))
    after = dict(_leaves(new))
    added = tuple(json_path(p) for p in after if p not in before)
    removed = tuple(json_path(p) for p in before if p not in after)
    changed = tuple(json_path(p) for p in after if p in before and before[p] != after[p])
    moved = (old_state, new_state) if old_state and new_state and old_state != new_state else None
    return Diff(added=added, removed=removed, changed=changed, state_change=moved)


def plan_push(
    current_state: RecordState,
    current_record: Record | None,
    incoming: Record,
    requested: RecordState | None,
    *,
    allow_product_change: bool = False,
) -> tuple[RecordState, Record, Diff]:
    """Every guard of a push at once: (state to write, record to write, what changes)."""
    target = target_state(current_state, requested)
    merged = merge_record(current_record, incoming, allow_product_change=allow_product_change)
    old_state = current_state if current_state in ORDER else None
    return target, merged, diff_records(current_record, merged, old_state, target)
