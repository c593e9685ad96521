"""parse_message: what each hostile shape becomes, limit by limit and field by field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hostile_corpus import DATE, TINY, build, cases, multipart, nested, part
from hypothesis import given
from hypothesis import strategies as st

from steward.intake.message import (
    Limits,
    ParsedMessage,
    Unparsable,
    decode_bytes,
    decode_words,
    html_to_text,
    normalise_message_id,
    parse_message,
    text_codec,
)

CORPUS = {case.name: case for case in cases()}


def parsed(name: str) -> ParsedMessage:
    case = CORPUS[name]
    result = parse_message(case.raw, limits=case.limits)
    assert isinstance(result, ParsedMessage), result
    return result


def unparsable(name: str) -> Unparsable:
    case = CORPUS[name]
    result = parse_message(case.raw, limits=case.limits)
    assert isinstance(result, Unparsable), result
    return result


def test_plain_message_fields() -> None:
    raw = build(
        headers=[
            ("Cc", "Bob <bob@example.net>, carol@EXAMPLE.NET"),
            ("Reply-To", "replies@example.org"),
            ("In-Reply-To", "<parent@example.org>"),
            ("References", "<root@example.org> <parent@example.org> <root@example.org>"),
            ("Authentication-Results", "mx.example.net; dkim=pass header.d=example.org"),
            ("Authentication-Results", "relay.example.net; dkim=fail"),
        ]
    )
    msg = parse_message(raw)
    assert isinstance(msg, ParsedMessage)
    assert msg.message_id == "<case@example.org>"
    assert msg.in_reply_to == "<parent@example.org>"
    assert msg.references == ("<root@example.org>", "<parent@example.org>")
    assert (msg.from_name, msg.from_addr) == ("Jane Reporter", "jane@example.org")
    assert msg.reply_to_addr == "replies@example.org"
    assert msg.to == ("security@example.net",)
    assert msg.cc == ("bob@example.net", "carol@example.net")
    assert msg.date == datetime(2024, 10, 1, 8, 0, tzinfo=UTC)
    assert msg.subject == "Crash in widget parser"
    assert msg.body_text == "Hello, the widget parser crashes on input X.\n"
    assert msg.authentication_results == (
        "mx.example.net; dkim=pass header.d=example.org",
        "relay.example.net; dkim=fail",
    )
    assert msg.raw_size == len(raw)
    assert not msg.truncated and not msg.encrypted and not msg.body_was_html
    assert msg.notes == ()


def test_model_is_frozen() -> None:
    msg = parsed("plain")
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.subject = "changed"  # type: ignore[misc]


def test_default_limits_are_the_spec_decision() -> None:
    limits = Limits()
    mib = 1024 * 1024
    assert (limits.message_bytes, limits.part_bytes, limits.parts, limits.depth, limits.body_chars) == (
        25 * mib,
        10 * mib,
        200,
        10,
        mib,
    )


def test_oversize_message_names_the_limit_and_keeps_the_id() -> None:
    result = unparsable("oversize_message")
    assert "4000-byte per-message limit" in result.reason
    assert result.message_id == "<big@example.org>"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("missing_from", "From:"),
        ("from_without_address", "From:"),
        ("missing_date", "Date:"),
        ("unreadable_date", "Date:"),
        ("missing_body", "no body"),
        ("empty_message", "From:"),
        ("huge_text_part_only", "1000-byte limit"),
        ("nesting_30_text_only_deep", "MIME depth limit (10)"),
    ],
)
def test_unparsable_reason_names_what_is_missing(name: str, fragment: str) -> None:
    assert fragment in unparsable(name).reason


def test_part_limit_lists_the_rest() -> None:
    msg = parsed("parts_250")
    assert len(msg.skipped_parts) == 50
    assert all("200-part limit" in s.reason for s in msg.skipped_parts)
    assert msg.body_text.count("part ") < 200
    assert any("51 part(s)" in n for n in msg.notes)


def test_depth_limit_stops_and_lists() -> None:
    msg = parsed("nesting_30")
    assert msg.body_text == "top-level report text"
    assert "deepest" not in msg.body_text
    assert [s.reason for s in msg.skipped_parts] == ["MIME depth limit (10) reached; 21 nested part(s) not read"]


def test_small_depth_limit_keeps_shallow_text() -> None:
    limits = Limits(depth=40)
    msg = parse_message(nested(30), limits=limits)
    assert isinstance(msg, ParsedMessage)
    assert msg.body_text == "deepest text"


def test_oversized_text_part_is_skipped_not_read() -> None:
    msg = parsed("huge_text_part_beside_small")
    assert msg.body_text == "short report"
    assert msg.skipped_parts[0].content_type == "text/plain"
    assert "over the 1000-byte limit" in msg.skipped_parts[0].reason


def test_body_is_cut_with_a_note() -> None:
    msg = parsed("long_body_truncated")
    assert msg.truncated
    assert len(msg.body_text) == 100
    assert "body cut to 100 characters (§10.5)" in msg.notes


@pytest.mark.parametrize(
    ("name", "body", "note"),
    [
        ("unknown_charset", "café au lait", "unknown or unusable charset 'x-klingon'; read as cp1252"),
        ("wrong_charset_cp1252_as_utf8", "\u201cquoted\u201d text", "charset 'utf-8' could not decode the text"),
        ("escape_codec_charset", "\\x00\\u202e evil", "unknown or unusable charset 'unicode_escape'"),
        ("bytes_codec_charset", "aGVsbG8=", "unknown or unusable charset 'base64'"),
    ],
)
def test_charset_fallbacks(name: str, body: str, note: str) -> None:
    msg = parsed(name)
    assert msg.body_text == body
    assert any(n.startswith(note) for n in msg.notes), msg.notes


def test_broken_mime_is_read_as_text() -> None:
    assert parsed("boundary_absent_from_body").body_text == "no boundaries here at all"
    assert "hello" in parsed("missing_boundary_param").body_text
    assert parsed("boundary_never_closed").body_text == "open part"
    assert parsed("bad_base64_text").body_text.startswith("@@@")


def test_html_only_mail_becomes_text_without_script() -> None:
    msg = parsed("html_only_js")
    assert msg.body_was_html
    assert "document.cookie" not in msg.body_text
    assert "body{}" not in msg.body_text
    assert "click me (javascript:alert(2))" in msg.body_text
    assert "poc (https://example.org/poc)" in msg.body_text
    assert "- step one" in msg.body_text
    assert "<" not in msg.body_text


def test_unclosed_script_hides_nothing_after_it_but_itself() -> None:
    msg = parsed("html_unclosed_script")
    assert msg.body_text == "hi"


def test_header_injection_is_neutralised() -> None:
    msg = parsed("header_injection_encoded_crlf")
    assert msg.subject == "Widget bug Bcc: victim@example.net"
    assert any("header injection" in n for n in msg.notes)
    bare = parsed("header_injection_bare_cr")
    assert "\r" not in bare.subject
    assert any("bare CR" in n for n in bare.notes)


def test_nul_and_bidi_are_removed() -> None:
    msg = parsed("nul_bytes")
    assert msg.subject == "subject" and msg.body_text == "bodywithnuls"
    bidi = parsed("bidi_overrides")
    assert bidi.subject == "invoicefdp.exe"
    assert bidi.body_text == "abcdcbax"
    assert parsed("bidi_filename").attachments[0].filename == "invtxt.exe"


def test_display_names_never_supply_the_address() -> None:
    msg = parsed("encoded_name_smuggles_address")
    assert msg.from_addr == "mallory@example.invalid"
    assert msg.from_name == "admin@example.org <admin@example.org>"


def test_duplicates_use_the_first_and_say_so() -> None:
    assert parsed("duplicate_message_ids").message_id == "<case@example.org>"
    assert "2 Message-ID: headers; the first was used" in parsed("duplicate_message_ids").notes
    dup = parsed("duplicate_from")
    assert dup.from_addr == "jane@example.org"
    assert any("2 From: headers" in n for n in dup.notes)


def test_eight_bit_headers_are_decoded() -> None:
    utf8 = parsed("eight_bit_utf8_headers")
    assert (utf8.subject, utf8.from_name) == ("Fehler in Größe", "Jürgen Ünlü")
    latin = parsed("eight_bit_latin1_headers")
    assert (latin.subject, latin.from_name, latin.from_addr) == ("Problème", "René", "rene@example.net")


def test_headers_are_bounded() -> None:
    assert len(parsed("long_subject").subject) == 998
    assert len(parsed("many_recipients").cc) == 100
    assert len(parsed("references_flood").references) == 100


def test_naive_date_is_utc() -> None:
    assert parsed("date_without_zone").date == datetime(2024, 10, 1, 10, 0, tzinfo=UTC)


def test_inline_pgp_is_flagged_and_kept() -> None:
    msg = parsed("inline_pgp")
    assert msg.encrypted
    assert msg.encrypted_payload is not None
    assert msg.encrypted_payload.startswith(b"-----BEGIN PGP MESSAGE-----")
    assert msg.encrypted_payload.endswith(b"-----END PGP MESSAGE-----")


def test_pgp_mime_is_flagged_with_its_payload() -> None:
    msg = parsed("pgp_mime")
    assert msg.encrypted and msg.body_text == ""
    assert msg.encrypted_payload is not None and b"hQEMA" in msg.encrypted_payload
    assert msg.attachments == ()


def test_signed_cleartext_is_not_encrypted() -> None:
    msg = parse_message(build("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nreport\n"))
    assert isinstance(msg, ParsedMessage) and not msg.encrypted


def test_attachments_are_listed_with_estimated_size() -> None:
    msg = parsed("base64_garbage_attachment")
    assert msg.body_text == "see attachment"
    (att,) = msg.attachments
    assert (att.filename, att.content_type) == ("poc.bin", "application/octet-stream")
    assert att.size == len("garbage" * 20) * 3 // 4
    only = parsed("attachment_only")
    assert only.body_text == "" and only.attachments[0].size == 100
    assert "no readable text body" in only.notes


def test_forwarded_message_text_is_included() -> None:
    assert parsed("forwarded_rfc822").body_text == "fwd below\n\ninner report body"


def test_plain_text_wins_over_html_in_alternative() -> None:
    raw = multipart([part("plain version"), part("<p>html version</p>", "text/html")], subtype="alternative")
    msg = parse_message(raw)
    assert isinstance(msg, ParsedMessage)
    assert msg.body_text == "plain version" and not msg.body_was_html


def test_tiny_limits_reach_the_header_limit() -> None:
    msg = parse_message(build(subject="x" * 300), limits=TINY)
    assert isinstance(msg, ParsedMessage) and len(msg.subject) == 200


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a.b@example.org>", "<a.b@example.org>"),
        ("  <a@example.org> (comment)", "<a@example.org>"),
        ("a@example.org", "<a@example.org>"),
        ("<a@example.org\u202e>", "<a@example.org>"),
        ("no id here", None),
        ("<`tick`@example.org>", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_message_id(value: str | None, expected: str | None) -> None:
    assert normalise_message_id(value) == expected


def test_decode_words() -> None:
    assert decode_words("=?utf-8?q?caf=C3=A9?= =?utf-8?b?w6k=?= tail") == "caféé tail"
    assert decode_words("=?x-nope?q?abc?=") == "abc"
    assert decode_words("=?utf-8?b?!!!?=") == ""


def test_text_codec_refuses_non_text_codecs() -> None:
    assert text_codec("UTF-8") == "utf-8"
    assert text_codec("base64") is None
    assert text_codec("unicode_escape") is None
    assert text_codec("x" * 500) is None
    assert text_codec(None) is None


def test_decode_bytes_falls_back_to_latin1() -> None:
    text, note = decode_bytes(b"\x81\x8d\x8f", "us-ascii")
    assert text == "\x81\x8d\x8f" and note is not None and "latin-1" in note


def test_html_to_text_is_bounded() -> None:
    assert len(html_to_text("<p>" + "word " * 10000 + "</p>", limit=100)) <= 100


@given(st.text(max_size=2000))
def test_html_to_text_never_raises(html: str) -> None:
    assert isinstance(html_to_text(html), str)


@given(st.text(max_size=300), st.text(max_size=300))
def test_any_subject_and_body_round_through_the_parser(subject: str, body: str) -> None:
    raw = build(body.encode("utf-8", "surrogatepass"), subject=subject.encode("utf-8", "surrogatepass"))
    result = parse_message(raw)
    assert isinstance(result, ParsedMessage | Unparsable)
    if isinstance(result, ParsedMessage):
        assert "\n" not in result.subject and "\r" not in result.subject
        assert "\x00" not in result.body_text and "\r" not in result.body_text
        result.body_text.encode("utf-8")
        result.subject.encode("utf-8")


def test_date_constant_is_parsed() -> None:
    assert parse_message(build(date=DATE)) != parse_message(build(date="Wed, 02 Oct 2024 10:00:00 +0200"))
