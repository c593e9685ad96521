"""The `none` registry (spec §8.6): nothing is looked up, so only a roster statement or `--released` counts."""

from __future__ import annotations

from steward.registry.interface import Release, ReleaseRegistry


class NoRegistry(ReleaseRegistry):
    """Lists nothing; release detection falls back to the team's word."""

    kind = "none"

    def find(self, package: str, version: str) -> Release | None:
        return None
