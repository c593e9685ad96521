"""The `hyperkitty` archive: Mailman 3 HyperKitty's REST API (spec §13 `archive_system`).

`archive_system.base_url` is HyperKitty's root (e.g. `https://lists.example.org/hyperkitty` or
`https://mail.example.org/archives`). Endpoints used: `api/list/<list@domain>/emails/` (every message, newest
archived first, paged by Django REST framework's `next` links), `api/list/<list@domain>/email/<hash>/` (one
message with its `content`) and the web export `list/<list@domain>/export/<hash>.mbox.gz?message=<hash>` (the raw
message, gzipped mbox). `<hash>` is HyperKitty's `message_id_hash`: base32 of the SHA-1 of the Message-ID without
angle brackets. Permalinks are `<base_url>/list/<list@domain>/message/<hash>/`. HyperKitty has no JSON search,
so `search` and `find_announcement` filter the listing here (subject, then a bounded number of bodies).
HyperKitty's listing names a message's parent by URL only, so `in_reply_to` and `references` stay empty.
Message URLs are per list, so `fetch_raw` and `permalink` try the lists this adapter was given or has listed.
A private list needs `archive_system.session`: the value of Django's `sessionid` cookie of a member's login.
"""

from __future__ import annotations

import re
import zlib
from base64 import b32encode
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from hashlib import sha1
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, RootModel

from steward.archive.bounded_http import ArchiveHttp, parse_url
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
MAX_PAGES = 40
BODY_READS = 50
_HASH = re.compile(r"[A-Z2-7]{32}")
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HkSender(_Model):
    address: str = ""


class HkEmail(_Model):
    """The EmailShortSerializer / EmailSerializer fields steward reads."""

    message_id: str | None = None
    message_id_hash: str | None = None
    subject: str = ""
    sender: HkSender | None = None
    date: str | None = None
    content: str | None = None


class HkPage(_Model):
    next: str | None = None
    results: list[HkEmail] = []


class HkEmails(RootModel[list[HkEmail] | HkPage]):
    """A listing: paged (`{count, next, previous, results}`) or, without pagination, a bare list."""


def message_id_hash(message_id: str) -> str:
    """HyperKitty's `message_id_hash` (mailman `get_message_id_hash`): base32(SHA-1(id without `<>`))."""
    normal = normalise_message_id(message_id)
    bare = normal[1:-1] if normal is not None else message_id.strip().strip("<>")
    return b32encode(sha1(bare.encode("utf-8", "replace")).digest()).decode("ascii")


def _date(value: str | None) -> datetime | None:
    if not value or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _address(sender: HkSender | None) -> str:
    if sender is None:
        return ""
    spec = sender.address.replace(" (a) ", "@").strip()  # HyperKitty obfuscates `@` in its API
    if spec.count("@") != 1 or len(spec) > 254 or any(c.isspace() or c in "<>" for c in spec):
        return ""
    local, _, domain = spec.partition("@")
    return f"{local}@{domain.lower()}" if local and domain else ""


def _clean(text: str) -> str:
    return " ".join(re.sub(r"[\x00-\x1f\x7f\ud800-\udfff]", " ", text).split())[:998]


def _unmbox(data: bytes) -> bytes:
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]
    return _QUOTED_FROM.sub(rb"\1", data).rstrip(b"\r\n") + (b"\n" if data.strip() else b"")


