"""The shipped defaults.yml is the spec's, and our compiler honours every example in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from steward.patterns import PatternSet, raw_defaults, sample_placeholders

SHARED = Path(__file__).resolve().parents[2] / "shared" / "spec" / "defaults.yml"
PACKAGED = Path(__file__).resolve().parents[1] / "src" / "steward" / "data" / "defaults.yml"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared/spec is not beside this checkout")
def test_packaged_copy_is_the_spec() -> None:
    assert PACKAGED.read_bytes() == SHARED.read_bytes(), "src/steward/data/defaults.yml differs from shared/spec"


def _examples() -> list[tuple[str, str | None, dict[str, Any], bool]]:
    cases = []
    for name, entry in raw_defaults()["entries"].items():
        holders = [(None, entry)] if "items" not in entry else list(entry["items"].items())
        for item, spec in holders:
            for ex in spec.get("matches") or []:
                cases.append((name, item, ex if isinstance(ex, dict) else {"text": ex}, True))
            for ex in spec.get("rejects") or []:
                cases.append((name, item, ex if isinstance(ex, dict) else {"text": ex}, False))
    return cases


PATTERNS = PatternSet(sample_placeholders())


@pytest.mark.parametrize(("name", "item", "example", "should_match"), _examples())
def test_example(name: str, item: str | None, example: dict[str, Any], should_match: bool) -> None:
    entry = PATTERNS[name]
    text = example["text"]
    if entry.shape == "names":
        assert entry.equals(text) is should_match
        return
    if item is not None:
        pattern = dict(entry.patterns)[item]
        single = type(entry)(entry.name, entry.use, entry.shape, entry.flags, ((item, pattern),))
        found = single.hit(text)
    elif entry.shape == "groups":
        hit = entry.first_item(text)
        found = hit[1] if hit else None
        if should_match and "group" in example:
            assert hit is not None and hit[0] == example["group"]
    else:
        found = entry.hit(text)
    assert bool(found) is should_match, f"{name}{'.' + item if item else ''}: {text!r}"
    if should_match and found is not None:
        for group, want in (example.get("expect") or {}).items():
            assert found.group(group) == str(want)


def test_every_entry_compiles_without_placeholders() -> None:
    bare = PatternSet()
    for name in bare.names():
        bare[name]  # must not raise
