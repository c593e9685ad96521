"""The MailArchive port and its adapters (design §3): `none`, `mbox-dir`, `ponymail`, `hyperkitty`."""

from steward.archive.interface import ArchiveEntry, ArchiveError, MailArchive, names_cve
from steward.archive.registry import archive_for

__all__ = ["ArchiveEntry", "ArchiveError", "MailArchive", "archive_for", "names_cve"]
