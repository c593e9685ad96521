"""npm through the registry's packument (`GET /<name>`: `versions`, `time`), as registry.npmjs.org documents it.

The full packument is asked for because the abbreviated install form has no per-version `time`. npm cannot yank:
a `deprecated` version is the maintainers' withdrawal, so steward reads it as yanked (steward decision); an
unpublished version is absent from `versions` and therefore not released.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from steward.bounded_http import safe_url
from steward.patterns import fixed
from steward.registry._http import RegistryHttp
from steward.registry.interface import RegistryError, Release, ReleaseRegistry

DEFAULT_REGISTRY = "https://registry.npmjs.org"
_NAME = re.compile(r"(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*", re.ASCII)
"""validate-npm-package-name's rules for new packages: lower case, URL-safe, optionally scoped."""
NAME_LIMIT = 214


def check_name(name: str) -> str:
    if not isinstance(name, str) or len(name) > NAME_LIMIT or not _NAME.fullmatch(name):
        raise RegistryError(
            f"{name!r} is not an npm package name; fix the scope's packageName or the package prefix of the "
            "Affected versions line."
        )
    return name


def check_version(version: str) -> str:
    """The semver version without a leading `v` (npm strips it on publish)."""
    if not isinstance(version, str) or fixed()["versions.semver"].hit(version) is None:
        raise RegistryError(
            f"{version!r} is not a semver version; fix the fix version on the tracker (Affected versions, "
            "milestone or the roster statement)."
        )
    return version.removeprefix("v")


class _Version(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: str | None = None
    deprecated: str | bool | None = None


class _Packument(BaseModel):
    model_config = ConfigDict(extra="ignore")

    versions: dict[str, _Version] = {}
    time: dict[str, str] = {}


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _prerelease(version: str) -> bool:
    return "-" in version.split("+", 1)[0]


class NpmRegistry(ReleaseRegistry):
    """An npm registry; `base_url` is its root (`https://registry.npmjs.org`)."""

    kind = "npm"

    def __init__(
        self, base_url: str = DEFAULT_REGISTRY, *, client: httpx.Client | None = None, key: str = "product.registry"
    ) -> None:
        self.http = RegistryHttp(base_url, what="the npm registry", key=key, client=client)

    def packument(self, package: str) -> tuple[str, _Packument] | None:
        """The evidence URL and the packument; None when the registry does not know the package."""
        url = self.http.url(quote(check_name(package), safe="@"))
        answer = self.http.get(url, {"Accept": "application/json"})
        if answer is None:
            return None
        try:
            return safe_url(answer.url), _Packument.model_validate(json.loads(answer.body))
        except (ValueError, RecursionError, ValidationError, TypeError):
            raise self.http.shape_error(answer.url) from None

    def find(self, package: str, version: str) -> Release | None:
        wanted = check_version(version)
        found = self.packument(package)
        if found is None:
            return None
        url, doc = found
        entry = doc.versions.get(wanted)
        if entry is None:
            return None
        return Release(
            package=package,
            version=wanted,
            published_at=_time(doc.time.get(wanted)),
            yanked=bool(entry.deprecated),
            prerelease=_prerelease(wanted),
            url=url,
        )
