"""The ReleaseRegistry port (design §3; spec §8.6): whether a fix version of a package has shipped.

Sync asks one question per package — is this exact version published, final and not yanked — and puts the answer's
facts (registry URL, version, publish time) in the rollup as evidence. Everything a registry returns is hostile
data: adapters bound it in time and bytes and validate names and versions before they go into a URL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from steward.errors import OperationFailed


class RegistryError(OperationFailed):
    """The registry could not be read (exit 1): the message names the registry, the URL and what to do."""


@dataclass(frozen=True)
class Release:
    """One version as a registry lists it."""

    package: str
    """The package name as the caller asked for it."""
    version: str
    """The version as the registry spells it."""
    published_at: datetime | None
    """When it was published (UTC); None when the registry does not say (e.g. a PEP 503 HTML index)."""
    yanked: bool
    """Withdrawn by its maintainers (PEP 592 for PyPI, `deprecated`/unpublished for npm)."""
    prerelease: bool
    """A pre-release or development version under the package's version scheme."""
    url: str
    """The registry URL the facts were read from: the rollup's evidence link."""

    @property
    def is_final(self) -> bool:
        """Counts as "released" for §8.6: neither a pre-release nor yanked."""
        return not self.prerelease and not self.yanked


@runtime_checkable
class ReleaseRegistry(Protocol):
    """Read access to a package registry. Adapters subclass this to inherit `released` and `released_many`."""

    kind: str
    """The `registry` config value this adapter serves (`pypi`, `npm`, `none`)."""

    def find(self, package: str, version: str) -> Release | None:
        """The exact version (yanked and pre-releases included); None when the registry does not list it."""
        ...

    def released(self, package: str, version: str) -> Release | None:
        """The exact version when it is published, not a pre-release and not yanked; else None."""
        found = self.find(package, version)
        return found if found is not None and found.is_final else None

    def released_many(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Release | None]:
        """`released` for each (package, version); a backend may override this with a bulk call."""
        return {(package, version): self.released(package, version) for package, version in dict.fromkeys(wanted)}
