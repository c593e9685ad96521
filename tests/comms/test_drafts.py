"""Reply drafts: threading, addressing per routing mode, markers, confidentiality and writing rules."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sample_project import sample_config

from steward.comms.canned import INLINE_ADDITION_HEADING
from steward.comms.drafts import (
    DEMO_LINE,
    KEY_HEADER,
    DraftEvent,
    Route,
    ThreadFacts,
    ThreadMessage,
    TrackerFacts,
    build_draft,
    check_outbound,
    clean_subject,
    consolidated_addition,
    credit_question_asked,
    header_value,
    is_relayed,
    merge_events,
    reply_subject,
    route,
    steward_key,
    thread_chain,
)
from steward.comms.sink import to_message
from steward.config.model import ProjectConfig
from steward.errors import Refused, UsageError

SECRET = bytes(range(32))
BASE: dict[str, Any] = sample_config(
    product={"security_model_url": "https://widget.example.org/security-model"},
    cve_authority={
        "tool": "vulnogram",
        "allocate_url": "https://cna.example.net/allocatecve",
        "record_url_template": "https://cna.example.net/cve5/{cve_id}",
    },
    forwarders={"enabled": ["asf-security"], "asf_security": {"contact": "relay-team@example.net"}},
    archive_system={"announcement_lists": ["announce@widget.example.org"]},
)

THREAD = ThreadFacts(
    root_subject="Fwd: RE: Re:  XSS in the widget\r\n template tag",
    root_from='"Alex Reporter" <alex@example.net>',
    messages=(
        ThreadMessage("<third@example.org>", datetime(2099, 1, 3, tzinfo=UTC)),
        ThreadMessage("<root@example.net>", datetime(2099, 1, 1, tzinfo=UTC)),
        ThreadMessage("second@example.org", datetime(2099, 1, 2, tzinfo=UTC)),
    ),
)


def make_config(**overrides: Any) -> ProjectConfig:
    data = dict(BASE)
    for block, values in overrides.items():
        data[block] = {**data.get(block, {}), **values} if isinstance(values, dict) else values
    return ProjectConfig.model_validate(data)


def event(template: str = "cve-allocated", **values: str) -> DraftEvent:
    return DraftEvent("12", template, values.get("CVE_ID", "CVE-2099-10001"), {"CVE_ID": "CVE-2099-10001", **values})


def facts(**changes: Any) -> TrackerFacts:
    return TrackerFacts(**{"tlp": "TLP:AMBER+STRICT", "thread": THREAD, **changes})


def build(ev: DraftEvent | None = None, tf: TrackerFacts | None = None, **kwargs: Any) -> Any:
    config = kwargs.pop("config", make_config())
    return build_draft(
        ev or event(),
        tf or facts(),
        config=config,
        secret=SECRET,
        route_=kwargs.pop("route_", Route("direct")),
        **kwargs,
    )


def test_direct_draft_is_threaded_and_addressed() -> None:
    built = build()
    draft = built.draft
    assert draft.subject == "Re: XSS in the widget template tag"
    assert draft.in_reply_to == "<third@example.org>"
    assert draft.references == ("<root@example.net>", "<second@example.org>", "<third@example.org>")
    assert draft.to == ("alex@example.net",)
    assert draft.cc == ("security@widget.example.org",)
    assert not draft.needs_rethreading
    assert built.warnings == ()


def test_body_begins_with_the_tlp_line() -> None:
    body = build().draft.body
    assert body.splitlines()[0] == "TLP:AMBER+STRICT"
    assert "CVE-2099-10001 has been reserved" in body


def test_demo_project_line_comes_first() -> None:
    lines = build(config=make_config(project_kind="demo")).draft.body.splitlines()
    assert lines[:2] == [DEMO_LINE, "TLP:AMBER+STRICT"]


def test_key_is_hmac_of_the_event_key() -> None:
    draft = build().draft
    expected = hmac.new(SECRET, b"12|cve-allocated|CVE-2099-10001", hashlib.sha256).hexdigest()[:32]
    assert draft.key == expected
    assert (KEY_HEADER, expected) in draft.headers
    assert re.fullmatch(r"[0-9a-f]{32}", draft.key)
    assert build().draft.key == draft.key
    assert steward_key(b"other secret", "12|cve-allocated|CVE-2099-10001") != draft.key
    with pytest.raises(UsageError):
        steward_key(b"", "x")


def test_relay_goes_to_the_forwarder_contact() -> None:
    built = build(route_=Route("via-forwarder", "asf-security"), relay_block=lambda text: f"Hi team,\n\n{text}")
    assert built.draft.to == ("relay-team@example.net",)
    assert built.draft.cc == ("security@widget.example.org",)
    assert built.draft.subject == "Re: XSS in the widget template tag"
    assert "Hi team," in built.draft.body
    assert built.draft.body.startswith("TLP:AMBER+STRICT\n")


def test_relay_without_contact_refuses_naming_the_key() -> None:
    config = make_config(forwarders={"enabled": ["asf-security"], "asf_security": {}})
    with pytest.raises(Refused, match=r"forwarders\.asf_security\.contact"):
        build(config=config, route_=Route("via-forwarder", "asf-security"))


def test_placeholder_forwarder_contact_refuses() -> None:
    config = make_config(
        forwarders={"enabled": ["asf-security"], "asf_security": {"contact": "forwarder@widget.invalid"}}
    )
    with pytest.raises(Refused, match=r"forwarders\.asf_security\.contact"):
        build(config=config, route_=Route("via-forwarder", "asf-security"))


def test_placeholder_security_list_refuses_naming_the_key() -> None:
    config = make_config(security_inbox={"address": "security@widget.invalid"})
    with pytest.raises(Refused, match=r"security_inbox\.address"):
        build(config=config)


def test_reporter_at_a_placeholder_address_refuses() -> None:
    thread = ThreadFacts("Report", "someone@example.invalid", (ThreadMessage("<r@example.invalid>"),))
    with pytest.raises(Refused, match="placeholder"):
        build(tf=facts(thread=thread))


def test_no_route_makes_no_draft() -> None:
    unverified = route(relay="asf-security", relay_verified=False)
    assert unverified.mode == "none"
    assert unverified.note == "No reporter notification: no reporter on this path (unverified relay)."
    with pytest.raises(Refused, match="unverified relay"):
        build(route_=unverified)


def test_routing_modes() -> None:
    assert route() == Route("direct")
    assert route(relay="asf-security", relay_verified=True) == Route("via-forwarder", "asf-security")
    assert route(relay="asf-security", routing_marker="asf-security").mode == "via-forwarder"
    assert route(ghsa_without_reply=True) == Route("via-forwarder", "ghsa")
    assert route(origin="pr").mode == "none"
    assert route(reporter_on_roster=True).mode == "none"


def test_relayed_events() -> None:
    assert is_relayed("cve-allocated")
    assert is_relayed("report-accepted")
    assert not is_relayed("fix-pr-opened")
    assert not is_relayed("cve-published")
    assert not is_relayed("receipt-of-confirmation")
    assert is_relayed("receipt-of-confirmation", ack_forwarder=True)


def test_reply_to_is_never_used_but_warned_about() -> None:
    thread = ThreadFacts(THREAD.root_subject, THREAD.root_from, THREAD.messages, "Other <other@example.net>")
    built = build(tf=facts(thread=thread))
    assert built.draft.to == ("alex@example.net",)
    assert any("Reply-To" in w and "other@example.net" in w for w in built.warnings)


def test_without_thread_facts_the_draft_needs_rethreading() -> None:
    built = build(tf=facts(thread=None, reporter_address="alex@example.net", title="XSS in the widget"))
    assert built.draft.in_reply_to is None
    assert built.draft.references == ()
    assert built.draft.needs_rethreading
    assert any("needs re-threading" in w for w in built.warnings)
    assert "In-Reply-To" not in to_message(built.draft)


def test_reporter_name_from_root_from() -> None:
    body = build(event("report-accepted")).draft.body
    assert "Hello Alex Reporter," in body
    nameless = ThreadFacts("Report", "alex@example.net", (ThreadMessage("<r@example.net>"),))
    assert "Hello there," in build(event("report-accepted"), facts(thread=nameless)).draft.body


def test_tracker_url_only_with_reporter_access() -> None:
    url = "http://127.0.0.1:8000/trackers/12"
    ev = event("fix-pr-opened", PR_URL=url)
    with pytest.raises(Refused, match=r"127\.0\.0\.1"):
        build(ev)
    allowed = build(ev, config=make_config(tracker={"reporter_has_access": True}))
    assert url in allowed.draft.body


def test_cna_tool_url_never_appears() -> None:
    for url in ("https://cna.example.net/cve5/CVE-2099-10001", "https://cna.example.net/anything"):
        with pytest.raises(Refused, match=r"cna\.example\.net"):
            build(event("fix-pr-opened", PR_URL=url), config=make_config(tracker={"reporter_has_access": True}))


def test_cve_org_link_only_after_publication() -> None:
    with pytest.raises(Refused, match=r"cve\.org"):
        build(event("fix-pr-opened", PR_URL="https://www.cve.org/CVERecord?id=CVE-2099-10001"))
    body = build(event("cve-published")).draft.body
    assert "https://www.cve.org/CVERecord?id=CVE-2099-10001" in body


def test_public_list_refused_unless_clear() -> None:
    with pytest.raises(Refused, match="public list"):
        build(extra_recipients=["announce@widget.example.org"])
    clear = build(tf=facts(tlp="TLP:CLEAR"), extra_recipients=["announce@widget.example.org"])
    assert "announce@widget.example.org" in clear.draft.cc
    advisory = build(extra_recipients=["announce@widget.example.org"], advisory_after_release=True)
    assert advisory.draft.body.startswith("TLP:CLEAR\n")


def test_unknown_tlp_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="TLP"):
        build(tf=facts(tlp="AMBER"))


def test_encrypted_reporter_is_marked() -> None:
    fpr = "0123456789ABCDEF0123456789ABCDEF01234567"
    lines = build(tf=facts(reporter_encrypted=True, reporter_fingerprint=fpr)).draft.body.splitlines()
    assert lines[0] == "TLP:AMBER+STRICT"
    assert lines[1] == f"ENCRYPT BEFORE SENDING — reporter key {fpr}"
    unknown = build(tf=facts(reporter_encrypted=True)).draft.body
    assert "ENCRYPT BEFORE SENDING — reporter key fingerprint unknown" in unknown
    receipt = build(event("receipt-of-confirmation"), facts(reporter_encrypted=True)).draft.body
    assert "decrypted on arrival" in receipt
    assert "the team's own server" in receipt


def test_consolidated_receipt_asks_the_credit_question_once() -> None:
    addition = consolidated_addition(["XSS in the template tag", "Path traversal in the loader"])
    body = build(event("receipt-of-confirmation"), additions=[addition]).draft.body
    assert INLINE_ADDITION_HEADING in body
    assert "> - Path traversal in the loader" in body
    assert body.count("How would you like to be credited") == 1


def test_credit_question_folded_into_a_milestone() -> None:
    body = build(ask_credit=True).draft.body
    assert "How would you like to be credited" in body
    assert credit_question_asked([body])
    assert not credit_question_asked(["Thanks for the report."])


def test_unfilled_placeholder_never_reaches_a_draft() -> None:
    with pytest.raises(UsageError, match="PR_URL"):
        build(event("fix-pr-opened"))


@pytest.mark.parametrize(
    "template",
    [
        "receipt-of-confirmation",
        "report-accepted",
        "cve-allocated",
        "fix-pr-opened",
        "fix-pr-merged",
        "release-scheduled",
        "release-shipped-advisory-sent",
        "credit-correction",
        "additional-information-requested",
        "duplicate-report",
        "negative-assessment",
    ],
)
def test_drafts_pass_the_writing_rules(template: str) -> None:
    ev = event(
        template,
        PR_URL="https://github.com/example/widget/pull/42",
        VERSION="2.4.1",
        TARGET_DATE="2099-03-04",
        RELEASE_URL="https://widget.example.org/releases/2.4.1",
        ADVISORY_URL="https://lists.example.org/thread/abc",
        CREDIT_LINE="Alex Reporter",
        QUESTIONS="Which version?",
        DETAILED_EXPLANATION="it needs a trusted operator.",
    )
    draft = build(ev).draft
    assert "{{" not in draft.body
    assert "127.0.0.1:8000/trackers" not in draft.body
    assert "cna.example.net" not in draft.body
    assert check_outbound(draft.body, ["https://cna.example.net/", "http://127.0.0.1:8000/trackers/"]) == []


def test_check_outbound_finds_each_rule() -> None:
    assert check_outbound("see {{ CVE_ID }}", []) != []
    assert check_outbound("see [the fix](https://example.org/pull/1)", []) != []
    assert check_outbound("see example/widget#42", []) != []
    assert check_outbound("see https://github.com/example/widget/pull/42#issuecomment-1", []) == []
    assert check_outbound("at https://cna.example.net/x", ["cna.example.net"]) != []
    assert check_outbound("at https://other.example.net/cna.example.net", ["cna.example.net"]) == []
    assert check_outbound("a\n\nb\n\nc\n\nd", [], max_paragraphs=3) != []
    assert check_outbound("a\n\nb\n\nc", [], max_paragraphs=3) == []


def test_merge_events_uses_the_most_advanced_template() -> None:
    opened = DraftEvent("12", "fix-pr-opened", "pr", {"PR_URL": "https://github.com/example/widget/pull/42"})
    merged = DraftEvent("12", "fix-pr-merged", "pr", {"VERSION": "2.4.1"})
    result = merge_events([merged, opened])
    assert result.template == "fix-pr-merged"
    assert result.values == {"PR_URL": "https://github.com/example/widget/pull/42", "VERSION": "2.4.1"}
    with pytest.raises(UsageError):
        merge_events([opened, DraftEvent("13", "cve-allocated", "x")])


def test_thread_chain_orders_by_date() -> None:
    assert thread_chain(THREAD.messages)[-1] == "<third@example.org>"
    with pytest.raises(UsageError):
        thread_chain([ThreadMessage("not an id")])


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Re: Fwd: report", "report"),
        ("RE:re:FW:  report", "report"),
        ("Re[2]: report", "report"),
        ("report: Re: detail", "report: Re: detail"),
        ("  ", ""),
    ],
)
def test_clean_subject_examples(raw: str, clean: str) -> None:
    assert clean_subject(raw) == clean


@given(st.text())
def test_clean_subject_is_idempotent(text: str) -> None:
    once = clean_subject(text)
    assert clean_subject(once) == once
    assert clean_subject(reply_subject(text)) in (once, "(no subject)")
    assert reply_subject(reply_subject(text)) == reply_subject(text)


@given(st.text())
def test_header_value_has_no_line_breaks(text: str) -> None:
    value = header_value(text)
    assert "\r" not in value
    assert "\n" not in value
    assert header_value(value) == value


@given(st.text(), st.text(alphabet=st.characters(blacklist_characters="{}%#[]")))
def test_no_header_injection_through_subject_or_reporter_name(subject: str, name: str) -> None:
    thread = ThreadFacts(subject, "alex@example.net", (ThreadMessage("<root@example.net>"),))
    draft = build(event("report-accepted", REPORTER_NAME=name), facts(thread=thread)).draft
    parsed = message_from_bytes(to_message(draft).as_bytes(), policy=policy.default)
    names = sorted(k.lower() for k in parsed)
    assert names == sorted(
        [
            "to",
            "cc",
            "subject",
            "in-reply-to",
            "references",
            "x-steward-key",
            "content-type",
            "content-transfer-encoding",
            "mime-version",
        ]
    )
    assert "\n" not in str(parsed["Subject"])
