"""Forwarder relays (spec §5.8): the four adapters, their registry and detection in `forwarders.enabled` order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from steward.config.model import ProjectConfig
from steward.errors import ConfigError
from steward.intake.message import ParsedMessage
from steward.intake.relays import asf_security, ghsa, hackerone, huntr
from steward.intake.relays.base import AdapterSpec, Credit, RelayAdapter
from steward.intake.relays.trust import RelayTrust, verify_relay
from steward.patterns import PatternSet

ADAPTERS: dict[str, AdapterSpec] = {
    spec.name: spec for spec in (asf_security.SPEC, huntr.SPEC, hackerone.SPEC, ghsa.SPEC)
}
"""Adapter name (as written in config and thread lines) → its spec."""

__all__ = [
    "ADAPTERS",
    "AdapterSpec",
    "Credit",
    "RelayAdapter",
    "RelayTrust",
    "adapters_for",
    "detect_relay",
    "roster_relay_warnings",
    "verify_relay",
]


def adapters_for(config: ProjectConfig, patterns: PatternSet) -> list[RelayAdapter]:
    """The enabled adapters in `forwarders.enabled` order; an enabled name with no adapter aborts pre-flight."""
    out: list[RelayAdapter] = []
    for raw in config.forwarders.enabled:
        name = raw.replace("_", "-")
        spec = ADAPTERS.get(name)
        if spec is None:
            raise ConfigError(
                f"forwarders.enabled names {raw!r}, which has no adapter; use one of {', '.join(ADAPTERS)} "
                "or remove it."
            )
        out.append(RelayAdapter(spec, patterns, config.forwarders.adapter(spec.key)))
    return out


def detect_relay(message: ParsedMessage, adapters: Sequence[RelayAdapter]) -> RelayAdapter | None:
    """The first adapter whose `detect` is non-null."""
    for adapter in adapters:
        if adapter.detect(message) is not None:
            return adapter
    return None


def roster_relay_warnings(adapters: Sequence[RelayAdapter], roster_emails: Iterable[str]) -> list[str]:
    """A warning for each roster address an enabled adapter's sender pattern would treat as a relay."""
    warnings: list[str] = []
    for email in roster_emails:
        for adapter in adapters:
            if adapter.patterns[f"forwarders.{adapter.spec.key}.sender_pattern"].hit(email) is not None:
                warnings.append(f"roster address {email} matches the {adapter.name} relay sender pattern")
    return warnings
