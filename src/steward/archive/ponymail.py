"""The `ponymail` archive: Apache PonyMail Foal's JSON API (spec §13 `archive_system`; ASF profile).

`archive_system.base_url` is the Foal site (e.g. `https://lists.example.org`); the endpoints used are
`api/stats.lua` (a list's messages in a date range, `q=` for a server-side search), `api/email.lua?id=` (one
message as JSON; the id may be a Foal id or a Message-ID) and `api/source.lua?id=` (the raw message as text).
Permalinks are `<base_url>/thread/<id>`. A private list needs `archive_system.session`: the value of Foal's
`ponymail` session cookie (its OpenAPI `cookieAuth`). Foal drops `:` from queries and splits them shell-style, so
search terms lose quotes, backslashes and colons before they are sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from steward.archive.bounded_http import ArchiveHttp
from steward.archive.interface import (
    SEARCH_LIMIT,
    ArchiveEntry,
    aware,
    cve_pattern,
    first_by_date,
    split_list,
)
from steward.intake.message import normalise_message_id

MiB = 1024 * 1024
RAW_BYTES = 25 * MiB
MAX_ENTRIES = 2000
BODY_READS = 50
_QUERY_DROP = re.compile(r"[\"'\\:\x00-\x1f\x7f]")
_MSG_IDS = re.compile(r"<[^<>\s]+>")
_DOC_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PonyEmail(_Model):
    """The CompactEmailResponse / SingleEmailResponse fields steward reads."""

    id: str | None = None
    mid: str | None = None
    message_id: str | None = Field(default=None, alias="message-id")
    subject: str = ""
    sender: str = Field(default="", alias="from")
    epoch: int | None = None
    in_reply_to: str | None = Field(default=None, alias="in-reply-to")
    references: str | None = None
    body: str | None = None


class PonyStats(_Model):
    """The StatsResponse fields steward reads."""

    emails: list[PonyEmail] = []


def clean_query(query: str) -> str:
    """Search terms as Foal's shell-style splitter can take them: no quotes, backslashes, colons or controls."""
    return " ".join(_QUERY_DROP.sub(" ", query).split())[:200]


def _date(epoch: int | None) -> datetime | None:
    if epoch is None:
        return None
    try:
        return datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _ids(value: str | None) -> tuple[str, ...]:
    out: list[str] = []
    for found in _MSG_IDS.findall((value or "")[:20000]):
        normal = normalise_message_id(found)
        if normal is not None and normal not in out:
            out.append(normal)
        if len(out) >= 100:
            break
    return tuple(out)


def _address(value: str) -> str:
    spec = parseaddr(value[:2000])[1].strip()
    if "@" not in spec or len(spec) > 254 or any(c.isspace() or c in "<>" for c in spec):
        return ""
    local, _, domain = spec.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[\x00-\x1f\x7f\ud800-\udfff]", " ", text).split())[:998]


class PonyMailArchive:
    """PonyMail Foal over HTTP; `client` is injectable (tests pass one with an `httpx.MockTransport`)."""

    def __init__(
        self,
        base_url: str,
        *,
        session: str | None = None,
        list_domain: str | None = None,
        client: httpx.Client | None = None,
        raw_bytes: int = RAW_BYTES,
        max_entries: int = MAX_ENTRIES,
        body_reads: int = BODY_READS,
        json_bytes: int | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if session:
            headers["Cookie"] = f"ponymail={session}"
        extra = {"json_bytes": json_bytes} if json_bytes is not None else {}
        self.http = ArchiveHttp(base_url, what="the PonyMail archive", client=client, headers=headers, **extra)
        self.list_domain = list_domain
        self.raw_bytes = raw_bytes
        self.max_entries = max_entries
        self.body_reads = body_reads
        self.now = now or (lambda: datetime.now(UTC))

    def _permalink(self, email: PonyEmail) -> str | None:
        doc = email.mid or email.id
        if doc is None or not _DOC_ID.fullmatch(doc):
            return None
        return str(self.http.url(f"thread/{quote(doc, safe='')}"))

    def _entry(self, email: PonyEmail, list_address: str) -> ArchiveEntry | None:
        message_id = normalise_message_id(email.message_id)
        if message_id is None:
            return None
        reply = _ids(email.in_reply_to)
        return ArchiveEntry(
            message_id=message_id,
            subject=_clean(email.subject),
            from_addr=_address(email.sender),
            date=_date(email.epoch),
            in_reply_to=reply[0] if reply else None,
            references=_ids(email.references),
            permalink=self._permalink(email),
            list_address=list_address,
        )

    def _stats(self, list_address: str, since: datetime, query: str | None) -> list[tuple[ArchiveEntry, PonyEmail]]:
        local, domain = split_list(list_address, self.list_domain)
        since = aware(since)
        until = aware(self.now()) + timedelta(days=1)
        params = {"list": local, "domain": domain, "d": f"dfr={since:%Y-%m-%d}|dto={until:%Y-%m-%d}"}
        if query is not None:
            params["q"] = query
        stats = self.http.get_json("api/stats.lua", params, PonyStats)
        out: list[tuple[ArchiveEntry, PonyEmail]] = []
        for email in (stats.emails if stats is not None else [])[: self.max_entries]:
            entry = self._entry(email, list_address)
            if entry is not None and entry.date is not None and entry.date >= since:
                out.append((entry, email))
        out.sort(key=lambda pair: pair[0].date or since)
        return out

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        for entry, _ in self._stats(list_address, since, None):
            yield entry

    def _email(self, message_id: str) -> PonyEmail | None:
        return self.http.get_json("api/email.lua", {"id": message_id}, PonyEmail)

    def fetch_raw(self, message_id: str) -> bytes | None:
        wanted = normalise_message_id(message_id)
        if wanted is None:
            return None
        raw = self.http.get(self.http.url("api/source.lua"), {"id": wanted}, limit=self.raw_bytes, cut=True)
        return raw or None

    def permalink(self, message_id: str) -> str | None:
        wanted = normalise_message_id(message_id)
        if wanted is None:
            return None
        email = self._email(wanted)
        return self._permalink(email) if email is not None else None

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        terms = clean_query(query)
        if not terms:
            return []
        return [entry for entry, _ in self._stats(list_address, since, terms)][:SEARCH_LIMIT]

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        pattern = cve_pattern(cve_id)
        hits: list[ArchiveEntry] = []
        reads = 0
        for list_address in lists:
            for entry, email in self._stats(list_address, since, f'"{cve_id.strip().upper()}"'):
                hit = pattern.search(entry.subject) is not None or pattern.search(email.body or "") is not None
                if not hit and reads < self.body_reads and email.message_id:
                    reads += 1  # the listing's body is shortened: read the whole message once
                    full = self._email(entry.message_id)
                    hit = full is not None and pattern.search(full.body or "") is not None
                if hit:
                    hits.append(entry)
                    break  # entries come sorted by date: the first hit is this list's earliest
        return first_by_date(hits)

    def resolve_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> str | None:
        found = self.find_announcement(cve_id, lists, since)
        return found.permalink if found is not None else None
