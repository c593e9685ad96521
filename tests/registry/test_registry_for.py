from __future__ import annotations

import pytest

from steward.errors import ConfigError, OperationFailed, Refused
from steward.registry.interface import RegistryError, Release, ReleaseRegistry
from steward.registry.none import NoRegistry
from steward.registry.npm import NpmRegistry
from steward.registry.pypi import PyPIRegistry
from steward.registry.registry import registry_for


def test_kinds_map_to_adapters() -> None:
    assert isinstance(registry_for(None), NoRegistry)
    assert isinstance(registry_for("none"), NoRegistry)
    pypi = registry_for("pypi")
    assert isinstance(pypi, PyPIRegistry) and str(pypi.http.base) == "https://pypi.org/"
    npm = registry_for("npm", base_url="https://npm.example.org/mirror")
    assert isinstance(npm, NpmRegistry) and str(npm.http.base) == "https://npm.example.org/mirror/"
    for adapter in (pypi, npm, registry_for("none")):
        assert isinstance(adapter, ReleaseRegistry)


def test_a_simple_suffix_on_the_index_url_is_tolerated() -> None:
    pypi = registry_for("pypi", base_url="https://pypi.example.org/simple/")
    assert isinstance(pypi, PyPIRegistry) and str(pypi.http.base) == "https://pypi.example.org/"


def test_planned_kinds_are_refused_naming_the_key() -> None:
    with pytest.raises(Refused, match=r"scope_detection\.labels\.core\.registry: 'maven'"):
        registry_for("maven", key="scope_detection.labels.core.registry")


def test_unknown_kinds_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="'cargo' is not a registry"):
        registry_for("cargo")


def test_a_non_http_base_url_is_refused() -> None:
    with pytest.raises(RegistryError, match="not an http"):
        registry_for("pypi", base_url="file:///etc")


def test_none_never_reports_a_release() -> None:
    registry = NoRegistry()
    assert registry.released("quillwort-demo", "1.0.0") is None
    assert registry.released_many([("a", "1"), ("b", "2")]) == {("a", "1"): None, ("b", "2"): None}


def test_registry_error_is_an_operation_failure() -> None:
    assert issubclass(RegistryError, OperationFailed)


class _Fixed(ReleaseRegistry):
    kind = "fixed"

    def __init__(self, release: Release) -> None:
        self.release = release

    def find(self, package: str, version: str) -> Release | None:
        return self.release if (package, version) == (self.release.package, self.release.version) else None


@pytest.mark.parametrize(
    ("yanked", "prerelease", "released"), [(False, False, True), (True, False, False), (False, True, False)]
)
def test_released_is_find_filtered_to_final_versions(yanked: bool, prerelease: bool, released: bool) -> None:
    release = Release(
        "quillwort-demo", "1.0.0", None, yanked, prerelease, "https://pypi.example.org/simple/quillwort-demo/"
    )
    assert (_Fixed(release).released("quillwort-demo", "1.0.0") is not None) is released
