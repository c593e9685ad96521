from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.domain.markers import Marker, comment_marker, parse_legacy_rollup, parse_marker, render_marker

TRUSTED = ["steward-bot", "jane-maintainer"]


def test_render() -> None:
    assert render_marker("status-rollup") == "<!-- steward: status-rollup v1 -->"
    assert render_marker("status-rollup", part=2) == "<!-- steward: status-rollup part=2 v1 -->"
    line = render_marker("routing-mode", mode="via-forwarder", contact="jane@example.org")
    assert line == "<!-- steward: routing-mode mode=via-forwarder contact=jane@example.org v1 -->"


@pytest.mark.parametrize(
    ("name", "args"),
    [("Status", {}), ("x y", {}), ("ok", {"Bad": "1"}), ("ok", {"k": "a b"}), ("ok", {"k": "a>b"}), ("ok", {"k": ""})],
)
def test_render_refuses_what_cannot_parse(name: str, args: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        render_marker(name, **args)


def test_parse() -> None:
    marker = parse_marker("<!-- steward: cve-json-begin cve=CVE-2024-12345 v1 --> trailing")
    assert marker == Marker("cve-json-begin", (("cve", "CVE-2024-12345"),))
    assert marker.get("cve") == "CVE-2024-12345"
    assert marker.get("part") is None
    assert parse_marker(" <!-- steward: status-rollup v1 -->") is None
    assert parse_marker("<!-- steward: status-rollup v2 -->") is None
    assert parse_marker("text <!-- steward: status-rollup v1 -->") is None


def test_legacy_rollup() -> None:
    marker = parse_legacy_rollup("<!-- example-s status rollup v1 -->")
    assert marker is not None and marker.legacy and marker.name == "status-rollup"
    assert marker.get("slug") == "example-s"
    assert parse_legacy_rollup("<!-- status rollup -->") is None


def test_comment_marker_trust_and_line_one() -> None:
    body = "<!-- steward: triage-proposal v1 -->\n**Triage proposal**"
    assert comment_marker(body, "steward-bot", TRUSTED) == Marker("triage-proposal")
    assert comment_marker(body, "@Jane-Maintainer", TRUSTED) == Marker("triage-proposal")
    assert comment_marker(body, "reporter-x", TRUSTED) is None
    assert comment_marker("hello\n<!-- steward: status-rollup v1 -->", "steward-bot", TRUSTED) is None
    assert comment_marker("<!-- steward: status-rollup v1 -->\r\nx", "steward-bot", TRUSTED) == Marker("status-rollup")
    legacy = comment_marker("<!-- example-s status rollup v1 -->\n...", "jane-maintainer", TRUSTED)
    assert legacy is not None and legacy.legacy
    assert comment_marker("<!-- example-s status rollup v1 -->", "someone", TRUSTED) is None


NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True)
KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
VALUES = st.text(st.characters(codec="ascii", exclude_characters=">"), min_size=1, max_size=20).filter(
    lambda v: not any(c.isspace() for c in v)
)


@given(NAMES, st.dictionaries(KEYS, VALUES, max_size=4))
def test_parse_render_round_trip(name: str, args: dict[str, str]) -> None:
    parsed = parse_marker(render_marker(name, **args))
    assert parsed == Marker(name, tuple(args.items()))


@given(st.text())
def test_parse_never_crashes(text: str) -> None:
    parse_marker(text)
    parse_legacy_rollup(text)
    comment_marker(text, "steward-bot", TRUSTED)
