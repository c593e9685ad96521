"""Third-party PII redaction (§10.4): keyed ids, exclusions, longest value first, idempotence."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.errors import OperationFailed
from steward.intake import pii
from steward.intake.pii import ID_PATTERN, find_pii, mapping_document, normalise_value, pii_id, redact
from steward.patterns import fixed

SECRET = bytes(range(32))
PATTERNS = fixed()


def test_id_is_first_12_hex_of_hmac_of_normalised_value() -> None:
    expected = hmac.new(SECRET, b"bob@corp.test", hashlib.sha256).hexdigest()[:12]
    assert pii_id("E", "  Bob@Corp.TEST ", SECRET) == f"E-{expected}"
    assert pii_id("N", "Jane   Q\nPublic", SECRET) == pii_id("N", "jane q public", SECRET)
    assert pii_id("N", "x", SECRET) != pii_id("N", "x", bytes(32))


def test_emails_phones_and_ips_are_found_with_exclusions() -> None:
    text = (
        "mail bob@corp.test, alice@example.org, team@mail.example.net, me@widget.test, reporter@own.test; "
        "call +44 20 7946 0000; hosts 10.20.30.40, 192.0.2.7, 203.0.113.9, fe80::1ff:fe23:4567:890a, 2001:db8::1 "
        "at 12:30 with version 2.7.1"
    )
    found = find_pii(text, PATTERNS, project_domains=["widget.test"], own_addresses=["Reporter@own.test"])
    assert found == [
        ("E", "bob@corp.test"),
        ("P", "+44 20 7946 0000"),
        ("IP", "10.20.30.40"),
        ("IP", "fe80::1ff:fe23:4567:890a"),
    ]


def test_project_subdomains_are_excluded() -> None:
    assert find_pii("ops@lists.widget.test", PATTERNS, project_domains=["widget.test"]) == []


def test_ipv6_candidates_are_confirmed() -> None:
    assert find_pii("ratio 1:2:3 and aa:bb:cc", PATTERNS) == []


def test_redact_replaces_every_occurrence_case_insensitively() -> None:
    text, entries = redact("From BOB@corp.test and bob@corp.test.", SECRET, PATTERNS)
    ident = pii_id("E", "bob@corp.test", SECRET)
    assert text == f"From {ident} and {ident}."
    assert [(e.id, e.type, e.value) for e in entries] == [(ident, "E", "BOB@corp.test")]
    assert mapping_document(entries) == {"version": 1, "entries": {ident: {"type": "E", "value": "BOB@corp.test"}}}


def test_operator_values_longest_first_and_whitespace_normalised() -> None:
    operator = [("N", "Jane"), ("N", "Jane Q Public")]
    text, entries = redact("Ask jane  q\npublic, or Jane.", SECRET, PATTERNS, operator_values=operator)
    long_id, short_id = pii_id("N", "Jane Q Public", SECRET), pii_id("N", "Jane", SECRET)
    assert text == f"Ask {long_id}, or {short_id}."
    assert {e.id for e in entries} == {long_id, short_id}


def test_operator_value_does_not_match_inside_a_word() -> None:
    text, _ = redact("Annual report by Ann", SECRET, PATTERNS, operator_values=[("N", "Ann")])
    assert text.startswith("Annual report by N-")


def test_nothing_to_redact() -> None:
    assert redact("plain text, 2.7.1", SECRET, PATTERNS) == ("plain text, 2.7.1", [])


def test_colliding_ids_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pii, "pii_id", lambda code, value, secret: "E-000000000000")
    with pytest.raises(OperationFailed, match="collide"):
        redact("a@corp.test b@corp.test", SECRET, PATTERNS)


LOCAL = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
DOMAIN = st.from_regex(r"[a-z]{2,8}\.(?:test|net|io)", fullmatch=True).filter(lambda d: not d.startswith("example."))
EMAIL = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN)
IPV4 = (
    st.tuples(*[st.integers(1, 254)] * 4)
    .map(lambda t: ".".join(map(str, t)))
    .filter(lambda ip: not ip.startswith(("192.0.2.", "198.51.100.", "203.0.113.")))
)
FILLER = st.lists(st.sampled_from(["see", "the", "log", "from", "report", "and", "2.7.1", "—"]), max_size=5)


@given(st.lists(st.one_of(EMAIL, IPV4), min_size=1, max_size=5), FILLER, st.binary(min_size=32, max_size=32))
def test_redaction_properties(values: list[str], filler: list[str], secret: bytes) -> None:
    text = " ".join([*filler, *[f"{v} ," for v in values], *filler])
    once, entries = redact(text, secret, PATTERNS)
    for value in values:
        assert normalise_value(value) not in normalise_value(once)
    for entry in entries:
        assert re.fullmatch(r"(?:E|IP)-[0-9a-f]{12}", entry.id)
        assert entry.id == pii_id(entry.type, entry.value, secret)
    twice, more = redact(once, secret, PATTERNS)
    assert twice == once and more == []


@given(st.text(max_size=300))
def test_redaction_never_crashes_and_is_idempotent(text: str) -> None:
    once, _ = redact(text, SECRET, PATTERNS)
    assert redact(once, SECRET, PATTERNS)[0] == once
    assert all(ID_PATTERN.fullmatch(m.group(0)) for m in ID_PATTERN.finditer(once))
