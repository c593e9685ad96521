"""The project.yml `steward init` writes (spec §13.2, §13.3)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.config.check import check_config
from steward.config.loader import LoadedConfig, load_config
from steward.config.template import render_project_yml, slug
from steward.domain.roles import Role


def load(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / ".steward" / "project.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_slug_lower_cases_and_hyphenates() -> None:
    assert slug("  Example  Widget ") == "example-widget"
    assert slug("Widget") == "widget"


def test_asf_writes_the_13_3_values(tmp_path: Path) -> None:
    config = load(tmp_path, render_project_yml("asf", "Example Widget", None, "jdoe")).config
    assert config.project == "example-widget"
    assert config.product.name == "Apache Example Widget" and config.product.short_name == "Example Widget"
    assert config.product.vendor == "Apache Software Foundation"
    assert config.product.package_name == "apache-example-widget"
    assert config.security_inbox.address == "security@example-widget.apache.org"
    assert config.governance.escalation_contact == "private@example-widget.apache.org"
    assert config.forwarders.asf_security.contact == "forwarder@example-widget.invalid"
    assert config.tracker.upstream_repo == "apache/example-widget"
    assert config.cve_authority.tool == "none" and config.archive_system.kind == "none"
    assert config.tracker.platform == "sql" and config.tracker.board.kind == "embedded"
    assert config.mail_provider.primary == "maildir"
    assert config.mail_provider.source_uri == "maildir:.steward/inbox"


def test_independent_writes_placeholders(tmp_path: Path) -> None:
    config = load(tmp_path, render_project_yml("independent", "Example Widget", None, "jdoe")).config
    assert config.product.name == "Example Widget" and config.product.vendor == "Example Widget"
    assert config.product.package_name == "example-widget"
    assert config.security_inbox.address == "security@example-widget.invalid"
    assert config.lists.announce == "announce@example-widget.invalid"
    assert config.governance.escalation_contact == "escalation@example-widget.invalid"
    assert config.tracker.upstream_repo == "invalid/example-widget"
    assert config.cve_authority.tool == "none"


def test_security_list_option_wins(tmp_path: Path) -> None:
    text = render_project_yml("independent", "Widget", "security@widget.example.org", "jdoe")
    assert load(tmp_path, text).config.security_inbox.address == "security@widget.example.org"
    assert "security@widget.example.org  # TODO" not in text


@pytest.mark.parametrize("profile", ["asf", "independent"])
def test_every_placeholder_line_has_a_todo(profile: str) -> None:
    for line in render_project_yml(profile, "Example Widget", None, "jdoe").splitlines():
        if not line.lstrip().startswith("#") and (".invalid" in line or "invalid/" in line):
            assert "# TODO" in line, line


def test_asf_comments_show_how_to_switch_cna_and_archive() -> None:
    text = render_project_yml("asf", "Example Widget", None, "jdoe")
    cna = text[text.index("cve_authority:") : text.index("  tool: none")]
    archive = text[text.index("archive_system:") : text.index("  kind: none")]
    assert "vulnogram" in cna and "ponymail" in archive


@pytest.mark.parametrize("profile", ["asf", "independent"])
def test_identity_is_on_the_roster_with_every_role(tmp_path: Path, profile: str) -> None:
    config = load(tmp_path, render_project_yml(profile, "Example Widget", None, "jane-doe")).config
    member = config.roster.member("jane-doe")
    assert member is not None and set(member.roles) == set(Role)


def test_yaml_special_characters_in_the_name_are_quoted(tmp_path: Path) -> None:
    text = render_project_yml("independent", 'Widget: "Pro" #1', None, "yes")
    doc = yaml.safe_load(text)
    assert doc["product"]["short_name"] == 'Widget: "Pro" #1'
    assert doc["roster"]["members"][0]["handle"] == "yes"


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="allowed: asf, independent"):
        render_project_yml("eclipse", "Widget", None, "jdoe")


names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", min_size=1, max_size=30).filter(
    lambda s: (
        any(c.isalnum() for c in s)
        and "--" not in slug(s)
        and not slug(s).startswith("-")
        and not slug(s).endswith("-")
    )
)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["asf", "independent"]), names)
def test_any_plain_name_loads_and_checks_with_warnings_only(tmp_path: Path, profile: str, name: str) -> None:
    loaded = load(tmp_path, render_project_yml(profile, name, None, "jdoe"))
    assert loaded.config.product.short_name == name.strip()
    report = check_config(loaded, None)
    assert report.errors == []
    assert report.warnings
