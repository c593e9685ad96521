"""The `none` archive (spec §13 default): nothing is archived, so intake works on the mail source alone (§5.1)
and the §8.8 close-out waits for an operator's `--advisory-url`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from steward.archive.interface import ArchiveEntry, check_cve_id


class NoArchive:
    """Lists nothing, fetches nothing, links nothing."""

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        return iter(())

    def fetch_raw(self, message_id: str) -> bytes | None:
        return None

    def permalink(self, message_id: str) -> str | None:
        return None

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        return []

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        check_cve_id(cve_id)
        return None

    def resolve_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> str | None:
        check_cve_id(cve_id)
        return None
