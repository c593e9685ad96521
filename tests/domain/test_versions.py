"""The Affected-versions grammar (spec §2.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.versions import (
    NEXT,
    Kind,
    LineError,
    VersionLine,
    parse_affected,
    parse_line,
    render_affected,
    render_line,
)
from steward.patterns import fixed

KINDS: list[Kind] = ["lt", "le", "range_lt", "range_le", "ge", "exact"]


def one(text: str, scheme: str = "pep440") -> VersionLine:
    result = parse_affected(text, lambda package: scheme)
    assert result.errors == [], result.errors
    assert len(result.lines) == 1
    return result.lines[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("`< 2.7.1`", VersionLine(kind="lt", upper="2.7.1")),
        ("`<= 2.7.1`", VersionLine(kind="le", upper="2.7.1")),
        ("`>= 2.0, < 2.7.1`", VersionLine(kind="range_lt", lower="2.0", upper="2.7.1")),
        ("`>= 2.0, <= 2.7.1`", VersionLine(kind="range_le", lower="2.0", upper="2.7.1")),
        ("`>= 2.0`", VersionLine(kind="ge", lower="2.0")),
        ("`2.0, 2.1`", VersionLine(kind="exact", versions=("2.0", "2.1"))),
        ("`example-widget < 2.7.1`", VersionLine(package="example-widget", kind="lt", upper="2.7.1")),
        ("`< NEXT VERSION`", VersionLine(kind="lt", upper=NEXT)),
        ("`>= 2.0, < next version`", VersionLine(kind="range_lt", lower="2.0", upper=NEXT)),
    ],
)
def test_canonical_lines(text: str, expected: VersionLine) -> None:
    line = one(text)
    assert line == expected
    assert render_line(line) == text.replace("next version", "NEXT VERSION")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("- `< 2.7.1`", "`< 2.7.1`"),
        ("* <2.7.1", "`< 2.7.1`"),
        ("+ >=2.0,<2.7.1", "`>= 2.0, < 2.7.1`"),
        (">= 2.0 < 2.7.1", "`>= 2.0, < 2.7.1`"),
        ("example-widget<=3.0", "`example-widget <= 3.0`"),
        ("2.0,2.1 , 2.2", "`2.0, 2.1, 2.2`"),
        ("  `@example/widget >= 1.0.0, <= 1.2.0`  ", "`@example/widget >= 1.0.0, <= 1.2.0`"),
        ("v2.10", "`v2.10`"),
    ],
)
def test_lenient_reading_and_canonical_writing(text: str, canonical: str) -> None:
    assert render_line(one(text)) == canonical


def test_several_lines_keep_their_order_and_numbers() -> None:
    result = parse_affected("`widget < 2.0`\n\n`widget >= 3.0, < 3.1`\n")
    assert [line.source_line for line in result.lines] == [1, 3]
    assert render_affected(result.lines) == "`widget < 2.0`\n`widget >= 3.0, < 3.1`"


@pytest.mark.parametrize("value", ["_No response_", "*No response*", "", "  "])
def test_unset_value_has_no_lines_and_no_errors(value: str) -> None:
    result = parse_affected(value)
    assert (result.lines, result.errors, result.warnings) == ([], [], [])
    assert result.ok


def test_unbounded_lower_bound_is_a_warning() -> None:
    result = parse_affected("`< 1.0`\n`>= 2.0`")
    assert result.ok
    assert [(w.line, w.text) for w in result.warnings] == [(2, "`>= 2.0`")]
    assert "no upper bound" in result.warnings[0].reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2.x", "'2.x' is not a valid pep440 version"),
        ("< 2.7.1-beta.1", "'2.7.1-beta.1' is not a valid pep440 version"),
        ("> 2.0", "not a version range"),
        ("all versions", "'versions' is not a valid pep440 version"),
        ("2.0-beta < 3.0", "'2.0-beta' is not a valid package name"),
        ("widget", "'widget' is not a valid pep440 version"),
        ("1.0 < 2.0", "'1.0' is not a valid package name"),
        (">= NEXT VERSION", "not a version range"),
        ("2.0, NEXT VERSION", "not a version range"),
        ("< 2.0, < 3.0", "is not a valid pep440 version or `NEXT VERSION`"),
    ],
)
def test_unparsable_lines_are_errors_with_a_reason(text: str, reason: str) -> None:
    result = parse_affected(f"`< 1.0`\n{text}")
    assert [line.upper for line in result.lines] == ["1.0"]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.line, error.text) == (2, text)
    assert reason in error.reason
    assert error.message.startswith("Affected versions line 2 (")
    assert error.reason.endswith(".")


def test_scheme_is_chosen_per_package() -> None:
    schemes = {"core": "maven", "js": "semver"}
    result = parse_affected("core < 3.0.0-M1\njs < 1.2\n< 1.2", lambda package: schemes.get(package or "", "pep440"))
    assert [line.package for line in result.lines] == ["core", None]
    assert [e.line for e in result.errors] == [2]
    assert "semver" in result.errors[0].reason


def test_unknown_scheme_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown version scheme"):
        parse_affected("< 1.0", lambda package: "calver")


def test_parse_line_returns_an_error_object() -> None:
    assert isinstance(parse_line("nonsense here"), LineError)


# ---------------------------------------------------------------- properties


def _regex(name: str) -> st.SearchStrategy[str]:
    return st.from_regex(fixed()[name].patterns[0][1], fullmatch=True)


packages = st.none() | _regex("versions.package")


@st.composite
def version_lines(draw: st.DrawFn, scheme: str) -> VersionLine:
    versions = _regex(f"versions.{scheme}")
    uppers = versions | st.just(NEXT)
    package = draw(packages)
    kind: Kind = draw(st.sampled_from(KINDS))
    if kind == "exact":
        return VersionLine(
            package=package, kind="exact", versions=tuple(draw(st.lists(versions, min_size=1, max_size=4)))
        )
    if kind in ("lt", "le"):
        return VersionLine(package=package, kind=kind, upper=draw(uppers))
    if kind == "ge":
        return VersionLine(package=package, kind="ge", lower=draw(versions))
    return VersionLine(package=package, kind=kind, lower=draw(versions), upper=draw(uppers))


@pytest.mark.parametrize("scheme", ["pep440", "semver", "maven"])
@given(data=st.data())
@settings(max_examples=100)
def test_parse_of_render_is_the_identity(scheme: str, data: st.DataObject) -> None:
    lines = data.draw(st.lists(version_lines(scheme), max_size=5))
    text = render_affected(lines)
    result = parse_affected(text, lambda package: scheme)
    assert result.errors == []
    assert result.lines == lines
    assert render_affected(result.lines) == text


@given(st.text(st.sampled_from(list("<>=, `-*+v0123.abNEXTVRSION \n")), max_size=60))
@settings(max_examples=300)
def test_parse_never_crashes(text: str) -> None:
    result = parse_affected(text)
    assert len(result.lines) + len(result.errors) <= text.count("\n") + 1
    for line in result.lines:
        assert parse_affected(render_line(line)).lines == [line]


@given(st.text(max_size=80))
def test_parse_never_crashes_on_any_unicode(text: str) -> None:
    parse_affected(text)
