"""The npm adapter on packuments shaped as the npm registry documents them (docs: package metadata)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from steward.registry.interface import RegistryError
from steward.registry.npm import NpmRegistry

REGISTRY = "https://npm.example.org"


def _version(name: str, version: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "dist": {"tarball": f"{REGISTRY}/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz", "shasum": "0" * 40},
        **extra,
    }


def _packument(name: str) -> dict[str, Any]:
    return {
        "_id": name,
        "name": name,
        "dist-tags": {"latest": "2.7.1", "next": "3.0.0-beta.1"},
        "versions": {
            "2.7.0": _version(name, "2.7.0"),
            "2.7.1": _version(name, "2.7.1"),
            "2.6.9": _version(name, "2.6.9", deprecated="contains a broken build; use 2.7.1"),
            "3.0.0-beta.1": _version(name, "3.0.0-beta.1"),
        },
        "time": {
            "created": "2025-01-01T00:00:00.000Z",
            "modified": "2026-04-01T00:00:00.000Z",
            "2.6.9": "2026-01-15T10:00:00.000Z",
            "2.7.0": "2026-02-01T12:00:00.000Z",
            "2.7.1": "2026-04-01T09:30:00.000Z",
            "3.0.0-beta.1": "2026-03-01T00:00:00.000Z",
            "2.5.0": "2025-06-01T00:00:00.000Z",
        },
    }


def _registry(handler: Callable[[httpx.Request], httpx.Response]) -> NpmRegistry:
    return NpmRegistry(REGISTRY, client=httpx.Client(transport=httpx.MockTransport(handler)))


def _serve(name: str, seen: list[str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request.url.raw_path.decode())
        return httpx.Response(
            200, content=json.dumps(_packument(name)).encode(), headers={"content-type": "application/json"}
        )

    return handler


def test_a_published_version_carries_its_publish_time() -> None:
    release = _registry(_serve("quillwort-demo")).released("quillwort-demo", "2.7.1")
    assert release is not None
    assert release.published_at == datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
    assert release.url == f"{REGISTRY}/quillwort-demo"


def test_a_leading_v_is_dropped() -> None:
    release = _registry(_serve("quillwort-demo")).released("quillwort-demo", "v2.7.1")
    assert release is not None and release.version == "2.7.1"


def test_a_prerelease_is_not_released() -> None:
    registry = _registry(_serve("quillwort-demo"))
    found = registry.find("quillwort-demo", "3.0.0-beta.1")
    assert found is not None and found.prerelease
    assert registry.released("quillwort-demo", "3.0.0-beta.1") is None


def test_a_deprecated_version_counts_as_yanked() -> None:
    registry = _registry(_serve("quillwort-demo"))
    found = registry.find("quillwort-demo", "2.6.9")
    assert found is not None and found.yanked
    assert registry.released("quillwort-demo", "2.6.9") is None


def test_an_unpublished_version_only_in_time_is_not_released() -> None:
    assert _registry(_serve("quillwort-demo")).released("quillwort-demo", "2.5.0") is None


def test_an_unknown_package_is_not_released() -> None:
    assert (
        _registry(lambda r: httpx.Response(404, json={"error": "Not found"})).released("quillwort-demo", "1.0.0")
        is None
    )


def test_a_scoped_name_is_quoted_as_one_path_segment() -> None:
    seen: list[str] = []
    release = _registry(_serve("@quillwort/demo", seen)).released("@quillwort/demo", "2.7.1")
    assert release is not None
    assert seen == ["/@quillwort%2Fdemo"]


@pytest.mark.parametrize("name", ["", "Upper", ".hidden", "_private", "a/b", "@scope/", "../x", "a b", "x" * 215])
def test_bad_names_never_reach_a_url(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(RegistryError, match="not an npm package name"):
        _registry(handler).released(name, "1.0.0")


@pytest.mark.parametrize("version", ["1.0", "latest", "01.0.0", "1.0.0 "])
def test_bad_versions_are_refused(version: str) -> None:
    with pytest.raises(RegistryError, match="not a semver version"):
        _registry(_serve("quillwort-demo")).released("quillwort-demo", version)


def test_a_packument_of_the_wrong_shape_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"versions": []}', headers={"content-type": "application/json"})

    with pytest.raises(RegistryError, match="unexpected shape"):
        _registry(handler).released("quillwort-demo", "1.0.0")
