"""A scope's `registry` value → its adapter (spec §13): unknown kinds are config errors, planned ones refused."""

from __future__ import annotations

import httpx

from steward.errors import ConfigError, Refused
from steward.registry.interface import ReleaseRegistry
from steward.registry.none import NoRegistry
from steward.registry.npm import NpmRegistry
from steward.registry.pypi import PyPIRegistry

SHIPPED = ("pypi", "npm", "none")
PLANNED = ("maven", "artifacthub")


def registry_for(
    kind: str | None,
    *,
    base_url: str | None = None,
    client: httpx.Client | None = None,
    key: str = "product.registry",
) -> ReleaseRegistry:
    """The adapter for `kind` (None reads as `none`); `base_url` replaces the public registry, `key` names the
    config key in messages (e.g. `scope_detection.labels.core.registry`)."""
    name = kind or "none"
    if name == "none":
        return NoRegistry()
    if name == "pypi":
        return PyPIRegistry(base_url or "https://pypi.org", client=client, key=key)
    if name == "npm":
        return NpmRegistry(base_url or "https://registry.npmjs.org", client=client, key=key)
    if name in PLANNED:
        raise Refused(
            f"{key}: {name!r} is specified but this build does not ship it yet; use {', '.join(SHIPPED)}, or "
            "confirm the release with `steward sync ID --released VERSION`."
        )
    raise ConfigError(f"{key}: {name!r} is not a registry; use one of {', '.join(SHIPPED + PLANNED)}.")
