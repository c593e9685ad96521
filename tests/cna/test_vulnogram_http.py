"""Vulnogram token API: allocation replies, status mapping, the CNA_private envelope, no-token hand-offs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx
from fixtures import ADVISORY_URL, ALLOCATE_URL, TOKEN, VULNOGRAM_URL, FakeVulnogram, sample_record, vulnogram_tool

from steward.cna.interface import (
    AllocationFields,
    AuthExpired,
    GuardRefused,
    HandOff,
    ManualAllocation,
    ManualPaste,
    Pending,
    RateLimited,
    ServiceError,
)
from steward.domain.lifecycle import RecordState

FIELDS = AllocationFields(title="Example Widget: token leak in logs", message_id="<root@example.org>")
CVE = "CVE-2031-1001"


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=VULNOGRAM_URL) as mock:
        yield mock


def test_allocate_posts_routing_fields_with_bearer_and_returns_the_one_id(router: respx.MockRouter) -> None:
    route = router.post("allocatecve").respond(200, json={"cve_ids": [CVE]})
    assert vulnogram_tool().allocate("widget", FIELDS) == CVE
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(sent.content) == {
        "pmc": "widget",
        "cvetitle": FIELDS.title,
        "messageid": "<root@example.org>",
        "listid": "security@widget.example.org",
    }


@pytest.mark.parametrize(
    "body",
    [
        {"cve_ids": []},
        {"cve_ids": [CVE, "CVE-2031-1002"]},
        {"cve_ids": ["CVE-31-1"]},
        {"cve_ids": "CVE-2031-1001"},
        {"other": 1},
    ],
)
def test_allocate_refuses_anything_but_exactly_one_valid_id(router: respx.MockRouter, body: object) -> None:
    router.post("allocatecve").respond(200, json=body)
    with pytest.raises(ServiceError, match="exactly one valid CVE id") as caught:
        vulnogram_tool().allocate("widget", FIELDS)
    assert caught.value.status == 200


def test_allocate_202_is_pending(router: respx.MockRouter) -> None:
    router.post("allocatecve").respond(202, text="PMC can not allocate directly, request mailed")
    result = vulnogram_tool().allocate("widget", FIELDS)
    assert isinstance(result, Pending) and result.ref == "<root@example.org>" and "--cve-id" in result.note


@pytest.mark.parametrize("status", [401, 403])
def test_allocate_auth_failures(router: respx.MockRouter, status: int) -> None:
    router.post("allocatecve").respond(status, json={"error": "token"})
    with pytest.raises(AuthExpired, match=str(status)):
        vulnogram_tool().allocate("widget", FIELDS)


@pytest.mark.parametrize("status", [400, 500, 502])
def test_allocate_server_errors_name_the_status(router: respx.MockRouter, status: int) -> None:
    router.post("allocatecve").respond(status, text="oops")
    with pytest.raises(ServiceError, match=f"HTTP {status}") as caught:
        vulnogram_tool().allocate("widget", FIELDS)
    assert caught.value.status == status


def test_429_is_rate_limited(router: respx.MockRouter) -> None:
    router.post("allocatecve").respond(429)
    with pytest.raises(RateLimited):
        vulnogram_tool().allocate("widget", FIELDS)


def test_transport_failure_is_a_service_error_without_status(router: respx.MockRouter) -> None:
    router.post("allocatecve").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ServiceError, match="could not reach") as caught:
        vulnogram_tool().allocate("widget", FIELDS)
    assert caught.value.status is None


@pytest.mark.parametrize(
    ("raw", "generic"),
    [
        ("DRAFT", RecordState.ALLOCATED),
        ("REVIEW", RecordState.REVIEW_READY),
        ("READY", RecordState.PUBLISH_READY),
        ("PUBLIC", RecordState.PUBLIC),
        ("REJECTED", RecordState.RETRACTED),
    ],
)
def test_fetch_maps_cna_private_state(raw: str, generic: RecordState) -> None:
    fake = FakeVulnogram()
    fake.docs[CVE] = {**sample_record(CVE), "CNA_private": {"owner": "widget", "state": raw}}
    with fake.serve():
        status = vulnogram_tool().fetch_current_state(CVE)
    assert status.state == generic
    assert "CNA_private" not in status.fields and status.fields["cveMetadata"]["cveId"] == CVE


@pytest.mark.parametrize(("doc", "status"), [(None, 404), ({"CNA_private": {"state": "WEIRD"}}, 200)])
def test_fetch_failures_are_unknown(router: respx.MockRouter, doc: object, status: int) -> None:
    router.get(f"cve5/json/{CVE}").respond(status, json=doc)
    found = vulnogram_tool().fetch_current_state(CVE)
    assert found.state == RecordState.UNKNOWN and found.detail


def test_fetch_auth_failure_is_not_hidden(router: respx.MockRouter) -> None:
    router.get(f"cve5/json/{CVE}").respond(401)
    with pytest.raises(AuthExpired):
        vulnogram_tool().fetch_current_state(CVE)


def test_repush_after_ready_keeps_ready_and_the_envelope() -> None:
    fake = FakeVulnogram()
    fake.docs[CVE] = {**sample_record(CVE), "CNA_private": {"owner": "widget", "state": "READY", "todo": ["ok"]}}
    changed = sample_record(CVE, refs=("https://git.example.org/widget/pull/7",))
    with fake.serve():
        diff = vulnogram_tool().push_update(CVE, changed, RecordState.REVIEW_READY)
    assert diff.state_change is None and diff.added
    written = fake.writes[-1]
    assert written["CNA_private"] == {"owner": "widget", "state": "READY", "todo": ["ok"]}


def test_references_added_in_the_tool_survive_a_push() -> None:
    fake = FakeVulnogram()
    in_tool = sample_record(CVE, refs=("https://tool-side.example.org/note",))
    fake.docs[CVE] = {**in_tool, "CNA_private": {"owner": "widget", "state": "DRAFT"}}
    with fake.serve():
        vulnogram_tool().push_update(CVE, sample_record(CVE, advisory=True))
    urls = [r["url"] for r in fake.writes[-1]["containers"]["cna"]["references"]]
    assert urls == ["https://git.example.org/widget/commit/1a2b3c", "https://tool-side.example.org/note", ADVISORY_URL]


def test_refused_writes_send_nothing() -> None:
    fake = FakeVulnogram()
    fake.docs[CVE] = {**sample_record(CVE), "CNA_private": {"owner": "widget", "state": "REVIEW"}}
    with fake.serve():
        tool = vulnogram_tool()
        with pytest.raises(GuardRefused):
            tool.push_update(CVE, sample_record(CVE, product="Another Product"))
        with pytest.raises(GuardRefused):
            tool.publish(CVE)
    assert fake.writes == []


def test_publish_sets_public_and_retract_sets_rejected_with_reason() -> None:
    fake = FakeVulnogram()
    fake.docs[CVE] = {**sample_record(CVE, advisory=True), "CNA_private": {"owner": "widget", "state": "READY"}}
    other = "CVE-2031-1009"
    fake.docs[other] = {**sample_record(other), "CNA_private": {"owner": "widget", "state": "DRAFT"}}
    with fake.serve():
        vulnogram_tool().publish(CVE)
        vulnogram_tool().retract(other, "duplicate of CVE-2031-1001")
    assert fake.docs[CVE]["CNA_private"]["state"] == "PUBLIC"
    assert fake.docs[other]["CNA_private"]["state"] == "REJECTED"
    assert fake.docs[other]["containers"]["cna"]["rejectedReasons"][0]["value"] == "duplicate of CVE-2031-1001"


def test_without_a_token_everything_is_a_human_step(router: respx.MockRouter) -> None:
    tool = vulnogram_tool(token=None)
    with pytest.raises(ManualAllocation) as allocation:
        tool.allocate("widget", FIELDS)
    assert allocation.value.url == ALLOCATE_URL and allocation.value.text == FIELDS.title
    record = sample_record(CVE)
    with pytest.raises(ManualPaste) as paste:
        tool.push_update(CVE, record)
    assert json.loads(paste.value.json_text) == record
    with pytest.raises(HandOff):
        tool.publish(CVE)
    with pytest.raises(HandOff):
        tool.retract(CVE, "r")
    assert tool.fetch_current_state(CVE).state == RecordState.UNKNOWN
    assert not router.calls
