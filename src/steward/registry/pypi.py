"""PyPI through the Simple Repository API (PEP 503 HTML, PEP 691 JSON, PEP 592 yanking, PEP 700 upload times).

The Simple API is the one interface every Python index serves — pypi.org, devpi, Artifactory, pypiserver — so
one adapter reads them all: it asks for PEP 691 JSON and falls back to the HTML page when the index only speaks
PEP 503. A version's facts come from its files: it is yanked when every file is yanked (PEP 592) and published
when its earliest file was uploaded (PEP 700; unknown on HTML-only indexes).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from steward.bounded_http import safe_url
from steward.registry._http import RegistryHttp
from steward.registry.interface import RegistryError, Release, ReleaseRegistry

DEFAULT_INDEX = "https://pypi.org"
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_NAME = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]{0,198}[A-Z0-9])?", re.IGNORECASE | re.ASCII)
"""PEP 508 names (the length bound is steward's: no real distribution name comes near it)."""


def normalise(name: str) -> str:
    """The PEP 503 name a Simple API URL uses; anything not a PEP 508 name is refused before it reaches a URL."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise RegistryError(
            f"{name!r} is not a Python package name; fix the scope's packageName or the package prefix "
            "of the Affected versions line."
        )
    return str(canonicalize_name(name))


def parse_version(version: str) -> Version:
    try:
        return Version(version)
    except (InvalidVersion, TypeError):
        raise RegistryError(
            f"{version!r} is not a PEP 440 version; fix the fix version on the tracker (Affected versions, "
            "milestone or the roster statement)."
        ) from None


class _File(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    filename: str
    url: str = ""
    yanked: bool | str = False
    upload_time: str | None = Field(default=None, alias="upload-time")


class _Project(BaseModel):
    model_config = ConfigDict(extra="ignore")

    files: list[_File]


class _Anchors(HTMLParser):
    """Every `<a>` of a PEP 503 page as (filename, yanked); the anchor text is the filename (PEP 503)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.files: list[_File] = []
        self._open: tuple[str, bool] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = dict(attrs)
        self._open = (values.get("href") or "", "data-yanked" in values)
        self._text = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._open is None:
            return
        href, yanked = self._open
        name = "".join(self._text).strip() or unquote(urlsplit(href).path.rsplit("/", 1)[-1])
        self.files.append(_File(filename=name, url=href, yanked=yanked))
        self._open = None


def _file_version(filename: str, project: str) -> Version | None:
    """The version a wheel or sdist filename carries, when it belongs to `project`; other files are skipped."""
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        elif filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
        else:
            return None
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return version if name == project else None


def _upload_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class PyPIRegistry(ReleaseRegistry):
    """A Python package index; `base_url` is the index root (`https://pypi.org`, not `…/simple`)."""

    kind = "pypi"

    def __init__(
        self, base_url: str = DEFAULT_INDEX, *, client: httpx.Client | None = None, key: str = "product.registry"
    ) -> None:
        root = base_url.rstrip("/")
        root = root.removesuffix("/simple")
        self.http = RegistryHttp(root, what="the Python package index", key=key, client=client)

    def files(self, package: str) -> tuple[str, list[_File]] | None:
        """The project page URL and its files; None when the index does not know the project."""
        project = normalise(package)
        url = self.http.url(f"simple/{project}/")
        answer = self.http.get(url, {"Accept": ACCEPT})
        if answer is None:
            return None
        if answer.media_type == JSON_TYPE or answer.media_type.endswith("+json"):
            try:
                parsed = _Project.model_validate(json.loads(answer.body))
            except (ValueError, RecursionError, ValidationError, TypeError):
                raise self.http.shape_error(answer.url) from None
            return safe_url(answer.url), parsed.files
        parser = _Anchors()
        try:
            parser.feed(answer.body.decode("utf-8", errors="replace"))
            parser.close()
        except (ValueError, AssertionError, RecursionError):
            raise self.http.shape_error(answer.url) from None
        return safe_url(answer.url), parser.files

    def find(self, package: str, version: str) -> Release | None:
        wanted = parse_version(version)
        page = self.files(package)
        if page is None:
            return None
        url, files = page
        return _release(package, wanted, url, files)

    def versions(self, package: str) -> list[Release]:
        """Every version the index lists, in PEP 440 order (for evidence and tests)."""
        page = self.files(package)
        if page is None:
            return []
        url, files = page
        project = normalise(package)
        found = sorted({v for f in files if (v := _file_version(f.filename, project)) is not None})
        return [r for v in found if (r := _release(package, v, url, files)) is not None]


def _yanked(file: _File) -> bool:
    """PEP 592/691: `true` or a reason string is yanked (an HTML `data-yanked` is stored as `true`)."""
    return file.yanked is True or isinstance(file.yanked, str)


def _release(package: str, wanted: Version, url: str, files: Iterable[_File]) -> Release | None:
    project = normalise(package)
    mine = [f for f in files if _file_version(f.filename, project) == wanted]
    if not mine:
        return None
    spelled = str(_file_version(mine[0].filename, project))
    times = [t for f in mine if (t := _upload_time(f.upload_time)) is not None]
    return Release(
        package=package,
        version=spelled,
        published_at=min(times) if times else None,
        yanked=all(_yanked(f) for f in mine),
        prerelease=wanted.is_prerelease,
        url=url,
    )
