"""Resolve a secret reference (`env:NAME`, `file:PATH`, `keyring:SERVICE/NAME`) at the moment it is needed."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from steward.errors import ConfigError


def resolve_secret(ref: str | None, key: str, env: Mapping[str, str] | None = None) -> str | None:
    """None when the reference names nothing set; a bad reference is a config error naming `key`."""
    if not ref:
        return None
    env = os.environ if env is None else env
    kind, _, target = ref.partition(":")
    if kind == "env":
        return env.get(target) or None
    if kind == "file":
        path = Path(target).expanduser()
        if not path.exists():
            return None
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise ConfigError(f"{key}: secret file {path} is readable by others; run chmod 600 {path}.")
        return path.read_text(encoding="utf-8").strip() or None
    if kind == "keyring":
        service, _, name = target.partition("/")
        try:
            import keyring  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            raise ConfigError(f"{key}: {ref} needs the keyring package; install it, or use env:NAME.") from None
        value = keyring.get_password(service, name)
        return str(value) if value else None
    raise ConfigError(f"{key}: {ref!r} is not a secret reference; use env:NAME, file:PATH or keyring:SERVICE/NAME.")
