"""The embedded CVE JSON block and its splice (spec §2.7)."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from corpus import CASES, Case, case
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.domain.fields import parse_fields
from steward.records.block import cell, find_block, render_block, splice_block
from steward.records.cve_json import GeneratedRecord, generate

BEGIN = "<!-- steward: cve-json-begin cve=CVE-2099-10001 v1 -->"
END = "<!-- steward: cve-json-end cve=CVE-2099-10001 v1 -->"


def gen(c: Case) -> GeneratedRecord:
    return generate(c.record_input(), c.config)


def test_block_layout() -> None:
    generated = gen(case("complete"))
    block = render_block(generated)
    lines = block.splitlines()
    assert lines[0] == BEGIN
    assert lines[1] == "#### CVE JSON — CVE-2099-10001"
    assert lines[-1] == END
    assert "| CVE id | CVE-2099-10001 |" in lines
    assert "| Record state | review-ready |" in lines
    assert "| Affected packages | example-widget |" in lines
    assert "| Schema gaps | none |" in lines
    assert f"| Size | {len(generated.json_text.encode()):,} bytes |" in lines
    inner = block.split("````json\n", 1)[1].split("````\n", 1)[0]
    assert inner == generated.json_text
    assert json.loads(inner) == generated.record
    assert "<details>" in block and "</details>" in block


def test_gaps_listed_in_table() -> None:
    block = render_block(gen(case("next-version")))
    assert "| Record state | allocated |" in block
    assert re.search(r"\| Schema gaps \| 1: Affected versions — line 1 has the upper bound NEXT VERSION", block)


def test_block_needs_a_cve_id() -> None:
    with pytest.raises(ValueError, match="valid CVE id"):
        render_block(gen(case("no-cve-id")))


@pytest.mark.parametrize("name", ["hostile-html", "hostile-bidi"])
def test_hostile_text_cannot_break_the_block(name: str) -> None:
    c = case(name)
    generated = gen(c)
    block = render_block(generated)
    body = splice_block(c.body, block)
    outside = block.split("````json", 1)[0] + block.split("````\n", 1)[1]
    assert outside.count("<!--") == 2
    assert [line for line in block.splitlines() if line.startswith("<!--")] == [BEGIN, END]
    assert "\u202e" not in block.split("````json", 1)[0]
    parsed = parse_fields(body)
    assert parsed.values == parse_fields(c.body).values
    assert find_block(body) == (body.index(BEGIN), len(body))


def test_cell_escaping() -> None:
    assert cell("a | b <!-- x --> & c\nd\x1b[31m") == "a \\| b &lt;!-- x --&gt; &amp; c d [31m"
    assert cell("") == "—"


def test_splice_appends_then_replaces_then_noops() -> None:
    c = case("complete")
    first = render_block(gen(c))
    body = c.body
    once = splice_block(body, first)
    assert once.startswith(body.rstrip("\n"))
    assert once.endswith(first)
    assert splice_block(once, first) is once
    changed = render_block(gen(dataclasses.replace(c, title="Example Widget: another title for the record")))
    twice = splice_block(once, changed)
    assert twice.count(BEGIN) == 1
    assert "another title" in twice
    assert twice.startswith(body.rstrip("\n"))


def test_splice_keeps_text_after_the_block() -> None:
    c = case("complete")
    block = render_block(gen(c))
    body = splice_block(c.body, block) + "\n### Disclosure timeline\n\ntarget: 2099-01-06T16:00Z\n"
    new = render_block(gen(dataclasses.replace(c, title="Example Widget: changed")))
    out = splice_block(body, new)
    assert out.endswith("### Disclosure timeline\n\ntarget: 2099-01-06T16:00Z\n")
    assert out.count("cve-json-begin") == 1


def test_splice_replaces_legacy_pair() -> None:
    legacy = "<!-- generate-cve-json: cve=CVE-2099-10001 version=v1 -->"
    c = case("complete")
    body = c.body + "\n" + legacy + "\nold json\n" + legacy + "\n"
    out = splice_block(body, render_block(gen(c)))
    assert legacy not in out
    assert "old json" not in out
    assert out.count(BEGIN) == 1


def test_lone_legacy_marker_runs_to_the_end() -> None:
    legacy = "<!-- generate-cve-json: cve=CVE-2099-10001 version=v1 -->"
    c = case("complete")
    out = splice_block(c.body + "\n" + legacy + "\n```json\n{}\n```\n", render_block(gen(c)))
    assert legacy not in out
    assert out.endswith(END + "\n")


def test_marker_inside_a_fence_is_text() -> None:
    c = case("complete")
    quoted = f"````\n{BEGIN}\n{END}\n````\n"
    body = c.body + "\n" + quoted
    out = splice_block(body, render_block(gen(c)))
    assert quoted in out
    assert out.count(BEGIN) == 2


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CASES).filter(lambda c: c.name not in {"no-cve-id", "all-empty"}), st.text(max_size=80))
def test_splice_round_trip_and_idempotence(c: Case, trailer: str) -> None:
    block = render_block(gen(c))
    body = c.body
    once = splice_block(body, block)
    assert splice_block(once, block) == once
    assert parse_fields(once).values == parse_fields(body).values
    assert find_block(once) is not None
    assert cell(trailer).count("\n") == 0


def test_truncated_block_is_replaced_to_the_end() -> None:
    c = case("complete")
    body = c.body + "\n" + BEGIN + "\n#### CVE JSON — CVE-2099-10001\n````json\n{\n````\n"
    out = splice_block(body, render_block(gen(c)))
    assert out.count(BEGIN) == 1
    assert out.endswith(END + "\n")
