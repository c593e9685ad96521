"""`archive_system` → the adapter (spec §13): config mistakes are exit 2, planned kinds are refused (exit 3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from steward.archive.hyperkitty import HyperKittyArchive
from steward.archive.interface import MailArchive
from steward.archive.mbox_dir import MboxDirArchive
from steward.archive.none import NoArchive
from steward.archive.ponymail import PonyMailArchive
from steward.config.model import ArchiveSystem
from steward.config.secrets import resolve_secret
from steward.errors import ConfigError, Refused

PLANNED = ("discourse", "google-groups", "github-discussions")


def archive_for(
    config: ArchiveSystem,
    *,
    root: Path,
    env: Mapping[str, str] | None = None,
    client: httpx.Client | None = None,
    lists: Sequence[str] = (),
) -> MailArchive:
    """The configured archive. `root` is the project root (`path` is relative to it); `lists` are the lists
    HyperKitty looks in for `fetch_raw`/`permalink` (the announcement lists are always added)."""
    kind = config.kind
    if kind == "none":
        return NoArchive()
    if kind in PLANNED:
        raise Refused(
            f"archive_system.kind: {kind!r} is planned but not available yet; use ponymail, hyperkitty, "
            "mbox-dir or none."
        )
    if kind == "mbox-dir":
        if not config.path:
            raise ConfigError("archive_system.path is required with kind mbox-dir; set it to the archive folder.")
        folder = Path(config.path).expanduser()
        folder = folder if folder.is_absolute() else root / folder
        if not folder.is_dir():
            raise ConfigError(
                f"archive_system.path: {folder} is not a folder; create it or point archive_system.path at "
                "the mbox archive."
            )
        return MboxDirArchive(folder)
    if not config.base_url:
        raise ConfigError(f"archive_system.base_url is required with kind {kind}; set it to the archive's address.")
    session = resolve_secret(config.session, "archive_system.session", env)
    if kind == "ponymail":
        return PonyMailArchive(config.base_url, session=session, list_domain=config.list_domain, client=client)
    if kind == "hyperkitty":
        return HyperKittyArchive(
            config.base_url,
            session=session,
            list_domain=config.list_domain,
            lists=[*lists, *config.announcement_lists],
            client=client,
        )
    raise ConfigError(f"archive_system.kind: {kind!r} is unknown; use ponymail, hyperkitty, mbox-dir or none.")
