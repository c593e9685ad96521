"""The PyPI adapter on PEP 691 JSON and PEP 592 yanking, which pypiserver does not serve (httpx.MockTransport).

Payloads follow PEP 691 (`meta.api-version`, `name`, `files[].filename/url/hashes/yanked`) and PEP 700
(`versions`, `files[].upload-time`) as pypi.org serves them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.registry.interface import RegistryError
from steward.registry.pypi import JSON_TYPE, PyPIRegistry, normalise

INDEX = "https://pypi.example.org"


def _file(
    name: str, *, yanked: bool | str = False, uploaded: str | None = "2026-03-04T05:06:07.123456Z"
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "filename": name,
        "url": f"{INDEX}/packages/ab/cd/{name}",
        "hashes": {"sha256": "0" * 64},
        "yanked": yanked,
    }
    if uploaded is not None:
        entry["upload-time"] = uploaded
    return entry


def _project(*files: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"api-version": "1.1"}, "name": "quillwort-demo", "versions": [], "files": list(files)}


def _index(handler: Callable[[httpx.Request], httpx.Response]) -> PyPIRegistry:
    return PyPIRegistry(INDEX, client=httpx.Client(transport=httpx.MockTransport(handler)))


def _json(doc: dict[str, Any]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/simple/quillwort-demo/"
        assert JSON_TYPE in request.headers["accept"]
        return httpx.Response(200, content=json.dumps(doc).encode(), headers={"content-type": JSON_TYPE})

    return handler


def test_json_upload_time_is_the_earliest_file() -> None:
    doc = _project(
        _file("quillwort_demo-2.0.0.tar.gz", uploaded="2026-03-05T00:00:00Z"),
        _file("quillwort_demo-2.0.0-py3-none-any.whl", uploaded="2026-03-04T05:06:07Z"),
    )
    release = _index(_json(doc)).released("quillwort-demo", "2.0.0")
    assert release is not None
    assert release.published_at == datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert release.url == f"{INDEX}/simple/quillwort-demo/"


def test_a_version_is_yanked_only_when_every_file_is() -> None:
    all_yanked = _project(
        _file("quillwort_demo-2.0.0.tar.gz", yanked="broken build"),
        _file("quillwort_demo-2.0.0-py3-none-any.whl", yanked=True),
    )
    index = _index(_json(all_yanked))
    found = index.find("quillwort-demo", "2.0.0")
    assert found is not None and found.yanked
    assert index.released("quillwort-demo", "2.0.0") is None

    one_left = _project(
        _file("quillwort_demo-2.0.0.tar.gz", yanked=True), _file("quillwort_demo-2.0.0-py3-none-any.whl")
    )
    assert _index(_json(one_left)).released("quillwort-demo", "2.0.0") is not None


def test_html_data_yanked_marks_a_file_yanked() -> None:
    page = (
        "<!DOCTYPE html><html><body>"
        '<a href="/p/quillwort_demo-2.0.0.tar.gz#sha256=00" data-yanked="">quillwort_demo-2.0.0.tar.gz</a>'
        '<a href="/p/quillwort_demo-2.0.1.tar.gz#sha256=00">quillwort_demo-2.0.1.tar.gz</a>'
        "</body></html>"
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=page, headers={"content-type": "text/html; charset=utf-8"})

    index = _index(handler)
    yanked = index.find("quillwort-demo", "2.0.0")
    assert yanked is not None and yanked.yanked
    assert index.released("quillwort-demo", "2.0.0") is None
    assert index.released("quillwort-demo", "2.0.1") is not None


def test_files_of_other_projects_and_odd_names_are_ignored() -> None:
    doc = _project(
        _file("quillwort_demo_extra-2.0.0.tar.gz"),
        _file("quillwort_demo-2.0.0.egg"),
        _file("not a filename"),
        _file("quillwort_demo-2.0.0.tar.gz", uploaded="not a date"),
    )
    release = _index(_json(doc)).released("quillwort-demo", "2.0.0")
    assert release is not None and release.published_at is None


def test_404_is_not_released_and_5xx_is_an_error() -> None:
    assert _index(lambda r: httpx.Response(404)).released("quillwort-demo", "1.0") is None
    with pytest.raises(RegistryError, match="HTTP 503"):
        _index(lambda r: httpx.Response(503)).released("quillwort-demo", "1.0")


def test_a_malformed_json_answer_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"files": 3}', headers={"content-type": JSON_TYPE})

    with pytest.raises(RegistryError, match="unexpected shape"):
        _index(handler).released("quillwort-demo", "1.0")


def test_an_oversized_answer_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 2048, headers={"content-type": "text/html"})

    index = _index(handler)
    index.http.body_bytes = 1024
    with pytest.raises(RegistryError, match="more than 1024 bytes"):
        index.released("quillwort-demo", "1.0")


def test_redirects_stay_on_the_index_origin() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://elsewhere.example.net/simple/quillwort-demo/"})

    with pytest.raises(RegistryError, match="outside"):
        _index(handler).released("quillwort-demo", "1.0")


def test_a_network_failure_is_an_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(RegistryError, match="could not be read"):
        _index(handler).released("quillwort-demo", "1.0")


@pytest.mark.parametrize("name", ["", "-lead", "trail-", "a/b", "../etc", "name?x=1", "a b", "na%2fme"])
def test_bad_names_never_reach_a_url(name: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(RegistryError, match="not a Python package name"):
        _index(handler).released(name, "1.0")


@pytest.mark.parametrize("version", ["", "1.0 beta", "latest", "1..0"])
def test_bad_versions_are_refused(version: str) -> None:
    with pytest.raises(RegistryError, match="not a PEP 440 version"):
        _index(lambda r: httpx.Response(404)).released("quillwort-demo", version)


def test_pep503_normalisation() -> None:
    assert normalise("Quillwort__Demo.Core") == "quillwort-demo-core"


@given(st.text(max_size=40))
def test_normalise_never_lets_url_syntax_through(name: str) -> None:
    try:
        result = normalise(name)
    except RegistryError:
        return
    assert set(result) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    assert normalise(result) == result


@given(st.binary(max_size=2000))
def test_arbitrary_html_never_crashes(body: bytes) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "text/html"})

    release = _index(handler).find("quillwort-demo", "1.0")
    assert release is None or release.version == "1.0"
