"""Spec §8.6: the fix version's source order and the released verdict."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.release_detection import (
    Detection,
    FixVersion,
    NoFixVersion,
    ReleaseFacts,
    RosterComment,
    fix_versions,
    is_released,
)
from steward.domain.versions import parse_affected
from steward.patterns import PatternSet, fixed
from steward.registry.interface import RegistryError, Release

PATTERNS = PatternSet()
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PKG = "quillwort-demo"


def _facts(
    affected: str | None = None,
    *,
    milestone: str | None = None,
    comments: tuple[str, ...] = (),
    scheme: str = "version",
    released: str | None = None,
    package: str = PKG,
    version_scheme: str = "pep440",
) -> ReleaseFacts:
    return ReleaseFacts(
        lines=parse_affected(affected, lambda _: version_scheme).lines,
        package_name=package,
        registry="pypi",
        version_scheme=version_scheme,
        milestone=milestone,
        milestone_scheme="train" if scheme == "train" else "version",
        comments=tuple(RosterComment("@alice", text) for text in comments),
        released_flag=released,
    )


def _picked(facts: ReleaseFacts) -> list[tuple[str, str, str]]:
    return [(f.package, f.version, f.source) for f in fix_versions(facts, PATTERNS).found]


STATEMENT = "Fix released in 2.7.2."


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(
            _facts("`< 2.7.1`", milestone="2.7.0", comments=(STATEMENT,)),
            [(PKG, "2.7.2", "statement")],
            id="statement-beats-bound-and-milestone",
        ),
        pytest.param(
            _facts("`>= 2.0, < 2.7.1`", milestone="2.7.0"), [(PKG, "2.7.1", "upper-bound")], id="bound-beats-milestone"
        ),
        pytest.param(_facts(None, milestone="v2.7.0"), [(PKG, "2.7.0", "milestone")], id="milestone-last"),
        pytest.param(
            _facts("`< NEXT VERSION`", milestone="2.7.0"), [(PKG, "2.7.0", "milestone")], id="next-version-is-no-bound"
        ),
        pytest.param(
            _facts("`<= 2.6.9`", milestone="2.7.0"), [(PKG, "2.7.0", "milestone")], id="le-bound-is-still-affected"
        ),
        pytest.param(
            _facts("`>= 2.0`", milestone="2.7.0"), [(PKG, "2.7.0", "milestone")], id="unbounded-falls-through"
        ),
        pytest.param(
            _facts("`< 2.7.1`", milestone="Widget 2026-06-10", scheme="train"),
            [(PKG, "2.7.1", "upper-bound")],
            id="train-with-bound",
        ),
        pytest.param(
            _facts(None, milestone="Widget 2026-06-10", scheme="train", comments=(STATEMENT,)),
            [(PKG, "2.7.2", "statement")],
            id="train-with-statement",
        ),
        pytest.param(_facts(None, milestone="2.7.0", scheme="train"), [], id="train-alone-names-nothing"),
        pytest.param(
            _facts("`>= 2.0, < 2.7.1`\n`>= 1.0, < 1.9.5`"),
            [(PKG, "2.7.1", "upper-bound"), (PKG, "1.9.5", "upper-bound")],
            id="one-fix-per-branch",
        ),
        pytest.param(
            _facts("`< 2.7.1`", comments=("Fix released in 2.7.0", "fix shipped in v2.7.3 today")),
            [(PKG, "2.7.3", "statement")],
            id="newest-statement-wins-v-dropped",
        ),
        pytest.param(
            _facts("`< 2.7.1`", comments=("The fix will be released in the next version",)),
            [(PKG, "2.7.1", "upper-bound")],
            id="a-promise-is-no-statement",
        ),
        pytest.param(
            _facts("`< 2.7.1`", milestone="2.7.0", comments=(STATEMENT,), released="2.8.0"),
            [(PKG, "2.8.0", "operator")],
            id="operator-beats-all",
        ),
        pytest.param(_facts(None), [], id="nothing-known"),
    ],
)
def test_source_order(facts: ReleaseFacts, expected: list[tuple[str, str, str]]) -> None:
    assert _picked(facts) == expected


def test_a_missing_version_says_why() -> None:
    detection = fix_versions(_facts("`<= 2.6.9`", milestone="Widget 2026-06-10", scheme="train"), PATTERNS)
    assert not detection.found and not detection.complete
    (missing,) = detection.missing
    assert missing.package == PKG
    assert "no roster statement" in missing.reason
    assert "`<= 2.6.9`" in missing.reason
    assert "release train" in missing.reason


def test_packages_come_from_prefixes_else_the_scope() -> None:
    facts = _facts(
        "`quillwort-plugin < 0.4.2`\n`>= 2.0, < 2.7.1`", comments=("fix released in 0.4.3 for quillwort-plugin",)
    )
    assert _picked(facts) == [("quillwort-plugin", "0.4.3", "statement"), (PKG, "2.7.1", "upper-bound")]


def test_a_statement_naming_no_package_does_not_apply_to_several() -> None:
    facts = _facts("`quillwort-plugin < 0.4.2`\n`quillwort-demo >= 2.0, < 2.7.1`", comments=(STATEMENT,))
    assert _picked(facts) == [("quillwort-plugin", "0.4.2", "upper-bound"), (PKG, "2.7.1", "upper-bound")]


def test_a_glob_package_name_needs_prefixed_lines() -> None:
    detection = fix_versions(_facts("`< 2.7.1`", package="quillwort-{name}"), PATTERNS)
    assert not detection.found
    assert "prefix each Affected versions line" in detection.missing[0].reason


def test_statement_versions_must_fit_the_scheme() -> None:
    facts = _facts(None, comments=("Fix released in 2.7",), milestone="3.0.0", version_scheme="semver")
    assert _picked(facts) == [(PKG, "3.0.0", "milestone")]


def test_the_milestone_regex_can_be_overridden() -> None:
    patterns = PatternSet(overrides={"release_process.milestone_version_regex": r"Widget (?P<version>[0-9.]+)"})
    detection = fix_versions(_facts(None, milestone="Widget 4.1.0"), patterns)
    assert [(f.version, f.source, f.detail) for f in detection.found] == [
        ("4.1.0", "milestone", "milestone Widget 4.1.0")
    ]


def test_detail_names_where_the_version_came_from() -> None:
    comments = (RosterComment("@alice", STATEMENT, url="https://tracker.example.org/1#c2"),)
    facts = ReleaseFacts(lines=[], package_name=PKG, comments=comments)
    (found,) = fix_versions(facts, PATTERNS).found
    assert found.detail == "statement by @alice (https://tracker.example.org/1#c2)"
    (bound,) = fix_versions(_facts("`< 2.7.1`"), PATTERNS).found
    assert bound.detail == "Affected versions line 1"


# ---------------------------------------------------------------- is_released


def _release(version: str, *, at: datetime | None = datetime(2026, 5, 1, tzinfo=UTC), **flags: bool) -> Release:
    return Release(
        PKG,
        version,
        at,
        flags.get("yanked", False),
        flags.get("prerelease", False),
        "https://pypi.example.org/simple/quillwort-demo/",
    )


def _lookup(*releases: Release) -> dict[tuple[str, str], Release]:
    return {(r.package, r.version): r for r in releases}


FIX = [
    FixVersion(PKG, "2.7.1", "upper-bound", "Affected versions line 1"),
    FixVersion(PKG, "1.9.5", "upper-bound", "Affected versions line 2"),
]


def test_released_when_every_fix_version_is_published() -> None:
    known = _lookup(_release("2.7.1"), _release("1.9.5", at=datetime(2026, 5, 2, 3, 4, 5, tzinfo=UTC)))
    check = is_released(FIX, lambda p, v: known.get((p, v)), NOW)
    assert check.released and not check.pending
    assert check.evidence == (
        "quillwort-demo 2.7.1 published at 2026-05-01T00:00:00Z — https://pypi.example.org/simple/quillwort-demo/",
        "quillwort-demo 1.9.5 published at 2026-05-02T03:04:05Z — https://pypi.example.org/simple/quillwort-demo/",
    )


def test_one_missing_branch_keeps_it_pending() -> None:
    known = _lookup(_release("2.7.1"))
    check = is_released(FIX, lambda p, v: known.get((p, v)), NOW)
    assert not check.released
    assert check.pending == ("quillwort-demo 1.9.5 (Affected versions line 2): not published as a final release",)


@pytest.mark.parametrize("flag", ["yanked", "prerelease"])
def test_a_lookup_returning_a_non_final_release_is_not_released(flag: str) -> None:
    known = _lookup(_release("2.7.1", **{flag: True}))
    assert not is_released(FIX[:1], lambda p, v: known.get((p, v)), NOW).released


def test_published_after_now_is_not_yet_released() -> None:
    known = _lookup(_release("2.7.1", at=datetime(2026, 6, 1, 12, 0, 1, tzinfo=UTC)))
    check = is_released(FIX[:1], lambda p, v: known.get((p, v)), NOW)
    assert not check.released and "after now" in check.pending[0]
    exactly_now = _lookup(_release("2.7.1", at=NOW))
    assert is_released(FIX[:1], lambda p, v: exactly_now.get((p, v)), NOW).released


def test_an_unknown_publish_time_counts_as_published() -> None:
    known = _lookup(_release("2.7.1", at=None))
    check = is_released(FIX[:1], lambda p, v: known.get((p, v)), NOW)
    assert check.released and "(the registry reports no time)" in check.evidence[0]


def test_a_registry_failure_leaves_it_pending() -> None:
    def broken(package: str, version: str) -> Release | None:
        raise RegistryError("the Python package index at https://pypi.example.org/simple/x/ answered HTTP 503.")

    check = is_released(FIX[:1], broken, NOW)
    assert not check.released and "registry not checked" in check.pending[0]


def test_registry_none_trusts_only_the_team() -> None:
    def never(package: str, version: str) -> Release | None:
        raise AssertionError("registry none must not be asked")

    stated = [FixVersion(PKG, "2.7.1", "statement", "statement by @alice")]
    check = is_released(stated, never, NOW, registry="none")
    assert check.released and "released per statement by @alice" in check.evidence[0]
    operator = [FixVersion(PKG, "2.7.1", "operator", "--released")]
    assert is_released(operator, never, NOW, registry="none").released
    bounded = is_released(FIX[:1], never, NOW, registry="none")
    assert not bounded.released and "--released VERSION" in bounded.pending[0]


def test_an_incomplete_detection_is_not_released() -> None:
    detection = Detection(found=tuple(FIX[:1]), missing=(NoFixVersion("quillwort-plugin", "no milestone"),))
    check = is_released(detection, lambda p, v: _release(v), NOW)
    assert not check.released and check.pending == ("quillwort-plugin: no fix version (no milestone)",)
    assert not is_released([], lambda p, v: _release(v), NOW).released
    assert is_released(Detection(tuple(FIX[:1]), ()), lambda p, v: _release(v), NOW).released


# ---------------------------------------------------------------- properties

_VERSIONISH = st.from_regex(r"v?[0-9]{1,3}(\.[0-9]{1,3}){0,3}(rc[0-9])?", fullmatch=True)
_LINE = st.one_of(
    st.text(max_size=40),
    st.builds(lambda op, v: f"`{op} {v}`", st.sampled_from(["<", "<=", ">=", ">= 1.0, <", ""]), _VERSIONISH),
)


@given(
    affected=st.lists(_LINE, max_size=4).map("\n".join),
    comments=st.lists(st.one_of(st.text(max_size=80), _VERSIONISH.map("fix released in {}".format)), max_size=4),
    milestone=st.one_of(st.none(), st.text(max_size=20), _VERSIONISH),
    train=st.booleans(),
    version_scheme=st.sampled_from(["pep440", "semver", "maven"]),
)
def test_detection_never_crashes_and_only_yields_scheme_versions(
    affected: str, comments: list[str], milestone: str | None, train: bool, version_scheme: str
) -> None:
    facts = _facts(
        affected,
        milestone=milestone,
        comments=tuple(comments),
        scheme="train" if train else "version",
        version_scheme=version_scheme,
    )
    detection = fix_versions(facts, PATTERNS)
    for found in detection.found:
        assert fixed()[f"versions.{version_scheme}"].hit(found.version), found
        assert not (train and found.source == "milestone")
    packages = {f.package for f in detection.found} | {m.package for m in detection.missing}
    assert packages  # every package is either found or explained
    check = is_released(detection, lambda p, v: None, NOW)
    assert not check.released
