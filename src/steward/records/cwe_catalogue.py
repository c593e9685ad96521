"""The offline CWE catalogue: official names and usage warnings for the CVE `problemTypes` export.

The index (`steward/data/cwe_index.json`) is generated once from the `cwe2`
package by `scripts/build-cwe-index` and committed, so neither runtime nor
tests need cwe2 or the network.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

Kind = Literal["weakness", "category", "view"]


@dataclass(frozen=True)
class CweEntry:
    id: int
    name: str
    kind: Kind
    abstraction: str | None
    status: str | None
    usage: str | None
    parents: tuple[int, ...]

    @property
    def deprecated(self) -> bool:
        return (self.status or "").casefold() == "deprecated"

    @property
    def long_form(self) -> str:
        return f"CWE-{self.id}: {self.name}"


@cache
def _index() -> dict[int, CweEntry]:
    text = resources.files("steward.data").joinpath("cwe_index.json").read_text(encoding="utf-8")
    raw: dict[str, Any] = json.loads(text)
    return {
        int(key): CweEntry(
            int(key),
            value["name"],
            value["kind"],
            value.get("abstraction"),
            value.get("status"),
            value.get("usage"),
            tuple(value.get("parents", ())),
        )
        for key, value in raw["entries"].items()
    }


@cache
def catalogue_version() -> str:
    text = resources.files("steward.data").joinpath("cwe_index.json").read_text(encoding="utf-8")
    return str(json.loads(text)["catalogue_version"])


def lookup(cwe_id: int) -> CweEntry | None:
    return _index().get(cwe_id)


def usage_warnings(cwe_id: int) -> list[str]:
    """Why a CWE id is a poor CVE mapping: unknown, deprecated, a category or a view, or discouraged by MITRE."""
    entry = lookup(cwe_id)
    if entry is None:
        return [f"CWE-{cwe_id} is not in the offline CWE {catalogue_version()} catalogue; check the id."]
    if entry.deprecated:
        return [f"CWE-{cwe_id} is deprecated in CWE {catalogue_version()}; pick its replacement."]
    if entry.kind != "weakness":
        return [f"CWE-{cwe_id} is a {entry.kind}, not a weakness; CVE records should name a weakness."]
    usage = (entry.usage or "").casefold()
    if usage in {"discouraged", "prohibited"}:
        return [f"CWE-{cwe_id} ({entry.abstraction}) is {usage} for vulnerability mapping by MITRE."]
    return []
