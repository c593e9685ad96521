"""The fence-aware body codec (spec §2.2–§2.3)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steward.domain.fields import (
    BodyFormatError,
    check_value,
    field_value,
    is_unset,
    parse_fields,
    render_body,
    set_field,
    written_value,
)
from steward.domain.roles import DEFAULT_HEADINGS, Field

BEGIN = "<!-- steward: cve-json-begin cve=CVE-2099-10001 v1 -->"
END = "<!-- steward: cve-json-end cve=CVE-2099-10001 v1 -->"


def canonical(**values: str) -> str:
    return render_body({Field(k.replace("_", "-")): v for k, v in values.items()})


def test_render_body_is_the_canonical_form() -> None:
    body = render_body({Field.ISSUE_DESCRIPTION: "  It breaks.  ", Field.CWE: "CWE-79"})
    assert body.startswith("### The issue description\n\nIt breaks.\n\n### Short public summary for publish\n\n")
    assert "### Severity\n\nUnknown\n\n### CVE tool link\n\n_No response_\n" in body
    assert "### CWE\n\nCWE-79\n\n" in body
    assert body.endswith("_No response_\n") and not body.endswith("\n\n")
    headings = [line[4:] for line in body.splitlines() if line.startswith("### ")]
    assert headings == [DEFAULT_HEADINGS[f] for f in Field]


def test_render_body_appends_extra_sections_after_field_11() -> None:
    body = render_body({}, extra_sections=[("Related references", "- GHSA-2c2h-4x8r-9w5q")])
    assert body.endswith("### CVE tool link\n\n_No response_\n\n### Related references\n\n- GHSA-2c2h-4x8r-9w5q\n")


def test_headings_come_from_the_mapping() -> None:
    headings = dict(DEFAULT_HEADINGS) | {Field.CWE: "Weakness"}
    body = render_body({Field.CWE: "CWE-89"}, headings)
    assert "### Weakness\n\nCWE-89\n" in body and "### CWE\n" not in body
    assert field_value(body, Field.CWE, headings) == "CWE-89"
    assert field_value(body, Field.CWE) is None  # the default heading is absent


def test_parse_reads_values_sections_and_preamble() -> None:
    body = "intro text\n\n### CWE\n\nCWE-79\n\n### Notes\n\nfree text\n### Severity  \n\nhigh\n"
    parsed = parse_fields(body)
    assert parsed.preamble == "intro text\n\n"
    assert parsed.values == {Field.CWE: "CWE-79", Field.SEVERITY: "high"}
    assert [(s.heading, s.field) for s in parsed.sections] == [
        ("CWE", Field.CWE),
        ("Notes", None),
        ("Severity", Field.SEVERITY),
    ]
    assert parsed.sections[1].value == "free text"
    assert parsed.cve_json_start is None


def test_heading_is_case_sensitive_and_needs_the_space() -> None:
    parsed = parse_fields("### cwe\n\nx\n###CWE\ny\n#### CWE\nz\n")
    assert parsed.values == {}
    assert [s.heading for s in parsed.sections] == ["cwe"]
    assert parsed.sections[0].value == "x\n###CWE\ny\n#### CWE\nz"


def test_headings_inside_fences_are_text() -> None:
    body = "### The issue description\n\n````\n### CWE\n```\nstill code\n````\nafter\n\n### CWE\n\nCWE-1\n"
    parsed = parse_fields(body)
    assert parsed.values[Field.ISSUE_DESCRIPTION] == "````\n### CWE\n```\nstill code\n````\nafter"
    assert parsed.values[Field.CWE] == "CWE-1"


def test_fence_closes_only_with_same_character_at_least_as_long() -> None:
    body = "### CWE\n\n~~~~\n### Severity\n~~~\n```\n~~~~~  \n### Severity\n\nlow\n"
    parsed = parse_fields(body)
    assert parsed.values[Field.SEVERITY] == "low"
    assert "### Severity" in parsed.values[Field.CWE]


def test_unclosed_fence_names_its_line() -> None:
    with pytest.raises(BodyFormatError, match="line 3"):
        parse_fields("### CWE\n\n```python\n### Severity\n")


def test_duplicate_known_heading_is_refused_and_named() -> None:
    with pytest.raises(BodyFormatError, match=r"'### CWE' twice \(lines 1 and 5\)"):
        parse_fields("### CWE\n\nCWE-1\n\n### CWE\n\nCWE-2\n")


def test_duplicate_unknown_heading_is_allowed() -> None:
    parsed = parse_fields("### Notes\n\na\n### Notes\n\nb\n")
    assert [s.value for s in parsed.sections] == ["a", "b"]


def test_begin_marker_ends_a_value() -> None:
    block = BEGIN + "\n#### CVE JSON — CVE-2099-10001\n\n````json\n{}\n````\n" + END + "\n"
    body = canonical(cwe="CWE-79") + "\n" + block
    parsed = parse_fields(body)
    assert parsed.values[Field.CVE_TOOL_LINK] == "_No response_"
    assert parsed.cve_json_start == body.index(BEGIN)


def test_legacy_begin_marker_ends_a_value() -> None:
    legacy = "<!-- generate-cve-json: cve=CVE-2099-10001 version=v1 -->"
    body = "### CVE tool link\n\nCVE-2099-10001\n\n" + legacy + "\nblock\n" + legacy + "\n"
    parsed = parse_fields(body)
    assert parsed.values[Field.CVE_TOOL_LINK] == "CVE-2099-10001"
    assert parsed.cve_json_start == body.index(legacy)


def test_crlf_bodies_are_read() -> None:
    parsed = parse_fields("### CWE\r\n\r\nCWE-79\r\n\r\n### Severity\r\n\r\nlow\r\n")
    assert parsed.values == {Field.CWE: "CWE-79", Field.SEVERITY: "low"}


@pytest.mark.parametrize("raw", ["_No response_", "*No response*", "  _no RESPONSE_ ", "", "\n \n"])
def test_unset_values(raw: str) -> None:
    assert is_unset(raw)
    assert field_value(f"### CWE\n\n{raw}\n", Field.CWE) is None


def test_unknown_is_unset_only_for_severity() -> None:
    assert field_value("### Severity\n\nunknown\n", Field.SEVERITY) is None
    assert field_value("### CWE\n\nUnknown\n", Field.CWE) == "Unknown"
    assert field_value("### Severity\n\nhigh\n", Field.SEVERITY) == "high"


def test_written_value_uses_the_exact_empty_forms() -> None:
    assert written_value(Field.CWE, " ") == "_No response_"
    assert written_value(Field.CWE, "*no response*") == "_No response_"
    assert written_value(Field.SEVERITY, "") == "Unknown"
    assert written_value(Field.SEVERITY, "UNKNOWN") == "Unknown"


def test_set_field_replaces_only_the_value() -> None:
    body = "hello\n### CWE   \nCWE-1\n\n\n\n### Notes\nkeep  me \n### Severity\nlow"
    out = set_field(body, Field.CWE, "CWE-79: XSS")
    assert out == "hello\n### CWE   \n\nCWE-79: XSS\n\n### Notes\nkeep  me \n### Severity\nlow"


def test_set_field_at_end_of_body_without_newline() -> None:
    assert set_field("### Severity", Field.SEVERITY, "high") == "### Severity\n\nhigh\n"
    assert set_field("### Severity\nlow", Field.SEVERITY, "high") == "### Severity\n\nhigh\n"


def test_set_field_is_a_no_op_when_unchanged() -> None:
    body = "### CWE\nCWE-1   \n### Severity\n\nlow\n"
    assert set_field(body, Field.CWE, " CWE-1\n") is body


def test_set_field_writes_the_empty_forms() -> None:
    body = canonical(cwe="CWE-1", severity="high")
    assert field_value(set_field(body, Field.CWE, ""), Field.CWE) is None
    assert "### Severity\n\nUnknown\n" in set_field(body, Field.SEVERITY, "")


def test_set_field_inserts_before_the_next_known_field() -> None:
    body = "### The issue description\n\nx\n\n### Notes\n\nn\n\n### Severity\n\nlow\n"
    out = set_field(body, Field.CWE, "CWE-79")
    assert out == "### The issue description\n\nx\n\n### Notes\n\nn\n\n### CWE\n\nCWE-79\n\n### Severity\n\nlow\n"


def test_set_field_inserts_after_the_previous_known_field_and_before_the_block() -> None:
    body = "### CWE\n\nCWE-1\n" + BEGIN + "\nblock\n" + END + "\n"
    out = set_field(body, Field.CVE_TOOL_LINK, "CVE-2099-10001")
    assert out == "### CWE\n\nCWE-1\n\n### CVE tool link\n\nCVE-2099-10001\n\n" + BEGIN + "\nblock\n" + END + "\n"
    parsed = parse_fields(out)
    assert parsed.values[Field.CVE_TOOL_LINK] == "CVE-2099-10001"


def test_set_field_inserts_before_optional_sections_when_no_field_is_present() -> None:
    body = "preamble\n\n### Related references\n\n- x\n"
    out = set_field(body, Field.CWE, "CWE-2")
    assert out == "preamble\n\n### CWE\n\nCWE-2\n\n### Related references\n\n- x\n"


def test_set_field_appends_to_a_body_without_fields() -> None:
    assert set_field("just text", Field.CWE, "CWE-2") == "just text\n\n### CWE\n\nCWE-2\n"
    assert set_field("", Field.CWE, "CWE-2") == "### CWE\n\nCWE-2\n"


@pytest.mark.parametrize("value", ["a\n### Injected\nb", "```\nopen", BEGIN])
def test_set_field_refuses_a_value_that_would_change_the_structure(value: str) -> None:
    with pytest.raises(BodyFormatError, match="The value for '### The issue description'"):
        set_field(canonical(), Field.ISSUE_DESCRIPTION, value)


def test_render_refuses_an_unsafe_value() -> None:
    with pytest.raises(BodyFormatError, match="line 2"):
        render_body({Field.PUBLIC_SUMMARY: "ok\n### Severity"})


# ---------------------------------------------------------------- properties

_ALPHABET = st.sampled_from(list("ab Z09.-_*#`~<>!\n\r\t—é"))
_raw_values = st.text(_ALPHABET, max_size=40)


def _safe(value: str) -> bool:
    try:
        check_value(value.strip(), "x")
    except BodyFormatError:
        return False
    return True


safe_values = _raw_values.filter(_safe)
field_values = st.dictionaries(st.sampled_from(list(Field)), safe_values)
extras = st.lists(
    st.tuples(st.sampled_from(["Related references", "Disclosure timeline", "Mitigation", "Notes"]), safe_values),
    max_size=3,
)


@given(field_values, extras)
@settings(max_examples=200)
def test_parse_of_render_is_the_identity(values: dict[Field, str], extra: list[tuple[str, str]]) -> None:
    body = render_body(values, extra_sections=extra)
    parsed = parse_fields(body)
    assert parsed.values == {role: written_value(role, values.get(role, "")) for role in Field}
    unknown = [(s.heading, s.value) for s in parsed.sections if s.field is None]
    assert unknown == [(h, v.strip()) for h, v in extra]
    assert render_body(parsed.values, extra_sections=unknown) == body


@given(field_values, st.sampled_from(list(Field)), safe_values, st.sampled_from(["", "\n", "pre\n\n"]))
@settings(max_examples=200)
def test_set_field_changes_only_its_value_and_is_idempotent(
    values: dict[Field, str], role: Field, new: str, preamble: str
) -> None:
    body = preamble + render_body(values)
    out = set_field(body, role, new)
    before = parse_fields(body).section(role)
    after = parse_fields(out).section(role)
    assert before is not None and after is not None
    assert out[: before.value_start] == body[: before.value_start]
    assert out[after.end :] == body[before.end :]
    assert parse_fields(out).values == parse_fields(body).values | {role: written_value(role, new)}
    assert set_field(out, role, new) == out


@given(field_values, st.sampled_from(list(Field)), safe_values)
@settings(max_examples=200)
def test_set_field_inserting_a_missing_field_keeps_every_byte(values: dict[Field, str], role: Field, new: str) -> None:
    body = render_body(values)
    section = parse_fields(body).section(role)
    assert section is not None
    without = body[: section.start] + body[section.end :]
    assume(parse_fields(without).section(role) is None)
    out = set_field(without, role, new)
    parsed = parse_fields(out)
    inserted = parsed.section(role)
    assert inserted is not None
    assert parsed.values[role] == written_value(role, new)
    assert [s.field for s in parsed.sections] == list(Field)
    # removing what was inserted gives back the input, bar line breaks added to end the previous value
    prefix, suffix = out[: inserted.start], out[inserted.end :]
    at = len(without) - len(suffix)
    assert without[at:] == suffix
    assert prefix[:at] == without[:at]
    assert set(prefix[at:]) <= {"\n"}
    assert set_field(out, role, new) == out


@given(st.text(st.sampled_from(list("ab #`~\n\r<!-> steward:cvejsonbgi=CVE-2099-1001v")), max_size=200))
@settings(max_examples=300)
def test_parse_never_crashes(text: str) -> None:
    try:
        parsed = parse_fields(text)
    except BodyFormatError as error:
        assert str(error).endswith(".")
        return
    for section in parsed.sections:
        assert text[section.start : section.start + 4] == "### "


@given(st.text(max_size=200))
def test_parse_never_crashes_on_any_unicode(text: str) -> None:
    with contextlib.suppress(BodyFormatError):
        parse_fields(text)
