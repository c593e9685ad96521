"""`steward config check`: the rules a valid schema alone cannot express (spec §13, §13.2, §13.3).

Placeholders, unverifiable relays and adapters this build lacks are warnings (exit 0);
a demo CNA in a real project and private material tracked by git are errors (exit 2).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from steward.config.loader import CONFIG_DIR, LoadedConfig, resolved_items
from steward.config.model import PLANNED, SPECIFIED_FORWARDERS, ProjectConfig

BUILT_IN: dict[str, frozenset[str]] = {
    "tracker.platform": frozenset({"sql"}),
    "tracker.board.kind": frozenset({"embedded", "none"}),
    "mail_provider.primary": frozenset({"maildir", "mbox", "imap"}),
    "mail_provider.drafts": frozenset({"maildir", "imap"}),
    "mail_provider.fallback": frozenset({"none"}),
    "archive_system.kind": frozenset({"none", "mbox-dir", "ponymail", "hyperkitty"}),
    "cve_authority.tool": frozenset({"none", "demo", "vulnogram", "cve-services", "ghsa", "mitre-form"}),
    "security_inbox.kind": frozenset({"mailing-list"}),
}
"""Adapters this build ships, per config key; extend it (or register an entry point) as adapters land."""

PRIVATE_PATHS = (
    f"{CONFIG_DIR}/steward.db*",
    f"{CONFIG_DIR}/inbox",
    f"{CONFIG_DIR}/drafts",
    f"{CONFIG_DIR}/pii*",
    f"{CONFIG_DIR}/decrypted",
    f"{CONFIG_DIR}/exports",
)
"""What `init` puts in `.steward/.gitignore` (§13.2): the store, Maildirs, PII mapping, decrypted mail, exports."""

_INVALID_ADDRESS = re.compile(r"[^\s@<>,;]+@(?:[\w-]+\.)*invalid\b", re.IGNORECASE)
_REPO_KEYS = ("tracker.repo", "tracker.upstream_repo", "cve_authority.ghsa.repo")


@dataclass
class CheckReport:
    """The outcome of `config check`: any error means exit 2; warnings alone exit 0."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def placeholder_warnings(loaded: LoadedConfig) -> list[str]:
    """Every §13.3 placeholder still in the resolved configuration, by key."""
    warnings = []
    for key, value, _ in resolved_items(loaded):
        found = sorted({m.group(0) for text in _strings(value) for m in _INVALID_ADDRESS.finditer(text)})
        if key in _REPO_KEYS and isinstance(value, str) and value.casefold().startswith("invalid/"):
            found.append(value)
        if found:
            warnings.append(
                f"{key}: placeholder {', '.join(found)} — replace it with the real value "
                "(drafts to it and commands that need it refuse until then, spec §13.3)"
            )
    return warnings


def _registered() -> frozenset[str]:
    return frozenset(ep.name for ep in metadata.entry_points(group="steward.adapters"))


def _adapter_warnings(config: ProjectConfig) -> list[str]:
    dump = config.model_dump(mode="json")
    registered = _registered()
    warnings = []
    for dotted, shipped in BUILT_IN.items():
        node: object = dump
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, str) or node in shipped or node in PLANNED.get(dotted, frozenset()):
            continue
        if node in registered or f"{dotted}:{node}" in registered:
            continue
        warnings.append(
            f"{dotted}: adapter {node!r} is specified but this build does not ship it yet; "
            "commands that need it refuse (exit 3) until it is installed"
        )
    return warnings


def _relay_warnings(config: ProjectConfig) -> list[str]:
    warnings = []
    enabled = config.forwarders.enabled
    if enabled and config.security_inbox.trusted_authserv_id is None:
        warnings.append(
            "security_inbox.trusted_authserv_id: null while forwarders are enabled, so every relay is unverified "
            "(credit and routing need N:trust-relay, §5.8); set it to your receiving server's authserv-id"
        )
    for name in enabled:
        if name in SPECIFIED_FORWARDERS:
            warnings.append(
                f"forwarders.enabled: {name!r} is a specified adapter whose patterns encode best-known mail shapes "
                f"and are tested only on synthetic fixtures; check forwarders.{name}.* against real relays"
            )
    return warnings


