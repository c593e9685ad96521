"""`config check`: placeholders, relay trust, adapters, demo CNA, git-tracked private data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from steward.config.check import check_config
from steward.config.loader import LoadedConfig, load_config
from steward.config.template import render_project_yml


def init(
    tmp_path: Path, profile: str = "independent", extra: str = "", replace: tuple[tuple[str, str], ...] = ()
) -> LoadedConfig:
    """Write what `init` writes, edited (`replace` old → new, then `extra` appended), and load it."""
    text = render_project_yml(profile, "Example Widget", None, "jdoe")
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / ".steward" / "project.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + extra, encoding="utf-8")
    return load_config(path)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.mark.parametrize("profile", ["asf", "independent"])
def test_fresh_init_passes_with_warnings_only(tmp_path: Path, profile: str) -> None:
    report = check_config(init(tmp_path, profile), None)
    assert report.errors == [] and report.ok
    assert report.warnings


def test_every_placeholder_is_a_warning_naming_its_key(tmp_path: Path) -> None:
    warnings = check_config(init(tmp_path), None).warnings
    for key in (
        "security_inbox.address",
        "lists.users",
        "lists.private",
        "governance.escalation_contact",
        "tracker.upstream_repo",
    ):
        assert any(w.startswith(f"{key}: placeholder") for w in warnings), key
    assert any("invalid/example-widget" in w for w in warnings)


def test_asf_placeholder_and_untrusted_relay_warnings(tmp_path: Path) -> None:
    warnings = check_config(init(tmp_path, "asf"), None).warnings
    assert any(w.startswith("forwarders.asf_security.contact: placeholder") for w in warnings)
    assert any(w.startswith("security_inbox.trusted_authserv_id:") for w in warnings)
    assert not any(w.startswith("lists.") for w in warnings)


def test_trusted_authserv_id_silences_the_relay_warning(tmp_path: Path) -> None:
    edit = (("security_inbox:\n", "security_inbox:\n  trusted_authserv_id: mx.example.org\n"),)
    loaded = init(tmp_path, "asf", replace=edit)
    assert not any("trusted_authserv_id" in w for w in check_config(loaded, None).warnings)


def test_specified_forwarder_is_a_warning(tmp_path: Path) -> None:
    extra = "forwarders:\n  enabled: [huntr]\n  huntr:\n    contact: '@jdoe'\n"
    warnings = check_config(init(tmp_path, extra=extra), None).warnings
    assert any("'huntr' is a specified adapter" in w for w in warnings)


def test_demo_cna_in_a_real_project_is_an_error(tmp_path: Path) -> None:
    report = check_config(init(tmp_path, replace=(("tool: none", "tool: demo"),)), None)
    assert any("cve_authority.tool: 'demo'" in e for e in report.errors)
    demo = init(tmp_path, replace=(("tool: none", "tool: demo"),), extra="project_kind: demo\n")
    assert check_config(demo, None).ok


def test_adapter_not_shipped_yet_is_a_warning(tmp_path: Path) -> None:
    edit = (("primary: maildir\n", "primary: maildir\n  fallback: ponymail\n"),)
    warnings = check_config(init(tmp_path, replace=edit), None).warnings
    assert any(w.startswith("mail_provider.fallback: adapter 'ponymail'") for w in warnings)


def test_archive_kinds_need_their_address_or_folder(tmp_path: Path) -> None:
    pony = check_config(init(tmp_path, replace=(("kind: none", "kind: ponymail"),)), None)
    assert any("archive_system.base_url is required with kind ponymail" in e for e in pony.errors)
    folder = check_config(init(tmp_path, replace=(("kind: none", "kind: mbox-dir\n  path: archive"),)), None)
    assert any("archive_system.path" in e and "is not a folder" in e for e in folder.errors)
    (tmp_path / "archive").mkdir()
    assert check_config(init(tmp_path, replace=(("kind: none", "kind: mbox-dir\n  path: archive"),)), None).ok
    assert not any("archive_system" in w for w in pony.warnings)


def test_planned_value_is_a_warning(tmp_path: Path) -> None:
    edit = (("primary: maildir", "primary: gmail"), ("source_uri: maildir:.steward/inbox", "source_uri: gmail:INBOX"))
    warnings = check_config(init(tmp_path, replace=edit), None).warnings
    assert any(w.startswith("mail_provider.primary: 'gmail' is planned") for w in warnings)


def test_git_tracked_store_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    loaded = init(tmp_path)
    git(tmp_path, "init", "-q")
    (tmp_path / ".steward" / "steward.db").write_bytes(b"SQLite format 3\0")
    (tmp_path / ".steward" / "steward.db-wal").write_bytes(b"")
    git(tmp_path, "add", ".steward/project.yml")
    assert check_config(loaded, tmp_path).ok
    git(tmp_path, "add", "-f", ".steward/steward.db", ".steward/steward.db-wal")
    errors = check_config(loaded, tmp_path).errors
    assert len(errors) == 2
    assert any("git rm --cached .steward/steward.db-wal" in e for e in errors)
    assert all(e.startswith(".steward/steward.db") for e in errors)


def test_git_tracked_maildir_files_are_errors(tmp_path: Path) -> None:
    loaded = init(tmp_path)
    git(tmp_path, "init", "-q")
    message = tmp_path / ".steward" / "inbox" / "cur" / "1.eml"
    message.parent.mkdir(parents=True)
    message.write_text("Subject: x\n\nbody\n", encoding="utf-8")
    drafts = tmp_path / ".steward" / "drafts" / "new" / "2.eml"
    drafts.parent.mkdir(parents=True)
    drafts.write_text("Subject: y\n\nbody\n", encoding="utf-8")
    git(tmp_path, "add", "-f", ".")
    errors = check_config(loaded, tmp_path).errors
    assert any(e.startswith(".steward/inbox/cur/1.eml:") for e in errors)
    assert any("git rm --cached .steward/drafts/new/2.eml" in e for e in errors)
    assert not any("project.yml" in e for e in errors)


def test_git_tracked_secret_file_is_an_error(tmp_path: Path) -> None:
    loaded = init(
        tmp_path, replace=(("  tool: none", "  tool: none\n  vulnogram:\n    token: file:secrets/vulnogram.token"),)
    )
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "vulnogram.token").write_text("x", encoding="utf-8")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "secrets/vulnogram.token")
    errors = check_config(loaded, tmp_path).errors
    assert errors and errors[0].startswith("secrets/vulnogram.token:")


def test_outside_a_git_repository_the_check_is_skipped_with_a_warning(tmp_path: Path) -> None:
    report = check_config(init(tmp_path), tmp_path)
    assert report.ok
    assert any("could not ask git" in w for w in report.warnings)
