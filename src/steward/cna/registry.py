"""CNA tool names to factories; third-party tools register under the `steward.adapters` entry-point group.

Built-in backends are imported only when chosen, so picking `demo` or `none`
never loads an HTTP client.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, cast

from steward.cna.interface import CveTool
from steward.errors import ConfigError

ENTRY_POINT_GROUP = "steward.adapters"
Factory = Callable[..., CveTool]

BUILTIN: dict[str, str] = {
    "vulnogram": "steward.cna.vulnogram:VulnogramTool",
    "cve-services": "steward.cna.cve_services:CveServicesTool",
    "ghsa": "steward.cna.ghsa:GhsaTool",
    "mitre-form": "steward.cna.mitre_form:MitreFormTool",
    "none": "steward.cna.none:NoneTool",
    "demo": "steward.cna.demo:DemoTool",
}


def canonical(name: str) -> str:
    """`cve_services` and `CVE-Services` both mean `cve-services`."""
    return name.strip().lower().replace("_", "-")


def _load(target: str) -> Factory:
    module, _, attr = target.partition(":")
    return cast(Factory, getattr(importlib.import_module(module), attr))


def _plugins() -> dict[str, Any]:
    return {canonical(ep.name): ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def names() -> list[str]:
    """Every tool name a project may configure: built-ins first, then installed plug-ins."""
    return list(BUILTIN) + sorted(n for n in _plugins() if n not in BUILTIN)


def factory(name: str) -> Factory:
    """The factory for `name`; built-ins win over a plug-in of the same name."""
    key = canonical(name)
    if key in BUILTIN:
        return _load(BUILTIN[key])
    plugin = _plugins().get(key)
    if plugin is None:
        raise ConfigError(
            f"cve_authority.tool '{name}' is not a known CNA tool; use one of {', '.join(names())} "
            f"or install a package that registers it under the '{ENTRY_POINT_GROUP}' entry points."
        )
    return cast(Factory, plugin.load())


def create(name: str, **options: Any) -> CveTool:
    """Build the tool `name` with its constructor options, checking that a plug-in really is a `CveTool`."""
    tool = factory(name)(**options)
    if not isinstance(tool, CveTool):
        raise ConfigError(f"The CNA tool plug-in '{name}' did not build a CveTool; fix or remove the plug-in.")
    return tool