def _tracked_paths(loaded: LoadedConfig, git_root: Path) -> list[str]:
    """Pathspecs, relative to `git_root`, of everything that must never be tracked."""
    root = loaded.root.resolve()
    candidates = [root / spec for spec in PRIVATE_PATHS]
    mail = loaded.config.mail_provider
    for uri in (mail.source_uri, mail.drafts_uri):
        if uri and uri.startswith("maildir:"):
            candidates.append(root / uri.removeprefix("maildir:"))
    secrets = [
        loaded.config.mail_provider.password,
        loaded.config.security_inbox.pgp.passphrase,
        loaded.config.cve_authority.vulnogram.token,
        loaded.config.cve_authority.cve_services.api_key,
    ]
    candidates += [root / s.removeprefix("file:") for s in secrets if s and s.startswith("file:")]
    base = git_root.resolve()
    specs = []
    for candidate in candidates:
        try:
            relative = candidate.resolve().relative_to(base)
        except ValueError:
            continue
        specs.append(PurePosixPath(relative).as_posix())
    return specs


def tracked_private_files(loaded: LoadedConfig, git_root: Path) -> list[str]:
    """Files git tracks among the store, Maildirs, PII mapping, decrypted mail, exports and secret files."""
    specs = _tracked_paths(loaded, git_root)
    if not specs:
        return []
    result = subprocess.run(
        ["git", "ls-files", "-z", "--", *specs],
        cwd=git_root,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise OSError(result.stderr.decode("utf-8", "replace").strip() or f"git ls-files exited {result.returncode}")
    return [name for name in result.stdout.decode("utf-8", "replace").split("\0") if name]


def _archive_errors(loaded: LoadedConfig) -> list[str]:
    """The keys an archive kind cannot work without (steward decision: `base_url`, `path`)."""
    archive = loaded.config.archive_system
    if archive.kind in ("ponymail", "hyperkitty") and not archive.base_url:
        return [
            f"{loaded.path}: archive_system.base_url is required with kind {archive.kind}; set the archive's address"
        ]
    if archive.kind == "mbox-dir":
        if not archive.path:
            return [f"{loaded.path}: archive_system.path is required with kind mbox-dir; set the archive folder"]
        folder = Path(archive.path).expanduser()
        folder = folder if folder.is_absolute() else loaded.root / folder
        if not folder.is_dir():
            return [f"{loaded.path}: archive_system.path {folder} is not a folder; create it or fix the path"]
    return []


def check_config(loaded: LoadedConfig, git_root: Path | None) -> CheckReport:
    """Run every §13 check on a loaded configuration; `git_root` enables the tracked-file check."""
    config = loaded.config
    report = CheckReport(warnings=list(loaded.warnings))
    report.warnings += placeholder_warnings(loaded)
    report.warnings += _relay_warnings(config)
    report.warnings += _adapter_warnings(config)
    report.errors += _archive_errors(loaded)
    if config.cve_authority.tool == "demo" and config.project_kind != "demo":
        report.errors.append(
            f"{loaded.path}: cve_authority.tool: 'demo' issues fictional CVE ids and is only for project_kind: demo "
            "(§7.3); configure a real CNA tool or `none`"
        )
    if git_root is not None:
        try:
            tracked = tracked_private_files(loaded, git_root)
        except OSError as exc:
            report.warnings.append(
                f"could not ask git which files it tracks ({exc}); the tracked-file check was skipped"
            )
            tracked = []
        for name in tracked:
            report.errors.append(
                f"{name}: git tracks private steward data (store, mail, PII, decrypted or secret material, §13.2); "
                f"run `git rm --cached {name}` and keep it covered by .steward/.gitignore"
            )
    return report
