"""The §10.5 limits and the armour markers shared by the mail parser and the PGP step."""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024

PGP_BEGIN = "-----BEGIN PGP MESSAGE-----"
PGP_END = "-----END PGP MESSAGE-----"


@dataclass(frozen=True)
class Limits:
    """The §10.5 limits (steward decision); tests pass small ones to reach every limit path quickly."""

    message_bytes: int = 25 * MiB
    part_bytes: int = 10 * MiB
    parts: int = 200
    depth: int = 10
    body_chars: int = MiB
    header_chars: int = 998
    addresses: int = 100
    references: int = 100
    listed_skips: int = 50
