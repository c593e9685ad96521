"""The §13 schema: role maps, secrets, regexes, intake overrides, layer merging."""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from steward.config.model import (
    BLOCKS,
    BodyFields,
    CveAuthority,
    Disclosure,
    Forwarder,
    Forwarders,
    Intake,
    Labels,
    Pgp,
    Tlp,
    Vulnogram,
)
from steward.config.profiles import merge, profile, static_defaults, substitute
from steward.domain.roles import DEFAULT_HEADINGS, DEFAULT_LABELS, TLP_LABELS, Field, Label
from steward.patterns import raw_defaults


def test_body_fields_cover_every_role_with_its_default_heading() -> None:
    fields = BodyFields()
    assert fields.as_map() == dict(DEFAULT_HEADINGS)
    assert len(BodyFields.model_fields) == len(Field)


def test_labels_cover_every_role_with_its_default_name() -> None:
    assert Labels().as_map() == dict(DEFAULT_LABELS)
    assert len(Labels.model_fields) == len(Label)
    assert Labels(pr_open="fix proposed").name(Label.PR_OPEN) == "fix proposed"


def test_tlp_values_match_the_domain_vocabulary() -> None:
    assert get_args(Tlp) == TLP_LABELS
    assert Disclosure().default_tlp == "TLP:AMBER+STRICT"


@pytest.mark.parametrize("ref", ["env:VULNOGRAM_TOKEN", "keyring:steward/vulnogram", "file:/etc/steward/token"])
def test_secret_references_are_accepted(ref: str) -> None:
    assert Vulnogram(token=ref).token == ref


def test_literal_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        Vulnogram(token="s3cr3t-token-value")
    error = caught.value.errors()[0]
    assert error["type"] == "steward"
    assert "s3cr3t-token-value" not in error["msg"]
    assert "env:NAME" in str(error["ctx"]["allowed"])


def test_default_secrets_are_references() -> None:
    assert Pgp().passphrase == "env:STEWARD_PGP_PASSPHRASE"


@given(st.text(max_size=40))
def test_secret_validation_never_crashes(text: str) -> None:
    try:
        Vulnogram(token=text)
    except ValidationError as exc:
        assert exc.errors()[0]["type"] in ("steward", "string_type")
    else:
        assert re.fullmatch(r"(env|keyring|file):.+", text, re.DOTALL)


def test_regex_keys_must_compile() -> None:
    with pytest.raises(ValidationError) as caught:
        Forwarder(sender_pattern="([a-z")
    assert "does not compile" in caught.value.errors()[0]["msg"]
    assert Forwarder(credit_patterns={"x": "(?P<credit>.+)"}).credit_patterns == {"x": "(?P<credit>.+)"}


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Forwarder.model_validate({"sender_patern": "x"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_intake_has_a_key_for_every_intake_entry_of_defaults() -> None:
    entries = {n.removeprefix("intake.") for n in raw_defaults()["entries"] if n.startswith("intake.")}
    assert entries == set(Intake.model_fields) - {"fts_prefilter"}


def test_cna_states_default_to_the_adapters_list() -> None:
    assert CveAuthority(tool="mitre-form").effective_states() == ("allocated", "public")
    assert CveAuthority(tool="none").effective_states() == ()
    assert CveAuthority(tool="ghsa", states=["allocated"]).effective_states() == ("allocated",)


def test_record_format_accepts_an_unquoted_yaml_number() -> None:
    assert CveAuthority.model_validate({"record_format": 5.2}).record_format == "5.2"


def test_forwarder_contact_is_one_or_a_list() -> None:
    assert Forwarder(contact="a@example.org").contacts() == ["a@example.org"]
    assert Forwarder(contact=["a@example.org", "@jdoe"]).contacts() == ["a@example.org", "@jdoe"]
    forwarders = Forwarders(asf_security=Forwarder(contact="a@example.org"))
    assert forwarders.adapter("asf-security") is forwarders.asf_security
    with pytest.raises(KeyError):
        forwarders.adapter("enabled")


def test_blocks_lists_the_mapping_keys() -> None:
    assert "tracker" in BLOCKS and "project" not in BLOCKS


def test_static_defaults_hold_default_maps() -> None:
    layer = static_defaults()
    assert layer["disclosure"]["target_days_by_severity"]["critical"] == 30
    assert layer["tracker"]["labels"]["pr_open"] == "pr created"
    assert "project" not in layer


def test_profiles_state_the_spec_table() -> None:
    asf = profile("asf")
    assert asf["cve_authority"]["tool"] == "vulnogram"
    assert asf["tracker"]["platform"] == "sql"
    assert profile("independent")["cve_authority"]["states"] == ["allocated", "public"]


def test_substitute_fills_only_named_placeholders() -> None:
    value = {"a": "x@<project>.example.org", "b": ["<users-list>", "<dev-list>"], "c": "<project>/<dev-list>"}
    filled = substitute(value, {"project": "w", "users-list": "u@example.org", "dev-list": None})
    assert filled == {"a": "x@w.example.org", "b": ["u@example.org"], "c": None}
    assert substitute(value, {})["a"] == "x@<project>.example.org"


layers = st.recursive(
    st.one_of(st.integers(), st.text(max_size=3), st.none()),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from("abc"), children, max_size=3)
    ),
    max_leaves=10,
)
maps = st.dictionaries(st.sampled_from("abcd"), layers, max_size=4)


@given(maps, maps)
def test_merge_is_idempotent_and_keeps_the_top_layer(base: dict[str, Any], over: dict[str, Any]) -> None:
    merged = merge(base, over)
    assert merge(merged, over) == merged
    assert merge(base, {}) == base
    for key, value in over.items():
        if not isinstance(value, dict):
            assert merged[key] == value
    for key in base:
        assert key in merged
