"""Third-party PII redaction before storage (spec §10.4).

Ids are keyed HMACs of the normalised value, so every team member derives the same id for the same person
without a lookup table, and the id cannot be reversed by enumerating likely values without the project
secret. There are no order-dependent suffixes: two values with one id are a collision that stops the command.
Text that already holds an id is left alone, so redaction is idempotent.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from steward.errors import OperationFailed
from steward.patterns import PatternSet, norm

Code = Literal["N", "E", "P", "IP", "H", "A"]
CODES: tuple[Code, ...] = ("N", "E", "P", "IP", "H", "A")
OPERATOR_CODES: frozenset[str] = frozenset({"N", "H", "A"})
"""Names, handles and postal addresses are only redacted when an operator lists them (`steward pii add`)."""

DOCUMENTATION_NETWORKS = tuple(
    ipaddress.ip_network(net) for net in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
_WHITESPACE = re.compile(r"\s+")
_ID = r"(?:IP|[NEPHA])-[0-9a-f]{12}"
ID_PATTERN = re.compile(rf"(?<![\w-]){_ID}(?![\w-])")


@dataclass(frozen=True)
class PiiEntry:
    """One mapping entry: `value` is the spelling first seen."""

    id: str
    type: Code
    value: str


def normalise_value(value: str) -> str:
    """Lower-cased, NFC, whitespace runs collapsed to one space, stripped."""
    return _WHITESPACE.sub(" ", norm(value)).strip().lower()


def pii_id(code: Code, value: str, secret: bytes) -> str:
    """`<CODE>-<hex>`: the first 12 hex digits of HMAC-SHA256(secret, normalised value)."""
    digest = hmac.new(secret, normalise_value(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{code}-{digest[:12]}"


def _domain_excluded(domain: str, project_domains: Iterable[str]) -> bool:
    domain = domain.lower().rstrip(".")
    labels = domain.split(".")
    if len(labels) >= 2 and labels[-2] == "example":
        return True
    for raw in project_domains:
        project = raw.lower().strip().rstrip(".")
        if project and (domain == project or domain.endswith("." + project)):
            return True
    return False


def _ip_excluded(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return True
    return any(address.version == net.version and address in net for net in DOCUMENTATION_NETWORKS)


def find_pii(
    text: str, patterns: PatternSet, *, project_domains: Iterable[str] = (), own_addresses: Iterable[str] = ()
) -> list[tuple[Code, str]]:
    """E, P and IP values in `text` (first spelling of each normalised value), minus every exclusion."""
    domains = list(project_domains)
    own = {normalise_value(a) for a in own_addresses}
    found: list[tuple[Code, str]] = []
    for _, match in patterns["pii.email"].hits(text):
        value = match.group(0)
        if normalise_value(value) not in own and not _domain_excluded(value.rpartition("@")[2], domains):
            found.append(("E", value))
    for _, match in patterns["pii.phone"].hits(text):
        found.append(("P", match.group(0)))
    for name in ("pii.ipv4", "pii.ipv6"):
        for _, match in patterns[name].hits(text):
            value = match.group(0)
            if not _ip_excluded(value):
                found.append(("IP", value))
    return found


def _value_regex(value: str) -> str:
    return r"\s+".join(re.escape(word) for word in normalise_value(value).split(" "))


def redact(
    text: str,
    secret: bytes,
    patterns: PatternSet,
    *,
    project_domains: Iterable[str] = (),
    own_addresses: Iterable[str] = (),
    operator_values: Sequence[tuple[Code, str]] = (),
) -> tuple[str, list[PiiEntry]]:
    """Every third-party value replaced by its id, longest value first, in one pass; the mapping entries used.

    `own_addresses` are the reporter's and the roster's, which are not third-party data. `operator_values`
    are (code, value) pairs an operator listed; they are matched case-insensitively, whitespace-normalised.
    Raises OperationFailed when two different values share an id.
    """
    text = norm(text)
    candidates: dict[str, tuple[Code, str]] = {}
    for code, value in [
        *operator_values,
        *find_pii(text, patterns, project_domains=project_domains, own_addresses=own_addresses),
    ]:
        key = normalise_value(value)
        if key and key not in candidates and not ID_PATTERN.fullmatch(value.strip()):
            candidates[key] = (code, value.strip())
    if not candidates:
        return text, []
    ids: dict[str, str] = {}
    owner: dict[str, str] = {}
    for key, (code, _) in candidates.items():
        ident = pii_id(code, key, secret)
        if ident in owner and owner[ident] != key:
            raise OperationFailed(
                f"PII ids collide: two different values map to {ident}; report this with the secret rotated."
            )
        owner[ident] = key
        ids[key] = ident
    ordered = sorted(candidates, key=len, reverse=True)
    combined = re.compile(
        rf"(?P<id>{ID_PATTERN.pattern})|(?<![\w])(?P<value>"
        + "|".join(_value_regex(k) for k in ordered)
        + r")(?![\w])",
        re.IGNORECASE,
    )
    used: dict[str, PiiEntry] = {}

    def replace(match: re.Match[str]) -> str:
        if match.group("id") is not None:
            return match.group(0)
        key = normalise_value(match.group("value"))
        ident = ids.get(key)
        if ident is None:
            return match.group(0)
        code, value = candidates[key]
        used.setdefault(ident, PiiEntry(ident, code, value))
        return ident

    return combined.sub(replace, text), list(used.values())


def mapping_document(entries: Iterable[PiiEntry]) -> dict[str, Any]:
    """The stored mapping shape `{"version": 1, "entries": {id: {type, value}}}`."""
    return {"version": 1, "entries": {e.id: {"type": e.type, "value": e.value} for e in entries}}
