"""Verified relays (spec §5.8, steward decision): trust comes from the receiving server, never from text.

Anyone can write `Authentication-Results: mx.example.org; dkim=pass` into a message, so only the topmost
header whose authserv-id is `security_inbox.trusted_authserv_id` counts: the receiving server prepends its
own header above everything the sender supplied. That header must record `dkim=pass` for the From domain
(`header.d`, or the domain of `header.i`), or `arc=pass` from a sealer the project listed. ARC attests the
chain of custody, not the From domain, so no sealer is trusted by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from steward.intake.message import ParsedMessage


@dataclass(frozen=True)
class AuthResult:
    """One `method=result` of an Authentication-Results header with its `ptype.property=value` pairs."""

    method: str
    result: str
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthHeader:
    authserv_id: str
    results: tuple[AuthResult, ...]


@dataclass(frozen=True)
class RelayTrust:
    """`reason` says what was found, for the proposal and the rollup."""

    verified: bool
    reason: str


def _strip_comments(value: str) -> str:
    """Remove RFC 5322 comments (nested, quoted-pair aware) outside quoted strings."""
    out: list[str] = []
    depth = 0
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            if depth == 0:
                out.append(char)
            continue
        if char == "\\":
            escaped = True
            if depth == 0:
                out.append(char)
            continue
        if quoted:
            out.append(char)
            if char == '"':
                quoted = False
            continue
        if char == "(":
            depth += 1
            continue
        if char == ")" and depth:
            depth -= 1
            continue
        if depth == 0:
            if char == '"':
                quoted = True
            out.append(char)
    return "".join(out)


def _split(value: str, sep: str) -> list[str]:
    """Split on `sep` outside quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == sep and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"')
    return value


def parse_authentication_results(value: str) -> AuthHeader | None:
    """One header value; None when it has no authserv-id."""
    segments = _split(_strip_comments(value), ";")
    head = segments[0].split()
    if not head:
        return None
    results: list[AuthResult] = []
    for segment in segments[1:]:
        tokens = segment.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        properties: dict[str, str] = {}
        for token in tokens[1:]:
            key, eq, raw = token.partition("=")
            if eq and "." in key:
                properties.setdefault(key.lower(), _unquote(raw))
        results.append(AuthResult(method.lower().split("/")[0], result.lower(), properties))
    return AuthHeader(_unquote(head[0]).lower(), tuple(results))


def _domain_of_identity(identity: str) -> str:
    return identity.rpartition("@")[2].lower().rstrip(".")


def _trusted_header(message: ParsedMessage, trusted_authserv_id: str) -> AuthHeader | None:
    wanted = trusted_authserv_id.strip().lower()
    for value in message.authentication_results:
        header = parse_authentication_results(value)
        if header is not None and header.authserv_id == wanted:
            return header
    return None


def verify_relay(
    message: ParsedMessage, trusted_authserv_id: str | None, trusted_arc_sealers: Sequence[str] = ()
) -> RelayTrust:
    """Verified when the receiving server's own topmost header records DKIM for the From domain or trusted ARC."""
    if not trusted_authserv_id:
        return RelayTrust(False, "security_inbox.trusted_authserv_id is not set, so no relay can be verified")
    header = _trusted_header(message, trusted_authserv_id)
    if header is None:
        return RelayTrust(False, f"no Authentication-Results header from {trusted_authserv_id}")
    domain = message.from_addr.rpartition("@")[2].lower()
    for result in header.results:
        if result.method != "dkim" or result.result != "pass":
            continue
        signer = result.properties.get("header.d")
        identity = result.properties.get("header.i")
        if (signer is not None and signer.lower().rstrip(".") == domain) or (
            identity is not None and _domain_of_identity(identity) == domain
        ):
            return RelayTrust(True, f"dkim=pass for {domain} recorded by {trusted_authserv_id}")
    sealers = {s.strip().lower().rstrip(".") for s in trusted_arc_sealers if s.strip()}
    for result in header.results:
        if result.method != "arc" or result.result != "pass":
            continue
        sealer = result.properties.get("header.d") or result.properties.get("header.ds")
        if sealer is not None and sealer.lower().rstrip(".") in sealers:
            return RelayTrust(True, f"arc=pass sealed by trusted {sealer.lower()} recorded by {trusted_authserv_id}")
    return RelayTrust(False, f"{trusted_authserv_id} recorded no dkim=pass for {domain} and no trusted arc=pass")
