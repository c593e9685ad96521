"""Who is acting (spec §1.3): STEWARD_IDENTITY, else the user file, else the login name."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from steward.errors import ConfigError


def user_file(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(base) / "steward" / "user.yml"


def acting_identity(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    explicit = env.get("STEWARD_IDENTITY", "").strip()
    if explicit:
        return explicit.removeprefix("@")
    path = user_file(env)
    if path.exists():
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc.__class__.__name__}); fix or delete the file") from exc
        handle = doc.get("identity") if isinstance(doc, dict) else None
        if isinstance(handle, str) and handle.strip():
            return handle.strip().removeprefix("@")
    try:
        return getpass.getuser()
    except (KeyError, OSError) as exc:  # no passwd entry in some containers
        raise ConfigError("cannot tell who you are; set STEWARD_IDENTITY to your roster handle") from exc


def remember_identity(handle: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Write the user file when absent (init --identity); never overwrite a person's choice."""
    path = user_file(env)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"identity: {handle}\n", encoding="utf-8")
    return path
