"""The project's PatternSet: defaults.yml compiled with its placeholder values and overrides (G6).

A defaults.yml entry named after a config key is that key's default, so any
such key the project (or its profile) set replaces the entry, keeping its
flags and use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from steward.config.model import ProjectConfig
from steward.patterns import PatternSet, PlaceholderValue, raw_defaults

CONFIG_PREFIXES = (
    "cve_authority.",
    "forwarders.",
    "credits.",
    "intake.",
    "scope_detection.",
    "release_process.",
    "archive_system.",
)
"""defaults.yml name prefixes that are config keys (its header); `profiles.*` and the rest are fixed."""

_GLOB = re.compile(r"[{}*?\[\]]")


def _unique(values: Sequence[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def placeholder_values(config: ProjectConfig) -> dict[str, PlaceholderValue]:
    """The `placeholders:` of defaults.yml, from the configuration keys their `from:` names."""
    product = config.product
    packages = [scope.package_name for scope in config.scopes().values() if scope.package_name]
    return {
        "upstream_name": product.name,
        "upstream_short_name": product.short_name,
        "product_names": _unique([product.name, product.short_name, product.package_name, product.code_pointer_token]),
        "package_names": _unique([*(p for p in packages if not _GLOB.search(p)), product.name]),
        "product_token": product.code_pointer_token,
        "extensions": list(product.code_pointer_extensions),
        "upstream": config.tracker.upstream_repo,
        "tracker_slug": config.tracker.repo,
        "tracker_base_url": config.tracker.base_url,
        "severity_scale": list(product.severity_scale),
        "foundation": config.foundation,
    }


def _at(dump: Mapping[str, Any], dotted: str) -> Any:
    node: Any = dump
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def overrides(config: ProjectConfig) -> dict[str, Any]:
    """Entry name → replacement for every config-keyed entry whose key is set."""
    dump = config.model_dump(mode="json", by_alias=True)
    entries: dict[str, Any] = raw_defaults()["entries"]
    out: dict[str, Any] = {}
    for name in entries:
        if name.startswith(CONFIG_PREFIXES):
            value = _at(dump, name)
            if value is not None:
                out[name] = value
    trigger = config.product.trigger_phrases
    if trigger:
        items = dict(entries["summary.trigger_patterns"]["items"])
        for index, phrase in enumerate(trigger):
            items[f"product_{index + 1}"] = {"regex": r"\b" + r"\s+".join(map(re.escape, phrase.split())) + r"\b"}
        out["summary.trigger_patterns"] = items
    foreign = config.confidentiality.foreign_project_names
    if foreign:
        out["scrub.foreign_phrases"] = [*entries["scrub.foreign_phrases"]["phrases"], *foreign]
    return out


def patterns_for(config: ProjectConfig, extra: Mapping[str, PlaceholderValue] | None = None) -> PatternSet:
    """The PatternSet for one project; `extra` adds per-call placeholders (`fix_version`, `tracker_number`)."""
    return PatternSet({**placeholder_values(config), **(extra or {})}, overrides(config))
