"""The cve.org publication check (§8.8): states, the no-record 404, hostile answers, and the outcome mapping.

Every answer comes from an in-process httpx.MockTransport; the fixtures are synthetic records of a fictional
project, and the PUBLISHED and REJECTED ones validate against the vendored CVE 5.1.1 schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from steward.cveorg import CveOrgClient, CveOrgError, check, outcome
from steward.errors import OperationFailed, UsageError
from steward.records.validate import SCHEMA_DIR, errors_of, validate_record

FIXTURES = Path(__file__).parent / "fixtures"
BASE = "https://cveawg.example.org/api"
Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def client_for(handler: Handler, **kwargs: Any) -> CveOrgClient:
    return CveOrgClient(BASE, httpx.Client(transport=httpx.MockTransport(handler)), **kwargs)


def answer(status: int, body: Any, seen: list[httpx.Request] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content)

    return handler


def rejected_errors(record: Any) -> list[str]:
    """The bundled schema's Rejected branch (validate_record checks only the Published one)."""
    text = resources.files("steward.data").joinpath(SCHEMA_DIR, "CVE_JSON_bundled_5.1.1.json").read_text("utf-8")
    schema = json.loads(text)
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)
    )
    validator = Draft7Validator({"$ref": schema["$id"] + "#/oneOf/1"}, registry=registry)
    return [str(e) for e in errors_of(validator, record)]


def test_fixtures_validate_against_the_vendored_schema() -> None:
    assert validate_record(fixture("published.json")) == []
    assert rejected_errors(fixture("rejected.json")) == []
    assert validate_record(fixture("rejected.json")) != []
    assert rejected_errors(fixture("published.json")) != []


def test_published_record() -> None:
    seen: list[httpx.Request] = []
    client = client_for(answer(200, fixture("published.json"), seen))
    assert client.state("CVE-2099-10001") == "PUBLISHED"
    assert str(seen[0].url) == f"{BASE}/cve/CVE-2099-10001"
    assert seen[0].method == "GET"


def test_rejected_record() -> None:
    assert client_for(answer(200, fixture("rejected.json"))).state("CVE-2099-10002") == "REJECTED"


def test_an_explicit_reserved_state_is_read() -> None:
    body = {"cveMetadata": {"cveId": "CVE-2099-10003", "state": "RESERVED"}}
    assert client_for(answer(200, body)).state("CVE-2099-10003") == "RESERVED"


def test_the_no_record_404_means_no_record_yet() -> None:
    assert client_for(answer(404, fixture("no_record.json"))).state("CVE-2099-10004") is None


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body>Not Found</body></html>",
        {"error": "NOT_FOUND", "message": "no route"},
        ["CVE_RECORD_DNE"],
    ],
)
def test_any_other_404_is_an_error(body: Any) -> None:
    with pytest.raises(CveOrgError, match="404"):
        client_for(answer(404, body)).state("CVE-2099-10004")


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500, 502, 503])
def test_error_statuses_raise(status: int) -> None:
    with pytest.raises(CveOrgError, match=f"HTTP {status}"):
        client_for(answer(status, {"error": "x"})).state("CVE-2099-10001")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"not json", "not JSON"),
        ({"cveMetadata": {"cveId": "CVE-2099-99999", "state": "PUBLISHED"}}, "CVE-2099-99999"),
        ({"cveMetadata": {"cveId": "CVE-2099-10001", "state": "DRAFT"}}, "DRAFT"),
        ({"cveMetadata": {"cveId": "CVE-2099-10001"}}, "cveMetadata.state"),
        ({"cveMetadata": "PUBLISHED"}, "record for"),
        ([1, 2, 3], "record for"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_malformed_answers_raise(body: Any, match: str) -> None:
    with pytest.raises(CveOrgError, match=match):
        client_for(answer(200, body)).state("CVE-2099-10001")


def test_network_errors_are_cveorg_errors_that_sync_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(CveOrgError, match="ConnectTimeout") as caught:
        client_for(handler).state("CVE-2099-10001")
    assert isinstance(caught.value, OperationFailed)
    assert caught.value.exit_code == 1


def test_the_body_is_capped() -> None:
    record = fixture("published.json")
    record["containers"]["cna"]["x_padding"] = "x" * 5000
    with pytest.raises(CveOrgError, match="more than 4096 bytes"):
        client_for(answer(200, record), max_bytes=4096).state("CVE-2099-10001")
    assert client_for(answer(200, record), max_bytes=10_000).state("CVE-2099-10001") == "PUBLISHED"


def test_redirects_to_other_hosts_are_refused() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "https://elsewhere.example.net/api/cve/CVE-2099-10001"})

    with pytest.raises(CveOrgError, match=r"elsewhere\.example\.net"):
        client_for(handler).state("CVE-2099-10001")
    assert [r.url.host for r in seen] == ["cveawg.example.org"]


def test_same_origin_redirects_are_followed_a_few_times() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/cve/CVE-2099-10001":
            return httpx.Response(301, headers={"location": "/api/v2/cve/CVE-2099-10001"})
        return httpx.Response(200, json=fixture("published.json"))

    assert client_for(handler).state("CVE-2099-10001") == "PUBLISHED"

    def loop(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": str(request.url)})

    with pytest.raises(CveOrgError, match="redirected more than"):
        client_for(loop).state("CVE-2099-10001")


def test_the_default_client_has_a_timeout_and_does_not_follow_redirects() -> None:
    client = CveOrgClient()
    assert str(client.base) == "https://cveawg.mitre.org/api/"
    assert client.client.follow_redirects is False
    assert client.client.timeout.read == 20.0
    client.client.close()


@pytest.mark.parametrize(
    "value",
    ["cve-2099-10001", "CVE-2099-1", "CVE-2099-10001/../../org", "CVE-2099-10001?x=1", "", "CVE-2099-10001\n"],
)
def test_the_cve_id_is_validated_before_any_request(value: str) -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(UsageError, match="not a CVE id"):
        client_for(answer(200, fixture("published.json"), seen)).state(value)
    assert seen == []


@pytest.mark.parametrize("base", ["ftp://cveawg.example.org/api", "not a url", "https://"])
def test_a_bad_base_url_is_a_usage_error(base: str) -> None:
    with pytest.raises(UsageError, match="http"):
        CveOrgClient(base)


@pytest.mark.parametrize(
    ("state", "expected"),
    [("PUBLISHED", "draft-cve-published"), ("RESERVED", "wait"), (None, "wait"), ("REJECTED", "blocker")],
)
def test_outcome(state: Any, expected: str) -> None:
    assert outcome(state) == expected


def test_outcome_of_an_error_is_retry() -> None:
    assert outcome(CveOrgError("cve.org could not be reached.")) == "retry"


def test_check_combines_state_and_outcome() -> None:
    assert check(client_for(answer(200, fixture("published.json"))), "CVE-2099-10001") == (
        "draft-cve-published",
        "PUBLISHED",
        None,
    )
    result, state, message = check(client_for(answer(503, b"")), "CVE-2099-10001")
    assert (result, state) == ("retry", None)
    assert message is not None and "HTTP 503" in message


@given(st.binary(max_size=300), st.sampled_from([200, 404]))
def test_arbitrary_bodies_never_crash_with_anything_but_cveorg_error(body: bytes, status: int) -> None:
    client = client_for(answer(status, body))
    try:
        state = client.state("CVE-2099-10001")
    except CveOrgError:
        return
    assert state in ("PUBLISHED", "RESERVED", "REJECTED", None)
