"""CVE Services through cvelib: rate-limit retries, the WAF 403, auth, local-only drafts, CNA containers."""

from __future__ import annotations

import json
import re

import pytest
import responses
from fixtures import CVE_SERVICES_URL, FakeCveServices, cve_services_tool, sample_record

from steward.cna.interface import AllocationFields, AuthExpired, GuardRefused, RateLimited, ServiceError
from steward.cna.memory import MemoryState
from steward.domain.lifecycle import RecordState

FIELDS = AllocationFields(title="Example Widget: token leak in logs")
CVE = "CVE-2032-2001"
RESERVE = re.compile(re.escape(CVE_SERVICES_URL) + r"cve-id\?")
RESERVED = {"cve_ids": [{"cve_id": CVE, "state": "RESERVED"}]}
WAF_PAGE = "<html><body>Request blocked</body></html>"


@responses.activate
def test_429_then_success_retries_with_exponential_backoff() -> None:
    responses.add("POST", RESERVE, status=429, body="slow down")
    responses.add("POST", RESERVE, status=429, body="slow down")
    responses.add("POST", RESERVE, json=RESERVED)
    sleeps: list[float] = []
    assert cve_services_tool(sleeps=sleeps).allocate("widget", FIELDS) == CVE
    assert sleeps == [1.0, 2.0]
    assert len(responses.calls) == 3


@responses.activate
def test_waf_403_page_is_a_rate_limit_and_gives_up_after_five_tries() -> None:
    for _ in range(6):
        responses.add("POST", RESERVE, status=403, body=WAF_PAGE, content_type="text/html")
    sleeps: list[float] = []
    with pytest.raises(RateLimited, match="5 tries"):
        cve_services_tool(sleeps=sleeps).allocate("widget", FIELDS)
    assert len(responses.calls) == 5
    assert sleeps == [1.0, 2.0, 4.0, 8.0]


@responses.activate
def test_api_json_403_is_auth_without_retry() -> None:
    responses.add("POST", RESERVE, status=403, json={"error": "UNAUTHORIZED", "message": "bad key"})
    sleeps: list[float] = []
    with pytest.raises(AuthExpired, match="403"):
        cve_services_tool(sleeps=sleeps).allocate("widget", FIELDS)
    assert sleeps == [] and len(responses.calls) == 1


@responses.activate
def test_401_is_auth() -> None:
    responses.add("POST", RESERVE, status=401, json={"error": "UNAUTHORIZED", "message": "bad key"})
    with pytest.raises(AuthExpired, match="401"):
        cve_services_tool().allocate("widget", FIELDS)


@responses.activate
@pytest.mark.parametrize("status", [400, 500, 502])
def test_other_statuses_name_the_status(status: int) -> None:
    responses.add("POST", RESERVE, status=status, json={"error": "X", "message": "x"})
    with pytest.raises(ServiceError, match=f"HTTP {status}") as caught:
        cve_services_tool().allocate("widget", FIELDS)
    assert caught.value.status == status


@responses.activate
@pytest.mark.parametrize(
    "body", [{"cve_ids": []}, {"cve_ids": [{"cve_id": "nope"}]}, {"cve_ids": [RESERVED, RESERVED]}]
)
def test_reserve_needs_exactly_one_valid_id(body: object) -> None:
    responses.add("POST", RESERVE, json=body)
    store = MemoryState()
    with pytest.raises(ServiceError, match="exactly one"):
        cve_services_tool(store).allocate("widget", FIELDS)
    assert store.get(CVE) is None


def test_reserve_sends_the_year_and_the_org() -> None:
    fake = FakeCveServices()
    with fake.serve() as mock:
        cve_services_tool().allocate("widget", FIELDS)
        url = mock.calls[0].request.url or ""
    assert "cve_year=2032" in url and "short_name=example" in url and "amount=1" in url


def test_before_publication_nothing_is_written_remotely() -> None:
    fake = FakeCveServices()
    store = MemoryState()
    with fake.serve() as mock:
        tool = cve_services_tool(store)
        cve_id = tool.allocate("widget", FIELDS)
        tool.push_update(cve_id, sample_record(cve_id), RecordState.REVIEW_READY)
        tool.push_update(cve_id, sample_record(cve_id, advisory=True), RecordState.PUBLISH_READY)
        methods = [call.request.method for call in mock.calls]
    assert methods.count("POST") == 1  # the reservation only
    assert set(methods) == {"POST", "GET"}
    assert fake.writes == []
    stored = store.get(cve_id)
    assert stored is not None and stored[0] == RecordState.PUBLISH_READY


def test_publish_sends_only_the_cna_container_and_updates_use_put() -> None:
    fake = FakeCveServices()
    with fake.serve() as mock:
        tool = cve_services_tool()
        cve_id = tool.allocate("widget", FIELDS)
        tool.push_update(cve_id, sample_record(cve_id, advisory=True), RecordState.PUBLISH_READY)
        tool.publish(cve_id)
        publish = next(c for c in mock.calls if (c.request.url or "").endswith("/cna"))
        body = json.loads(publish.request.body or b"{}")
        assert set(body) == {"cnaContainer"} and "dataType" not in body["cnaContainer"]
        assert fake.writes == [f"publish {cve_id}"]
        tool.push_update(cve_id, sample_record(cve_id, advisory=True, refs=("https://example.org/more",)))
    assert fake.writes[-1] == f"update {cve_id}"
    assert fake.records[cve_id]["containers"]["cna"]["references"][-1]["url"] == "https://example.org/more"


def test_invalid_container_is_refused_before_sending() -> None:
    fake = FakeCveServices()
    with fake.serve():
        tool = cve_services_tool()
        cve_id = tool.allocate("widget", FIELDS)
        bad = sample_record(cve_id, advisory=True)
        del bad["containers"]["cna"]["descriptions"]
        tool.push_update(cve_id, bad, RecordState.PUBLISH_READY)
        with pytest.raises(GuardRefused, match=r"descriptions"):
            tool.publish(cve_id)
    assert fake.writes == []


def test_retract_rejects_with_a_valid_rejected_container() -> None:
    fake = FakeCveServices()
    with fake.serve():
        tool = cve_services_tool()
        cve_id = tool.allocate("widget", FIELDS)
        tool.retract(cve_id, "not a vulnerability")  # no local record: cvelib fetches the org id
        assert tool.fetch_current_state(cve_id).state == RecordState.RETRACTED
    assert fake.writes == [f"reject {cve_id}"]


def test_unreadable_state_is_unknown() -> None:
    with responses.RequestsMock() as mock:
        mock.add("GET", CVE_SERVICES_URL + f"cve-id/{CVE}", status=500, json={"error": "X", "message": "x"})
        found = cve_services_tool().fetch_current_state(CVE)
    assert found.state == RecordState.UNKNOWN and "500" in found.detail
