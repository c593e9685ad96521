"""The offline CWE index (generated from cwe2, committed as data)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from steward.records.cwe_catalogue import catalogue_version, lookup, usage_warnings


def test_known_weakness() -> None:
    entry = lookup(79)
    assert entry is not None
    assert entry.name == "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"
    assert entry.kind == "weakness"
    assert entry.abstraction == "Base"
    assert 74 in entry.parents
    assert not entry.deprecated
    assert usage_warnings(79) == []


@pytest.mark.parametrize(
    ("cwe_id", "word"),
    [(1, "deprecated"), (16, "category"), (1000, "view"), (20, "discouraged"), (99999, "not in the offline")],
)
def test_usage_warnings(cwe_id: int, word: str) -> None:
    warnings = usage_warnings(cwe_id)
    assert len(warnings) == 1
    assert word in warnings[0]


def test_index_is_compact_and_complete() -> None:
    text = resources.files("steward.data").joinpath("cwe_index.json").read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["count"] == len(data["entries"]) > 900
    assert catalogue_version() == data["catalogue_version"]
    assert text.count("\n") == len(data["entries"]) + 2
    for value in data["entries"].values():
        assert set(value) == {"abstraction", "kind", "name", "parents", "status", "usage"}
        assert value["kind"] in {"weakness", "category", "view"}


def test_parents_are_in_the_index() -> None:
    entry = lookup(639)
    assert entry is not None
    assert all(lookup(parent) is not None for parent in entry.parents)
