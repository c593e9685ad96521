"""Forwarder adapters (§5.8): exact sender match, preamble window, credit patterns, verified relays.

All relay mails here are synthetic: they imitate the shape of each platform's notification, with invented
people and example domains; the platform sender addresses are the ones defaults.yml itself uses as examples.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mail_builders import MX, config_data, parsed_message

from steward.config.model import ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.errors import ConfigError
from steward.intake.message import ParsedMessage
from steward.intake.relays import ADAPTERS, adapters_for, detect_relay, roster_relay_warnings
from steward.intake.relays.trust import parse_authentication_results, verify_relay

BASE = config_data(
    security_inbox={"trusted_authserv_id": MX},
    forwarders={
        "enabled": ["asf-security", "huntr", "hackerone", "ghsa"],
        "asf_security": {"contact": "relay-team@example.net"},
        "hackerone": {"trusted_arc_sealers": ["arc.example.net"]},
    },
)
CONFIG = ProjectConfig.model_validate(BASE)
PATTERNS = patterns_for(CONFIG)
ADAPTER_LIST = adapters_for(CONFIG, PATTERNS)
BY_NAME = {a.name: a for a in ADAPTER_LIST}

# synthetic
ASF_BODY = (
    "Dear PMC,\n\nThe security vulnerability report below has been received by the security team and is being "
    "passed to you for action.\n\n-------- Forwarded Message --------\nSubject: XSS in widget\nFrom: Jane Doe "
    "<jane@reporter.example.net>\n\nThe login form of widget reflects the next parameter unescaped.\n"
    "Steps to reproduce: open /login?next=<script>.\n\nThis vulnerability was discovered and reported by "
    "Jane Doe of Example Corp.\n"
)
# synthetic
HUNTR_BODY = (
    "A new report was submitted: https://huntr.com/bounties/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b\n\n"
    "Researcher: Sam Example\n\nPath traversal in src/widget/files.py lets a user read any file.\n"
)
# synthetic
HACKERONE_BODY = (
    "New report https://hackerone.com/reports/123456\n\nReporter: @samx\n\nSSRF via the webhook URL setting.\n"
)
# synthetic
GHSA_BODY = (
    "A draft advisory: https://github.com/example/widget/security/advisories/GHSA-2c2h-4x8r-9w5q\n\n"
    "@janed opened a draft advisory\n\nRace in the token refresh of widget/api/auth.py.\n"
)


def msg(
    body: str,
    from_addr: str,
    *,
    from_name: str | None = None,
    auth: tuple[str, ...] = (),
    subject: str = "Report",
) -> ParsedMessage:
    return parsed_message(
        body,
        subject=subject,
        from_addr=from_addr,
        from_name=from_name,
        mid="<relay-1@mail.example.net>",
        auth=auth,
    )


SHAPES = [
    ("asf-security", "security@apache.org", ASF_BODY),
    ("huntr", "no-reply@huntr.com", HUNTR_BODY),
    ("hackerone", "no-reply@hackerone.com", HACKERONE_BODY),
    ("ghsa", "notifications@github.com", GHSA_BODY),
]


@pytest.mark.parametrize(("name", "sender", "body"), SHAPES)
def test_each_platform_shape_is_detected_by_its_adapter_only(name: str, sender: str, body: str) -> None:
    message = msg(body, sender)
    found = detect_relay(message, ADAPTER_LIST)
    assert found is not None and found.name == name
    assert [a.name for a in ADAPTER_LIST if a.detect(message)] == [name]


@pytest.mark.parametrize(
    "sender",
    ["security@apache.org.evil.example", "security@mail.apache.org", "x@huntr.com.evil.example", "noreply@github.com"],
)
def test_sender_must_fullmatch(sender: str) -> None:
    for _, _, body in SHAPES:
        assert detect_relay(msg(body, sender), ADAPTER_LIST) is None


def test_display_name_spoofing_is_refused() -> None:
    spoof = msg(ASF_BODY, "mallory@attacker.example.net", from_name="security@apache.org")
    assert detect_relay(spoof, ADAPTER_LIST) is None


def test_preamble_only_counts_in_the_first_400_characters() -> None:
    late = "x" * 400 + ASF_BODY
    assert detect_relay(msg(late, "security@apache.org"), ADAPTER_LIST) is None
    early = "x" * (400 - len("Dear PMC,\n\nThe security vulnerability report") - 1) + "\n" + ASF_BODY
    assert detect_relay(msg(early, "security@apache.org"), ADAPTER_LIST) is not None


def test_sender_alone_is_not_a_relay() -> None:
    assert detect_relay(msg("Hello, a plain mail.", "security@apache.org"), ADAPTER_LIST) is None


def test_first_enabled_adapter_wins() -> None:
    config = ProjectConfig.model_validate({**BASE, "forwarders": {"enabled": ["huntr", "asf-security"]}})
    adapters = adapters_for(config, patterns_for(config))
    assert [a.name for a in adapters] == ["huntr", "asf-security"]


def test_unknown_enabled_adapter_aborts() -> None:
    config = ProjectConfig.model_validate({**BASE, "forwarders": {"enabled": ["carrier-pigeon"]}})
    with pytest.raises(ConfigError, match="carrier-pigeon"):
        adapters_for(config, patterns_for(config))


def test_sender_pattern_override_is_used() -> None:
    config = ProjectConfig.model_validate(
        {
            **BASE,
            "forwarders": {
                "enabled": ["asf-security"],
                "asf_security": {"sender_pattern": r"relay@foundation\.example\.org"},
            },
        }
    )
    adapters = adapters_for(config, patterns_for(config))
    assert detect_relay(msg(ASF_BODY, "relay@foundation.example.org"), adapters) is not None
    assert detect_relay(msg(ASF_BODY, "security@apache.org"), adapters) is None


@pytest.mark.parametrize(
    ("name", "body", "credit", "kind"),
    [
        ("asf-security", ASF_BODY, "Jane Doe of Example Corp", "human"),
        ("huntr", HUNTR_BODY, "Sam Example", "human"),
        ("hackerone", HACKERONE_BODY, "samx", "human"),
        ("ghsa", GHSA_BODY, "janed", "human"),
        ("asf-security", "Credit: acme-bot\n", "acme-bot", "tool"),
    ],
)
def test_extract_credit(name: str, body: str, credit: str, kind: str) -> None:
    found = BY_NAME[name].extract_credit(body)
    assert found is not None
    assert (found.name, found.kind) == (credit, kind)
    assert credit in found.raw


def test_blank_credit_group_is_no_match_and_later_patterns_are_tried() -> None:
    body = "Credit:   \nReported by: Kim Example\n"
    found = BY_NAME["asf-security"].extract_credit(body)
    assert found is not None and found.name == "Kim Example"
    assert BY_NAME["asf-security"].extract_credit("Credit:   \n") is None


def test_question_mode_and_contact() -> None:
    assert BY_NAME["asf-security"].via_forwarder_question_mode is True
    assert {a.name: a.via_forwarder_question_mode for a in ADAPTER_LIST if a.name != "asf-security"} == {
        "huntr": False,
        "hackerone": False,
        "ghsa": False,
    }
    assert BY_NAME["asf-security"].contact == ("relay-team@example.net",)
    assert BY_NAME["huntr"].contact == ()
    assert ADAPTERS["asf-security"].shipped and not ADAPTERS["huntr"].shipped


def test_inner_body_drops_preamble_and_forward_headers() -> None:
    inner = BY_NAME["asf-security"].inner_body(ASF_BODY)
    assert inner.startswith("The login form of widget")
    assert "Dear PMC" not in inner and "Forwarded Message" not in inner


def test_inner_body_unquotes_a_fully_quoted_report() -> None:
    body = "Dear PMC,\n\nThe security vulnerability report below.\n\n> Line one\n>\n> Line two\n"
    assert BY_NAME["asf-security"].inner_body(body) == "Line one\n\nLine two"


def test_reporter_addressing_block_shape() -> None:
    text = BY_NAME["asf-security"].reporter_addressing_block(
        "Ana",
        "Jane",
        [("Report", "https://lists.example.org/thread/1")],
        "Hello Someone,\n\nThanks for the report.\n\nThe Example Widget security team",
        sender="Bo",
    )
    assert text == (
        "Hi Ana,\n\nReport: https://lists.example.org/thread/1\n\n---\nHello Jane,\n\nThanks for the report.\n\n"
        "The Example Widget security team\n---\n\nThanks,\nBo\n"
    )


def test_roster_relay_sender_warns() -> None:
    assert roster_relay_warnings(ADAPTER_LIST, ["security@apache.org", "ana@widget.example.org"]) == [
        "roster address security@apache.org matches the asf-security relay sender pattern"
    ]


# ---------------------------------------------------------------------------------------------- trust


def test_dkim_pass_for_from_domain_from_trusted_server_verifies() -> None:
    auth = (f"{MX}; dkim=pass header.d=apache.org header.s=sel; spf=pass smtp.mailfrom=apache.org",)
    trust = verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX)
    assert trust.verified and "dkim=pass for apache.org" in trust.reason


def test_dkim_header_i_counts() -> None:
    auth = (f"{MX}; dkim=pass (good signature) header.i=@apache.org",)
    assert verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


def test_missing_header_is_unverified() -> None:
    assert not verify_relay(msg(ASF_BODY, "security@apache.org"), MX).verified


def test_no_trusted_id_configured_is_unverified() -> None:
    auth = (f"{MX}; dkim=pass header.d=apache.org",)
    assert not verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), None).verified


def test_other_authserv_id_is_ignored() -> None:
    auth = ("mx.attacker.example.net; dkim=pass header.d=apache.org",)
    assert not verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


def test_only_the_topmost_trusted_header_counts() -> None:
    auth = (f"{MX}; dkim=fail header.d=apache.org", f"{MX}; dkim=pass header.d=apache.org")
    assert not verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


@pytest.mark.parametrize(
    "result",
    [
        "dkim=pass header.d=evil.example.net",
        "dkim=pass header.d=apache.org.evil.example",
        "dkim=neutral header.d=apache.org",
    ],
)
def test_dkim_for_another_domain_or_not_pass_is_unverified(result: str) -> None:
    auth = (f"{MX}; {result}",)
    assert not verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


def test_dkim_pass_in_a_comment_does_not_count() -> None:
    auth = (f"{MX}; dkim=fail (dkim=pass header.d=apache.org) header.d=apache.org",)
    assert not verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


def test_arc_pass_needs_a_listed_sealer() -> None:
    sealed = (f"{MX}; dkim=none; arc=pass header.d=arc.example.net",)
    message = msg(HACKERONE_BODY, "no-reply@hackerone.com", auth=sealed)
    assert verify_relay(message, MX, BY_NAME["hackerone"].trusted_arc_sealers).verified
    assert not verify_relay(message, MX, ()).verified
    other = (f"{MX}; arc=pass header.d=sealer.example.org",)
    assert not verify_relay(msg(HACKERONE_BODY, "no-reply@hackerone.com", auth=other), MX, ["arc.example.net"]).verified


def test_authserv_id_is_case_insensitive() -> None:
    auth = ("MX.Widget.Example.ORG 1; DKIM=Pass header.d=Apache.Org",)
    assert verify_relay(msg(ASF_BODY, "security@apache.org", auth=auth), MX).verified


@given(st.text(max_size=300))
def test_parser_never_crashes(value: str) -> None:
    header = parse_authentication_results(value)
    assert header is None or isinstance(header.authserv_id, str)
