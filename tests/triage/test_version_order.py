"""Version ordering per scheme (spec §2.4) and line membership."""

from __future__ import annotations

import contextlib
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.versions import NEXT, VersionLine
from steward.triage.version_order import compare, covers, in_line, is_valid, sort_versions

ASCENDING = {
    "pep440": ["1.0.dev1", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.1", "1.10", "2.0", "1!0.1"],
    "semver": [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "1.10.0",
        "2.0.0",
    ],
    "maven": [
        "1.0-alpha1",
        "1.0-beta1",
        "1.0-M1",
        "1.0-rc1",
        "1.0-SNAPSHOT",
        "1.0",
        "1.0-sp1",
        "1.0.1",
        "1.1",
        "1.10",
        "2.0",
    ],
}


@pytest.mark.parametrize("scheme", sorted(ASCENDING))
def test_known_orders(scheme: str) -> None:
    versions = ASCENDING[scheme]
    for low, high in itertools.combinations(versions, 2):
        assert compare(low, high, scheme) == -1, (low, high)
        assert compare(high, low, scheme) == 1, (high, low)


@pytest.mark.parametrize(
    ("a", "b", "scheme"),
    [
        ("1.0", "1.0.0", "pep440"),
        ("v2.10", "2.10", "pep440"),
        ("1.0.0+build.5", "1.0.0", "semver"),
        ("v1.2.3", "1.2.3", "semver"),
        ("1", "1.0.0", "maven"),
        ("5.3.0.Final", "5.3", "maven"),
        ("1.0-ga", "1", "maven"),
        ("1.0rc1", "1.0-rc-1", "maven"),
        ("1.0-CR1", "1.0-rc1", "maven"),
    ],
)
def test_equal_spellings(a: str, b: str, scheme: str) -> None:
    assert compare(a, b, scheme) == 0


@pytest.mark.parametrize(("version", "scheme"), [("2.x", "pep440"), ("1.2", "semver"), ("", "maven"), ("1_0", "maven")])
def test_invalid_versions_raise(version: str, scheme: str) -> None:
    assert not is_valid(version, scheme)
    with pytest.raises(ValueError, match="is not a"):
        compare(version, "1.0.0", scheme)


def test_unknown_scheme() -> None:
    with pytest.raises(ValueError, match="unknown version scheme"):
        compare("1", "1", "calver")


def test_sort_versions() -> None:
    assert sort_versions(["2.0", "1.0rc1", "1.0"], "pep440") == ["1.0rc1", "1.0", "2.0"]


@pytest.mark.parametrize(
    ("line", "inside", "outside"),
    [
        (VersionLine(kind="lt", upper="2.0"), ["0.1", "1.9"], ["2.0", "2.1"]),
        (VersionLine(kind="le", upper="2.0"), ["2.0"], ["2.0.1"]),
        (VersionLine(kind="range_lt", lower="1.0", upper="2.0"), ["1.0", "1.5"], ["0.9", "2.0"]),
        (VersionLine(kind="range_le", lower="1.0", upper="2.0"), ["2.0"], ["0.9", "2.1"]),
        (VersionLine(kind="ge", lower="1.0"), ["1.0", "99"], ["0.9"]),
        (VersionLine(kind="range_lt", lower="1.0", upper=NEXT), ["1.0", "99"], ["0.9"]),
        (VersionLine(kind="exact", versions=("1.0", "1.2")), ["1.0.0", "1.2"], ["1.1"]),
    ],
)
def test_in_line(line: VersionLine, inside: list[str], outside: list[str]) -> None:
    assert all(in_line(line, v, "pep440") for v in inside)
    assert not any(in_line(line, v, "pep440") for v in outside)


def test_covers_is_per_package() -> None:
    lines = [VersionLine(package="example-widget", kind="lt", upper="2.0")]
    assert covers(lines, "1.0", "pep440", "example-widget")
    assert not covers(lines, "1.0", "pep440", None)


_semver_strategy = st.builds(
    lambda a, b, c, pre: f"{a}.{b}.{c}" + (f"-{pre}" if pre else ""),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 3),
    st.sampled_from(["", "alpha", "alpha.1", "beta", "rc.1", "rc.2", "1"]),
)
_maven_numeric = st.lists(st.sampled_from(["0", "1", "2", "10"]), min_size=1, max_size=3).flatmap(
    lambda head: st.lists(
        st.sampled_from(["alpha", "beta", "M1", "rc", "SNAPSHOT", "sp", "final", "foo", "1", "0"]), max_size=3
    ).map(lambda tail: ".".join(head) + "".join(f"-{p}" for p in tail))
)
SCHEME_STRATEGIES = [("semver", _semver_strategy), ("maven", _maven_numeric)]


@pytest.mark.parametrize(("scheme", "strategy"), SCHEME_STRATEGIES)
@given(data=st.data())
def test_total_order(scheme: str, strategy: st.SearchStrategy[str], data: st.DataObject) -> None:
    a, b, c = (data.draw(strategy) for _ in range(3))
    assert compare(a, a, scheme) == 0
    assert compare(a, b, scheme) == -compare(b, a, scheme)
    if compare(a, b, scheme) <= 0 and compare(b, c, scheme) <= 0:
        assert compare(a, c, scheme) <= 0


@given(st.text(max_size=30), st.sampled_from(["pep440", "semver", "maven"]))
def test_never_crashes_beyond_value_error(text: str, scheme: str) -> None:
    with contextlib.suppress(ValueError):
        assert compare(text, text, scheme) == 0
