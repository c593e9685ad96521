"""Canned responses: every default renders, strict placeholders, null config keys refuse, overrides replace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sample_project import sample_config

from steward.comms.canned import (
    INLINE_ADDITION_HEADING,
    PLACEHOLDERS,
    REJECTION_SLUGS,
    SLUGS,
    default_text,
    inline_addition,
    lint_templates,
    load_template,
    placeholders_of,
    render,
)
from steward.config.model import ProjectConfig
from steward.errors import UsageError

FILLED = {
    "REPORTER_NAME": "Alex Example",
    "VERSION": "2.4.1",
    "TARGET_DATE": "2099-03-04 16:00 UTC",
    "CVE_ID": "CVE-2099-10001",
    "PR_URL": "https://github.com/example/widget/pull/42",
    "ADVISORY_URL": "https://lists.example.org/thread/abc",
    "RELEASE_URL": "https://example.org/widget/releases/2.4.1",
    "CREDIT_LINE": "Alex Example (Example Labs)",
    "QUESTIONS": "1. Which version did you test?\n2. Is the default configuration affected?",
    "DETAILED_EXPLANATION": "the parser only runs on trusted input.",
    "DUPLICATE_OF": "CVE-2099-10002",
    "ADVISORY_PREVIEW": "A draft of the advisory is below for your comments.",
}


def make_config(**overrides: Any) -> ProjectConfig:
    data = sample_config(
        product={
            "security_model_url": "https://widget.example.org/security-model",
            "press_contact": "press@widget.example.org",
        }
    )
    for block, values in overrides.items():
        data[block] = {**data.get(block, {}), **values} if isinstance(values, dict) else values
    return ProjectConfig.model_validate(data)


def test_sixteen_defaults_with_stable_slugs() -> None:
    assert len(SLUGS) == 16
    assert SLUGS[0] == "receipt-of-confirmation"
    assert SLUGS[15] == "duplicate-report"
    expected = {
        "negative-assessment",
        "automated-scanning-results",
        "consolidated-multi-issue-report",
        "media-request",
        "beg-bounty",
    }
    assert expected == REJECTION_SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_every_default_renders_fully(slug: str) -> None:
    used = placeholders_of(default_text(slug))
    assert used <= PLACEHOLDERS
    assert "SIGNATURE" in used
    text = render(slug, make_config(), FILLED)
    assert "{{" not in text
    assert "}}" not in text
    assert text.rstrip().endswith("The Example Widget security team")
    for name in used - {"SIGNATURE"}:
        value = FILLED.get(name)
        if value is not None:
            assert value in text


def test_default_texts_keep_the_spec_wording() -> None:
    receipt = " ".join(default_text("receipt-of-confirmation").split())
    assert "Hello {{ REPORTER_NAME }}, thanks for writing to the {{ PROJECT }} security team." in receipt
    assert "within {{ WINDOW_DAYS }} days" in receipt
    published = " ".join(default_text("cve-published").split())
    assert "https://www.cve.org/CVERecord?id={{ CVE_ID }}" in published


def test_lint_passes_on_the_defaults() -> None:
    assert lint_templates() == []


def test_signature_from_config() -> None:
    text = render("report-accepted", make_config(comms={"signature": "Robin, for the Widget team"}), FILLED)
    assert text.rstrip().endswith("Robin, for the Widget team")


def test_missing_placeholder_is_an_error() -> None:
    values = {k: v for k, v in FILLED.items() if k != "CVE_ID"}
    with pytest.raises(UsageError, match="CVE_ID"):
        render("cve-allocated", make_config(), values)


def test_none_value_counts_as_unfilled() -> None:
    with pytest.raises(UsageError, match="PR_URL"):
        render("fix-pr-opened", make_config(), {**FILLED, "PR_URL": None})


def test_optional_placeholders_have_defaults() -> None:
    text = render("release-scheduled", make_config(), {"VERSION": "2.4.1", "TARGET_DATE": "2099-03-04"})
    assert "\n\n\n" not in text
    assert "example-widget 2.4.1" in text
    dup = render("duplicate-report", make_config(), {"REPORTER_NAME": "Alex"})
    assert "an earlier report" in " ".join(dup.split())


@pytest.mark.parametrize(
    ("slug", "key", "block"),
    [
        ("negative-assessment", "product.security_model_url", {"security_model_url": None}),
        ("beg-bounty", "product.security_model_url", {"security_model_url": None}),
        ("media-request", "product.press_contact", {"press_contact": None}),
    ],
)
def test_null_config_key_refuses_naming_the_key(slug: str, key: str, block: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match=key.replace(".", r"\.")):
        render(slug, make_config(product=block), FILLED)


def test_event_values_cannot_fill_a_null_config_key() -> None:
    with pytest.raises(UsageError, match=r"product\.press_contact"):
        render("media-request", make_config(product={"press_contact": None}), {"PRESS_CONTACT": "x@example.org"})


def test_override_replaces_default(tmp_path: Path) -> None:
    (tmp_path / "report-accepted.txt").write_text("Hi {{ REPORTER_NAME }}, confirmed.\n\n{{ SIGNATURE }}\n")
    text = render("report-accepted", make_config(), FILLED, canned_dir=tmp_path)
    assert text.startswith("Hi Alex Example, confirmed.")
    assert "work on a fix has started" not in text
    assert render("cve-allocated", make_config(), FILLED, canned_dir=tmp_path).startswith("CVE-2099-10001")


def test_override_front_matter_signal_phrases(tmp_path: Path) -> None:
    (tmp_path / "media-request.txt").write_text(
        "---\nsignal_phrases: [press enquiry, journalist]\n---\nNo comment; ask {{ PRESS_CONTACT }}.\n"
    )
    template = load_template("media-request", tmp_path)
    assert template.signal_phrases == ("press enquiry", "journalist")
    assert template.text.startswith("No comment")
    assert load_template("negative-assessment", tmp_path).signal_phrases is None


def test_signal_phrases_only_on_rejection_templates(tmp_path: Path) -> None:
    (tmp_path / "cve-allocated.txt").write_text("---\nsignal_phrases: [x]\n---\n{{ CVE_ID }}\n")
    with pytest.raises(UsageError, match="signal_phrases"):
        load_template("cve-allocated", tmp_path)


@pytest.mark.parametrize(
    "text",
    [
        "Hello {{ NAME_TYPO }}",
        "{{ CVE_ID | upper }}",
        "{% if CVE_ID %}x{% endif %}",
        "{{ CVE_ID.__class__ }}",
        "{{ 1 + 1 }}",
        "{{ CVE_ID",
    ],
)
def test_override_with_bad_placeholder_is_rejected(tmp_path: Path, text: str) -> None:
    (tmp_path / "cve-allocated.txt").write_text(text)
    assert lint_templates(tmp_path)
    with pytest.raises(UsageError):
        render("cve-allocated", make_config(), FILLED, canned_dir=tmp_path)


def test_lint_reports_unknown_override_files(tmp_path: Path) -> None:
    (tmp_path / "recipt-of-confirmation.txt").write_text("typo in the slug\n")
    problems = lint_templates(tmp_path)
    assert len(problems) == 1
    assert "recipt-of-confirmation" in problems[0]


def test_unknown_slug() -> None:
    with pytest.raises(UsageError, match="slug"):
        load_template("thanks")


def test_values_are_not_template_code() -> None:
    text = render("cve-allocated", make_config(), {"CVE_ID": "{{ SIGNATURE }}\x1b[31m"})
    assert text.startswith("{{ SIGNATURE }} has been reserved")
    assert "\x1b" not in text


def test_inline_additions_go_before_the_signature() -> None:
    text = render("cve-allocated", make_config(), FILLED, additions=["Also: one more thing.\n\nSecond line."])
    head, _, tail = text.partition(INLINE_ADDITION_HEADING)
    assert "has been reserved" in head
    assert "> Also: one more thing.\n>\n> Second line." in tail
    assert tail.rstrip().endswith("The Example Widget security team")
    assert inline_addition("a\nb") == f"{INLINE_ADDITION_HEADING}\n> a\n> b"
