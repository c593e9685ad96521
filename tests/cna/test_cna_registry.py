"""Tool names to factories: built-ins, aliases, entry-point plug-ins, clear errors."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from steward.cna import registry
from steward.cna.demo import DemoTool
from steward.cna.interface import CveTool
from steward.cna.memory import MemoryState
from steward.cna.none import NoneTool
from steward.errors import ConfigError


@pytest.mark.parametrize("name", ["cve-services", "cve_services", "CVE_Services"])
def test_both_spellings_of_cve_services(name: str) -> None:
    assert registry.factory(name).__name__ == "CveServicesTool"


def test_every_builtin_loads() -> None:
    for name in registry.BUILTIN:
        assert issubclass(registry.factory(name), CveTool)  # type: ignore[arg-type]
    assert registry.names()[: len(registry.BUILTIN)] == list(registry.BUILTIN)


def test_create_builds_with_options() -> None:
    assert isinstance(registry.create("demo", state=MemoryState(), is_demo=True), DemoTool)
    assert isinstance(registry.create("none"), NoneTool)


def test_unknown_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a known CNA tool; use one of vulnogram, cve-services"):
        registry.factory("carrier-pigeon")


def _fake_entry_points(target: str) -> Any:
    def entry_points(group: str) -> list[EntryPoint]:
        assert group == "steward.adapters"
        return [EntryPoint(name="custom_cna", value=target, group=group)]

    return entry_points


def test_plugins_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "entry_points", _fake_entry_points("steward.cna.none:NoneTool"))
    assert "custom-cna" in registry.names()
    assert isinstance(registry.create("custom-cna"), NoneTool)


def test_a_plugin_that_is_not_a_tool_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "entry_points", _fake_entry_points("builtins:dict"))
    with pytest.raises(ConfigError, match="did not build a CveTool"):
        registry.create("custom_cna")
