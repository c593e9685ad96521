"""The PyPI adapter against a real pypiserver on loopback (scripts/pypi-test-server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pypi_service import DEMO_FINAL, DEMO_PACKAGE, DEMO_PRERELEASE, pypi_url

from steward.domain.release_detection import FixVersion, is_released
from steward.registry.interface import ReleaseRegistry
from steward.registry.pypi import PyPIRegistry
from steward.registry.registry import registry_for


@pytest.fixture
def index() -> PyPIRegistry:
    registry = registry_for("pypi", base_url=pypi_url())
    assert isinstance(registry, PyPIRegistry)
    return registry


def test_a_published_version_is_released(index: PyPIRegistry) -> None:
    release = index.released(DEMO_PACKAGE, "1.1.0")
    assert release is not None
    assert (release.package, release.version, release.yanked, release.prerelease) == (
        DEMO_PACKAGE,
        "1.1.0",
        False,
        False,
    )
    assert release.url.endswith("/simple/quillwort-demo/")
    assert release.published_at is None  # a PEP 503 HTML index does not say when


def test_the_sdist_version_is_found_too(index: PyPIRegistry) -> None:
    assert index.released(DEMO_PACKAGE, "1.0.0") is not None


def test_an_unpublished_version_is_not_released(index: PyPIRegistry) -> None:
    assert index.released(DEMO_PACKAGE, "1.1.1") is None
    assert index.find(DEMO_PACKAGE, "1.1.1") is None


def test_an_unknown_package_is_not_released(index: PyPIRegistry) -> None:
    assert index.released("quillwort-absent", "1.0.0") is None


def test_a_prerelease_is_listed_but_not_released(index: PyPIRegistry) -> None:
    found = index.find(DEMO_PACKAGE, DEMO_PRERELEASE)
    assert found is not None and found.prerelease and not found.yanked
    assert index.released(DEMO_PACKAGE, DEMO_PRERELEASE) is None


def test_names_and_versions_are_compared_after_normalisation(index: PyPIRegistry) -> None:
    release = index.released("Quillwort_Demo", "1.1")
    assert release is not None and release.version == "1.1.0"


def test_versions_lists_the_index_in_pep440_order(index: PyPIRegistry) -> None:
    assert [r.version for r in index.versions(DEMO_PACKAGE)] == [*DEMO_FINAL, DEMO_PRERELEASE]


def test_released_many_answers_each_pair(index: PyPIRegistry) -> None:
    assert isinstance(index, ReleaseRegistry)
    answers = index.released_many([(DEMO_PACKAGE, "1.0.0"), (DEMO_PACKAGE, "9.9.9"), (DEMO_PACKAGE, "1.0.0")])
    assert set(answers) == {(DEMO_PACKAGE, "1.0.0"), (DEMO_PACKAGE, "9.9.9")}
    assert answers[(DEMO_PACKAGE, "1.0.0")] is not None and answers[(DEMO_PACKAGE, "9.9.9")] is None


def test_detection_end_to_end_against_the_index(index: PyPIRegistry) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    shipped = is_released(
        [FixVersion(DEMO_PACKAGE, "1.1.0", "upper-bound", "Affected versions line 1")], index.released, now
    )
    assert shipped.released and shipped.evidence[0].startswith(
        "quillwort-demo 1.1.0 published (the registry reports no time) — http://"
    )
    waiting = is_released(
        [FixVersion(DEMO_PACKAGE, DEMO_PRERELEASE, "milestone", "milestone 1.2.0rc1")], index.released, now
    )
    assert not waiting.released and waiting.pending
