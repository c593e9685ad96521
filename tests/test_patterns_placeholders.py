"""Unset placeholders (defaults.yml header): items and phrases are skipped; in one regex only its place fails."""

from __future__ import annotations

from steward.patterns import PatternSet


def _set(tracker_numbers: list[str] | None) -> PatternSet:
    return PatternSet({"tracker_number": tracker_numbers})


def test_an_unset_placeholder_turns_off_only_its_own_alternative() -> None:
    branch = _set(None)["scrub.branch"]
    assert branch.hit("fix-cve-2024") is not None
    assert branch.hit("harden-insecure-redirect") is not None
    assert branch.hit("fix-1234") is None


def test_a_set_placeholder_matches_its_values() -> None:
    branch = _set(["1234", "77"])["scrub.branch"]
    assert branch.hit("fix-1234") is not None
    assert branch.hit("fix-77-again") is not None
    assert branch.hit("bump-12345") is None