class HyperKittyArchive:
    """HyperKitty over HTTP; `lists` seeds the lists `fetch_raw`/`permalink` look in."""

    def __init__(
        self,
        base_url: str,
        *,
        session: str | None = None,
        list_domain: str | None = None,
        lists: Sequence[str] = (),
        client: httpx.Client | None = None,
        raw_bytes: int = RAW_BYTES,
        max_entries: int = MAX_ENTRIES,
        max_pages: int = MAX_PAGES,
        body_reads: int = BODY_READS,
        json_bytes: int | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if session:
            headers["Cookie"] = f"sessionid={session}"
        extra = {"json_bytes": json_bytes} if json_bytes is not None else {}
        self.http = ArchiveHttp(base_url, what="the HyperKitty archive", client=client, headers=headers, **extra)
        self.list_domain = list_domain
        self.raw_bytes = raw_bytes
        self.max_entries = max_entries
        self.max_pages = max_pages
        self.body_reads = body_reads
        self.known_lists: list[str] = []
        for name in lists:
            self._fqdn(name)

    def _fqdn(self, list_address: str) -> str:
        local, domain = split_list(list_address, self.list_domain)
        fqdn = f"{local}@{domain}"
        if fqdn not in self.known_lists:
            self.known_lists.append(fqdn)
        return fqdn

    def _list_path(self, fqdn: str) -> str:
        return quote(fqdn, safe="@")

    def _message_url(self, fqdn: str, digest: str) -> str:
        return str(self.http.url(f"list/{self._list_path(fqdn)}/message/{digest}/"))

    def _entry(self, email: HkEmail, fqdn: str, list_address: str) -> ArchiveEntry | None:
        message_id = normalise_message_id(email.message_id)
        if message_id is None:
            return None
        digest = email.message_id_hash if email.message_id_hash and _HASH.fullmatch(email.message_id_hash) else None
        return ArchiveEntry(
            message_id=message_id,
            subject=_clean(email.subject),
            from_addr=_address(email.sender),
            date=_date(email.date),
            in_reply_to=None,
            references=(),
            permalink=self._message_url(fqdn, digest or message_id_hash(message_id)),
            list_address=list_address,
        )

    def _recent(self, list_address: str, since: datetime) -> list[tuple[ArchiveEntry, str]]:
        fqdn = self._fqdn(list_address)
        since = aware(since)
        url: httpx.URL | None = self.http.url(f"api/list/{self._list_path(fqdn)}/emails/")
        out: list[tuple[ArchiveEntry, str]] = []
        seen = 0
        for _ in range(self.max_pages):
            if url is None:
                break
            listing = self.http.get_json_url(url, None, HkEmails)
            here = url
            if listing is None:
                break
            page = listing.root
            if isinstance(page, list):
                emails, url = page, None
            else:
                emails, url = page.results, (parse_url(page.next, here, self.http.what) if page.next else None)
            older = 0
            for email in emails:
                seen += 1
                entry = self._entry(email, fqdn, list_address)
                if entry is None or entry.date is None:
                    continue
                if entry.date >= since:
                    out.append((entry, fqdn))
                else:
                    older += 1
            if (emails and older == len(emails)) or seen >= self.max_entries:
                break  # newest archived first: a page wholly older than `since` ends the walk
        out.sort(key=lambda pair: pair[0].date or since)
        return out

    def list_recent(self, list_address: str, since: datetime) -> Iterator[ArchiveEntry]:
        for entry, _ in self._recent(list_address, since):
            yield entry

    def _content(self, fqdn: str, message_id: str) -> HkEmail | None:
        digest = message_id_hash(message_id)
        return self.http.get_json(f"api/list/{self._list_path(fqdn)}/email/{digest}/", {}, HkEmail)

    def fetch_raw(self, message_id: str) -> bytes | None:
        if normalise_message_id(message_id) is None:
            return None
        digest = message_id_hash(message_id)
        for fqdn in list(self.known_lists):
            url = self.http.url(f"list/{self._list_path(fqdn)}/export/{digest}.mbox.gz")
            packed = self.http.get(url, {"message": digest}, limit=self.raw_bytes, cut=True)
            if not packed:
                continue
            try:
                data = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(packed, self.raw_bytes)
            except zlib.error:
                continue
            raw = _unmbox(data)
            if raw:
                return raw
        return None

    def permalink(self, message_id: str) -> str | None:
        if normalise_message_id(message_id) is None:
            return None
        for fqdn in list(self.known_lists):
            if self._content(fqdn, message_id) is not None:
                return self._message_url(fqdn, message_id_hash(message_id))
        return None

    def _matching(
        self, list_address: str, since: datetime, test: re.Pattern[str], reads: list[int]
    ) -> Iterator[ArchiveEntry]:
        for entry, fqdn in self._recent(list_address, since):
            hit = test.search(entry.subject) is not None
            if not hit and reads[0] < self.body_reads:
                reads[0] += 1
                full = self._content(fqdn, entry.message_id)
                hit = full is not None and test.search(full.content or "") is not None
            if hit:
                yield entry

    def search(self, list_address: str, query: str, since: datetime) -> list[ArchiveEntry]:
        terms = " ".join(query.split())[:200]
        if not terms:
            return []
        found: list[ArchiveEntry] = []
        for entry in self._matching(list_address, since, re.compile(re.escape(terms), re.IGNORECASE), [0]):
            found.append(entry)
            if len(found) >= SEARCH_LIMIT:
                break
        return found

    def find_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> ArchiveEntry | None:
        pattern = cve_pattern(cve_id)
        reads = [0]
        hits = [next(self._matching(name, since, pattern, reads), None) for name in lists]
        return first_by_date(hit for hit in hits if hit is not None)

    def resolve_announcement(self, cve_id: str, lists: Sequence[str], since: datetime) -> str | None:
        found = self.find_announcement(cve_id, lists, since)
        return found.permalink if found is not None else None
