"""`steward init`: a usable project in one command, with embargoed files kept out of git (spec §13.2)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from steward.app import store_url
from steward.config.loader import load_config
from steward.config.template import render_project_yml, slug
from steward.errors import UsageError
from steward.identity import remember_identity
from steward.store import Store

GITIGNORE = """\
# Written by steward init. Embargoed material never belongs in git (spec §10.5, §13.2).
steward.db
steward.db-*
inbox/
drafts/
pii*
decrypted/
exports/
scan-reports/
"""


@dataclass(frozen=True)
class Initialised:
    root: Path
    config_path: Path
    store_url: str
    user_file: Path | None


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def _maildir(path: Path) -> None:
    for sub in ("", "cur", "new", "tmp"):
        _private_dir(path / sub)


def init_project(
    directory: Path,
    *,
    profile: str,
    name: str | None,
    security_list: str | None,
    identity: str,
    env: Mapping[str, str] | None = None,
    text: str | None = None,
    remember: bool = True,
) -> Initialised:
    """`text` replaces the rendered template (the demo ships its own); `remember` writes the user file."""
    env = os.environ if env is None else env
    root = directory.resolve()
    steward_dir = root / ".steward"
    config_path = steward_dir / "project.yml"
    if config_path.exists():
        raise UsageError(f"{config_path} exists already; edit it, or run `steward init` in another directory.")
    display = name or root.name
    if not slug(display):
        raise UsageError(f"cannot make a project name from {display!r}; pass --name NAME.")
    if text is None:
        text = render_project_yml(profile, display, security_list, identity)
    _private_dir(steward_dir)
    tmp = config_path.with_suffix(".yml.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        loaded = load_config(tmp)
    except Exception:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(config_path)
    (steward_dir / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    _maildir(steward_dir / "inbox")
    _maildir(steward_dir / "drafts")
    url = store_url(root, env)
    with Store.open(url, create=True) as store:
        if loaded.config.project not in {p.slug for p in store.projects()}:
            with store.transaction(loaded.config.project, actor=identity, command="init") as tx:
                tx.create_project(loaded.config.product.name)
                tx.audit(None, "project:create", None, {"project": loaded.config.project})
    return Initialised(root, config_path, url, remember_identity(identity, env) if remember else None)
