"""Loading project.yml: discovery, layers, provenance, one-line file:line errors, patterns_for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.config.loader import find_config, load_config, resolved_items
from steward.config.patterns_for import patterns_for
from steward.errors import ConfigError

BASE = """\
project: example-widget
product:
  name: Example Widget
  short_name: Widget
  vendor: Example Widget
  package_name: example-widget
security_inbox:
  address: security@widget.example.org
lists:
  users: users@widget.example.org
  announce: announce@widget.example.org
  dev: dev@widget.example.org
  private: private@widget.example.org
governance:
  escalation_contact: escalation@widget.example.org
tracker:
  upstream_repo: example/widget
mail_provider:
  source_uri: maildir:.steward/inbox
"""

ASF = """\
project: example-widget
organization: asf
product:
  name: Apache Example Widget
  short_name: Widget
  vendor: Apache Software Foundation
  package_name: apache-example-widget
governance:
  escalation_contact: private@example-widget.apache.org
forwarders:
  asf-security:
    contact: forwarder@widget.example.org
tracker:
  upstream_repo: apache/example-widget
mail_provider:
  source_uri: maildir:.steward/inbox
"""

ERROR = re.compile(r"^(?P<file>.+\.yml):(?P<line>\d+): (?P<key>\S+): (?P<problem>.+); allowed: (?P<allowed>.+)$")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".steward" / "project.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> re.Match[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    found = ERROR.match(message)
    assert found, message
    assert found["file"] == str(path)
    return found


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# ---------------------------------------------------------------- discovery


def test_find_config_walks_up_like_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    path = write(tmp_path, BASE)
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == path


def test_find_config_prefers_explicit_then_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, BASE)
    other = tmp_path / "other.yml"
    other.write_text(BASE, encoding="utf-8")
    env = tmp_path / "env.yml"
    env.write_text(BASE, encoding="utf-8")
    monkeypatch.setenv("STEWARD_CONFIG", str(env))
    assert find_config(tmp_path, other) == other
    assert find_config(tmp_path) == env


def test_find_config_without_a_file_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEWARD_CONFIG", raising=False)
    with pytest.raises(ConfigError, match=r"no \.steward/project\.yml in .* or its parents; run `steward init`"):
        find_config(tmp_path)
    with pytest.raises(ConfigError, match="no such file"):
        find_config(tmp_path, tmp_path / "missing.yml")


# ---------------------------------------------------------------- layers and provenance


def test_provenance_names_the_layer_of_each_key(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, ASF))
    assert loaded.provenance["product.name"] == "project"
    assert loaded.provenance["cve_authority.org_id"] == "profile:asf"
    assert loaded.provenance["disclosure.window_days"] == "default"
    assert loaded.provenance["tracker.repo"] == "default"
    assert loaded.root == tmp_path


def test_asf_profile_derives_addresses_from_the_project(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ASF)).config
    assert config.security_inbox.address == "security@example-widget.apache.org"
    assert config.lists.private == "private@example-widget.apache.org"
    assert config.governance.private_governance_list == "private@example-widget.apache.org"
    assert config.archive_system.announcement_lists == ["users@example-widget.apache.org", "announce@apache.org"]
    assert config.cve_authority.vulnogram.pmc == "example-widget"
    assert config.forwarders.enabled == ["asf-security"]
    assert config.tracker.platform == "sql" and config.tracker.board.kind == "embedded"


def test_project_overrides_profile_and_maps_merge_per_key(tmp_path: Path) -> None:
    text = ASF + "disclosure:\n  target_days_by_severity: {critical: 20}\nlists:\n  users: u@widget.example.org\n"
    loaded = load_config(write(tmp_path, text))
    days = loaded.config.disclosure.target_days_by_severity
    assert days["critical"] == 20 and days["high"] == 60
    assert loaded.provenance["disclosure.target_days_by_severity.critical"] == "project"
    assert loaded.provenance["disclosure.target_days_by_severity.high"] == "default"
    assert loaded.config.archive_system.announcement_lists[0] == "u@widget.example.org"


def test_independent_defaults_serve_out_of_the_box(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE)).config
    assert config.organization == "independent"
    assert config.cve_authority.tool == "mitre-form"
    assert config.tracker.repo == "example-widget/security"
    assert config.tracker.base_url == "http://127.0.0.1:8000/trackers/"
    assert config.mail_provider.drafts_uri == "maildir:.steward/drafts"
    assert config.comms.signature == "The example-widget security team"
    assert config.product.code_pointer_token == "widget"


def test_kebab_case_role_and_adapter_keys_are_accepted(tmp_path: Path) -> None:
    text = ASF.replace(
        "tracker:\n", "tracker:\n  body_fields:\n    cve-tool-link: CVE record\n  labels:\n    pr-open: fix pr\n"
    )
    text += "cve_authority:\n  tool: cve_services\n  cve-services:\n    api_key: env:CVE_API_KEY\n"
    config = load_config(write(tmp_path, text)).config
    assert config.tracker.body_fields.cve_tool_link == "CVE record"
    assert config.tracker.labels.pr_open == "fix pr"
    assert config.cve_authority.tool == "cve-services"
    assert config.cve_authority.cve_services.api_key == "env:CVE_API_KEY"
    assert config.forwarders.asf_security.contact == "forwarder@widget.example.org"


def test_resolved_items_show_secret_references(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VULNOGRAM_TOKEN", "resolved-value-must-not-appear")
    text = ASF + "cve_authority:\n  vulnogram:\n    token: env:VULNOGRAM_TOKEN\n"
    items = {key: (value, layer) for key, value, layer in resolved_items(load_config(write(tmp_path, text)))}
    assert items["cve_authority.vulnogram.token"] == ("env:VULNOGRAM_TOKEN", "project")
    assert items["foundation"] == ("Apache", "profile:asf")
    assert "resolved-value-must-not-appear" not in repr(items)


def test_planned_values_load_with_a_warning(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, BASE + "cve_authority:\n  publication_propagation: webhook\n"))
    assert any("publication_propagation" in w and "planned" in w for w in loaded.warnings)


# ---------------------------------------------------------------- errors


def test_unknown_key_names_file_line_key_and_allowed_keys(tmp_path: Path) -> None:
    text = BASE + "comms:\n  signatur: The team\n"
    found = error_of(tmp_path, text)
    assert int(found["line"]) == line_of(text, "signatur")
    assert found["key"] == "comms.signatur"
    assert found["problem"] == "unknown key"
    assert "signature" in found["allowed"] and "reporter_name_fallback" in found["allowed"]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    found = error_of(tmp_path, BASE + "trackers: {}\n")
    assert found["key"] == "trackers" and "cve_authority" in found["allowed"]


def test_wrong_value_lists_allowed_values(tmp_path: Path) -> None:
    text = BASE.replace("tracker:\n", "tracker:\n  platform: sqlite\n")
    found = error_of(tmp_path, text)
    assert int(found["line"]) == line_of(text, "sqlite")
    assert found["key"] == "tracker.platform"
    assert found["allowed"] == "sql, github"


def test_wrong_type(tmp_path: Path) -> None:
    text = BASE + "disclosure:\n  window_days: ninety\n"
    found = error_of(tmp_path, text)
    assert (found["key"], int(found["line"])) == ("disclosure.window_days", line_of(text, "ninety"))
    assert "integer" in found["allowed"]


def test_list_item_error_names_its_index(tmp_path: Path) -> None:
    text = BASE + "roster:\n  members:\n    - handle: jdoe\n      roles: [triager, remediation_developer, boss]\n"
    found = error_of(tmp_path, text)
    assert found["key"] == "roster.members[0].roles[2]"
    assert "remediation-developer" in found["allowed"]


def test_literal_secret_is_an_error_that_never_echoes_it(tmp_path: Path) -> None:
    text = BASE.replace("mail_provider:\n", "mail_provider:\n  password: hunter2-literal\n")
    found = error_of(tmp_path, text)
    assert found["key"] == "mail_provider.password"
    assert "hunter2" not in found.group(0)
    assert "env:NAME" in found["allowed"]


def test_regex_that_does_not_compile(tmp_path: Path) -> None:
    found = error_of(tmp_path, BASE + "scope_detection:\n  test_path_pattern: '(tests'\n")
    assert found["key"] == "scope_detection.test_path_pattern" and "does not compile" in found["problem"]


def test_missing_required_key(tmp_path: Path) -> None:
    text = BASE.replace("  vendor: Example Widget\n", "")
    found = error_of(tmp_path, text)
    assert found["key"] == "product.vendor" and found["problem"] == "missing required key"
    assert int(found["line"]) == line_of(text, "product:")


def test_enabled_forwarder_needs_a_contact(tmp_path: Path) -> None:
    found = error_of(tmp_path, ASF.replace("    contact: forwarder@widget.example.org\n", "    ack_forwarder: true\n"))
    assert found["key"] == "forwarders.asf_security.contact"


def test_unknown_forwarder_adapter(tmp_path: Path) -> None:
    found = error_of(tmp_path, BASE + "forwarders:\n  enabled: [bugcrowd]\n")
    assert found["key"] == "forwarders.enabled[0]" and "asf-security" in found["allowed"]


def test_github_platform_requires_repo(tmp_path: Path) -> None:
    found = error_of(tmp_path, BASE.replace("tracker:\n", "tracker:\n  platform: github\n"))
    assert found["key"] == "tracker.repo"


def test_duplicate_spellings_are_an_error(tmp_path: Path) -> None:
    text = BASE.replace("tracker:\n", "tracker:\n  labels:\n    pr-open: a\n    pr_open: b\n")
    found = error_of(tmp_path, text)
    assert found["key"] == "tracker.labels.pr_open" and int(found["line"]) == line_of(text, "pr_open")


def test_unknown_organisation(tmp_path: Path) -> None:
    found = error_of(tmp_path, BASE + "organization: eclipse\n")
    assert found["key"] == "organization" and found["allowed"] == "asf, independent"


def test_yaml_syntax_error_gives_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "comms: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:\d+: invalid YAML: "):
        load_config(path)


def test_a_non_mapping_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(write(tmp_path, "- a\n- b\n"))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_arbitrary_text_loads_or_gives_one_line(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    try:
        load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(path))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from(["comms", "disclosure", "tracker", "cve_authority", "product", "forwarders"]),
    st.text("abcdefghij_-", min_size=1, max_size=12),
    st.one_of(st.integers(), st.text(max_size=8), st.booleans(), st.lists(st.integers(), max_size=2)),
)
def test_arbitrary_keys_never_crash(tmp_path: Path, block: str, key: str, value: object) -> None:
    doc = yaml.safe_load(BASE)
    doc.setdefault(block, {})[key] = value
    path = write(tmp_path, yaml.safe_dump(doc))
    try:
        load_config(path)
    except ConfigError as exc:
        assert ERROR.match(str(exc)), str(exc)


# ---------------------------------------------------------------- patterns_for


def test_patterns_for_fills_placeholders_from_config(tmp_path: Path) -> None:
    patterns = patterns_for(load_config(write(tmp_path, BASE)).config)
    assert patterns["intake.product_mention"].hit("a bug in widget")
    assert patterns["intake.product_mention"].hit("see https://github.com/example/widget/issues")
    assert not patterns["intake.product_mention"].hit("a bug in gadget")
    assert patterns["intake.code_pointers"].hit("src/widget/api/auth.py")


def test_patterns_for_applies_config_overrides(tmp_path: Path) -> None:
    text = ASF.replace(
        "    contact: forwarder@widget.example.org\n",
        "    contact: forwarder@widget.example.org\n    sender_pattern: 'relay@example\\.org'\n",
    )
    text = text.replace("product:\n", "product:\n  trigger_phrases: [a tenant admin]\n")
    text += "credits:\n  bot_names: [widgetbot]\nintake:\n  spam_phrases: [miracle cure]\n"
    patterns = patterns_for(load_config(write(tmp_path, text)).config)
    sender = patterns["forwarders.asf_security.sender_pattern"]
    assert sender.hit("relay@example.org") and not sender.hit("security@apache.org")
    assert sender.use == "fullmatch"
    assert patterns["credits.bot_names"].equals("WidgetBot")
    assert not patterns["credits.bot_names"].equals("dependabot")
    assert patterns["intake.spam_phrases"].hit("Try this miracle  cure")
    assert patterns["summary.trigger_patterns"].hit("as a tenant admin you can")
    assert patterns["summary.trigger_patterns"].hit("an attacker with access")


def test_patterns_for_extra_placeholders(tmp_path: Path) -> None:
    patterns = patterns_for(load_config(write(tmp_path, BASE)).config, {"fix_version": "2.7.1"})
    assert patterns["summary.upgrade_target"].hit("Upgrade to Example Widget 2.7.1 or later.")
